package io.sluice.brokerd.log;

import io.sluice.brokerd.common.TopicPartition;
import io.sluice.brokerd.config.TopicConfigDef;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * No fsync holds up a thread that serves requests: the event loop appends small produces and answers follower
 * fetches (high watermark, leader epochs) inline, so neither may wait for an fsync, nor for a lock held across one.
 * The disk is made to stall every fsync ({@link StallingFileChannels}); the test then checks which calls still return.
 */
@Timeout(60)
class FsyncOffRequestPathsTest {
    private static final TopicPartition TP = new TopicPartition("t", 0);
    /** How long a call that must not wait for the stalled fsync may take (generous: the machine is shared). */
    private static final long PROMPT_MS = 10_000;
    private static final long NOW = 1_000;

    @TempDir
    Path dir;
    private final StallingFileChannels disk = new StallingFileChannels();
    private final ExecutorService threads = Executors.newCachedThreadPool();
    /** The log's background executor: the test runs its fsyncs when it chooses. */
    private final ManualExecutor background = new ManualExecutor();
    private PartitionLog log;

    @AfterEach
    void releaseTheDisk() throws Exception {
        disk.release();
        threads.shutdown();
        assertThat(threads.awaitTermination(PROMPT_MS, TimeUnit.MILLISECONDS)).isTrue();
        if (log != null) {
            log.close();
        }
    }

    private PartitionLog open(boolean fsyncEveryAppend, String... kv) throws Exception {
        log = PartitionLog.open(TP, dir.resolve("t-0"), PartitionLogTest.config(kv), false, 0, 0, -1,
                LogEnvironment.of(fsyncEveryAppend).withFiles(disk).withBackground(background), NOW);
        return log;
    }

    private <T> T promptly(String what, Supplier<T> call) throws Exception {
        try {
            return CompletableFuture.supplyAsync(call, threads).get(PROMPT_MS, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError(what + " waited for the stalled fsync", e);
        }
    }

    private static AppendResult.Appended append(PartitionLog log, String value) {
        return (AppendResult.Appended) log.appendAsLeader(PartitionLogTest.batch(NOW, value), 0, NOW);
    }

    @Test
    void anAppendThatRollsTheSegmentDoesNotWaitForTheOldSegmentsFsync() throws Exception {
        PartitionLog log = open(false, TopicConfigDef.SEGMENT_BYTES, "200");
        append(log, "first");
        background.runAll(); // the new epoch's checkpoint
        disk.stallFsyncs();

        AppendResult.Appended rolled = promptly("an append that rolls", () -> append(log, "x".repeat(150)));

        assertThat(rolled.firstOffset()).isEqualTo(1);
        assertThat(log.segmentCount()).isEqualTo(2);
        assertThat(disk.fsyncThreads()).as("nothing fsynced on the appending thread").isEmpty();
        assertThat(log.recoveryPoint()).as("not on disk yet").isZero();
        assertThat(background.pending()).isOne();

        // The background fsync stalls on the slow disk; appends, reads and the follower fetch path go on meanwhile.
        java.util.concurrent.Future<Boolean> flushing = threads.submit(background::runNext);
        disk.awaitStalledFsync(PROMPT_MS);
        // The second segment is already past segment.bytes: this append rolls again and queues the next fsync.
        assertThat(promptly("an append during the roll's fsync", () -> append(log, "y")).firstOffset()).isEqualTo(2);
        assertThat(promptly("a read", () -> log.read(0, 1 << 20, true, log.highWatermark()))).isInstanceOf(ReadResult.Records.class);
        assertThat(promptly("the follower fetch path", () -> log.updateReplicatedFloor(3))).isEqualTo(3);
        assertThat(log.recoveryPoint()).isZero();

        disk.release();
        assertThat(flushing.get(PROMPT_MS, TimeUnit.MILLISECONDS)).isTrue();
        assertThat(log.recoveryPoint()).as("the rolled segment's end, not the log end").isEqualTo(1);
        assertThat(background.runAll()).as("the second roll's fsync").isOne();
        assertThat(log.recoveryPoint()).isEqualTo(2).isLessThan(log.logEndOffset());
    }

    @Test
    void aTruncationDuringTheRolledSegmentsFsyncKeepsTheRecoveryPointFromPassingUnflushedData() throws Exception {
        PartitionLog log = open(false, TopicConfigDef.SEGMENT_BYTES, "200");
        append(log, "first");
        append(log, "x".repeat(150));
        background.runAll();
        assertThat(log.recoveryPoint()).isEqualTo(1);
        append(log, "y".repeat(150)); // rolls again: the fsync of [1, 2) is queued
        disk.stallFsyncs();
        java.util.concurrent.Future<Integer> flushing = threads.submit(background::runAll);
        disk.awaitStalledFsync(PROMPT_MS);

        // A follower cuts back to offset 1 and appends new data there while [1, 2) of the old tail is being fsynced.
        promptly("a truncation during the fsync", () -> {
            log.truncateTo(1);
            return null;
        });
        assertThat(append(log, "z").firstOffset()).isEqualTo(1);
        disk.release();
        flushing.get(PROMPT_MS, TimeUnit.MILLISECONDS);

        assertThat(log.recoveryPoint()).as("the fsync covered the old offset 1, not the new one").isEqualTo(1);
        log.flush();
        assertThat(log.recoveryPoint()).isEqualTo(2);
    }

    @Test
    void aFlushQueuedBeforeATruncationClaimsNothingPastTheNewLogEnd() throws Exception {
        PartitionLog log = open(false, TopicConfigDef.SEGMENT_BYTES, "200");
        append(log, "first");
        append(log, "x".repeat(150));
        append(log, "y".repeat(150)); // two rolls: fsyncs up to 1 and up to 2 queued
        log.truncateTo(1);

        background.runAll();

        assertThat(log.recoveryPoint()).isEqualTo(1).isEqualTo(log.logEndOffset());
    }

    @Test
    void aFlushMsFlushDoesNotHoldTheLogWhileItFsyncs() throws Exception {
        PartitionLog log = open(false, TopicConfigDef.FLUSH_MS, "1000");
        append(log, "a");
        disk.stallFsyncs();
        threads.execute(() -> log.maintain(NOW + 5_000));
        disk.awaitStalledFsync(PROMPT_MS);

        assertThat(promptly("an append during a flush.ms fsync", () -> append(log, "b")).firstOffset()).isEqualTo(1);
        assertThat(promptly("the follower fetch path", () -> log.updateReplicatedFloor(2))).isEqualTo(2);
    }

    @Test
    void theFollowerFetchPathDoesNotWaitForAnFsyncAlwaysAppend() throws Exception {
        PartitionLog log = open(true);
        append(log, "a");
        log.updateReplicatedFloor(1);
        disk.stallFsyncs();
        threads.execute(() -> append(log, "b"));
        disk.awaitStalledFsync(PROMPT_MS);

        assertThat(promptly("the high watermark update", () -> log.updateReplicatedFloor(1))).isEqualTo(1);
        assertThat(promptly("the diverging-epoch check", () -> log.endOffsetForEpoch(0).epoch())).isZero();
        assertThat(promptly("the latest epoch", log::latestEpoch)).isZero();
    }
}
