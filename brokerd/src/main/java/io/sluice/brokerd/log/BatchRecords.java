package io.sluice.brokerd.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Walks the records inside one stored v2 batch with {@link RecordReader}, decompressing with the codec named in its
 * attributes (through {@link RecordDecoders}, never the whole batch at once). Timestamp lookups read each record's
 * offset and timestamp only; the cleaner and the group coordinator get copies of keys, values and headers. Lists and
 * arrays grow with the records actually present, never from a count or length in the batch, so a corrupt batch
 * costs no more memory than its bytes. A batch that does not parse fails with an IOException naming its offset.
 */
public final class BatchRecords {
    /** Stored batches were checked against their topic's bound when produced; this only stops a corrupt one. */
    private static final long STORED_DECOMPRESSED_MAX_BYTES = Integer.MAX_VALUE;

    private BatchRecords() {
    }

    /** The first record of the batch with timestamp >= {@code targetMs}, or null. */
    static TimestampOffset firstAtOrAfter(ByteBuffer batch, long targetMs) throws IOException {
        long baseOffset = RecordBatchHeader.baseOffset(batch, 0);
        if (RecordBatchHeader.isLogAppendTime(batch, 0)) {
            long ts = RecordBatchHeader.maxTimestamp(batch, 0);
            return ts >= targetMs ? new TimestampOffset(ts, baseOffset) : null;
        }
        long baseTs = RecordBatchHeader.baseTimestamp(batch, 0);
        TimestampOffset[] found = {null};
        walk(batch, false, r -> {
            long ts = baseTs + r.timestampDelta;
            if (ts >= targetMs) {
                found[0] = new TimestampOffset(ts, baseOffset + r.offsetDelta);
                return false;
            }
            return true;
        });
        return found[0];
    }

    /** A record's offset, key and value (null for absent). */
    public record KeyValue(long offset, byte[] key, byte[] value) {
    }

    /** Every record of the batch with its key and value (decompressing when needed). */
    static List<KeyValue> keyValues(ByteBuffer batch) throws IOException {
        long baseOffset = RecordBatchHeader.baseOffset(batch, 0);
        List<KeyValue> out = new ArrayList<>();
        walk(batch, true, r -> out.add(new KeyValue(baseOffset + r.offsetDelta, r.key, r.value)));
        return out;
    }

    /** A whole record as the cleaner rewrites it: absolute offset and timestamp, key, value, encoded headers. */
    record FullRecord(long offset, long timestampMs, byte[] key, byte[] value, byte[] headers) {
    }

    /** Every record of the batch with everything needed to write it again. */
    static List<FullRecord> fullRecords(ByteBuffer batch) throws IOException {
        long baseOffset = RecordBatchHeader.baseOffset(batch, 0);
        long baseTs = RecordBatchHeader.baseTimestamp(batch, 0);
        List<FullRecord> out = new ArrayList<>();
        walk(batch, true, r -> out.add(new FullRecord(baseOffset + r.offsetDelta, baseTs + r.timestampDelta, r.key, r.value, r.headers)));
        return out;
    }

    /** Called per record; false stops the walk. */
    private interface RecordVisitor {
        boolean visit(RecordReader record);
    }

    /**
     * Reads the records of {@code batch} (a whole batch at position 0) in order, handing each to {@code visitor};
     * {@code copy} fills in keys, values and headers.
     */
    private static void walk(ByteBuffer batch, boolean copy, RecordVisitor visitor) throws IOException {
        int total = RecordBatchHeader.totalSize(batch, 0);
        if (total < RecordBatchHeader.HEADER_BYTES || total > batch.limit()) {
            throw new IOException("corrupt batch at offset " + RecordBatchHeader.baseOffset(batch, 0) + ": size " + total
                    + " of " + batch.limit() + " bytes read");
        }
        byte[] array;
        int from;
        if (batch.hasArray()) {
            array = batch.array();
            from = batch.arrayOffset();
        } else {
            array = new byte[total];
            batch.duplicate().position(0).limit(total).get(array);
            from = 0;
        }
        int count = RecordBatchHeader.recordCount(batch, 0);
        int codec = RecordBatchHeader.compressionCodec(batch, 0);
        int recordsFrom = from + RecordBatchHeader.HEADER_BYTES;
        RecordReader record = new RecordReader();
        try (RecordCursor cursor = codec == RecordDecoders.NONE ? RecordCursor.over(array, recordsFrom, from + total)
                : RecordCursor.decoding(RecordDecoders.open(codec, array, recordsFrom, from + total - recordsFrom,
                STORED_DECOMPRESSED_MAX_BYTES), STORED_DECOMPRESSED_MAX_BYTES)) {
            for (int i = 0; i < count && !cursor.atEnd(); i++) {
                record.read(cursor, copy, i);
                if (!visitor.visit(record)) {
                    return;
                }
            }
        } catch (BatchFormatException e) {
            throw new IOException("corrupt batch at offset " + RecordBatchHeader.baseOffset(batch, 0) + ": " + e.getMessage());
        }
    }
}
