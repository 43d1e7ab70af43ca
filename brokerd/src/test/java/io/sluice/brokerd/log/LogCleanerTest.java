package io.sluice.brokerd.log;

import io.sluice.brokerd.common.TopicPartition;
import io.sluice.brokerd.config.TopicConfigDef;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.SimpleRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(60)
class LogCleanerTest {
    @TempDir
    Path dir;
    static final TopicPartition TP = new TopicPartition("compacted", 0);
    static final long NOW = 10_000_000;
    static final LogCleaner CLEANER = new LogCleaner(LogCleaner.DEFAULT_DEDUPE_BUFFER_BYTES);

    static LogConfig compactConfig(String... extra) {
        Map<String, String> m = new HashMap<>(Map.of(TopicConfigDef.CLEANUP_POLICY, "compact", TopicConfigDef.SEGMENT_BYTES, "16384",
                TopicConfigDef.FILE_DELETE_DELAY_MS, "0"));
        for (int i = 0; i < extra.length; i += 2) {
            m.put(extra[i], extra[i + 1]);
        }
        return LogConfig.from(m);
    }

    PartitionLog open(LogConfig cfg, boolean recover) throws Exception {
        return PartitionLog.open(TP, dir.resolve("compacted-0"), cfg, recover, 0, 0, false, NOW);
    }

    /** Records of key/value pairs (a null value is a tombstone), each with a header "h" = "hv-" + key. */
    static SimpleRecord[] records(long ts, String... kvs) {
        SimpleRecord[] rs = new SimpleRecord[kvs.length / 2];
        for (int i = 0; i < kvs.length; i += 2) {
            byte[] v = kvs[i + 1] == null ? null : kvs[i + 1].getBytes(StandardCharsets.UTF_8);
            rs[i / 2] = new SimpleRecord(ts, kvs[i].getBytes(StandardCharsets.UTF_8), v,
                    new RecordHeader[]{new RecordHeader("h", ("hv-" + kvs[i]).getBytes(StandardCharsets.UTF_8))});
        }
        return rs;
    }

    static ByteBuffer keyed(long ts, Compression compression, String... kvs) {
        return MemoryRecords.withRecords(compression, records(ts, kvs)).buffer();
    }

    /** Reads every record from offset 0: key -> (offset, value); asserts offsets increase and headers survived. */
    static Map<String, Map.Entry<Long, String>> readAll(PartitionLog log) throws Exception {
        Map<String, Map.Entry<Long, String>> out = new LinkedHashMap<>();
        long offset = log.logStartOffset();
        long last = -1;
        while (offset < log.logEndOffset()) {
            ReadResult.Records r = (ReadResult.Records) log.read(offset, 1 << 20, true, log.highWatermark());
            if (r.slice().sizeBytes() == 0) {
                break;
            }
            for (RecordBatch b : MemoryRecords.readableRecords(r.slice().readFully()).batches()) {
                assertThat(b.isValid()).isTrue();
                for (Record rec : b) {
                    if (rec.offset() < offset) {
                        continue;
                    }
                    assertThat(rec.offset()).isGreaterThan(last);
                    last = rec.offset();
                    String k = StandardCharsets.UTF_8.decode(rec.key()).toString();
                    assertThat(new String(rec.headers()[0].value(), StandardCharsets.UTF_8)).isEqualTo("hv-" + k);
                    out.put(k, new java.util.AbstractMap.SimpleEntry<>(rec.offset(), rec.value() == null ? null : StandardCharsets.UTF_8.decode(rec.value()).toString()));
                }
                offset = b.lastOffset() + 1;
            }
        }
        return out;
    }

    @Test
    void hundredThousandUpdatesOverAThousandKeysLeaveTheLastValuePerKey() throws Exception {
        Map<String, Long> lastOffset = new HashMap<>();
        Map<String, String> lastValue = new HashMap<>();
        try (PartitionLog log = open(compactConfig(), false)) {
            long offset = 0;
            for (int b = 0; b < 1000; b++) {
                String[] kvs = new String[200];
                for (int i = 0; i < 100; i++) {
                    int update = b * 100 + i;
                    String key = "key-" + (update * 7919 % 1000);
                    kvs[2 * i] = key;
                    kvs[2 * i + 1] = "value-" + update;
                    lastOffset.put(key, offset + i);
                    lastValue.put(key, "value-" + update);
                }
                Compression c = b % 2 == 0 ? Compression.NONE : Compression.lz4().build();
                assertThat(log.appendAsLeader(keyed(NOW - 1000, c, kvs), 0, NOW)).isInstanceOf(AppendResult.Appended.class);
                offset += 100;
            }
            long sizeBefore = log.sizeBytes();
            assertThat(CLEANER.maybeClean(log, NOW, LogCleaner.StepHook.NONE)).isGreaterThan(0);
            assertThat(log.sizeBytes()).isLessThan(sizeBefore / 5);
            // Roll the tail in too, so every key's last update is in a cleanable segment.
            log.maintain(NOW + LogConfig.defaults().segmentMs() + 1);
            CLEANER.maybeClean(log, NOW + 1, LogCleaner.StepHook.NONE);
            Map<String, Map.Entry<Long, String>> got = readAll(log);
            assertThat(got).hasSize(1000);
            for (var e : got.entrySet()) {
                assertThat(e.getValue().getValue()).isEqualTo(lastValue.get(e.getKey()));
                assertThat(e.getValue().getKey()).as("offset of %s preserved", e.getKey()).isEqualTo(lastOffset.get(e.getKey()));
            }
            assertThat(log.logEndOffset()).isEqualTo(100_000);
            assertThat(log.logStartOffset()).isZero();
        }
    }

    @Test
    void tombstonesDisappearAfterDeleteRetention() throws Exception {
        LogConfig cfg = compactConfig(TopicConfigDef.DELETE_RETENTION_MS, "1000", TopicConfigDef.SEGMENT_BYTES, "200",
                TopicConfigDef.MIN_CLEANABLE_DIRTY_RATIO, "0.01");
        try (PartitionLog log = open(cfg, false)) {
            log.appendAsLeader(keyed(NOW, Compression.NONE, "a", "1", "b", "1"), 0, NOW);
            log.appendAsLeader(keyed(NOW, Compression.NONE, "a", null), 0, NOW);
            log.appendAsLeader(keyed(NOW, Compression.NONE, "c", "1"), 0, NOW);
            log.appendAsLeader(keyed(NOW, Compression.NONE, "d", "1"), 0, NOW);
            CLEANER.maybeClean(log, NOW + 10, LogCleaner.StepHook.NONE);
            Map<String, Map.Entry<Long, String>> got = readAll(log);
            assertThat(got).containsKey("a");
            assertThat(got.get("a").getValue()).as("the tombstone is kept within delete.retention.ms").isNull();
            // New data makes the log dirty again; by then the tombstone is older than delete.retention.ms.
            log.appendAsLeader(keyed(NOW + 2000, Compression.NONE, "e", "1"), 0, NOW + 2000);
            log.appendAsLeader(keyed(NOW + 2000, Compression.NONE, "f", "1"), 0, NOW + 2000);
            CLEANER.maybeClean(log, NOW + 2000, LogCleaner.StepHook.NONE);
            got = readAll(log);
            assertThat(got).doesNotContainKey("a").containsKeys("b", "c");
        }
    }

    @Test
    void recordsYoungerThanMinCompactionLagAreLeftAlone() throws Exception {
        LogConfig cfg = compactConfig(TopicConfigDef.MIN_COMPACTION_LAG_MS, "60000", TopicConfigDef.SEGMENT_BYTES, "200");
        try (PartitionLog log = open(cfg, false)) {
            for (int i = 0; i < 10; i++) {
                log.appendAsLeader(keyed(NOW, Compression.NONE, "k", "v" + i), 0, NOW);
            }
            assertThat(CLEANER.maybeClean(log, NOW + 1000, LogCleaner.StepHook.NONE)).isZero();
            assertThat(CLEANER.maybeClean(log, NOW + 61_000, LogCleaner.StepHook.NONE)).isPositive();
        }
    }

    @Test
    void compactedTopicsRefuseRecordsWithoutKey() throws Exception {
        try (PartitionLog log = open(compactConfig(), false)) {
            ByteBuffer noKey = MemoryRecords.withRecords(Compression.NONE, new SimpleRecord("v".getBytes(StandardCharsets.UTF_8))).buffer();
            AppendResult r = log.appendAsLeader(noKey, 0, NOW);
            assertThat(((AppendResult.Rejected) r).error()).isEqualTo(AppendError.INVALID_RECORD);
            assertThat(((AppendResult.Rejected) r).message()).contains("without key");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"cleaned-written", "swap-renamed", "old-marked-deleted", "swapped"})
    void aCrashAtAnyCleanerStepRecoversToAValidLogWithNoKeyLost(String crashAfter) throws Exception {
        LogConfig cfg = compactConfig(TopicConfigDef.SEGMENT_BYTES, "400");
        Map<String, String> expected = new HashMap<>();
        PartitionLog log = open(cfg, false);
        for (int i = 0; i < 60; i++) {
            String key = "k" + (i % 12);
            log.appendAsLeader(keyed(NOW, Compression.NONE, key, "v" + i), 0, NOW);
            expected.put(key, "v" + i);
        }
        assertThatThrownBy(() -> CLEANER.maybeClean(log, NOW, step -> {
            if (step.equals(crashAfter)) {
                throw new IllegalStateException("crash after " + step);
            }
        })).hasMessageContaining("crash after");
        log.abandon();
        try (PartitionLog recovered = open(cfg, true)) {
            assertThat(recovered.logEndOffset()).isEqualTo(60);
            Map<String, String> values = new HashMap<>();
            readAll(recovered).forEach((k, v) -> values.put(k, v.getValue()));
            assertThat(values).isEqualTo(expected);
            try (Stream<Path> files = Files.list(dir.resolve("compacted-0"))) {
                assertThat(files.map(p -> p.getFileName().toString()))
                        .noneMatch(n -> n.endsWith(".swap") || n.endsWith(".cleaned") || n.endsWith(".deleted"));
            }
            // And the recovered log still compacts and appends.
            CLEANER.maybeClean(recovered, NOW, LogCleaner.StepHook.NONE);
            assertThat(((AppendResult.Appended) recovered.appendAsLeader(keyed(NOW, Compression.NONE, "k0", "last"), 0, NOW)).firstOffset())
                    .isEqualTo(60);
        }
    }
}
