package io.sluice.brokerd.log;

import io.sluice.brokerd.common.TopicPartition;
import io.sluice.brokerd.config.TopicConfigDef;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A fetch holds a {@link FileSlice} of a segment from the moment it is read until the network layer has sent it.
 * Whatever removes the segment meanwhile (a follower's truncation, retention, DeleteRecords, a compaction swap, the
 * topic's deletion) must leave the slice readable for {@code file.delete.delay.ms}; the files go after that.
 */
@Timeout(30)
class SegmentReleaseTest {
    private static final TopicPartition TP = new TopicPartition("t", 0);
    private static final long NOW = 1_000_000;
    private static final long DELETE_DELAY_MS = 5_000;
    private static final Clock CLOCK = Clock.fixed(Instant.ofEpochMilli(NOW), ZoneOffset.UTC);

    @TempDir
    Path dir;

    /** The log's clock stands at NOW; tests pass later times to maintain(). */
    private PartitionLog open(String... kv) throws Exception {
        List<String> all = new ArrayList<>(List.of(TopicConfigDef.SEGMENT_BYTES, "300",
                TopicConfigDef.FILE_DELETE_DELAY_MS, String.valueOf(DELETE_DELAY_MS)));
        all.addAll(List.of(kv));
        return PartitionLog.open(TP, dir.resolve("t-0"), PartitionLogTest.config(all.toArray(new String[0])), false, 0, 0,
                -1, LogEnvironment.of(false).withClock(CLOCK));
    }

    /** Appends {@code n} one-record batches "v0".."v(n-1)" (several per 300-byte segment). */
    private static void fill(PartitionLog log, int n) {
        for (int i = 0; i < n; i++) {
            assertThat(log.appendAsLeader(PartitionLogTest.batch(NOW, "v" + i), 0, NOW)).isInstanceOf(AppendResult.Appended.class);
        }
    }

    /** Values of the records in the slice, read now. */
    private static List<String> values(FileSlice slice) throws Exception {
        List<String> out = new ArrayList<>();
        for (RecordBatch b : MemoryRecords.readableRecords(slice.readFully()).batches()) {
            for (Record r : b) {
                out.add(StandardCharsets.UTF_8.decode(r.value()).toString());
            }
        }
        return out;
    }

    private static FileSlice slice(PartitionLog log, long offset) {
        ReadResult.Records r = (ReadResult.Records) log.read(offset, 1 << 20, true, Long.MAX_VALUE);
        assertThat(r.slice().sizeBytes()).isPositive();
        return r.slice();
    }

    private List<String> fileNames() throws Exception {
        try (Stream<Path> files = Files.list(dir.resolve("t-0"))) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void aSliceOfASegmentATruncationDropsStaysReadableUntilTheDeleteDelay() throws Exception {
        try (PartitionLog log = open()) {
            fill(log, 20);
            assertThat(log.segmentCount()).isGreaterThan(3);
            FileSlice tail = slice(log, 19);
            List<String> expected = values(tail);

            log.truncateTo(2);

            assertThat(log.logEndOffset()).isEqualTo(2);
            assertThat(values(tail)).as("the in-flight slice after the truncation").isEqualTo(expected);
            log.maintain(NOW + DELETE_DELAY_MS - 1);
            assertThat(values(tail)).isEqualTo(expected);
            log.maintain(NOW + DELETE_DELAY_MS);
            assertThat(fileNames()).noneMatch(n -> n.endsWith(".deleted"));
            assertThat(log.segmentCount()).isEqualTo(1);
            assertThat(PartitionLogTest.readValues(log, 0)).containsExactly("v0", "v1");
        }
    }

    @Test
    void aSliceOfASegmentWhoseBaseIsTheTruncationPointStaysReadable() throws Exception {
        try (PartitionLog log = open()) {
            fill(log, 20);
            long base = activeSegmentBase(log);
            FileSlice tail = slice(log, base);
            List<String> expected = values(tail);

            log.truncateTo(base);

            assertThat(values(tail)).isEqualTo(expected);
            assertThat(((AppendResult.Appended) log.appendAsLeader(PartitionLogTest.batch(NOW, "new"), 1, NOW)).firstOffset())
                    .isEqualTo(base);
            assertThat(values(tail)).as("a new segment under the same base offset leaves the old slice alone").isEqualTo(expected);
        }
    }

    private static long activeSegmentBase(PartitionLog log) {
        List<Segment> inactive = log.inactiveSegments();
        return inactive.get(inactive.size() - 1).nextOffset();
    }

    @Test
    void aSliceStaysReadableWhenTheFollowerStartsOverAtTheLeadersLogStart() throws Exception {
        try (PartitionLog log = open()) {
            fill(log, 20);
            FileSlice head = slice(log, 0);
            FileSlice tail = slice(log, 19);
            List<String> expectedHead = values(head);
            List<String> expectedTail = values(tail);

            log.truncateFullyAndStartAt(500);

            assertThat(log.logStartOffset()).isEqualTo(500);
            assertThat(values(head)).isEqualTo(expectedHead);
            assertThat(values(tail)).isEqualTo(expectedTail);
            log.maintain(NOW + DELETE_DELAY_MS);
            assertThat(fileNames()).noneMatch(n -> n.endsWith(".deleted"));
        }
    }

    @Test
    void aSliceStaysReadableWhenRetentionOrDeleteRecordsRemovesItsSegment() throws Exception {
        try (PartitionLog log = open(TopicConfigDef.RETENTION_BYTES, "600")) {
            fill(log, 20);
            FileSlice head = slice(log, 0);
            List<String> expected = values(head);
            log.maintain(NOW);
            assertThat(log.logStartOffset()).as("retention removed the first segments").isPositive();
            assertThat(values(head)).isEqualTo(expected);

            FileSlice next = slice(log, log.logStartOffset());
            List<String> expectedNext = values(next);
            log.deleteRecordsBefore(log.highWatermark());
            assertThat(values(next)).isEqualTo(expectedNext);
            log.maintain(NOW + DELETE_DELAY_MS - 1);
            assertThat(values(next)).isEqualTo(expectedNext);
            log.maintain(NOW + DELETE_DELAY_MS);
            assertThat(fileNames()).noneMatch(n -> n.endsWith(".deleted"));
        }
    }

    @Test
    void aSliceStaysReadableAcrossACompactionSwap() throws Exception {
        LogConfig cfg = LogCleanerTest.compactConfig(TopicConfigDef.SEGMENT_BYTES, "400",
                TopicConfigDef.FILE_DELETE_DELAY_MS, String.valueOf(DELETE_DELAY_MS));
        try (PartitionLog log = PartitionLog.open(TP, dir.resolve("t-0"), cfg, false, 0, 0, -1, LogEnvironment.of(false).withClock(CLOCK))) {
            for (int i = 0; i < 40; i++) {
                log.appendAsLeader(LogCleanerTest.keyed(NOW, Compression.NONE, "k" + (i % 3), "v" + i), 0, NOW);
            }
            FileSlice head = slice(log, 0);
            ByteBuffer before = head.readFully();
            assertThat(LogCleanerTest.CLEANER.maybeClean(log, NOW, LogCleaner.StepHook.NONE)).isPositive();
            assertThat(head.readFully()).isEqualTo(before);
            log.maintain(NOW + DELETE_DELAY_MS);
            assertThat(fileNames()).noneMatch(n -> n.endsWith(".deleted"));
        }
    }

    @Test
    void aSliceStaysReadableWhenTheTopicIsDeleted() throws Exception {
        Path dataDir = dir.resolve("data");
        LogConfig cfg = PartitionLogTest.config(TopicConfigDef.SEGMENT_BYTES, "300",
                TopicConfigDef.FILE_DELETE_DELAY_MS, String.valueOf(DELETE_DELAY_MS));
        try (LogManager logs = LogManager.open(dataDir, t -> cfg, CLOCK)) {
            PartitionLog log = logs.getOrCreate(TP, cfg);
            fill(log, 20);
            FileSlice head = slice(log, 0);
            List<String> expected = values(head);

            logs.delete(TP);

            assertThat(values(head)).isEqualTo(expected);
            logs.maintain(NOW + DELETE_DELAY_MS - 1);
            assertThat(values(head)).isEqualTo(expected);
            logs.maintain(NOW + DELETE_DELAY_MS);
            try (Stream<Path> left = Files.list(dataDir)) {
                assertThat(left.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith("t-0"));
            }
        }
    }
}
