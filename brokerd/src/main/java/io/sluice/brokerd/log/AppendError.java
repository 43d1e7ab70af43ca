package io.sluice.brokerd.log;

/** Why an append was refused; the api layer maps each to the Kafka error code of the same name. */
public enum AppendError {
    /** Bad CRC, bad magic, sizes that do not add up: nothing of the request is appended. */
    CORRUPT_MESSAGE,
    /** Structurally valid but not acceptable (e.g. offsets not starting at 0, record count mismatch). */
    INVALID_RECORD,
    /** A batch larger than max.message.bytes. */
    RECORD_TOO_LARGE,
    /** Idempotent producer: sequence gap. */
    OUT_OF_ORDER_SEQUENCE_NUMBER,
    /** Idempotent producer: epoch older than the one the log knows. */
    INVALID_PRODUCER_EPOCH,
    /** Idempotent producer: unknown id and a sequence that is not 0. */
    UNKNOWN_PRODUCER_ID,
    /**
     * Transactions: a non-transactional batch while the producer's transaction is open, or a transactional batch
     * whose transaction was not verified to include the partition.
     */
    INVALID_TXN_STATE,
    /** A transaction marker from a coordinator older than the one that wrote the producer's last marker. */
    TRANSACTION_COORDINATOR_FENCED,
    /** Timestamp outside what the topic allows. */
    INVALID_TIMESTAMP,
    /** Magic below 2 or a feature the broker does not implement. */
    UNSUPPORTED_FOR_MESSAGE_FORMAT,
    /** The log directory failed (I/O error, disk full); the log refuses appends until restart. */
    KAFKA_STORAGE_ERROR
}
