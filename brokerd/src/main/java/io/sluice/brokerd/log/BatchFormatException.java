package io.sluice.brokerd.log;

/**
 * A batch whose structure is invalid, found while walking it; {@code message} is safe to return to the client.
 * Carries no stack trace: it is an answer to bad input, not a fault of the broker.
 */
final class BatchFormatException extends Exception {
    private static final long serialVersionUID = 1L;
    private final RejectReason reason;
    private final int recordIndex;

    BatchFormatException(RejectReason reason, String message) {
        this(reason, message, -1);
    }

    /** A fault of the record at {@code recordIndex} of the batch (-1: of the batch as a whole). */
    BatchFormatException(RejectReason reason, String message, int recordIndex) {
        super(message, null, false, false);
        this.reason = reason;
        this.recordIndex = recordIndex;
    }

    RejectReason reason() {
        return reason;
    }

    /** Index of the faulty record in its batch, or -1 when the fault is not one record's. */
    int recordIndex() {
        return recordIndex;
    }
}
