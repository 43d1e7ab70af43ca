package io.sluice.brokerd.log;

import io.sluice.brokerd.common.TopicPartition;
import io.sluice.brokerd.config.TopicConfigDef;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.sluice.brokerd.log.LogCleanerTest.compactConfig;
import static io.sluice.brokerd.log.LogCleanerTest.readAll;
import static io.sluice.brokerd.log.LogCleanerTest.records;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * What compaction keeps of each source batch, as Kafka's cleaner does: base and last offset, partition leader epoch,
 * compression codec (re-compressed with it), timestamp type, producer id/epoch/base sequence; and the header of a
 * batch whose records all went when the batch is its producer's last, or starts a leader epoch, so the producer
 * state and the leader-epoch cache rebuilt from batch headers after a restart are what they were.
 */
@Timeout(60)
class LogCleanerBatchFieldsTest {
    @TempDir
    Path dir;
    static final TopicPartition TP = new TopicPartition("compacted", 0);
    static final long NOW = 10_000_000;
    static final LogCleaner CLEANER = new LogCleaner(LogCleaner.DEFAULT_DEDUPE_BUFFER_BYTES);

    PartitionLog open(String name, LogConfig cfg) throws Exception {
        return PartitionLog.open(TP, dir.resolve(name), cfg, false, 0, 0, false, NOW);
    }

    static ByteBuffer keyed(Compression c, String... kvs) {
        return LogCleanerTest.keyed(NOW, c, kvs);
    }

    static ByteBuffer idempotent(long producerId, short epoch, int baseSequence, String... kvs) {
        return MemoryRecords.withIdempotentRecords(Compression.NONE, producerId, epoch, baseSequence, records(NOW, kvs)).buffer();
    }

    static AppendResult.Appended append(PartitionLog log, ByteBuffer batch, int leaderEpoch) {
        AppendResult r = log.appendAsLeader(batch, leaderEpoch, NOW);
        assertThat(r).isInstanceOf(AppendResult.Appended.class);
        return (AppendResult.Appended) r;
    }

    /** Every batch of the log from offset 0 as the Kafka client parses it. */
    static List<RecordBatch> batches(PartitionLog log) throws Exception {
        List<RecordBatch> out = new ArrayList<>();
        long offset = log.logStartOffset();
        while (offset < log.logEndOffset()) {
            ReadResult.Records r = (ReadResult.Records) log.read(offset, 1 << 20, true, log.logEndOffset());
            if (r.slice().sizeBytes() == 0) {
                break;
            }
            for (RecordBatch b : MemoryRecords.readableRecords(r.slice().readFully()).batches()) {
                assertThat(b.isValid()).as("CRC of the batch at %d", b.baseOffset()).isTrue();
                out.add(b);
                offset = b.nextOffset();
            }
        }
        return out;
    }

    /** The leader-epoch cache as users see it: the checkpoint file Kafka's tools read, and each epoch's end offset. */
    static List<String> epochCache(PartitionLog log) throws Exception {
        List<String> view = new ArrayList<>(Files.readAllLines(log.dir().resolve(LeaderEpochCache.CHECKPOINT)));
        for (int epoch = 0; epoch <= 5; epoch++) {
            view.add("end of epoch " + epoch + ": " + log.endOffsetForEpoch(epoch));
        }
        return view;
    }

    /** Rolls the active segment (it is older than segment.ms) so every batch so far is cleanable. */
    static void rollAndClean(PartitionLog log, long nowMs) {
        log.maintain(nowMs);
        CLEANER.maybeClean(log, nowMs, LogCleaner.StepHook.NONE);
    }

    static LogConfig config(String... extra) {
        List<String> kv = new ArrayList<>(List.of(TopicConfigDef.SEGMENT_BYTES, "300", TopicConfigDef.SEGMENT_MS, "1000",
                TopicConfigDef.MIN_CLEANABLE_DIRTY_RATIO, "0.01"));
        kv.addAll(List.of(extra));
        return compactConfig(kv.toArray(new String[0]));
    }

    /**
     * Epoch 1 holds only a record superseded later (its batch goes), epoch 2 starts with one: with the epochs taken
     * from the batch headers, epoch 1 would vanish and epoch 2 would move after a restart.
     */
    PartitionLog logWithEpochs(String name, LogConfig cfg) throws Exception {
        PartitionLog log = open(name, cfg);
        append(log, keyed(Compression.NONE, "a", "a0", "b", "b0"), 0);   // 0-1
        append(log, keyed(Compression.NONE, "c", "c1"), 1);              // 2
        append(log, keyed(Compression.NONE, "d", "d2"), 2);              // 3
        append(log, keyed(Compression.NONE, "e", "e2", "a", "a2"), 2);   // 4-5
        append(log, keyed(Compression.NONE, "c", "c4", "d", "d4"), 4);   // 6-7
        append(log, keyed(Compression.NONE, "f", "f4"), 4);              // 8
        return log;
    }

    @Test
    void theLeaderEpochCacheIsTheSameAfterCompactionAndARestart() throws Exception {
        LogConfig cfg = config();
        PartitionLog log = logWithEpochs("compacted-0", cfg);
        List<String> before = epochCache(log);
        assertThat(before).contains("end of epoch 1: " + new EpochEndOffset(1, 3),
                "end of epoch 2: " + new EpochEndOffset(2, 6));
        rollAndClean(log, NOW + 2000);
        assertThat(readAll(log).keySet()).containsExactlyInAnyOrder("a", "b", "c", "d", "e", "f");
        assertThat(readAll(log).get("c").getKey()).isEqualTo(6);
        log.close();
        try (PartitionLog reopened = open("compacted-0", cfg)) {
            assertThat(epochCache(reopened)).isEqualTo(before);
        }
    }

    @Test
    void aFollowerCopiesACompactedLogWithItsEpochs() throws Exception {
        LogConfig cfg = config();
        try (PartitionLog leader = logWithEpochs("compacted-0", cfg);
             PartitionLog follower = open("follower", cfg)) {
            rollAndClean(leader, NOW + 2000);
            while (follower.logEndOffset() < leader.logEndOffset()) {
                ReadResult.Records r = (ReadResult.Records) leader.read(follower.logEndOffset(), 1 << 20, true, leader.logEndOffset());
                AppendResult a = follower.appendAsFollower(r.slice().readFully(), NOW);
                assertThat(a).as("follower append at %d", follower.logEndOffset()).isInstanceOf(AppendResult.Appended.class);
                follower.updateFollowerHighWatermark(r.highWatermark());
            }
            assertThat(readAll(follower)).isEqualTo(readAll(leader));
            assertThat(epochCache(follower)).isEqualTo(epochCache(leader));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gzip", "snappy", "lz4", "zstd"})
    void compressedBatchesStayCompressedWithTheirCodecAndKeepTheirOffsetsAndEpoch(String codec) throws Exception {
        Compression compression = Compression.of(CompressionType.forName(codec)).build();
        LogConfig cfg = config(TopicConfigDef.SEGMENT_BYTES, "1024");
        Map<Long, RecordBatch> original = new HashMap<>();
        Map<String, String> lastValue = new HashMap<>();
        try (PartitionLog log = open("compacted-0", cfg)) {
            for (int b = 0; b < 30; b++) {
                String[] kvs = new String[8];
                for (int i = 0; i < 4; i++) {
                    String key = "k" + ((b * 4 + i) * 7 % 10);
                    kvs[2 * i] = key;
                    kvs[2 * i + 1] = "v" + (b * 4 + i);
                    lastValue.put(key, kvs[2 * i + 1]);
                }
                append(log, keyed(compression, kvs), b / 10);
            }
            batches(log).forEach(batch -> original.put(batch.baseOffset(), batch));
            rollAndClean(log, NOW + 2000);

            List<RecordBatch> cleaned = batches(log);
            assertThat(cleaned.size()).isLessThan(original.size());
            Map<String, String> values = new LinkedHashMap<>();
            for (RecordBatch batch : cleaned) {
                RecordBatch source = original.get(batch.baseOffset());
                assertThat(source).as("batch at %d keeps its base offset", batch.baseOffset()).isNotNull();
                assertThat(batch.lastOffset()).isEqualTo(source.lastOffset());
                assertThat(batch.partitionLeaderEpoch()).isEqualTo(source.partitionLeaderEpoch());
                assertThat(batch.timestampType()).isEqualTo(TimestampType.CREATE_TIME);
                assertThat(batch.hasProducerId()).isFalse();
                if (batch.countOrNull() == null || batch.countOrNull() > 0) {
                    assertThat(batch.compressionType()).as("codec of the batch at %d", batch.baseOffset()).isEqualTo(compression.type());
                }
                for (Record r : batch) {
                    values.put(StandardCharsets.UTF_8.decode(r.key()).toString(), StandardCharsets.UTF_8.decode(r.value()).toString());
                }
            }
            assertThat(values).isEqualTo(lastValue);
        }
    }

    @Test
    void logAppendTimeBatchesKeepTheirTimestampType() throws Exception {
        LogConfig cfg = config(TopicConfigDef.MESSAGE_TIMESTAMP_TYPE, "LogAppendTime");
        Compression zstd = Compression.zstd().build();
        try (PartitionLog log = open("compacted-0", cfg)) {
            for (int i = 0; i < 6; i++) {
                assertThat(log.appendAsLeader(MemoryRecords.withRecords(zstd, records(NOW - 5000, "k" + (i % 2), "v" + i, "x" + i, "v" + i)).buffer(),
                        0, NOW + i)).isInstanceOf(AppendResult.Appended.class);
            }
            rollAndClean(log, NOW + 2000);
            List<RecordBatch> cleaned = batches(log);
            assertThat(cleaned).isNotEmpty();
            for (RecordBatch batch : cleaned) {
                assertThat(batch.timestampType()).isEqualTo(TimestampType.LOG_APPEND_TIME);
                assertThat(batch.compressionType()).isEqualTo(CompressionType.ZSTD);
                long appendTime = NOW + batch.baseOffset() / 2;
                assertThat(batch.maxTimestamp()).isEqualTo(appendTime);
                for (Record r : batch) {
                    assertThat(r.timestamp()).as("a consumer sees the append time").isEqualTo(appendTime);
                }
            }
        }
    }

    @Test
    void anIdempotentProducersLastBatchSurvivesEmptySoItsRetryIsStillADuplicateAfterARestart() throws Exception {
        LogConfig cfg = config();
        long p = 1000;
        long q = 2000;
        PartitionLog log = open("compacted-0", cfg);
        append(log, keyed(Compression.NONE, "z", "z0"), 0);                         // 0
        append(log, idempotent(p, (short) 3, 0, "a", "p0"), 0);                     // 1
        append(log, idempotent(p, (short) 3, 1, "b", "p1"), 0);                     // 2: p's last batch
        append(log, idempotent(q, (short) 0, 0, "a", "q0", "b", "q1"), 0);          // 3-4
        append(log, idempotent(q, (short) 0, 2, "c", "q2"), 0);                     // 5
        rollAndClean(log, NOW + 2000);

        List<RecordBatch> cleaned = batches(log);
        assertThat(cleaned).extracting(RecordBatch::baseOffset).as("p's first batch had nothing left").containsExactly(0L, 2L, 3L, 5L);
        RecordBatch kept = cleaned.get(1);
        assertThat(kept.countOrNull()).isZero();
        assertThat(kept.producerId()).isEqualTo(p);
        assertThat(kept.producerEpoch()).isEqualTo((short) 3);
        assertThat(kept.baseSequence()).isEqualTo(1);
        assertThat(kept.lastOffset()).isEqualTo(2);
        assertThat(cleaned.get(2).producerId()).isEqualTo(q);
        assertThat(cleaned.get(2).baseSequence()).isZero();
        assertThat(cleaned.get(3).baseSequence()).isEqualTo(2);
        log.close();

        try (PartitionLog reopened = open("compacted-0", cfg)) {
            AppendResult retry = reopened.appendAsLeader(idempotent(p, (short) 3, 1, "b", "p1"), 0, NOW + 3000);
            assertThat(retry).as("p's retry is recognised").isEqualTo(new AppendResult.Appended(2, 2, -1, 0, true));
            AppendResult gap = reopened.appendAsLeader(idempotent(p, (short) 3, 5, "b", "p5"), 0, NOW + 3000);
            assertThat(((AppendResult.Rejected) gap).error()).isEqualTo(AppendError.OUT_OF_ORDER_SEQUENCE_NUMBER);
            assertThat(append(reopened, idempotent(p, (short) 3, 2, "b", "p2"), 0).firstOffset()).isEqualTo(6);
        }
    }

    /** 100 keys updated 5 times in batches of 10, key "t" deleted at the end with an expired tombstone. */
    PartitionLog logWithManyKeys(String name, LogConfig cfg) throws Exception {
        PartitionLog log = open(name, cfg);
        append(log, keyed(Compression.NONE, "t", "doomed"), 0);
        for (int round = 0; round < 5; round++) {
            for (int b = 0; b < 10; b++) {
                String[] kvs = new String[20];
                for (int i = 0; i < 10; i++) {
                    kvs[2 * i] = "key-" + (b * 10 + i);
                    kvs[2 * i + 1] = "v" + round;
                }
                append(log, keyed(round == 4 ? Compression.lz4().build() : Compression.NONE, kvs), round);
            }
        }
        append(log, MemoryRecords.withRecords(Compression.NONE, records(NOW - 60_000, "t", null)).buffer(), 4);
        return log;
    }

    @Test
    void aKeyMapFarSmallerThanTheKeysCompactsInSeveralPassesToTheSameLog() throws Exception {
        LogConfig cfg = config(TopicConfigDef.SEGMENT_BYTES, "2048", TopicConfigDef.DELETE_RETENTION_MS, "1000");
        LogCleaner small = new LogCleaner(CleanerOffsetMap.BYTES_PER_ENTRY * 34L);
        try (PartitionLog bigMap = logWithManyKeys("big", cfg); PartitionLog smallMap = logWithManyKeys("small", cfg)) {
            bigMap.maintain(NOW + 2000);
            smallMap.maintain(NOW + 2000);
            int segments = smallMap.segmentCount() - 1;
            assertThat(segments).isGreaterThan(5);
            int bigRewrites = CLEANER.maybeClean(bigMap, NOW + 2000, LogCleaner.StepHook.NONE);
            int smallRewrites = small.maybeClean(smallMap, NOW + 2000, LogCleaner.StepHook.NONE);
            assertThat(bigRewrites).isEqualTo(segments);
            assertThat(smallRewrites).as("passes of at most 30 keys each").isGreaterThan(3 * segments);

            Map<String, Map.Entry<Long, String>> got = readAll(smallMap);
            assertThat(got).hasSize(100).doesNotContainKey("t");
            got.forEach((k, v) -> assertThat(v.getValue()).as(k).isEqualTo("v4"));
            List<ByteBuffer> expected = new ArrayList<>();
            batches(bigMap).forEach(b -> expected.add(bytes(b)));
            List<ByteBuffer> actual = new ArrayList<>();
            batches(smallMap).forEach(b -> actual.add(bytes(b)));
            assertThat(actual).as("byte for byte what one pass with a big map leaves").isEqualTo(expected);
            assertThat(CLEANER.maybeClean(smallMap, NOW + 3000, LogCleaner.StepHook.NONE)).as("nothing left to do").isZero();
        }
    }

    static ByteBuffer bytes(RecordBatch b) {
        ByteBuffer buf = ByteBuffer.allocate(b.sizeInBytes());
        b.writeTo(buf);
        return buf.flip();
    }
}
