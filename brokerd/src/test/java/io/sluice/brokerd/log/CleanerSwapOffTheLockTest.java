package io.sluice.brokerd.log;

import io.sluice.brokerd.common.TopicPartition;
import io.sluice.brokerd.config.TopicConfigDef;
import org.apache.kafka.common.compress.Compression;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A compaction swap holds the log's lock only for its renames: the CRC check of the cleaned copy and the directory
 * fsyncs run without it, so an append (which the event loop makes, under that lock) never waits for them. Before,
 * {@code swapIn} held the lock across two directory fsyncs and a read of the whole cleaned segment.
 */
@Timeout(60)
class CleanerSwapOffTheLockTest {
    private static final TopicPartition TP = new TopicPartition("compacted", 0);
    private static final long NOW = LogCleanerTest.NOW;
    /** How long an append that must not wait for the cleaner may take (generous: the machine is shared). */
    private static final long PROMPT_MS = 10_000;

    @TempDir
    Path dir;
    private final StallingFileChannels disk = new StallingFileChannels();
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private PartitionLog log;

    @AfterEach
    void cleanUp() throws Exception {
        disk.release();
        threads.shutdown();
        assertThat(threads.awaitTermination(PROMPT_MS, TimeUnit.MILLISECONDS)).isTrue();
        if (log != null) {
            log.close();
        }
    }

    private PartitionLog openDirtyLog() throws Exception {
        LogConfig cfg = LogCleanerTest.compactConfig(TopicConfigDef.SEGMENT_BYTES, "400");
        log = PartitionLog.open(TP, dir.resolve("compacted-0"), cfg, false, 0, 0, -1, LogEnvironment.of(false).withFiles(disk), NOW);
        for (int i = 0; i < 40; i++) {
            log.appendAsLeader(LogCleanerTest.keyed(NOW, Compression.NONE, "k" + (i % 4), "v" + i), 0, NOW);
        }
        return log;
    }

    private void appendsPromptly(String while_) throws Exception {
        long before = log.logEndOffset();
        AppendResult r = CompletableFuture.supplyAsync(
                        () -> log.appendAsLeader(LogCleanerTest.keyed(NOW, Compression.NONE, "k9", "during"), 0, NOW), threads)
                .get(PROMPT_MS, TimeUnit.MILLISECONDS);
        assertThat(r).as("an append while " + while_).isInstanceOf(AppendResult.Appended.class);
        assertThat(log.logEndOffset()).isEqualTo(before + 1);
    }

    @Test
    void anAppendDoesNotWaitForTheSwapsDirectoryFsync() throws Exception {
        PartitionLog log = openDirtyLog();
        CountDownLatch inStep = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Integer> cleaning = CompletableFuture.supplyAsync(() -> LogCleanerTest.CLEANER.maybeClean(log, NOW, step -> {
            if (step.equals("swap-renamed") && inStep.getCount() > 0) {
                inStep.countDown(); // right after the first directory fsync of the first swap
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }), threads);
        assertThat(inStep.await(PROMPT_MS, TimeUnit.MILLISECONDS)).as("the cleaner reached its first swap").isTrue();
        appendsPromptly("the cleaner fsyncs the directory of a swap");
        release.countDown();
        assertThat(cleaning.get(PROMPT_MS, TimeUnit.MILLISECONDS)).isPositive();
    }

    @Test
    void anAppendDoesNotWaitForTheCrcCheckOfTheCleanedCopy() throws Exception {
        PartitionLog log = openDirtyLog();
        disk.stallReadsOf(p -> p.getFileName().toString().endsWith(".log.cleaned"));
        CompletableFuture<Integer> cleaning = CompletableFuture.supplyAsync(
                () -> LogCleanerTest.CLEANER.maybeClean(log, NOW, LogCleaner.StepHook.NONE), threads);
        disk.awaitStalledFsync(PROMPT_MS); // the cleaner is reading its copy back to check it
        appendsPromptly("the cleaner checks its copy");
        disk.release();
        assertThat(cleaning.get(PROMPT_MS, TimeUnit.MILLISECONDS)).isPositive();
        assertThat(PartitionLogTest.readValues(log, 0)).contains("during");
    }
}
