package io.sluice.brokerd.log;

import io.sluice.brokerd.common.TopicPartition;
import io.sluice.brokerd.config.TopicConfigDef;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The log-directory failure path, driven through the disk seam ({@link DiskFaults}): an I/O error in a write, an
 * fsync or a read of one log takes every log of the directory offline (appends and reads refused with
 * KAFKA_STORAGE_ERROR, the listeners told once), nothing acknowledged is lost across a restart; a full disk refuses
 * appends whole and the log serves again once space returns.
 */
@Timeout(60)
class LogDirFailureTest {
    private static final long NOW = 1_000;
    private static final TopicPartition A = new TopicPartition("a", 0);
    private static final TopicPartition B = new TopicPartition("b", 0);

    @TempDir
    Path dataDir;
    private final DiskFaults disk = new DiskFaults();
    private final List<String> offline = new CopyOnWriteArrayList<>();

    private LogManager open(boolean fsyncEveryAppend, String... kv) {
        LogEnvironment env = LogEnvironment.of(fsyncEveryAppend).withFiles(disk)
                .withClock(Clock.fixed(Instant.ofEpochMilli(NOW), ZoneOffset.UTC));
        LogManager lm = LogManager.open(dataDir, topic -> PartitionLogTest.config(kv), env);
        lm.health().onOffline(offline::add);
        return lm;
    }

    private static AppendResult append(PartitionLog log, String value) {
        return log.appendAsLeader(PartitionLogTest.batch(NOW, value), 0, NOW);
    }

    private static long appended(PartitionLog log, String value) {
        AppendResult r = append(log, value);
        assertThat(r).as("append of %s", value).isInstanceOf(AppendResult.Appended.class);
        return ((AppendResult.Appended) r).firstOffset();
    }

    private static AppendError refusal(AppendResult r) {
        assertThat(r).isInstanceOf(AppendResult.Rejected.class);
        return ((AppendResult.Rejected) r).error();
    }

    @Test
    void aFailedFsyncTakesEveryLogOfTheDirectoryOfflineAndLosesNothingAcknowledged() throws Exception {
        List<String> acked = new ArrayList<>();
        try (LogManager lm = open(true)) {
            PartitionLog a = lm.getOrCreate(A, PartitionLogTest.config());
            PartitionLog b = lm.getOrCreate(B, PartitionLogTest.config());
            for (int i = 0; i < 5; i++) {
                appended(a, "a" + i);
                acked.add("a" + i);
            }
            appended(b, "b0");
            disk.fail(EnumSet.of(DiskFaults.Op.FSYNC), p -> p.startsWith(dataDir.resolve("a-0")));

            assertThat(refusal(append(a, "lost"))).isEqualTo(AppendError.KAFKA_STORAGE_ERROR);
            assertThat(lm.health().state()).isEqualTo(LogDirHealth.State.OFFLINE);
            assertThat(offline).as("the listeners hear it once, with the cause").hasSize(1);
            assertThat(offline.get(0)).contains("fsyncing a-0").contains(DiskFaults.IO_ERROR);
            // The other log of the directory is offline too, for appends and reads.
            assertThat(b.isFailed()).isTrue();
            assertThat(refusal(append(b, "b1"))).isEqualTo(AppendError.KAFKA_STORAGE_ERROR);
            assertThat(b.read(0, 1 << 20, true, Long.MAX_VALUE)).isInstanceOf(ReadResult.StorageError.class);
            assertThat(a.read(0, 1 << 20, true, Long.MAX_VALUE)).isInstanceOf(ReadResult.StorageError.class);
            // Nothing more is written: no new log either.
            assertThatThrownBy(() -> lm.getOrCreate(new TopicPartition("c", 0), PartitionLogTest.config()))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("offline");
        }
        assertThat(dataDir.resolve(LogManager.CLEAN_SHUTDOWN)).as("an offline directory is recovered at the next start").doesNotExist();
        disk.clear();
        try (LogManager lm = open(true)) {
            assertThat(lm.health().state()).isEqualTo(LogDirHealth.State.ONLINE);
            PartitionLog a = lm.get(A).orElseThrow();
            List<String> values = PartitionLogTest.readValues(a, 0);
            assertThat(values).as("every acknowledged record").containsSubsequence(acked);
            assertThat(values).hasSizeBetween(acked.size(), acked.size() + 1); // the refused one may be on disk
            assertThat(PartitionLogTest.readValues(lm.get(B).orElseThrow(), 0)).containsExactly("b0");
        }
    }

    @Test
    void aFailedWriteTakesTheDirectoryOffline() throws Exception {
        try (LogManager lm = open(false)) {
            PartitionLog a = lm.getOrCreate(A, PartitionLogTest.config());
            appended(a, "first");
            disk.fail(EnumSet.of(DiskFaults.Op.WRITE));
            assertThat(refusal(append(a, "second"))).isEqualTo(AppendError.KAFKA_STORAGE_ERROR);
            assertThat(lm.health().isOffline()).isTrue();
            assertThat(lm.health().cause()).contains("appending to a-0");
            disk.clear();
            assertThat(refusal(append(a, "third"))).as("offline until restart, even once the disk answers again")
                    .isEqualTo(AppendError.KAFKA_STORAGE_ERROR);
        }
    }

    @Test
    void aFailedReadOfASegmentTakesTheDirectoryOfflineAndIsAnsweredAsAStorageError() throws Exception {
        try (LogManager lm = open(false, TopicConfigDef.SEGMENT_BYTES, "200")) {
            PartitionLog a = lm.getOrCreate(A, PartitionLogTest.config(TopicConfigDef.SEGMENT_BYTES, "200"));
            for (int i = 0; i < 10; i++) {
                appended(a, "value-" + i);
            }
            disk.fail(EnumSet.of(DiskFaults.Op.READ));
            // Offset 0 is the first of several batches in a closed segment: finding it reads batch headers from the file.
            assertThat(a.read(0, 1 << 20, true, Long.MAX_VALUE)).isInstanceOf(ReadResult.StorageError.class);
            assertThat(lm.health().isOffline()).isTrue();
            assertThat(offline).hasSize(1);
            assertThat(offline.get(0)).contains("reading a-0 at offset 0");
        }
    }

    @Test
    void aFullDiskRefusesAnAppendWholeKeepsServingAndTakesAppendsAgainWhenSpaceReturns() throws Exception {
        Path indexFile = dataDir.resolve("a-0").resolve(Segment.fileName(0) + ".index");
        long indexBytes;
        try (LogManager lm = open(false, TopicConfigDef.INDEX_INTERVAL_BYTES, "1")) {
            PartitionLog a = lm.getOrCreate(A, PartitionLogTest.config(TopicConfigDef.INDEX_INTERVAL_BYTES, "1"));
            appended(a, "first");
            appended(a, "second");
            Path logFile = dataDir.resolve("a-0").resolve(Segment.fileName(0) + ".log");
            a.flush();
            long logBytes = Files.size(logFile);
            indexBytes = Files.size(indexFile);
            // Room for part of the next batch: the write is cut short, then ENOSPC.
            disk.fillAfter(20);
            assertThat(refusal(append(a, "third"))).isEqualTo(AppendError.KAFKA_STORAGE_ERROR);
            assertThat(lm.health().state()).isEqualTo(LogDirHealth.State.FULL);
            assertThat(offline).as("a full disk is not an offline one").isEmpty();
            assertThat(a.logEndOffset()).isEqualTo(2);
            assertThat(Files.size(logFile)).as("the short write is cut off").isEqualTo(logBytes);
            assertThat(PartitionLogTest.readValues(a, 0)).as("reads go on").containsExactly("first", "second");
            assertThat(refusal(append(a, "fourth"))).isEqualTo(AppendError.KAFKA_STORAGE_ERROR);

            disk.clear();
            assertThat(appended(a, "fifth")).isEqualTo(2);
            assertThat(lm.health().state()).isEqualTo(LogDirHealth.State.ONLINE);
        }
        assertThat(dataDir.resolve(LogManager.CLEAN_SHUTDOWN)).exists();
        assertThat(Files.size(indexFile)).as("one index entry more, none left over").isEqualTo(indexBytes + Segment.OFFSET_ENTRY_BYTES);
        try (LogManager lm = open(false, TopicConfigDef.INDEX_INTERVAL_BYTES, "1")) {
            assertThat(PartitionLogTest.readValues(lm.get(A).orElseThrow(), 0)).containsExactly("first", "second", "fifth");
        }
    }

    /**
     * Index entries live in memory and reach their files when the segment is flushed (no descriptor is held for
     * them): a flush whose index write finds the disk full keeps the directory online, and the files are written
     * once space returns.
     */
    @Test
    void aFlushWhoseIndexWriteFindsTheDiskFullKeepsTheLogOnlineAndWritesTheIndexLater() throws Exception {
        Path indexFile = dataDir.resolve("a-0").resolve(Segment.fileName(0) + ".index");
        try (LogManager lm = open(false, TopicConfigDef.INDEX_INTERVAL_BYTES, "1")) {
            PartitionLog a = lm.getOrCreate(A, PartitionLogTest.config(TopicConfigDef.INDEX_INTERVAL_BYTES, "1"));
            appended(a, "first");
            int batchBytes = PartitionLogTest.batch(NOW, "second").remaining();
            disk.fillAfter(batchBytes); // the batch fits; its index entry (the second batch is indexed) does not
            assertThat(appended(a, "second")).isEqualTo(1);
            a.flush();
            assertThat(lm.health().state()).isNotEqualTo(LogDirHealth.State.OFFLINE);
            assertThat(offline).isEmpty();
            assertThat(Files.size(indexFile)).as("no room for the entry yet").isZero();
            disk.clear();
            assertThat(appended(a, "third")).isEqualTo(2);
            a.flush();
            assertThat(Files.size(indexFile)).as("rewritten whole").isEqualTo(2L * Segment.OFFSET_ENTRY_BYTES);
            assertThat(PartitionLogTest.readValues(a, 0)).containsExactly("first", "second", "third");
        }
        try (LogManager lm = open(false, TopicConfigDef.INDEX_INTERVAL_BYTES, "1")) {
            PartitionLog a = lm.get(A).orElseThrow();
            assertThat(PartitionLogTest.readValues(a, 1)).containsExactly("second", "third");
        }
    }

    @Test
    void aRollOnAFullDiskIsRefusedAndTheLogRollsOnceSpaceReturns() throws Exception {
        try (LogManager lm = open(false, TopicConfigDef.SEGMENT_BYTES, "100")) {
            PartitionLog a = lm.getOrCreate(A, PartitionLogTest.config(TopicConfigDef.SEGMENT_BYTES, "100"));
            appended(a, "first-value-long-enough-to-fill-the-segment-" + "x".repeat(60));
            disk.full();
            assertThat(refusal(append(a, "second"))).isEqualTo(AppendError.KAFKA_STORAGE_ERROR);
            assertThat(a.segmentCount()).isEqualTo(1);
            assertThat(lm.health().state()).isEqualTo(LogDirHealth.State.FULL);
            disk.clear();
            assertThat(appended(a, "second")).isEqualTo(1);
            assertThat(a.segmentCount()).isEqualTo(2);
        }
    }

    /**
     * Fuzz finding (seed 8115927351306303869, about request 343,000): a topic deleted while log maintenance was due
     * to roll or fsync its log. Its directory had been renamed {@code *-delete}; creating the new segment (or fsyncing
     * the directory) under the old name failed with NoSuchFileException, taken for a disk error: the whole data
     * directory went offline. A deleted log is out of maintenance and its failures are not the disk's.
     */
    @Test
    void maintenanceOfALogDeletedMeanwhileLeavesTheDirectoryOnline() throws Exception {
        try (LogManager lm = open(false, TopicConfigDef.SEGMENT_MS, "1")) {
            PartitionLog a = lm.getOrCreate(A, PartitionLogTest.config(TopicConfigDef.SEGMENT_MS, "1"));
            appended(a, "first");
            lm.delete(A);
            a.maintain(NOW + 60_000); // due to roll: the maintenance pass had taken the log before the delete
            assertThat(offline).isEmpty();
            assertThat(lm.health().state()).isEqualTo(LogDirHealth.State.ONLINE);
            assertThat(refusal(append(a, "late"))).isEqualTo(AppendError.KAFKA_STORAGE_ERROR);
            assertThat(offline).isEmpty();
            PartitionLog b = lm.getOrCreate(B, PartitionLogTest.config());
            appended(b, "b0");
        }
    }

    /** Before the fix close() stopped at the first log whose close threw: no checkpoints, no marker, the lock kept. */
    @Test
    void closeClosesEveryLogWhenOneFailsAndReleasesTheLock() throws Exception {
        LogManager lm = open(false);
        PartitionLog a = lm.getOrCreate(A, PartitionLogTest.config());
        PartitionLog b = lm.getOrCreate(B, PartitionLogTest.config());
        appended(a, "a0");
        appended(b, "b0");
        // Closing b's log throws (its fsync fails); the map may hand either log first.
        disk.fail(EnumSet.of(DiskFaults.Op.FSYNC), p -> p.startsWith(dataDir.resolve("b-0")));
        lm.close();
        disk.clear();
        assertThatClosed(a);
        assertThatClosed(b);
        assertThat(dataDir.resolve(LogManager.CLEAN_SHUTDOWN)).as("a log failed to close: recover next time").doesNotExist();
        // The lock is released: a new LogManager opens the directory and recovers both logs.
        try (LogManager again = open(false)) {
            assertThat(PartitionLogTest.readValues(again.get(A).orElseThrow(), 0)).containsExactly("a0");
            assertThat(PartitionLogTest.readValues(again.get(B).orElseThrow(), 0)).containsExactly("b0");
        }
    }

    private static void assertThatClosed(PartitionLog log) {
        assertThat(log.allSegments().stream().allMatch(s -> !s.channel().isOpen()))
                .as("every segment file of %s is closed", log.topicPartition()).isTrue();
    }
}
