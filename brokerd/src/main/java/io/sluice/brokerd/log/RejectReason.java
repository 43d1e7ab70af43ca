package io.sluice.brokerd.log;

import java.util.Locale;

/**
 * Why the leader refused a produced batch, with the error code the client gets: the {@code reason} label of
 * {@code sluice_produce_rejected_total} and a row of the README's "What brokerd refuses" table each.
 */
public enum RejectReason {
    /** No batch, a header cut short, a batch length that is too small or runs past the request. */
    BATCH_FRAMING(AppendError.CORRUPT_MESSAGE),
    /** The CRC32C of the batch does not match its bytes. */
    CRC(AppendError.CORRUPT_MESSAGE),
    /** A message set of magic 0 or 1, or an unknown magic: v2 batches only. */
    MAGIC(AppendError.INVALID_RECORD),
    /** A batch larger than max.message.bytes. */
    BATCH_TOO_LARGE(AppendError.RECORD_TOO_LARGE),
    /** A record count that is not positive, disagrees with lastOffsetDelta, or with the records present. */
    RECORD_COUNT(AppendError.INVALID_RECORD),
    /** Record offset deltas other than 0, 1, ..., n-1 in order. */
    OFFSET_DELTA(AppendError.INVALID_RECORD),
    /** A record's length, varints, key or value length that do not fit the bytes present, or bytes left over. */
    RECORD_FRAMING(AppendError.INVALID_RECORD),
    /** A header count or a header key or value length that does not fit the record. */
    HEADERS(AppendError.INVALID_RECORD),
    /** An unknown codec or compressed bytes the codec cannot decode. */
    COMPRESSION(AppendError.INVALID_RECORD),
    /** Compressed records that inflate past message.decompressed.max.bytes (a compression bomb). */
    DECOMPRESSED_TOO_LARGE(AppendError.RECORD_TOO_LARGE),
    /** A record without a key on a compacted topic. */
    MISSING_KEY(AppendError.INVALID_RECORD),
    /** A timestamp outside message.timestamp.before.max.ms / after.max.ms, or a LogAppendTime batch from a client. */
    TIMESTAMP(AppendError.INVALID_TIMESTAMP),
    /** A control batch from a client. */
    CONTROL_BATCH(AppendError.INVALID_RECORD),
    /** A transactional batch without a producer id. */
    TRANSACTIONAL(AppendError.INVALID_RECORD),
    /** A producer id with a negative base sequence. */
    SEQUENCE(AppendError.INVALID_RECORD);

    private final AppendError error;
    private final String label;

    RejectReason(AppendError error) {
        this.error = error;
        this.label = name().toLowerCase(Locale.ROOT);
    }

    /** The error the producer gets. */
    public AppendError error() {
        return error;
    }

    /** The metric label. */
    public String label() {
        return label;
    }
}
