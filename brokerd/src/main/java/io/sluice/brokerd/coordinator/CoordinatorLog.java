package io.sluice.brokerd.coordinator;

import io.sluice.brokerd.log.RecordBatchBuilder;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Where a coordinator keeps its state: the partitions of its compacted internal topic ({@code __consumer_offsets}
 * for the group coordinator, {@code __transaction_state} for the transaction coordinator). An I/O seam so the state
 * machines are tested with an in-memory fake.
 */
public interface CoordinatorLog {
    int partitionCount();

    /**
     * Appends {@code records} to {@code partition} (this broker's log, as its leader) and returns without waiting for
     * the followers. Throws {@link CoordinatorWriteException} (or another RuntimeException for a fault) when nothing was
     * appended. The returned future completes once every in-sync replica has the records, or exceptionally with an
     * {@link CoordinatorWriteException} when they do not get there in time or this broker stops leading the partition;
     * it always completes, within the store's timeout. Appends to one partition land in call order.
     * <p>
     * The future must not be completed by a thread holding a lock that {@code append} may wait for: the coordinator
     * appends under its own lock and takes that lock when the future completes.
     */
    CompletableFuture<Void> append(int partition, List<RecordBatchBuilder.Entry> records, long nowMs);

    /** What a replay of a partition hands over, in offset order. */
    interface Replay {
        /** One record; {@code value} null for a tombstone. */
        void record(long offset, byte[] key, byte[] value);

        /**
         * A batch whose records could not be read at all (bytes past a valid CRC that are not records); the replay
         * goes on after it.
         */
        void unreadableBatch(long baseOffset, long lastOffset, String reason);
    }

    /**
     * Replays every record of {@code partition} (this broker's log, as its leader). Reads the log: the coordinator
     * calls it off its lock and off network threads.
     */
    void forEachRecord(int partition, Replay replay);
}
