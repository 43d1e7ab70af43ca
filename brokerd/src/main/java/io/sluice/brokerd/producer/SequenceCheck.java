package io.sluice.brokerd.producer;

/** What the producer state says about an incoming batch (or marker), before it is appended. */
public sealed interface SequenceCheck {

    /** Append it. */
    record Accept() implements SequenceCheck {
    }

    /** Already in the log (one of the producer's last five batches): answer with the original offsets, append nothing. */
    record Duplicate(long firstOffset, long lastOffset) implements SequenceCheck {
    }

    /** Refuse the whole produce request (or marker) for this partition. */
    record Reject(Reason reason, String message) implements SequenceCheck {
    }

    enum Reason {
        OUT_OF_ORDER_SEQUENCE_NUMBER,
        INVALID_PRODUCER_EPOCH,
        UNKNOWN_PRODUCER_ID,
        /** A non-transactional batch while the producer's transaction is open, or a first transactional batch that no transaction coordinator vouched for. */
        INVALID_TXN_STATE,
        /** A marker from a transaction coordinator older than the last one that wrote a marker for the producer. */
        TRANSACTION_COORDINATOR_FENCED
    }
}
