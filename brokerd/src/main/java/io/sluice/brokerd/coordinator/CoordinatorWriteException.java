package io.sluice.brokerd.coordinator;

/**
 * A write to a coordinator's internal topic ({@code __consumer_offsets}, {@code __transaction_state}) that did not become durable, and why. The store throws it when nothing was
 * appended, or fails the write's future with it when the appended records did not reach the in-sync replicas; the
 * coordinator turns the reason into the error the client sees ({@link PendingWrites#writeError}).
 */
public final class CoordinatorWriteException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** What went wrong, in the store's terms. */
    public enum Reason {
        /** This broker does not lead the partition, or stopped leading it before the records were replicated. */
        NOT_LEADER,
        /** Fewer in-sync replicas than min.insync.replicas, before the append or while waiting for them. */
        NOT_ENOUGH_REPLICAS,
        /** The in-sync replicas did not all have the records within the store's timeout (offsets.commit.timeout.ms, the transaction write timeout) (they stay in the log). */
        TIMED_OUT,
        /** The log directory failed. */
        STORAGE_ERROR,
        /** The batch is larger than the topic allows. */
        RECORDS_TOO_LARGE
    }

    private final Reason reason;

    public CoordinatorWriteException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
