package io.sluice.brokerd.log;

import java.io.IOException;
import java.util.Arrays;

/**
 * Reads the bytes of a batch's records section in order: zig-zag varints, single bytes, skips and copies. The bytes
 * are a window {@code buf[pos, limit)}: for an uncompressed batch the window is the whole records section (a region
 * of the caller's array, nothing copied); for a compressed one it is a chunk of decompressed bytes that is refilled
 * from a {@link Source} as the reader moves on, so a batch is never inflated in memory as a whole.
 * <p>
 * Every read is bounded by what is present: a read past the end of the window (uncompressed) or of the decoder's
 * output (compressed) fails with a {@link BatchFormatException}, and a decoder that produces more than
 * {@code maxDecompressedBytes} fails as soon as it crosses that bound (a compression bomb is refused, not inflated).
 * Nothing is allocated from a length read out of the batch: {@link #readBytes} grows its copy only as bytes arrive.
 * <p>
 * Not thread-safe; one cursor reads one batch. The chunk array of a compressed read is the calling thread's
 * {@link Scratch} buffer, so a thread reads one compressed batch at a time (reads are leaf operations: validation,
 * a timestamp lookup, a cleaner or coordinator pass never nest).
 */
final class RecordCursor implements AutoCloseable {

    /**
     * Produces decompressed bytes; -1 at the end of the stream, never 0. An exception means corrupt input; a
     * {@link BatchFormatException} a more precise refusal (a block that would inflate past the bound).
     */
    interface Source extends AutoCloseable {
        int read(byte[] dst, int off, int len) throws IOException, BatchFormatException;

        @Override
        void close();
    }

    /** Per-thread reusable arrays: the window a compressed batch is decoded into, and a decoder's block output. */
    static final class Scratch {
        static final int CHUNK_BYTES = 16 * 1024;
        /** Block outputs up to this size are kept for the thread's next batch; larger ones are dropped after use. */
        static final int RETAINED_BLOCK_BYTES = 256 * 1024;
        private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

        final byte[] chunk = new byte[CHUNK_BYTES];
        private byte[] block = new byte[64 * 1024];

        static Scratch get() {
            return SCRATCH.get();
        }

        /** An array of at least {@code bytes} (a bound the caller checked against the bytes present). */
        byte[] block(int bytes) {
            if (block.length >= bytes) {
                return block;
            }
            byte[] b = new byte[bytes];
            if (bytes <= RETAINED_BLOCK_BYTES) {
                block = b;
            }
            return b;
        }
    }

    private byte[] buf;
    private int pos;
    private int limit;
    /** Stream position of {@code buf[0]}: positions count bytes of the records section from its start. */
    private long windowStart;
    private final Source source;
    private final long maxDecompressedBytes;
    private long decompressedBytes;
    private boolean sourceDone;

    private RecordCursor(byte[] buf, int from, int to, Source source, long maxDecompressedBytes) {
        this.buf = buf;
        this.pos = from;
        this.limit = to;
        this.windowStart = -from;
        this.source = source;
        this.maxDecompressedBytes = maxDecompressedBytes;
        this.sourceDone = source == null;
    }

    /** Reads {@code array[from, to)}, the records section of an uncompressed batch. */
    static RecordCursor over(byte[] array, int from, int to) {
        return new RecordCursor(array, from, to, null, Long.MAX_VALUE);
    }

    /** Reads what {@code source} decodes, failing once it has produced more than {@code maxDecompressedBytes}. */
    static RecordCursor decoding(Source source, long maxDecompressedBytes) {
        byte[] chunk = Scratch.get().chunk;
        return new RecordCursor(chunk, 0, 0, source, maxDecompressedBytes);
    }

    /** Bytes of the records section read so far. */
    long position() {
        return windowStart + pos;
    }

    /**
     * Fails unless record {@code recordIndex}, {@code n} bytes long, can be there: within the bytes left of an
     * uncompressed section, within the decompression bound of a compressed one (whose length is unknown ahead).
     */
    void requireRoom(long n, int recordIndex) throws BatchFormatException {
        if (source != null && n > maxDecompressedBytes - position()) {
            throw tooLarge(maxDecompressedBytes);
        }
        if (source == null && n > limit - pos) {
            throw new BatchFormatException(RejectReason.RECORD_FRAMING, "record " + recordIndex + " of the batch is malformed: "
                    + "its length " + n + " is more than the " + (limit - pos) + " bytes left in the batch", recordIndex);
        }
    }

    /** True when no byte is left (for a compressed batch: the decoder ended). */
    boolean atEnd() throws BatchFormatException {
        return pos == limit && !fill();
    }

    int readUnsignedByte() throws BatchFormatException {
        if (pos == limit && !fill()) {
            throw truncated();
        }
        return buf[pos++] & 0xff;
    }

    /** A zig-zag varint of at most 5 bytes, as every length, count and offset delta of a v2 record is written. */
    int readVarint() throws BatchFormatException {
        int p = pos;
        if (limit - p >= 5) { // the common case, without a window check per byte
            byte[] a = buf;
            int b = a[p];
            if (b >= 0) { // one byte: most lengths and deltas of small records
                pos = p + 1;
                return (b >>> 1) ^ -(b & 1);
            }
            int raw = b & 0x7f;
            for (int shift = 7; shift < 35; shift += 7) {
                b = a[++p];
                raw |= (b & 0x7f) << shift;
                if (b >= 0) {
                    pos = p + 1;
                    return (raw >>> 1) ^ -(raw & 1);
                }
            }
            throw new BatchFormatException(RejectReason.RECORD_FRAMING, "a varint is longer than 5 bytes");
        }
        int raw = (int) readRawAcrossWindows(5);
        return (raw >>> 1) ^ -(raw & 1);
    }

    /** A zig-zag varlong of at most 10 bytes (timestamp deltas). */
    long readVarlong() throws BatchFormatException {
        int p = pos;
        if (limit - p >= 10) {
            byte[] a = buf;
            long raw = 0;
            for (int shift = 0; shift < 70; shift += 7) {
                int b = a[p++];
                raw |= (long) (b & 0x7f) << shift;
                if (b >= 0) {
                    pos = p;
                    return (raw >>> 1) ^ -(raw & 1);
                }
            }
            throw new BatchFormatException(RejectReason.RECORD_FRAMING, "a varlong is longer than 10 bytes");
        }
        long raw = readRawAcrossWindows(10);
        return (raw >>> 1) ^ -(raw & 1);
    }

    /** The unsigned bits of a varint of at most {@code maxBytes} bytes that may span windows (the rare case). */
    private long readRawAcrossWindows(int maxBytes) throws BatchFormatException {
        long raw = 0;
        for (int shift = 0; shift < 7 * maxBytes; shift += 7) {
            int b = readUnsignedByte();
            raw |= (long) (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                return raw;
            }
        }
        throw new BatchFormatException(RejectReason.RECORD_FRAMING, "a varint is longer than " + maxBytes + " bytes");
    }

    /** Moves {@code n} bytes on without copying them. */
    void skip(long n) throws BatchFormatException {
        if (n <= limit - pos) {
            pos += (int) n;
            return;
        }
        long left = n;
        while (left > 0) {
            if (pos == limit && !fill()) {
                throw truncated();
            }
            int step = (int) Math.min(left, limit - pos);
            pos += step;
            left -= step;
        }
    }

    /**
     * The next {@code n} bytes as a new array. The array grows as bytes are read, so a length that lies about the
     * bytes that follow costs no more memory than the bytes actually present.
     */
    byte[] readBytes(int n) throws BatchFormatException {
        if (n <= limit - pos) {
            byte[] out = Arrays.copyOfRange(buf, pos, pos + n);
            pos += n;
            return out;
        }
        byte[] out = new byte[Math.max(limit - pos, Math.min(n, Scratch.CHUNK_BYTES))];
        int filled = 0;
        while (filled < n) {
            if (pos == limit && !fill()) {
                throw truncated();
            }
            int step = Math.min(n - filled, limit - pos);
            if (filled + step > out.length) {
                out = Arrays.copyOf(out, (int) Math.min(n, Math.max((long) out.length * 2, filled + step)));
            }
            System.arraycopy(buf, pos, out, filled, step);
            pos += step;
            filled += step;
        }
        return out;
    }

    /** Refills an exhausted window from the decoder; false at the end of the bytes. */
    private boolean fill() throws BatchFormatException {
        if (sourceDone) {
            return false;
        }
        int n;
        try {
            n = source.read(buf, 0, buf.length);
        } catch (IOException | RuntimeException e) {
            // A decoder failing on its input: corrupt compressed data (zstd-jni, lz4 and the JDK's inflater report
            // bad input as IOException or unchecked exceptions alike).
            throw new BatchFormatException(RejectReason.COMPRESSION, "the compressed records cannot be decompressed: " + e.getMessage());
        }
        if (n < 0) {
            sourceDone = true;
            return false;
        }
        if (n == 0) {
            throw new BatchFormatException(RejectReason.COMPRESSION, "the decompressor made no progress");
        }
        windowStart += limit;
        pos = 0;
        limit = n;
        decompressedBytes += n;
        if (decompressedBytes > maxDecompressedBytes) {
            throw tooLarge(maxDecompressedBytes);
        }
        return true;
    }

    static BatchFormatException tooLarge(long maxDecompressedBytes) {
        return new BatchFormatException(RejectReason.DECOMPRESSED_TOO_LARGE, "the records inflate to more than "
                + maxDecompressedBytes + " bytes when decompressed (message.decompressed.max.bytes)");
    }

    private BatchFormatException truncated() {
        return new BatchFormatException(RejectReason.RECORD_FRAMING, "the records end in the middle of a field, at byte "
                + position() + " of the " + (source == null ? "" : "decompressed ") + "records");
    }

    @Override
    public void close() {
        if (source != null) {
            source.close();
        }
    }
}
