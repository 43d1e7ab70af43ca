package io.sluice.brokerd.txn;

import io.sluice.brokerd.common.TopicPartition;

import java.util.Set;

/**
 * What {@code __transaction_state} holds for one transactional id (the value of its latest record): the producer id
 * and epoch in use, the transaction timeout, the state, the partitions of the transaction in progress, and the times
 * of the last change and of the transaction's start (-1 when none). Immutable.
 */
public record TxnRecord(long producerId, short producerEpoch, int txnTimeoutMs, TxnState state, Set<TopicPartition> partitions,
                        long lastUpdateMs, long startMs) {
    public TxnRecord {
        partitions = Set.copyOf(partitions);
    }
}
