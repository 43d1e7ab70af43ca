package io.sluice.brokerd.log;

import io.sluice.brokerd.common.TopicPartition;
import io.sluice.brokerd.config.TopicConfigDef;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Disabled;
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
                LogEnvironment.of(fsyncEveryAppend).withFiles(disk), NOW);
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

    @Disabled("fails until the roll's fsync runs in the background: the append waits for it under the log's lock")
    @Test
    void anAppendThatRollsTheSegmentDoesNotWaitForTheOldSegmentsFsync() throws Exception {
        PartitionLog log = open(false, TopicConfigDef.SEGMENT_BYTES, "200");
        append(log, "first");
        disk.stallFsyncs();

        AppendResult.Appended rolled = promptly("an append that rolls", () -> append(log, "x".repeat(150)));

        assertThat(rolled.firstOffset()).isEqualTo(1);
        assertThat(log.segmentCount()).isEqualTo(2);
    }

    @Disabled("fails until flush.ms fsyncs outside the log's lock: maintain() holds it across the fsync")
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

    @Disabled("fails until the high watermark and the epoch cache stop taking the log's lock, held across an fsync: always append")
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
