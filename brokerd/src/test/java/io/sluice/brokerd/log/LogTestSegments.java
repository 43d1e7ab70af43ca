package io.sluice.brokerd.log;

import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Builds segments batch by batch with offsets assigned, for the tests of the log's parts. */
final class LogTestSegments {
    private LogTestSegments() {
    }

    /** A v2 batch of {@code values} at {@code baseOffset}, leader epoch {@code epoch}, timestamps from {@code ts}. */
    static ByteBuffer batchAt(long baseOffset, int epoch, long ts, String... values) {
        ByteBuffer b = PartitionLogTest.batch(ts, values);
        RecordBatchHeader.setBaseOffset(b, 0, baseOffset);
        RecordBatchHeader.setLeaderEpoch(b, 0, epoch);
        return b;
    }

    /** Appends {@code values} as one batch to the active segment; returns the offset after it. */
    static long append(LogSegments segments, int epoch, long ts, String... values) throws Exception {
        Segment active = segments.active();
        long base = active.nextOffset();
        active.append(batchAt(base, epoch, ts, values));
        return base + values.length;
    }

    /** The values of the records in {@code slice} at or above {@code fromOffset}. */
    static List<String> values(FileSlice slice, long fromOffset) throws Exception {
        List<String> out = new ArrayList<>();
        for (RecordBatch b : MemoryRecords.readableRecords(slice.readFully()).batches()) {
            for (Record r : b) {
                if (r.offset() >= fromOffset) {
                    out.add(StandardCharsets.UTF_8.decode(r.value()).toString());
                }
            }
        }
        return out;
    }
}
