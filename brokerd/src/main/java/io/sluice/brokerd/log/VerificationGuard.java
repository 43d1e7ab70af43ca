package io.sluice.brokerd.log;

/**
 * Proof that a partition leader asked the transaction coordinator whether a producer's transaction includes this
 * partition (KIP-890): {@link PartitionLog#beginVerification} hands it out, and the first transactional batch of the
 * transaction is appended only with it. A marker for the producer in between voids it. Opaque to its holders.
 */
public final class VerificationGuard {
    /** No verification was needed: the producer's transaction is already open in the log. */
    public static final VerificationGuard NOT_NEEDED = new VerificationGuard(null);

    final Object token;

    VerificationGuard(Object token) {
        this.token = token;
    }

    /** Whether the leader must ask the coordinator before appending with this guard. */
    public boolean needsVerification() {
        return token != null;
    }
}
