package io.sluice.brokerd.log;

import java.util.List;

/** The outcome of {@link PartitionLog#read}. */
public sealed interface ReadResult {

    /**
     * Whole batches starting at the batch that holds the fetch offset (clients skip the records before it).
     * {@code slice.sizeBytes()} is 0 when the fetch offset equals the upper bound. {@code lastStableOffset} is taken
     * with the same high watermark; {@code abortedTransactions} lists, for a READ_COMMITTED read, the aborted
     * transactions overlapping the records returned (null for other reads).
     */
    record Records(FileSlice slice, long highWatermark, long logStartOffset, long logEndOffset, long lastStableOffset,
                   List<AbortedTxn> abortedTransactions) implements ReadResult {
        public Records(FileSlice slice, long highWatermark, long logStartOffset, long logEndOffset) {
            this(slice, highWatermark, logStartOffset, logEndOffset, highWatermark, null);
        }
    }

    /** The fetch offset lies below the log start offset or above the log end offset. */
    record OffsetOutOfRange(long logStartOffset, long logEndOffset) implements ReadResult {
    }

    /**
     * The records cannot be served from this log: its directory is offline after an I/O error, or the fetch reached
     * a batch known to be damaged. Answered KAFKA_STORAGE_ERROR (clients refresh metadata and retry).
     */
    record StorageError(String message) implements ReadResult {
    }
}
