package io.sluice.brokerd.log;

import io.sluice.brokerd.common.TopicPartition;
import io.sluice.brokerd.config.TopicConfigDef;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.SimpleRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

@Timeout(30)
class PartitionLogTest {
    @TempDir
    Path dir;
    private static final TopicPartition TP = new TopicPartition("t", 0);

    static LogConfig config(String... kv) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return LogConfig.from(m);
    }

    static ByteBuffer batch(long timestampMs, String... values) {
        SimpleRecord[] records = new SimpleRecord[values.length];
        for (int i = 0; i < values.length; i++) {
            records[i] = new SimpleRecord(timestampMs + i, null, values[i].getBytes(StandardCharsets.UTF_8));
        }
        return MemoryRecords.withRecords(Compression.NONE, records).buffer();
    }

    static ByteBuffer idempotentBatch(long pid, short epoch, int seq, String... values) {
        SimpleRecord[] records = new SimpleRecord[values.length];
        for (int i = 0; i < values.length; i++) {
            records[i] = new SimpleRecord(1000 + i, null, values[i].getBytes(StandardCharsets.UTF_8));
        }
        return MemoryRecords.withIdempotentRecords(Compression.NONE, pid, epoch, seq, records).buffer();
    }

    PartitionLog open(LogConfig cfg, boolean recover) throws Exception {
        return PartitionLog.open(TP, dir.resolve("t-0"), cfg, recover, 0, 0, false, 1_000);
    }

    static List<String> readValues(PartitionLog log, long from) throws Exception {
        List<String> out = new ArrayList<>();
        long offset = from;
        while (offset < log.logEndOffset()) {
            ReadResult.Records r = (ReadResult.Records) log.read(offset, 1 << 20, true, log.highWatermark());
            MemoryRecords mr = MemoryRecords.readableRecords(r.slice().readFully());
            for (RecordBatch b : mr.batches()) {
                for (Record rec : b) {
                    if (rec.offset() >= offset) {
                        out.add(StandardCharsets.UTF_8.decode(rec.value()).toString());
                    }
                }
                offset = b.lastOffset() + 1;
            }
        }
        return out;
    }

    @Test
    void appendsAssignContiguousOffsetsAcrossRollsAndReadBack() throws Exception {
        try (PartitionLog log = open(config(TopicConfigDef.SEGMENT_BYTES, "300"), false)) {
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                AppendResult r = log.appendAsLeader(batch(1000 + i, "a" + i, "b" + i), 0, 2000);
                assertThat(r).isInstanceOf(AppendResult.Appended.class);
                assertThat(((AppendResult.Appended) r).firstOffset()).isEqualTo(2L * i);
                expected.add("a" + i);
                expected.add("b" + i);
            }
            assertThat(log.segmentCount()).isGreaterThan(5);
            assertThat(log.logEndOffset()).isEqualTo(100);
            assertThat(readValues(log, 0)).isEqualTo(expected);
            assertThat(readValues(log, 57)).isEqualTo(expected.subList(57, 100));
        }
        try (PartitionLog reopened = open(config(TopicConfigDef.SEGMENT_BYTES, "300"), false)) {
            assertThat(reopened.logEndOffset()).isEqualTo(100);
            assertThat(readValues(reopened, 31).get(0)).isEqualTo("b15");
        }
    }

    @Test
    void corruptBatchesAreRefusedAndNothingIsAppended() throws Exception {
        try (PartitionLog log = open(LogConfig.defaults(), false)) {
            ByteBuffer bad = batch(1000, "x");
            bad.put(bad.limit() - 1, (byte) (bad.get(bad.limit() - 1) ^ 0xff));
            AppendResult r = log.appendAsLeader(bad, 0, 2000);
            assertThat(r).isInstanceOf(AppendResult.Rejected.class);
            assertThat(((AppendResult.Rejected) r).error()).isEqualTo(AppendError.CORRUPT_MESSAGE);
            ByteBuffer truncated = batch(1000, "y");
            truncated.limit(truncated.limit() - 3);
            assertThat(((AppendResult.Rejected) log.appendAsLeader(truncated, 0, 2000)).error()).isEqualTo(AppendError.CORRUPT_MESSAGE);
            ByteBuffer badMagic = batch(1000, "z");
            badMagic.put(RecordBatchHeader.MAGIC, (byte) 1);
            // Kafka 4 answers a Produce (v3+) whose batch is not magic 2 with INVALID_RECORD.
            assertThat(((AppendResult.Rejected) log.appendAsLeader(badMagic, 0, 2000)).error()).isEqualTo(AppendError.INVALID_RECORD);
            assertThat(log.logEndOffset()).isZero();
            assertThat(log.sizeBytes()).isZero();
        }
    }

    @Test
    void batchesLargerThanMaxMessageBytesAreRefused() throws Exception {
        try (PartitionLog log = open(config(TopicConfigDef.MAX_MESSAGE_BYTES, "100"), false)) {
            AppendResult r = log.appendAsLeader(batch(1000, "x".repeat(200)), 0, 2000);
            assertThat(((AppendResult.Rejected) r).error()).isEqualTo(AppendError.RECORD_TOO_LARGE);
        }
    }

    @Test
    void retentionBySizeRemovesOldestSegmentsAndMovesLogStart() throws Exception {
        try (PartitionLog log = open(config(TopicConfigDef.SEGMENT_BYTES, "200", TopicConfigDef.RETENTION_BYTES, "400",
                TopicConfigDef.FILE_DELETE_DELAY_MS, "0"), false)) {
            for (int i = 0; i < 40; i++) {
                log.appendAsLeader(batch(System.currentTimeMillis(), "value-" + i), 0, System.currentTimeMillis());
            }
            int before = log.segmentCount();
            log.maintain(System.currentTimeMillis());
            assertThat(log.segmentCount()).isLessThan(before);
            assertThat(log.sizeBytes()).isLessThanOrEqualTo(400 + 200);
            assertThat(log.logStartOffset()).isGreaterThan(0);
            assertThat(readValues(log, log.logStartOffset()).get(0)).isEqualTo("value-" + log.logStartOffset());
            assertThat(log.read(0, 100, true, log.highWatermark())).isInstanceOf(ReadResult.OffsetOutOfRange.class);
        }
    }

    @Test
    void retentionByTimeRemovesExpiredSegments() throws Exception {
        long now = 10_000_000;
        try (PartitionLog log = open(config(TopicConfigDef.SEGMENT_BYTES, "200", TopicConfigDef.RETENTION_MS, "1000",
                TopicConfigDef.FILE_DELETE_DELAY_MS, "0"), false)) {
            for (int i = 0; i < 10; i++) {
                log.appendAsLeader(batch(now - 5000, "old-" + i), 0, now);
            }
            for (int i = 0; i < 3; i++) {
                log.appendAsLeader(batch(now, "new-" + i), 0, now);
            }
            log.maintain(now);
            assertThat(log.logStartOffset()).isGreaterThan(0);
            assertThat(readValues(log, log.logStartOffset())).endsWith("new-0", "new-1", "new-2");
            log.maintain(now + 10_000);
            assertThat(log.logStartOffset()).isEqualTo(13);
            assertThat(log.logEndOffset()).isEqualTo(13);
        }
    }

    @Test
    void theActiveSegmentRollsWhenOlderThanSegmentMs() throws Exception {
        try (PartitionLog log = PartitionLog.open(TP, dir.resolve("t-0"), config(TopicConfigDef.SEGMENT_MS, "1000"), false, 0, 0, false, 1_000)) {
            log.appendAsLeader(batch(1000, "a"), 0, 1_000);
            log.maintain(1_500);
            assertThat(log.segmentCount()).isEqualTo(1);
            log.maintain(2_001);
            assertThat(log.segmentCount()).isEqualTo(2);
            log.appendAsLeader(batch(3000, "b"), 0, 3_000);
            assertThat(readValues(log, 0)).containsExactly("a", "b");
        }
    }

    @Test
    void offsetForTimestampFindsTheFirstRecordAtOrAfter() throws Exception {
        try (PartitionLog log = open(config(TopicConfigDef.SEGMENT_BYTES, "200", TopicConfigDef.INDEX_INTERVAL_BYTES, "50"), false)) {
            for (int i = 0; i < 20; i++) {
                log.appendAsLeader(batch(1000L * i, "r" + (2 * i), "r" + (2 * i + 1)), 0, 5000);
            }
            assertThat(log.offsetForTimestamp(0)).contains(new TimestampOffset(0, 0));
            assertThat(log.offsetForTimestamp(5001)).contains(new TimestampOffset(5001, 11));
            assertThat(log.offsetForTimestamp(5002)).contains(new TimestampOffset(6000, 12));
            assertThat(log.offsetForTimestamp(7000)).contains(new TimestampOffset(7000, 14));
            assertThat(log.offsetForTimestamp(19_002)).isEmpty();
            assertThat(log.maxTimestamp()).contains(new TimestampOffset(19_001, 39));
        }
    }

    @Test
    void deleteRecordsMovesLogStartAndDropsWholeSegments() throws Exception {
        try (PartitionLog log = open(config(TopicConfigDef.SEGMENT_BYTES, "200"), false)) {
            for (int i = 0; i < 30; i++) {
                log.appendAsLeader(batch(1000, "v" + i), 0, 2000);
            }
            int before = log.segmentCount();
            assertThat(log.deleteRecordsBefore(17)).isEqualTo(17);
            assertThat(log.segmentCount()).isLessThan(before);
            assertThat(readValues(log, 17).get(0)).isEqualTo("v17");
        }
        try (PartitionLog reopened = PartitionLog.open(TP, dir.resolve("t-0"), config(TopicConfigDef.SEGMENT_BYTES, "200"), false, 0, 17, false, 1)) {
            assertThat(reopened.logStartOffset()).isEqualTo(17);
        }
    }

    @Test
    void recoveryCutsATornTail() throws Exception {
        Path logFile;
        try (PartitionLog log = open(LogConfig.defaults(), false)) {
            for (int i = 0; i < 5; i++) {
                log.appendAsLeader(batch(1000, "v" + i), 0, 2000);
            }
            logFile = dir.resolve("t-0").resolve("00000000000000000000.log");
        }
        long size = java.nio.file.Files.size(logFile);
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(logFile.toFile(), "rw")) {
            f.setLength(size - 5);
        }
        try (PartitionLog log = open(LogConfig.defaults(), true)) {
            assertThat(log.logEndOffset()).isEqualTo(4);
            assertThat(readValues(log, 0)).containsExactly("v0", "v1", "v2", "v3");
            assertThat(((AppendResult.Appended) log.appendAsLeader(batch(1000, "again"), 0, 2000)).firstOffset()).isEqualTo(4);
        }
    }

    @Test
    void idempotentDuplicatesAreDroppedAndGapsRefusedAlsoAfterReopen() throws Exception {
        try (PartitionLog log = open(LogConfig.defaults(), false)) {
            AppendResult first = log.appendAsLeader(idempotentBatch(7, (short) 0, 0, "a", "b"), 0, 2000);
            AppendResult dup = log.appendAsLeader(idempotentBatch(7, (short) 0, 0, "a", "b"), 0, 2000);
            assertThat(dup).isEqualTo(new AppendResult.Appended(0, 1, -1, 0, true));
            assertThat(((AppendResult.Appended) first).duplicate()).isFalse();
            AppendResult gap = log.appendAsLeader(idempotentBatch(7, (short) 0, 5, "c"), 0, 2000);
            assertThat(((AppendResult.Rejected) gap).error()).isEqualTo(AppendError.OUT_OF_ORDER_SEQUENCE_NUMBER);
            assertThat(log.appendAsLeader(idempotentBatch(7, (short) 0, 2, "c"), 0, 2000)).isInstanceOf(AppendResult.Appended.class);
            assertThat(log.logEndOffset()).isEqualTo(3);
        }
        try (PartitionLog log = open(LogConfig.defaults(), false)) {
            assertThat(log.appendAsLeader(idempotentBatch(7, (short) 0, 2, "c"), 0, 2000))
                    .isEqualTo(new AppendResult.Appended(2, 2, -1, 0, true));
            assertThat(((AppendResult.Rejected) log.appendAsLeader(idempotentBatch(7, (short) 0, 9, "z"), 0, 2000)).error())
                    .isEqualTo(AppendError.OUT_OF_ORDER_SEQUENCE_NUMBER);
        }
    }

    @Test
    void logAppendTimeStampsTheBatchAndKeepsItsCrcValid() throws Exception {
        try (PartitionLog log = open(config(TopicConfigDef.MESSAGE_TIMESTAMP_TYPE, "LogAppendTime"), false)) {
            AppendResult.Appended a = (AppendResult.Appended) log.appendAsLeader(batch(5, "x"), 0, 123_456);
            assertThat(a.logAppendTimeMs()).isEqualTo(123_456);
            ReadResult.Records r = (ReadResult.Records) log.read(0, 1000, true, 1);
            RecordBatch b = MemoryRecords.readableRecords(r.slice().readFully()).batches().iterator().next();
            assertThat(b.isValid()).isTrue();
            assertThat(b.maxTimestamp()).isEqualTo(123_456);
            assertThat(b.timestampType()).isEqualTo(org.apache.kafka.common.record.TimestampType.LOG_APPEND_TIME);
        }
    }

    /**
     * The batches of a compacted leader log: one holding records 5 and 7 of offsets 5-8 (count 2 over 4 offsets),
     * then after a gap (9-10 removed) an empty header kept for offsets 11-12.
     */
    static ByteBuffer compactedLeaderBatches() {
        ByteBuffer buf = ByteBuffer.allocate(1024);
        org.apache.kafka.common.record.MemoryRecordsBuilder b = MemoryRecords.builder(buf, RecordBatch.CURRENT_MAGIC_VALUE,
                Compression.NONE, org.apache.kafka.common.record.TimestampType.CREATE_TIME, 5, 1000, 42, (short) 0, 0, false, 3);
        b.appendWithOffset(5, 1000, "k5".getBytes(StandardCharsets.UTF_8), "v5".getBytes(StandardCharsets.UTF_8));
        b.appendWithOffset(7, 1000, "k7".getBytes(StandardCharsets.UTF_8), "v7".getBytes(StandardCharsets.UTF_8));
        b.overrideLastOffset(8);
        ByteBuffer first = b.build().buffer();
        ByteBuffer out = ByteBuffer.allocate(first.remaining() + 61);
        out.put(first);
        org.apache.kafka.common.record.DefaultRecordBatch.writeEmptyHeader(out, RecordBatch.CURRENT_MAGIC_VALUE, 42, (short) 0, 4,
                11, 12, 3, org.apache.kafka.common.record.TimestampType.CREATE_TIME, 1000, false, false);
        return out.flip();
    }

    @Test
    void aFollowerTakesTheBatchesOfACompactedLeaderLogWithTheirGaps() throws Exception {
        try (PartitionLog log = open(LogConfig.defaults(), false)) {
            log.truncateFullyAndStartAt(5);
            AppendResult a = log.appendAsFollower(compactedLeaderBatches(), 2000);
            assertThat(a).isEqualTo(new AppendResult.Appended(5, 12, -1, 5, false));
            assertThat(log.logEndOffset()).isEqualTo(13);
            assertThat(log.latestEpoch()).isEqualTo(3);
            // Offsets still only go up.
            AppendResult again = log.appendAsFollower(compactedLeaderBatches(), 2000);
            assertThat(((AppendResult.Rejected) again).error()).isEqualTo(AppendError.INVALID_RECORD);
            ByteBuffer corrupt = compactedLeaderBatches();
            corrupt.put(70, (byte) (corrupt.get(70) ^ 1));
            log.truncateTo(5);
            assertThat(((AppendResult.Rejected) log.appendAsFollower(corrupt, 2000)).error()).isEqualTo(AppendError.CORRUPT_MESSAGE);
        }
    }
}
