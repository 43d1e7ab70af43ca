package io.sluice.brokerd.replica;

import io.sluice.brokerd.common.TopicPartition;
import io.sluice.brokerd.log.DiskFaults;
import io.sluice.brokerd.log.LogConfig;
import io.sluice.brokerd.log.LogManager;
import io.sluice.brokerd.log.PartitionLog;
import io.sluice.brokerd.log.ReadResult;
import io.sluice.brokerd.log.RecordBatchBuilder;
import io.sluice.brokerd.metadata.PartitionState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Stopping a replica fetcher never interrupts its thread: an interrupt during a FileChannel write or fsync closes the
 * segment's channel (ClosedByInterruptException), after which the log can neither append nor flush at close. The
 * fetch in flight is cancelled instead, and an append under way finishes.
 */
@Timeout(60)
class ReplicaFetcherShutdownTest {
    private static final TopicPartition TP = new TopicPartition("t", 0);
    private static final int LEADER = 1;

    @TempDir
    Path dir;
    private final DiskFaults disk = new DiskFaults();
    private LogManager logs;

    /** Answers the first fetch with one batch at offset 0; later fetches stay in flight until cancelled. */
    private static final class OneBatchThenSilence implements ReplicaFetchClient {
        final List<CompletableFuture<List<Fetched>>> pending = new CopyOnWriteArrayList<>();
        private boolean answered;

        @Override
        public synchronized CompletableFuture<List<Fetched>> fetch(String host, int port, int maxWaitMs, int maxBytes,
                                                                  List<Position> positions) {
            if (!answered) {
                answered = true;
                ByteBuffer batch = RecordBatchBuilder.build(List.of(new RecordBatchBuilder.Entry(null,
                        "replicated".getBytes(StandardCharsets.UTF_8))), 1_000);
                return CompletableFuture.completedFuture(List.of(new Fetched(TP, Error.NONE, 1, 0, batch, -1, -1)));
            }
            CompletableFuture<List<Fetched>> f = new CompletableFuture<>();
            pending.add(f);
            return f;
        }

        @Override
        public void close() {
        }
    }

    @AfterEach
    void close() {
        disk.clear();
        if (logs != null) {
            logs.close();
        }
    }

    private Partition follower(boolean fsyncEveryAppend) {
        logs = LogManager.open(dir, t -> LogConfig.defaults(), Clock.systemUTC(), fsyncEveryAppend, Runnable::run, disk);
        PartitionLog log = logs.getOrCreate(TP, LogConfig.defaults());
        Partition p = new Partition(TP, 2, log);
        p.makeFollower(new PartitionState(0, List.of(LEADER, 2), List.of(LEADER, 2), LEADER, 0, 0));
        return p;
    }

    private static void waitFor(java.util.function.BooleanSupplier c, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!c.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(5);
        }
    }

    @Test
    void shutdownDuringAnFsyncLeavesTheLogsFilesOpen() throws Exception {
        Partition p = follower(true);
        OneBatchThenSilence client = new OneBatchThenSilence();
        ReplicaFetcher fetcher = new ReplicaFetcher(LEADER, "127.0.0.1", 9, client, 100, 1 << 20,
                new ReplicaFetcher.Throttle(new ReplicationQuota(System::nanoTime), tp -> false));
        disk.slow(java.util.Set.of(DiskFaults.Op.FSYNC), 2_000);
        fetcher.start();
        fetcher.follow(p, 0);
        // The append is written and published; its fsync (fsync: always) now takes two seconds.
        waitFor(() -> p.log().logEndOffset() == 1, "the replicated batch to be appended");
        fetcher.shutdown();
        disk.clear();

        assertThat(p.log().isFailed()).as("no interrupt failed the fsync").isFalse();
        ReadResult r = p.log().read(0, 1 << 20, true, Long.MAX_VALUE);
        assertThat(r).isInstanceOf(ReadResult.Records.class);
        assertThat(((ReadResult.Records) r).slice().readFully().remaining()).as("the segment file is still open").isPositive();
        p.log().flush();
    }

    @Test
    void shutdownCancelsTheFetchInFlightAndReturnsPromptly() throws Exception {
        Partition p = follower(false);
        OneBatchThenSilence client = new OneBatchThenSilence();
        ReplicaFetcher fetcher = new ReplicaFetcher(LEADER, "127.0.0.1", 9, client, 100, 1 << 20,
                new ReplicaFetcher.Throttle(new ReplicationQuota(System::nanoTime), tp -> false));
        fetcher.start();
        fetcher.follow(p, 0);
        waitFor(() -> !client.pending.isEmpty(), "a fetch in flight");
        long startNs = System.nanoTime();
        fetcher.shutdown();
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNs)).as("ms to stop").isLessThan(10_000);
        assertThat(client.pending.get(0).isCancelled()).isTrue();
        assertThat(p.log().isFailed()).isFalse();
    }
}
