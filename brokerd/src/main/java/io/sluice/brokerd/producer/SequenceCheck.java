package io.sluice.brokerd.producer;

/** What the producer state says about an incoming idempotent batch, before it is appended. */
public sealed interface SequenceCheck {

    /** Append it. */
    record Accept() implements SequenceCheck {
    }

    /** Already in the log (one of the producer's last five batches): answer with the original offsets, append nothing. */
    record Duplicate(long firstOffset, long lastOffset) implements SequenceCheck {
    }

    /** Refuse the whole produce request for this partition. */
    record Reject(Reason reason, String message) implements SequenceCheck {
    }

    enum Reason { OUT_OF_ORDER_SEQUENCE_NUMBER, INVALID_PRODUCER_EPOCH, UNKNOWN_PRODUCER_ID }
}
