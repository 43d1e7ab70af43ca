package io.sluice.brokerd.log;

import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.utils.ByteBufferOutputStream;
import org.xerial.snappy.Snappy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Builds v2 record batches byte by byte for tests, lying wherever a test asks (counts, lengths, offset deltas,
 * headers, compressed sizes) and always with a valid CRC, so that only the broker's record checks can refuse them.
 * Compressed sections are written by kafka-clients' own compressors (what the Java producer sends) or, for snappy,
 * also as the single raw block librdkafka sends.
 */
public final class CraftedBatch {
    public static final int NONE = 0;
    public static final int GZIP = 1;
    public static final int SNAPPY = 2;
    public static final int LZ4 = 3;
    public static final int ZSTD = 4;
    /** Not a Kafka codec id: snappy as one raw block (librdkafka), stored with codec id 2. */
    public static final int SNAPPY_RAW = 102;

    private CraftedBatch() {
    }

    /** Zig-zag varints and raw bytes. */
    public static final class Bytes {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        public Bytes varint(long value) {
            long v = (value << 1) ^ (value >> 63);
            while ((v & ~0x7FL) != 0) {
                out.write((int) ((v & 0x7F) | 0x80));
                v >>>= 7;
            }
            out.write((int) v);
            return this;
        }

        public Bytes raw(int... bytes) {
            for (int b : bytes) {
                out.write(b);
            }
            return this;
        }

        public Bytes bytes(byte[] b) {
            out.write(b, 0, b.length);
            return this;
        }

        /** A length (-1 for null) and the bytes. */
        public Bytes field(byte[] b) {
            return b == null ? varint(-1) : varint(b.length).bytes(b);
        }

        public byte[] toByteArray() {
            return out.toByteArray();
        }
    }

    public static byte[] utf8(String s) {
        return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
    }

    /** A record's body (what follows its length): attributes 0, deltas, key, value and headers (key, value pairs). */
    public static byte[] body(long timestampDelta, int offsetDelta, byte[] key, byte[] value, byte[]... headerKeysAndValues) {
        Bytes b = new Bytes().raw(0).varint(timestampDelta).varint(offsetDelta).field(key).field(value)
                .varint(headerKeysAndValues.length / 2);
        for (byte[] h : headerKeysAndValues) {
            b.field(h);
        }
        return b.toByteArray();
    }

    /** A record: its body with the length in front. */
    public static byte[] record(byte[] body) {
        return new Bytes().varint(body.length).bytes(body).toByteArray();
    }

    /** A well-formed record. */
    public static byte[] record(long timestampDelta, int offsetDelta, String key, String value) {
        return record(body(timestampDelta, offsetDelta, utf8(key), utf8(value)));
    }

    public static byte[] concat(byte[]... parts) {
        Bytes b = new Bytes();
        for (byte[] p : parts) {
            b.bytes(p);
        }
        return b.toByteArray();
    }

    /** Compresses a records section as a producer would; {@link #SNAPPY_RAW} as one raw snappy block. */
    public static byte[] compress(int codec, byte[] records) {
        return compress(codec, out -> out.write(records));
    }

    /** Writes a records section through a producer's compressor. */
    public interface SectionWriter {
        void write(OutputStream out) throws IOException;
    }

    public static byte[] compress(int codec, SectionWriter writer) {
        try {
            if (codec == SNAPPY_RAW) {
                ByteArrayOutputStream raw = new ByteArrayOutputStream();
                writer.write(raw);
                return Snappy.compress(raw.toByteArray());
            }
            ByteBufferOutputStream buffer = new ByteBufferOutputStream(1024);
            try (OutputStream out = Compression.of(CompressionType.forId(codec)).build().wrapForOutput(buffer, (byte) 2)) {
                writer.write(out);
            }
            ByteBuffer b = buffer.buffer().flip();
            byte[] bytes = new byte[b.remaining()];
            b.get(bytes);
            return bytes;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Builder batch() {
        return new Builder();
    }

    /** A batch header and records section; every field may be set to a lie. */
    public static final class Builder {
        private int codec = NONE;
        private byte[] section = new byte[0];
        private Integer count;
        private Integer lastOffsetDelta;
        private long baseTimestamp = -1;
        private Long maxTimestamp;
        private long producerId = -1;
        private short producerEpoch = -1;
        private int baseSequence = -1;
        private int extraAttributes;
        private byte magic = 2;
        private long baseOffset;

        /** Uncompressed records; the count defaults to how many there are. */
        public Builder records(byte[]... records) {
            this.section = concat(records);
            if (count == null) {
                count = records.length;
            }
            return this;
        }

        /** Records compressed with {@code codec} as a producer would ({@link #SNAPPY_RAW}: librdkafka's snappy). */
        public Builder compressed(int codec, byte[]... records) {
            records(records);
            this.section = compress(codec, section);
            this.codec = codec == SNAPPY_RAW ? SNAPPY : codec;
            return this;
        }

        /** The records section exactly as given, stored under {@code codec}. */
        public Builder section(int codec, byte[] section) {
            this.codec = codec;
            this.section = section;
            return this;
        }

        public Builder count(int count) {
            this.count = count;
            return this;
        }

        public Builder lastOffsetDelta(int delta) {
            this.lastOffsetDelta = delta;
            return this;
        }

        public Builder timestamps(long base, long max) {
            this.baseTimestamp = base;
            this.maxTimestamp = max;
            return this;
        }

        public Builder producer(long id, short epoch, int baseSequence) {
            this.producerId = id;
            this.producerEpoch = epoch;
            this.baseSequence = baseSequence;
            return this;
        }

        /** Attribute bits besides the codec (0x08 LogAppendTime, 0x10 transactional, 0x20 control). */
        public Builder attributes(int bits) {
            this.extraAttributes = bits;
            return this;
        }

        public Builder magic(int magic) {
            this.magic = (byte) magic;
            return this;
        }

        public Builder baseOffset(long offset) {
            this.baseOffset = offset;
            return this;
        }

        public ByteBuffer build() {
            int n = count == null ? 0 : count;
            ByteBuffer buf = ByteBuffer.allocate(RecordBatchHeader.HEADER_BYTES + section.length);
            buf.putLong(baseOffset).putInt(buf.capacity() - RecordBatchHeader.LOG_OVERHEAD).putInt(-1).put(magic).putInt(0)
                    .putShort((short) (codec | extraAttributes)).putInt(lastOffsetDelta == null ? n - 1 : lastOffsetDelta)
                    .putLong(baseTimestamp).putLong(maxTimestamp == null ? baseTimestamp : maxTimestamp)
                    .putLong(producerId).putShort(producerEpoch).putInt(baseSequence).putInt(n).put(section);
            buf.flip();
            buf.putInt(RecordBatchHeader.CRC, (int) RecordBatchHeader.computeCrc(buf, 0));
            return buf;
        }
    }
}
