package io.sluice.brokerd.log;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * Writes an uncompressed v2 record batch (the broker's own records: committed offsets, group metadata). Base offset
 * 0 and leader epoch 0; {@link PartitionLog#appendAsLeader} assigns both. Producer id -1 (not idempotent).
 * Stateless.
 */
public final class RecordBatchBuilder {

    /** One record; a null value is a tombstone. */
    public record Entry(byte[] key, byte[] value) {
    }

    /** The encoding of an empty header array: varint 0. */
    private static final byte[] NO_HEADERS = {0};

    private RecordBatchBuilder() {
    }

    public static ByteBuffer build(List<Entry> entries, long timestampMs) {
        List<BatchRecords.FullRecord> records = new java.util.ArrayList<>(entries.size());
        for (int i = 0; i < entries.size(); i++) {
            records.add(new BatchRecords.FullRecord(i, timestampMs, entries.get(i).key(), entries.get(i).value(), NO_HEADERS));
        }
        return rebuild(records);
    }

    /**
     * Writes records that keep their original offsets and timestamps (the cleaner's output): baseOffset is the first
     * record's offset, deltas are relative to it, headers are copied as encoded. Not idempotent (producer id -1).
     */
    static ByteBuffer rebuild(List<BatchRecords.FullRecord> records) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        long base = records.get(0).offset();
        long baseTs = records.stream().mapToLong(BatchRecords.FullRecord::timestampMs).min().orElse(0);
        long maxTs = records.stream().mapToLong(BatchRecords.FullRecord::timestampMs).max().orElse(0);
        for (BatchRecords.FullRecord r : records) {
            ByteArrayOutputStream rec = new ByteArrayOutputStream();
            rec.write(0);
            writeVarlong(rec, r.timestampMs() - baseTs);
            writeVarlong(rec, r.offset() - base);
            writeBytes(rec, r.key());
            writeBytes(rec, r.value());
            rec.write(r.headers(), 0, r.headers().length);
            byte[] bytes = rec.toByteArray();
            writeVarlong(body, bytes.length);
            body.write(bytes, 0, bytes.length);
        }
        byte[] b = body.toByteArray();
        ByteBuffer buf = ByteBuffer.allocate(RecordBatchHeader.HEADER_BYTES + b.length);
        buf.putLong(base).putInt(buf.capacity() - RecordBatchHeader.LOG_OVERHEAD).putInt(0).put((byte) 2).putInt(0)
                .putShort((short) 0).putInt((int) (records.get(records.size() - 1).offset() - base))
                .putLong(baseTs).putLong(maxTs).putLong(-1L).putShort((short) -1).putInt(-1).putInt(records.size()).put(b);
        buf.flip();
        buf.putInt(RecordBatchHeader.CRC, (int) RecordBatchHeader.computeCrc(buf, 0));
        return buf;
    }

    private static void writeBytes(ByteArrayOutputStream out, byte[] b) {
        if (b == null) {
            writeVarlong(out, -1);
        } else {
            writeVarlong(out, b.length);
            out.write(b, 0, b.length);
        }
    }

    /** Zig-zag varint, as the v2 record format uses for every length and delta. */
    private static void writeVarlong(ByteArrayOutputStream out, long value) {
        long v = (value << 1) ^ (value >> 63);
        while ((v & ~0x7FL) != 0) {
            out.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
    }
}
