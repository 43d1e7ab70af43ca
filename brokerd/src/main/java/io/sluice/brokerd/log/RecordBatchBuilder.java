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

    private RecordBatchBuilder() {
    }

    public static ByteBuffer build(List<Entry> entries, long timestampMs) {
        ByteArrayOutputStream records = new ByteArrayOutputStream();
        for (int i = 0; i < entries.size(); i++) {
            writeRecord(records, i, entries.get(i));
        }
        byte[] body = records.toByteArray();
        ByteBuffer buf = ByteBuffer.allocate(RecordBatchHeader.HEADER_BYTES + body.length);
        buf.putLong(0L);                                    // baseOffset
        buf.putInt(buf.capacity() - RecordBatchHeader.LOG_OVERHEAD);
        buf.putInt(0);                                      // partitionLeaderEpoch
        buf.put((byte) 2);                                  // magic
        buf.putInt(0);                                      // crc, below
        buf.putShort((short) 0);                            // attributes: no compression, CreateTime
        buf.putInt(entries.size() - 1);                     // lastOffsetDelta
        buf.putLong(timestampMs);                           // baseTimestamp
        buf.putLong(timestampMs);                           // maxTimestamp
        buf.putLong(-1L);                                   // producerId
        buf.putShort((short) -1);                           // producerEpoch
        buf.putInt(-1);                                     // baseSequence
        buf.putInt(entries.size());
        buf.put(body);
        buf.flip();
        buf.putInt(RecordBatchHeader.CRC, (int) RecordBatchHeader.computeCrc(buf, 0));
        return buf;
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

    private static void writeRecord(ByteArrayOutputStream out, int offsetDelta, Entry e) {
        ByteArrayOutputStream r = new ByteArrayOutputStream();
        r.write(0);                 // attributes
        writeVarlong(r, 0);         // timestampDelta
        writeVarlong(r, offsetDelta);
        writeBytes(r, e.key());
        writeBytes(r, e.value());
        writeVarlong(r, 0);         // no headers
        byte[] rec = r.toByteArray();
        writeVarlong(out, rec.length);
        out.write(rec, 0, rec.length);
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
