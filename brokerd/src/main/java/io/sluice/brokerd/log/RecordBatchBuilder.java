package io.sluice.brokerd.log;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * Writes an uncompressed v2 record batch (the broker's own records: committed offsets, group metadata, transaction
 * markers). Base offset 0 and leader epoch 0; the log assigns both. Producer id -1 (not idempotent) unless a
 * transaction's producer is given.
 * Also encodes records for the cleaner ({@link BatchRewriter}). Stateless.
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
        return build(entries, timestampMs, -1L, (short) -1, (short) 0);
    }

    /**
     * A batch of a transaction, written by a coordinator (the group coordinator's TxnOffsetCommit records): producer
     * {@code producerId} in {@code producerEpoch}, transactional, without a sequence (coordinators write none; Kafka's
     * origin COORDINATOR).
     */
    public static ByteBuffer buildTransactional(List<Entry> entries, long timestampMs, long producerId, short producerEpoch) {
        return build(entries, timestampMs, producerId, producerEpoch, (short) RecordBatchHeader.TRANSACTIONAL_BIT);
    }

    /** A batch of {@code entries} with the given producer fields and attributes; base sequence -1. */
    static ByteBuffer build(List<Entry> entries, long timestampMs, long producerId, short producerEpoch, short attributes) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (int i = 0; i < entries.size(); i++) {
            writeRecord(body, new BatchRecords.FullRecord(i, timestampMs, entries.get(i).key(), entries.get(i).value(), NO_HEADERS),
                    0, timestampMs);
        }
        byte[] b = body.toByteArray();
        ByteBuffer buf = ByteBuffer.allocate(RecordBatchHeader.HEADER_BYTES + b.length);
        buf.putLong(0).putInt(buf.capacity() - RecordBatchHeader.LOG_OVERHEAD).putInt(0).put((byte) 2).putInt(0)
                .putShort(attributes).putInt(entries.size() - 1).putLong(timestampMs).putLong(timestampMs)
                .putLong(producerId).putShort(producerEpoch).putInt(-1).putInt(entries.size()).put(b);
        buf.flip();
        buf.putInt(RecordBatchHeader.CRC, (int) RecordBatchHeader.computeCrc(buf, 0));
        return buf;
    }

    /**
     * Writes {@code records} (absolute offsets and timestamps) to {@code out} as a batch's record section whose base
     * offset and base timestamp are the given ones: per record its length, attributes 0, timestamp and offset
     * deltas, key, value and the headers as encoded.
     */
    static void writeRecords(OutputStream out, List<BatchRecords.FullRecord> records, long baseOffset, long baseTimestampMs)
            throws IOException {
        ByteArrayOutputStream one = new ByteArrayOutputStream();
        for (BatchRecords.FullRecord r : records) {
            one.reset();
            writeRecord(one, r, baseOffset, baseTimestampMs);
            one.writeTo(out);
        }
    }

    private static void writeRecord(ByteArrayOutputStream out, BatchRecords.FullRecord r, long baseOffset, long baseTimestampMs) {
        ByteArrayOutputStream rec = new ByteArrayOutputStream();
        rec.write(0);
        writeVarlong(rec, r.timestampMs() - baseTimestampMs);
        writeVarlong(rec, r.offset() - baseOffset);
        writeBytes(rec, r.key());
        writeBytes(rec, r.value());
        rec.write(r.headers(), 0, r.headers().length);
        writeVarlong(out, rec.size());
        out.writeBytes(rec.toByteArray());
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
