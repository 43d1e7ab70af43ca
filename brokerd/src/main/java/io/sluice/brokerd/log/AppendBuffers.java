package io.sluice.brokerd.log;

import java.nio.ByteBuffer;

/** The bytes of an append: copied out of the caller's buffer, then given their offsets. Stateless but for a per-thread buffer. */
final class AppendBuffers {
    /** Largest append copied into the per-thread direct buffer (see {@link #copy}); the buffer grows to it. */
    static final int SCRATCH_MAX_BYTES = 1 << 20;
    private static final ThreadLocal<ByteBuffer[]> SCRATCH = ThreadLocal.withInitial(() -> new ByteBuffer[1]);

    private AppendBuffers() {
    }

    /**
     * Writes offsets from {@code firstOffset} and {@code leaderEpoch} into each batch header of {@code buf} (and the
     * append time when {@code logAppendTimeMs >= 0}); returns the offset after the last batch.
     */
    static long assignOffsets(ByteBuffer buf, long firstOffset, int leaderEpoch, long logAppendTimeMs) {
        long next = firstOffset;
        for (int pos = 0; pos < buf.limit(); pos += RecordBatchHeader.totalSize(buf, pos)) {
            RecordBatchHeader.setBaseOffset(buf, pos, next);
            RecordBatchHeader.setLeaderEpoch(buf, pos, leaderEpoch);
            if (logAppendTimeMs >= 0) {
                RecordBatchHeader.setLogAppendTime(buf, pos, logAppendTimeMs);
            }
            next = RecordBatchHeader.lastOffset(buf, pos) + 1;
        }
        return next;
    }

    /**
     * The bytes an append patches and writes, copied out of the caller's buffer, which stays untouched: a produce
     * request's records are a view of the network layer's frame, which it may parse again (an error response), and
     * a follower's come from a fetch response. The copy goes into a direct buffer kept per thread, so
     * {@code FileChannel.write} hands it to the kernel as it is; a heap buffer would be copied once more into the
     * JDK's temporary direct buffer. Appends larger than {@link #SCRATCH_MAX_BYTES} (rare: the producer's
     * batch size is 16 KiB by default) take a heap copy as before. The returned buffer (position 0) is valid until
     * this thread's next append and must not escape the append.
     */
    static ByteBuffer copy(ByteBuffer records) {
        int size = records.remaining();
        if (size > SCRATCH_MAX_BYTES) {
            return ByteBuffer.allocate(size).put(records.duplicate()).flip();
        }
        ByteBuffer[] holder = SCRATCH.get();
        ByteBuffer scratch = holder[0];
        if (scratch == null || scratch.capacity() < size) {
            int capacity = Math.min(SCRATCH_MAX_BYTES, Math.max(64 * 1024, Integer.highestOneBit(size - 1) << 1));
            scratch = ByteBuffer.allocateDirect(capacity);
            holder[0] = scratch;
        }
        scratch.clear().limit(size);
        return scratch.put(records.duplicate()).flip();
    }
}
