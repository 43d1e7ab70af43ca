package io.sluice.systest.fuzz;

import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.utils.ByteBufferOutputStream;
import org.apache.kafka.common.utils.ByteUtils;
import org.apache.kafka.common.utils.Crc32C;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * A v2 record batch written field by field, so that any field can lie while the CRC stays valid. Built from a
 * {@link BatchSpec}, it encodes to exactly the bytes kafka-clients writes for it (a unit test holds this) until a
 * field is changed. Each record is a list of named {@link Part}s (its length prefix computed from them unless
 * overridden), so a lie replaces one part with any bytes: a wrong length, an overlong varint, a duplicate offset
 * delta. A compressed batch's records are compressed after the lies, with kafka-clients' codecs, unless
 * {@link #section} replaces the whole records section.
 * <p>
 * Layout (Kafka's): baseOffset int64, batchLength int32, partitionLeaderEpoch int32, magic int8, crc uint32
 * (CRC32C of everything after it), attributes int16, lastOffsetDelta int32, baseTimestamp int64, maxTimestamp int64,
 * producerId int64, producerEpoch int16, baseSequence int32, recordCount int32, records.
 */
final class LyingBatch {
    static final int HEADER_BYTES = 61;
    private static final int CRC_OFFSET = 17;
    private static final int ATTRIBUTES_OFFSET = 21;

    /** One field of a record, in wire order. */
    record Part(String name, byte[] bytes) {
    }

    /** A record as its parts; {@code lengthOverride} replaces the computed length prefix (raw bytes) when set. */
    static final class RecordParts {
        final List<Part> parts = new ArrayList<>();
        byte[] lengthOverride;

        int indexOf(String name) {
            for (int i = 0; i < parts.size(); i++) {
                if (parts.get(i).name().equals(name)) {
                    return i;
                }
            }
            return -1;
        }

        void replace(String name, byte[] bytes) {
            int i = indexOf(name);
            if (i < 0) {
                throw new IllegalArgumentException("no part " + name);
            }
            parts.set(i, new Part(name, bytes));
        }

        byte[] body() {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            parts.forEach(p -> out.writeBytes(p.bytes()));
            return out.toByteArray();
        }

        byte[] encode() {
            byte[] body = body();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.writeBytes(lengthOverride != null ? lengthOverride : varint(body.length));
            out.writeBytes(body);
            return out.toByteArray();
        }
    }

    long baseOffset;
    int partitionLeaderEpoch = RecordBatch.NO_PARTITION_LEADER_EPOCH;
    byte magic = RecordBatch.MAGIC_VALUE_V2;
    short attributes;
    int lastOffsetDelta;
    long baseTimestamp;
    long maxTimestamp;
    long producerId;
    short producerEpoch;
    int baseSequence;
    int recordCount;
    /** The codec the records are compressed with (the header's codec bits are in {@link #attributes}). */
    CompressionType codec;
    final List<RecordParts> records = new ArrayList<>();
    /** Bytes after the last record, inside the (compressed) records section. */
    byte[] trailingRecordBytes = new byte[0];
    /** Replaces the whole records section (as stored, i.e. compressed) when set. */
    byte[] section;
    /** Replaces the batch length field when set. */
    Integer batchLengthOverride;
    /** Leaves the CRC as it was before the last lie: the stored CRC does not match. */
    boolean staleCrc;

    static LyingBatch of(BatchSpec spec) {
        LyingBatch b = new LyingBatch();
        b.codec = spec.codec();
        b.attributes = (short) spec.codec().id;
        List<SimpleRecord> rs = spec.records();
        b.baseTimestamp = rs.get(0).timestamp();
        b.maxTimestamp = rs.stream().mapToLong(SimpleRecord::timestamp).max().orElse(RecordBatch.NO_TIMESTAMP);
        b.producerId = spec.producerId();
        b.producerEpoch = spec.producerEpoch();
        b.baseSequence = spec.baseSequence();
        b.recordCount = rs.size();
        b.lastOffsetDelta = rs.size() - 1;
        for (int i = 0; i < rs.size(); i++) {
            b.records.add(parts(rs.get(i), b.baseTimestamp, i));
        }
        return b;
    }

    /** A record's parts as Kafka writes them (attributes 0). */
    static RecordParts parts(SimpleRecord r, long baseTimestamp, int offsetDelta) {
        RecordParts p = new RecordParts();
        p.parts.add(new Part("attributes", new byte[]{0}));
        p.parts.add(new Part("timestampDelta", varlong(r.timestamp() - baseTimestamp)));
        p.parts.add(new Part("offsetDelta", varint(offsetDelta)));
        addField(p, "key", r.key());
        addField(p, "value", r.value());
        p.parts.add(new Part("headerCount", varint(r.headers().length)));
        for (int h = 0; h < r.headers().length; h++) {
            Header header = r.headers()[h];
            addField(p, "headerKey" + h, header.key().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            addField(p, "headerValue" + h, header.value());
        }
        return p;
    }

    private static void addField(RecordParts p, String name, Object value) {
        ByteBuffer b = value == null ? null : value instanceof ByteBuffer bb ? bb.duplicate() : ByteBuffer.wrap((byte[]) value);
        if (b == null) {
            p.parts.add(new Part(name + "Length", varint(-1)));
            return;
        }
        byte[] bytes = new byte[b.remaining()];
        b.get(bytes);
        p.parts.add(new Part(name + "Length", varint(bytes.length)));
        p.parts.add(new Part(name, bytes));
    }

    /** The records section as stored: the records (and trailing bytes), compressed with {@link #codec}. */
    byte[] recordsSection() {
        if (section != null) {
            return section;
        }
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        records.forEach(r -> raw.writeBytes(r.encode()));
        raw.writeBytes(trailingRecordBytes);
        return compress(codec, raw.toByteArray());
    }

    static byte[] compress(CompressionType codec, byte[] raw) {
        if (codec == CompressionType.NONE) {
            return raw;
        }
        try {
            ByteBufferOutputStream buffer = new ByteBufferOutputStream(Math.max(64, raw.length / 2));
            try (OutputStream out = Compression.of(codec).build().wrapForOutput(buffer, RecordBatch.MAGIC_VALUE_V2)) {
                out.write(raw);
            }
            ByteBuffer b = buffer.buffer().flip();
            byte[] bytes = new byte[b.remaining()];
            b.get(bytes);
            return bytes;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    byte[] encode() {
        byte[] recordsSection = recordsSection();
        ByteBuffer buf = ByteBuffer.allocate(HEADER_BYTES + recordsSection.length);
        int batchLength = buf.capacity() - 12;
        buf.putLong(baseOffset).putInt(batchLengthOverride != null ? batchLengthOverride : batchLength)
                .putInt(partitionLeaderEpoch).put(magic).putInt(0).putShort(attributes).putInt(lastOffsetDelta)
                .putLong(baseTimestamp).putLong(maxTimestamp).putLong(producerId).putShort(producerEpoch)
                .putInt(baseSequence).putInt(recordCount).put(recordsSection);
        long crc = Crc32C.compute(buf.array(), ATTRIBUTES_OFFSET, buf.capacity() - ATTRIBUTES_OFFSET);
        buf.putInt(CRC_OFFSET, (int) (staleCrc ? crc ^ 0x5A5A5A5AL : crc));
        return buf.array();
    }

    static byte[] varint(int value) {
        ByteBuffer b = ByteBuffer.allocate(5);
        ByteUtils.writeVarint(value, b);
        return java.util.Arrays.copyOf(b.array(), b.position());
    }

    static byte[] varlong(long value) {
        ByteBuffer b = ByteBuffer.allocate(10);
        ByteUtils.writeVarlong(value, b);
        return java.util.Arrays.copyOf(b.array(), b.position());
    }

    /** {@code value}'s zig-zag varint padded with continuation bytes to {@code width} bytes (over 5: invalid). */
    static byte[] overlongVarint(long value, int width) {
        long v = (value << 1) ^ (value >> 63);
        byte[] out = new byte[width];
        for (int i = 0; i < width; i++) {
            out[i] = (byte) ((v & 0x7F) | (i < width - 1 ? 0x80 : 0));
            v >>>= 7;
        }
        return out;
    }
}
