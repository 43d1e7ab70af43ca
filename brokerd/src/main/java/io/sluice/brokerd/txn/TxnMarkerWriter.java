package io.sluice.brokerd.txn;

import io.sluice.brokerd.common.TopicPartition;

import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;

/**
 * Writes the COMMIT or ABORT markers of a transaction to the leaders of its partitions (Kafka's
 * TransactionMarkerChannelManager): the coordinator's I/O seam toward the partition leaders, faked in tests.
 */
public interface TxnMarkerWriter {
    /** The markers of one transaction: its producer, its outcome, and the coordinator epoch that decided it. */
    record Markers(String transactionalId, long producerId, short producerEpoch, int coordinatorEpoch, boolean commit,
                   Set<TopicPartition> partitions) {
        public Markers {
            partitions = Set.copyOf(partitions);
        }
    }

    /**
     * Writes {@code markers} to every partition, retrying each until its leader has written it (acks=all) or its topic
     * is gone. The future completes once all are written; exceptionally only when {@code stillCoordinator} turns
     * false (this coordinator lost the transaction's partition: the new one resumes from the log). Never blocks.
     */
    CompletableFuture<Void> write(Markers markers, BooleanSupplier stillCoordinator);
}
