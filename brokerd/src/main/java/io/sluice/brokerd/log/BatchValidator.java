package io.sluice.brokerd.log;

import java.nio.ByteBuffer;

import static io.sluice.brokerd.log.RecordBatchHeader.HEADER_BYTES;
import static io.sluice.brokerd.log.RecordBatchHeader.LOG_OVERHEAD;

/**
 * Checks the record batches of one produce request before anything is written: framing, magic, CRC32C,
 * record count against lastOffsetDelta, size against max.message.bytes. Kafka's rules for v2 batches that need
 * no conversion. Stateless.
 */
final class BatchValidator {

    /** Result of validation: either {@code error} is null and {@code batchCount} batches were found, or it is not. */
    record Outcome(AppendError error, String message, int batchCount) {
        static Outcome ok(int count) {
            return new Outcome(null, null, count);
        }

        static Outcome fail(AppendError error, String message) {
            return new Outcome(error, message, 0);
        }

        boolean isOk() {
            return error == null;
        }
    }

    private BatchValidator() {
    }

    static Outcome validate(ByteBuffer buf, int maxMessageBytes) {
        int pos = buf.position();
        int end = buf.limit();
        int count = 0;
        if (pos == end) {
            return Outcome.fail(AppendError.INVALID_RECORD, "produce request carries no record batch");
        }
        while (pos < end) {
            if (end - pos < LOG_OVERHEAD + 5) {
                return Outcome.fail(AppendError.CORRUPT_MESSAGE, "truncated record batch header at byte " + (pos - buf.position()));
            }
            byte magic = buf.get(pos + RecordBatchHeader.MAGIC);
            if (magic < 2) {
                return Outcome.fail(AppendError.UNSUPPORTED_FOR_MESSAGE_FORMAT,
                        "record batch magic " + magic + " is not supported; brokerd accepts v2 batches only");
            }
            if (magic > 2) {
                return Outcome.fail(AppendError.CORRUPT_MESSAGE, "unknown record batch magic " + magic);
            }
            int batchLength = buf.getInt(pos + RecordBatchHeader.BATCH_LENGTH);
            if (batchLength < HEADER_BYTES - LOG_OVERHEAD) {
                return Outcome.fail(AppendError.CORRUPT_MESSAGE, "record batch length " + batchLength + " is smaller than a header");
            }
            long total = (long) batchLength + LOG_OVERHEAD;
            if (total > end - pos) {
                return Outcome.fail(AppendError.CORRUPT_MESSAGE,
                        "record batch length " + batchLength + " runs past the end of the request");
            }
            if (total > maxMessageBytes) {
                return Outcome.fail(AppendError.RECORD_TOO_LARGE,
                        "record batch of " + total + " bytes exceeds max.message.bytes " + maxMessageBytes);
            }
            if (RecordBatchHeader.storedCrc(buf, pos) != RecordBatchHeader.computeCrc(buf, pos)) {
                return Outcome.fail(AppendError.CORRUPT_MESSAGE, "record batch CRC mismatch");
            }
            int recordCount = RecordBatchHeader.recordCount(buf, pos);
            if (recordCount <= 0 || RecordBatchHeader.lastOffsetDelta(buf, pos) != recordCount - 1) {
                return Outcome.fail(AppendError.INVALID_RECORD, "record count " + recordCount
                        + " does not match lastOffsetDelta " + RecordBatchHeader.lastOffsetDelta(buf, pos));
            }
            if (RecordBatchHeader.isControl(buf, pos)) {
                return Outcome.fail(AppendError.INVALID_RECORD, "clients may not produce control batches");
            }
            if (RecordBatchHeader.isTransactional(buf, pos)) {
                return Outcome.fail(AppendError.UNSUPPORTED_FOR_MESSAGE_FORMAT, "transactions are not supported yet");
            }
            pos += (int) total;
            count++;
        }
        return Outcome.ok(count);
    }

    /**
     * Checks batches a follower copies from its leader, which validated them when it appended them: framing, magic
     * and CRC only. A compacted batch may hold fewer records than its offset range (none at all when only its header
     * was kept), so the record count is only checked to fit that range.
     */
    static Outcome validateReplicated(ByteBuffer buf) {
        int count = 0;
        for (int pos = buf.position(); pos < buf.limit(); count++) {
            if (!isIntact(buf, pos)) {
                return Outcome.fail(AppendError.CORRUPT_MESSAGE, "replicated record batch at byte " + (pos - buf.position())
                        + " is truncated, not v2 or fails its CRC");
            }
            int recordCount = RecordBatchHeader.recordCount(buf, pos);
            int lastOffsetDelta = RecordBatchHeader.lastOffsetDelta(buf, pos);
            if (lastOffsetDelta < 0 || recordCount < 0 || recordCount > lastOffsetDelta + 1L) {
                return Outcome.fail(AppendError.CORRUPT_MESSAGE, "replicated record batch claims " + recordCount
                        + " records over lastOffsetDelta " + lastOffsetDelta);
            }
            pos += RecordBatchHeader.totalSize(buf, pos);
        }
        return Outcome.ok(count);
    }

    /** True when the bytes at {@code pos} hold a complete batch with a valid CRC (recovery). */
    static boolean isIntact(ByteBuffer buf, int pos) {
        int remaining = buf.limit() - pos;
        if (remaining < HEADER_BYTES) {
            return false;
        }
        int batchLength = buf.getInt(pos + RecordBatchHeader.BATCH_LENGTH);
        if (batchLength < HEADER_BYTES - LOG_OVERHEAD || (long) batchLength + LOG_OVERHEAD > remaining) {
            return false;
        }
        if (buf.get(pos + RecordBatchHeader.MAGIC) != 2) {
            return false;
        }
        return RecordBatchHeader.storedCrc(buf, pos) == RecordBatchHeader.computeCrc(buf, pos);
    }
}
