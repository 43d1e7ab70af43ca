package io.sluice.brokerd.group;

/**
 * A write to {@code __consumer_offsets} that did not become durable, and why. The store throws it when nothing was
 * appended, or fails the write's future with it when the appended records did not reach the in-sync replicas; the
 * coordinator turns the reason into the error the client sees ({@link PendingWrites#writeError}).
 */
public final class OffsetWriteException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** What went wrong, in the store's terms. */
    public enum Reason {
        /** This broker does not lead the partition, or stopped leading it before the records were replicated. */
        NOT_LEADER,
        /** Fewer in-sync replicas than min.insync.replicas, before the append or while waiting for them. */
        NOT_ENOUGH_REPLICAS,
        /** The in-sync replicas did not all have the records within offsets.commit.timeout.ms (they stay in the log). */
        TIMED_OUT,
        /** The log directory failed. */
        STORAGE_ERROR,
        /** The batch is larger than the topic allows. */
        RECORDS_TOO_LARGE
    }

    private final Reason reason;

    public OffsetWriteException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
