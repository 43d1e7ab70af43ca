package io.sluice.brokerd.log;

import com.github.luben.zstd.RecyclingBufferPool;
import com.github.luben.zstd.ZstdInputStreamNoFinalizer;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4SafeDecompressor;
import net.jpountz.xxhash.XXHash32;
import net.jpountz.xxhash.XXHashFactory;
import org.xerial.snappy.Snappy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.zip.GZIPInputStream;

/**
 * Decoders of a compressed records section, by the codec id in the batch attributes (Kafka's: 1 gzip, 2 snappy,
 * 3 lz4, 4 zstd), each a {@link RecordCursor.Source} streaming decompressed bytes: gzip from the JDK, zstd from
 * zstd-jni, snappy and lz4 from snappy-java and lz4-java with the framing read here. The libraries' own stream
 * readers for snappy (xerial framing) and lz4 (frame format) allocate buffers of sizes the compressed bytes declare
 * (up to 512 MiB for a snappy chunk) before looking at the data; here every declared size is first checked against
 * the compressed bytes present and the codec's largest possible expansion. Stateless apart from the decoders made.
 */
final class RecordDecoders {
    static final int NONE = 0;
    static final int GZIP = 1;
    static final int SNAPPY = 2;
    static final int LZ4 = 3;
    static final int ZSTD = 4;

    private RecordDecoders() {
    }

    /**
     * A decoder of {@code src[off, off + len)} compressed with {@code codec}; {@code maxBytes} bounds its output (the
     * cursor enforces it; a decoder that must decode a whole block at once checks a block's declared size against it).
     */
    static RecordCursor.Source open(int codec, byte[] src, int off, int len, long maxBytes) throws BatchFormatException {
        try {
            return switch (codec) {
                case GZIP -> new StreamSource(new GZIPInputStream(new ByteArrayInputStream(src, off, len), 8192));
                case SNAPPY -> new SnappySource(src, off, len, maxBytes);
                case LZ4 -> new Lz4FrameSource(src, off, len);
                case ZSTD -> new StreamSource(new ZstdInputStreamNoFinalizer(new ByteArrayInputStream(src, off, len),
                        RecyclingBufferPool.INSTANCE));
                default -> throw new BatchFormatException(RejectReason.COMPRESSION, "unknown compression codec " + codec
                        + " (0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd)");
            };
        } catch (IOException | RuntimeException e) {
            throw new BatchFormatException(RejectReason.COMPRESSION, "the compressed records cannot be decompressed: " + e.getMessage());
        }
    }

    /** A JDK-style decompressing stream over the compressed bytes (gzip, zstd). */
    private record StreamSource(InputStream in) implements RecordCursor.Source {
        @Override
        public int read(byte[] dst, int off, int len) throws IOException {
            return in.read(dst, off, len);
        }

        @Override
        public void close() {
            try {
                in.close(); // over an in-memory array: frees the native inflater / zstd context
            } catch (IOException e) {
                throw new UncheckedIOException("closing a decompressor", e);
            }
        }
    }

    /** Serves decoded blocks one after the other; subclasses decode the next block. */
    private abstract static class BlockSource implements RecordCursor.Source {
        final byte[] src;
        int pos;
        final int end;
        byte[] block;
        int blockPos;
        int blockLimit;

        BlockSource(byte[] src, int off, int len) {
            this.src = src;
            this.pos = off;
            this.end = off + len;
        }

        /** Decodes the next block into {@code block[blockPos, blockLimit)}; false at the end of the data. */
        abstract boolean nextBlock() throws IOException, BatchFormatException;

        @Override
        public int read(byte[] dst, int off, int len) throws IOException, BatchFormatException {
            while (blockPos == blockLimit) {
                if (!nextBlock()) {
                    return -1;
                }
            }
            int n = Math.min(len, blockLimit - blockPos);
            System.arraycopy(block, blockPos, dst, off, n);
            blockPos += n;
            return n;
        }

        int need(int bytes, String what) throws IOException {
            if (end - pos < bytes) {
                throw new IOException("the " + what + " is cut short");
            }
            return pos;
        }

        @Override
        public void close() {
            // nothing native to free
        }
    }

    /**
     * Snappy as Kafka clients write it: the xerial framing of snappy-java (an 16-byte header, then blocks each
     * preceded by their big-endian compressed length; the Java producer's blocks are 32 KiB) or, as librdkafka
     * writes it, one raw snappy block. A raw block starts with its uncompressed length, a varint; snappy expands
     * a compressed byte to at most 64/3 bytes, so a declared length beyond 22 per compressed byte is a lie and is
     * refused before anything is allocated.
     */
    static final class SnappySource extends BlockSource {
        private static final byte[] XERIAL_MAGIC = {(byte) 0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0};
        private static final int XERIAL_HEADER_BYTES = 16;
        static final int MAX_EXPANSION = 22;
        private final boolean framed;
        private final long maxBytes;
        private long decodedBytes;
        private boolean rawDone;

        SnappySource(byte[] src, int off, int len, long maxBytes) {
            super(src, off, len);
            this.framed = xerialHeaderAt(off);
            this.maxBytes = maxBytes;
        }

        private boolean xerialHeaderAt(int at) {
            if (end - at < XERIAL_MAGIC.length) {
                return false;
            }
            for (int i = 0; i < XERIAL_MAGIC.length; i++) {
                if (src[at + i] != XERIAL_MAGIC[i]) {
                    return false;
                }
            }
            return true;
        }

        @Override
        boolean nextBlock() throws IOException, BatchFormatException {
            if (!framed) {
                if (rawDone) {
                    return false;
                }
                rawDone = true;
                decode(pos, end - pos);
                pos = end;
                return true;
            }
            while (pos < end && xerialHeaderAt(pos)) {
                need(XERIAL_HEADER_BYTES, "snappy stream header");
                pos += XERIAL_HEADER_BYTES; // a header again: concatenated streams
            }
            if (pos == end) {
                return false;
            }
            int at = need(4, "snappy block length");
            int length = ((src[at] & 0xff) << 24) | ((src[at + 1] & 0xff) << 16) | ((src[at + 2] & 0xff) << 8) | (src[at + 3] & 0xff);
            pos += 4;
            if (length < 0 || length > end - pos) {
                throw new IOException("a snappy block of " + length + " bytes runs past the " + (end - pos) + " bytes left");
            }
            decode(pos, length);
            pos += length;
            return true;
        }

        private void decode(int at, int length) throws IOException, BatchFormatException {
            int declared = Snappy.uncompressedLength(src, at, length);
            if (declared < 0 || declared > (long) MAX_EXPANSION * length) {
                throw new IOException("a snappy block of " + length + " bytes declares " + declared + " uncompressed bytes");
            }
            decodedBytes += declared;
            if (decodedBytes > maxBytes) {
                throw RecordCursor.tooLarge(maxBytes);
            }
            block = RecordCursor.Scratch.get().block(declared);
            int n = Snappy.uncompress(src, at, length, block, 0);
            if (n != declared) {
                throw new IOException("a snappy block declares " + declared + " bytes but holds " + n);
            }
            blockPos = 0;
            blockLimit = n;
        }
    }

    /**
     * The LZ4 frame format (magic 0x184D2204, a descriptor with its xxHash32 check byte, blocks each preceded by a
     * little-endian length whose top bit marks a stored block, a zero end mark, optional checksums), as the Java
     * producer and librdkafka write it: independent blocks, no dictionary. Several frames may follow each other.
     * A compressed block of {@code n} bytes expands to at most 255 bytes each (and to the frame's block size), so
     * the output array is sized from both before decoding.
     */
    static final class Lz4FrameSource extends BlockSource {
        private static final int MAGIC = 0x184D2204;
        private static final int SKIPPABLE_MAGIC = 0x184D2A50;
        static final int MAX_EXPANSION = 255;
        private static final LZ4SafeDecompressor DECOMPRESSOR = LZ4Factory.fastestInstance().safeDecompressor();
        private static final XXHash32 XXHASH = XXHashFactory.fastestInstance().hash32();
        private boolean inFrame;
        private boolean blockChecksums;
        private boolean contentChecksum;
        private int maxBlockBytes;

        Lz4FrameSource(byte[] src, int off, int len) {
            super(src, off, len);
        }

        private int intLE(int at) {
            return (src[at] & 0xff) | ((src[at + 1] & 0xff) << 8) | ((src[at + 2] & 0xff) << 16) | ((src[at + 3] & 0xff) << 24);
        }

        @Override
        boolean nextBlock() throws IOException {
            while (true) {
                if (!inFrame) {
                    if (pos == end) {
                        return false;
                    }
                    readFrameHeader();
                    continue;
                }
                int word = intLE(need(4, "lz4 block length"));
                pos += 4;
                if (word == 0) { // end mark
                    if (contentChecksum) {
                        need(4, "lz4 content checksum");
                        pos += 4; // the batch CRC already covers these bytes
                    }
                    inFrame = false;
                    continue;
                }
                boolean stored = (word & 0x80000000) != 0;
                int length = word & 0x7fffffff;
                if (length > maxBlockBytes || length > end - pos) {
                    throw new IOException("an lz4 block of " + length + " bytes exceeds the frame's block size "
                            + maxBlockBytes + " or the " + (end - pos) + " bytes left");
                }
                if (blockChecksums) {
                    int sum = intLE(need(length + 4, "lz4 block checksum") + length);
                    if (XXHASH.hash(src, pos, length, 0) != sum) {
                        throw new IOException("lz4 block checksum mismatch");
                    }
                }
                if (stored) {
                    block = src;
                    blockPos = pos;
                    blockLimit = pos + length;
                } else {
                    int room = (int) Math.min(maxBlockBytes, (long) MAX_EXPANSION * length);
                    block = RecordCursor.Scratch.get().block(room);
                    blockPos = 0;
                    blockLimit = DECOMPRESSOR.decompress(src, pos, length, block, 0, room);
                }
                pos += length + (blockChecksums ? 4 : 0);
                if (blockLimit > blockPos) {
                    return true;
                }
            }
        }

        private void readFrameHeader() throws IOException {
            int at = need(4, "lz4 frame magic");
            int magic = intLE(at);
            if ((magic & 0xFFFFFFF0) == SKIPPABLE_MAGIC) {
                int size = intLE(need(8, "lz4 skippable frame") + 4);
                if (size < 0 || size > end - pos - 8) {
                    throw new IOException("an lz4 skippable frame of " + size + " bytes runs past the data");
                }
                pos += 8 + size;
                return;
            }
            if (magic != MAGIC) {
                throw new IOException("not an lz4 frame (magic " + Integer.toHexString(magic) + ")");
            }
            need(7, "lz4 frame descriptor");
            int flg = src[at + 4] & 0xff;
            int bd = src[at + 5] & 0xff;
            if ((flg >>> 6) != 1 || (flg & 0x02) != 0 || (bd & 0x8f) != 0 || ((bd >>> 4) & 7) < 4) {
                throw new IOException("unsupported lz4 frame descriptor (FLG " + flg + ", BD " + bd + ")");
            }
            if ((flg & 0x20) == 0) {
                throw new IOException("lz4 frames with dependent blocks are not supported (Kafka clients write independent blocks)");
            }
            if ((flg & 0x01) != 0) {
                throw new IOException("lz4 frames with a dictionary are not supported");
            }
            int descriptorBytes = 2 + ((flg & 0x08) != 0 ? 8 : 0);
            int checkAt = need(4 + descriptorBytes + 1, "lz4 frame descriptor") + 4 + descriptorBytes;
            int check = (XXHASH.hash(src, at + 4, descriptorBytes, 0) >>> 8) & 0xff;
            if (check != (src[checkAt] & 0xff)) {
                throw new IOException("lz4 frame descriptor checksum mismatch");
            }
            pos = checkAt + 1;
            blockChecksums = (flg & 0x10) != 0;
            contentChecksum = (flg & 0x04) != 0;
            maxBlockBytes = 1 << (8 + 2 * ((bd >>> 4) & 7));
            inFrame = true;
        }
    }
}
