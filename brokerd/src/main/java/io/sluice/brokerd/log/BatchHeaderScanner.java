package io.sluice.brokerd.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * Walks the batch headers of a region {@code [position, end)} of a segment file with as few reads as it can: one
 * read fetches a block of up to {@link #BLOCK_BYTES} and the headers inside it are scanned in memory. Small batches
 * (one record is ~170 bytes, and the offset index has an entry only every {@code index.interval.bytes}) cost one
 * read per block instead of one per batch; after a batch larger than a block, only the next header is read, so
 * walking large batches copies no more than reading header by header did.
 * <pre>
 *   while (scan.load(headerBytes)) {
 *       ... RecordBatchHeader.xxx(scan.buffer(), scan.offset()) ...
 *       scan.advance(RecordBatchHeader.totalSize(scan.buffer(), scan.offset()));
 *   }
 * </pre>
 * Never reads at or past {@code end}. The block is a direct buffer kept per thread (no copy through the JDK's
 * temporary buffer, no allocation per lookup), so a thread may use one scanner at a time; scans are leaf
 * operations and never nest. Not thread-safe.
 */
final class BatchHeaderScanner {
    static final int BLOCK_BYTES = 8192;
    private static final ThreadLocal<ByteBuffer> BLOCKS = ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(BLOCK_BYTES));

    private final FileChannel channel;
    private final long end;
    private final ByteBuffer block = BLOCKS.get();
    private long position;
    /** File position of the block's first byte, and its valid length; nothing is loaded while the length is 0. */
    private long blockStart;
    private int blockBytes;
    private int lastAdvance;

    BatchHeaderScanner(FileChannel channel, long position, long end) {
        this.channel = channel;
        this.position = position;
        this.end = end;
    }

    /**
     * Makes the {@code headerBytes} at the current position readable through {@link #buffer()} at {@link #offset()};
     * false when fewer than {@code headerBytes} remain before the end.
     */
    boolean load(int headerBytes) throws IOException {
        if (end - position < headerBytes) {
            return false;
        }
        if (position < blockStart || position + headerBytes > blockStart + blockBytes) {
            int length = lastAdvance > BLOCK_BYTES ? headerBytes : (int) Math.min(BLOCK_BYTES, end - position);
            block.clear().limit(length);
            Segment.readFully(channel, block, position);
            blockStart = position;
            blockBytes = length;
        }
        return true;
    }

    /** The block holding the loaded header. */
    ByteBuffer buffer() {
        return block;
    }

    /** Index of the loaded header in {@link #buffer()}. */
    int offset() {
        return (int) (position - blockStart);
    }

    /** File position of the current batch. */
    long position() {
        return position;
    }

    /** Moves to the next batch, {@code batchBytes} on; a size below the batch overhead means a corrupt header. */
    void advance(int batchBytes) throws IOException {
        if (batchBytes < RecordBatchHeader.LOG_OVERHEAD) {
            throw new IOException("corrupt batch header at position " + position + ": size " + batchBytes);
        }
        position += batchBytes;
        lastAdvance = batchBytes;
    }
}
