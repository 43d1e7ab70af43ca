package io.sluice.brokerd.group;

import io.sluice.brokerd.coordinator.CoordinatorLog;
import io.sluice.brokerd.coordinator.CoordinatorWriteException;
import io.sluice.brokerd.log.RecordBatchBuilder;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * In-memory CoordinatorLog of 3 partitions: {@link #records} is the log (every append, replicated or not, as a reload
 * reads it; a record's offset is its index). Replication completes at once unless {@link #manual}; then the test
 * completes each write's future by hand. A test can make the load of one partition wait ({@link #slowPartition}).
 */
final class MemoryOffsetStore implements CoordinatorLog {
    /** One append and its replication. */
    record Write(int partition, List<RecordBatchBuilder.Entry> entries, CompletableFuture<Void> replicated) {
    }

    final Map<Integer, List<RecordBatchBuilder.Entry>> records = new ConcurrentHashMap<>();
    final List<Write> writes = new CopyOnWriteArrayList<>();
    /** Thrown by the next appends, which then append nothing. */
    volatile RuntimeException failing;
    volatile boolean manual;
    /** When set, reading this partition waits: {@link #loadStarted} counts down, then it waits for {@link #releaseLoad}. */
    volatile Integer slowPartition;
    final CountDownLatch loadStarted = new CountDownLatch(1);
    final CountDownLatch releaseLoad = new CountDownLatch(1);
    /** Offsets of {@link #records} that stand for a batch whose records cannot be read. */
    final Map<Integer, List<Integer>> unreadableBatches = new ConcurrentHashMap<>();

    @Override
    public int partitionCount() {
        return 3;
    }

    @Override
    public CompletableFuture<Void> append(int partition, List<RecordBatchBuilder.Entry> entries, long nowMs) {
        if (failing != null) {
            throw failing;
        }
        log(partition).addAll(entries);
        CompletableFuture<Void> replicated = manual ? new CompletableFuture<>() : CompletableFuture.completedFuture(null);
        writes.add(new Write(partition, List.copyOf(entries), replicated));
        return replicated;
    }

    /** Puts a record into the log as is, as something other than the coordinator might have (no write to answer). */
    void appendRaw(int partition, byte[] key, byte[] value) {
        log(partition).add(new RecordBatchBuilder.Entry(key, value));
    }

    /** Puts a batch whose records cannot be read into the log (it takes one offset). */
    void appendUnreadableBatch(int partition) {
        List<RecordBatchBuilder.Entry> log = log(partition);
        unreadableBatches.computeIfAbsent(partition, p -> new CopyOnWriteArrayList<>()).add(log.size());
        log.add(new RecordBatchBuilder.Entry(new byte[0], new byte[0]));
    }

    private List<RecordBatchBuilder.Entry> log(int partition) {
        return records.computeIfAbsent(partition, p -> new CopyOnWriteArrayList<>());
    }

    @Override
    public void forEachRecord(int partition, Replay replay) {
        if (slowPartition != null && slowPartition == partition) {
            loadStarted.countDown();
            try {
                assertThat(releaseLoad.await(10, TimeUnit.SECONDS)).as("the test releases the load").isTrue();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        List<RecordBatchBuilder.Entry> log = new ArrayList<>(records.getOrDefault(partition, List.of()));
        List<Integer> unreadable = unreadableBatches.getOrDefault(partition, List.of());
        for (int offset = 0; offset < log.size(); offset++) {
            if (unreadable.contains(offset)) {
                replay.unreadableBatch(offset, offset, "test says the records cannot be read");
            } else {
                replay.record(offset, log.get(offset).key(), log.get(offset).value());
            }
        }
    }

    CompletableFuture<Void> write(int i) {
        return writes.get(i).replicated();
    }

    void fail(int i, CoordinatorWriteException.Reason reason) {
        write(i).completeExceptionally(new CoordinatorWriteException(reason, "test says " + reason));
    }
}
