package io.sluice.brokerd.log;

/** The outcome of {@link PartitionLog#appendAsLeader}: errors are values, not exceptions. */
public sealed interface AppendResult {

    /**
     * The batches were appended, or were an idempotent duplicate of batches already in the log
     * (then the offsets are those of the original append and nothing new was written).
     *
     * @param firstOffset     offset of the first record
     * @param lastOffset      offset of the last record
     * @param logAppendTimeMs broker time stamped into the batches when the topic uses LogAppendTime, else -1
     * @param logStartOffset  log start offset after the append
     * @param duplicate       true when nothing was written because the batch was a duplicate
     */
    record Appended(long firstOffset, long lastOffset, long logAppendTimeMs, long logStartOffset, boolean duplicate)
            implements AppendResult {
    }

    /**
     * Nothing was appended. {@code message} is safe to return to the client; {@code reason} labels the refusal in
     * {@code sluice_produce_rejected_total}; {@code recordErrors} names the records at fault, if any.
     */
    record Rejected(AppendError error, String message, String reason, java.util.List<RecordError> recordErrors)
            implements AppendResult {
        public Rejected {
            recordErrors = java.util.List.copyOf(recordErrors);
        }

        /** A refusal of the batches as a whole, labelled by its error. */
        public Rejected(AppendError error, String message) {
            this(error, message, error.name().toLowerCase(java.util.Locale.ROOT), java.util.List.of());
        }
    }
}
