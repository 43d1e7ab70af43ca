package io.sluice.brokerd.txn;

/**
 * The transaction coordinator's settings, validated by {@code BrokerConfigDef} (keys named as Kafka's):
 * {@code transaction.state.log.*} shape {@code __transaction_state} when it is created, {@code maxTimeoutMs} bounds a
 * producer's transaction.timeout.ms, {@code idExpirationMs} forgets idle transactional ids, {@code cleanupIntervalMs}
 * is how often the coordinator's timer looks for both, {@code partitionVerification} turns on KIP-890's check.
 * Immutable.
 */
public record TransactionConfig(int stateLogPartitions, short stateLogReplicationFactor, int stateLogMinIsr,
                                int stateLogSegmentBytes, int maxTimeoutMs, int idExpirationMs, int cleanupIntervalMs,
                                boolean partitionVerification) {

    /** Kafka's defaults (what brokerd.yaml ships). */
    public static TransactionConfig defaults() {
        return new TransactionConfig(50, (short) 3, 2, 104857600, 900000, 604800000, 10000, true);
    }
}
