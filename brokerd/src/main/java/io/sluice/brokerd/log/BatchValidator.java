package io.sluice.brokerd.log;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static io.sluice.brokerd.log.RecordBatchHeader.HEADER_BYTES;
import static io.sluice.brokerd.log.RecordBatchHeader.LOG_OVERHEAD;

/**
 * Checks the record batches of one produce request before anything is written, in one pass per batch, as Kafka's
 * {@code LogValidator} does for v2 batches (our own rules where stated):
 * <ol>
 *   <li>framing: each batch's length covers at least a header and stays inside the request; magic 2 only;
 *       at most {@code max.message.bytes}; the CRC32C matches;</li>
 *   <li>the header: a positive record count equal to lastOffsetDelta + 1; no control batch (markers are the broker's:
 *       WriteTxnMarkers), no transactional batch without a producer id, no producer id with a negative base sequence
 *       (but from the broker's own coordinators, which write none), no LogAppendTime flag from a client;</li>
 *   <li>every record, walked through {@link RecordReader} (a compressed batch through a streaming decoder, never
 *       inflated in memory and refused once it inflates past {@code message.decompressed.max.bytes}): its lengths,
 *       varints, key, value and headers inside the record and the record inside the batch; offset deltas exactly
 *       0, 1, ..., n-1 (stricter than Kafka, which re-compresses such batches: brokerd never re-compresses);
 *       exactly the declared number of records, nothing after them;</li>
 *   <li>per record, collected like Kafka's record errors: a key on a compacted topic; with CreateTime, a timestamp
 *       within {@code message.timestamp.before.max.ms} / {@code after.max.ms} of the broker's clock.</li>
 * </ol>
 * A batch whose header maxTimestamp is not the largest record timestamp is accepted and given the right one when
 * appended, as Kafka rewrites it ({@link Outcome#restampMaxTimestamps}). Nothing is allocated from a size read out
 * of the request before it is checked against the bytes present. Stateless; records are read in place from the
 * request's array.
 */
final class BatchValidator {
    /** Record errors kept per refused batch (the rest are counted in the message): the response stays small. */
    static final int MAX_RECORD_ERRORS = 1000;
    static final long NO_TIMESTAMP = -1;

    /**
     * Result of validation. Accepted: {@code error} is null, {@code batchCount} batches were found, and
     * {@code maxTimestamps} is null or, per batch, the max timestamp its header must be given ({@link Long#MIN_VALUE}
     * where it is right). Refused: why, with the records at fault.
     */
    record Outcome(AppendError error, RejectReason reason, String message, List<RecordError> recordErrors,
                   int batchCount, long[] maxTimestamps) {
        static Outcome ok(int count, long[] maxTimestamps) {
            return new Outcome(null, null, null, List.of(), count, maxTimestamps);
        }

        static Outcome fail(RejectReason reason, String message) {
            return new Outcome(reason.error(), reason, message, List.of(), 0, null);
        }

        static Outcome fail(RejectReason reason, String message, List<RecordError> recordErrors) {
            return new Outcome(reason.error(), reason, message, List.copyOf(recordErrors), 0, null);
        }

        boolean isOk() {
            return error == null;
        }

        AppendResult.Rejected rejection() {
            return new AppendResult.Rejected(error, message, reason.label(), recordErrors);
        }

        /**
         * Writes the corrected max timestamps into the headers of {@code batches} (the bytes that were validated,
         * or a copy of them) and re-stamps their CRCs; nothing to do for honest batches.
         */
        void restampMaxTimestamps(ByteBuffer batches) {
            if (maxTimestamps == null) {
                return;
            }
            int index = 0;
            for (int pos = batches.position(); pos < batches.limit(); pos += RecordBatchHeader.totalSize(batches, pos)) {
                if (maxTimestamps[index] != Long.MIN_VALUE) {
                    RecordBatchHeader.setMaxTimestamp(batches, pos, maxTimestamps[index]);
                }
                index++;
            }
        }
    }

    private BatchValidator() {
    }

    /** Validates the batches of a produce request for the log with {@code cfg} at broker time {@code nowMs}. */
    static Outcome validate(ByteBuffer buf, LogConfig cfg, long nowMs) {
        return validate(buf, cfg, nowMs, false);
    }

    /**
     * As above; {@code fromCoordinator}: the batches are the broker's own coordinators' (their transactional batches
     * carry no sequence, as Kafka's origin COORDINATOR).
     */
    static Outcome validate(ByteBuffer buf, LogConfig cfg, long nowMs, boolean fromCoordinator) {
        int start = buf.position();
        int end = buf.limit();
        if (start == end) {
            return Outcome.fail(RejectReason.RECORD_COUNT, "produce request carries no record batch");
        }
        byte[] array;
        int arrayBase;
        if (buf.hasArray()) {
            array = buf.array();
            arrayBase = buf.arrayOffset();
        } else { // not from the network (tests, benchmarks): one copy of the bytes present
            array = new byte[end - start];
            buf.duplicate().get(array);
            arrayBase = -start;
        }
        long[] maxTimestamps = null;
        int count = 0;
        for (int pos = start; pos < end; count++) {
            Outcome header = checkHeader(buf, pos, end, start, cfg.maxMessageBytes(), fromCoordinator);
            if (header != null) {
                return header;
            }
            int total = RecordBatchHeader.totalSize(buf, pos);
            BatchWalk walk = new BatchWalk(buf, pos, cfg, nowMs);
            Outcome records = walk.run(array, arrayBase + pos, arrayBase + pos + total, end - start > total ? count : -1);
            if (records != null) {
                return records;
            }
            if (!cfg.logAppendTime() && walk.maxTimestamp != RecordBatchHeader.maxTimestamp(buf, pos)) {
                if (maxTimestamps == null) {
                    maxTimestamps = new long[(end - start) / HEADER_BYTES];
                    Arrays.fill(maxTimestamps, Long.MIN_VALUE);
                }
                maxTimestamps[count] = walk.maxTimestamp;
            }
            pos += total;
        }
        return Outcome.ok(count, maxTimestamps);
    }

    /** Framing, magic, size, CRC and header fields of the batch at {@code pos}; null when they are acceptable. */
    private static Outcome checkHeader(ByteBuffer buf, int pos, int end, int start, int maxMessageBytes, boolean fromCoordinator) {
        Outcome framing = checkFraming(buf, pos, end, start);
        if (framing != null) {
            return framing;
        }
        long total = (long) buf.getInt(pos + RecordBatchHeader.BATCH_LENGTH) + LOG_OVERHEAD;
        if (total > maxMessageBytes) {
            return Outcome.fail(RejectReason.BATCH_TOO_LARGE,
                    "record batch of " + total + " bytes exceeds max.message.bytes " + maxMessageBytes);
        }
        if (RecordBatchHeader.storedCrc(buf, pos) != RecordBatchHeader.computeCrc(buf, pos)) {
            return Outcome.fail(RejectReason.CRC, "record batch CRC mismatch");
        }
        int recordCount = RecordBatchHeader.recordCount(buf, pos);
        int lastOffsetDelta = RecordBatchHeader.lastOffsetDelta(buf, pos);
        if (recordCount <= 0 || lastOffsetDelta != recordCount - 1) {
            return Outcome.fail(RejectReason.RECORD_COUNT, "record count " + recordCount + " does not match lastOffsetDelta "
                    + lastOffsetDelta + " (a batch of n records has lastOffsetDelta n-1)");
        }
        if (RecordBatchHeader.isControl(buf, pos)) {
            return Outcome.fail(RejectReason.CONTROL_BATCH, "clients may not produce control batches");
        }
        if (RecordBatchHeader.isTransactional(buf, pos) && RecordBatchHeader.producerId(buf, pos) < 0) {
            return Outcome.fail(RejectReason.TRANSACTIONAL, "a transactional record batch must carry a producer id");
        }
        if (!fromCoordinator && RecordBatchHeader.producerId(buf, pos) >= 0 && RecordBatchHeader.baseSequence(buf, pos) < 0) {
            return Outcome.fail(RejectReason.SEQUENCE, "invalid base sequence " + RecordBatchHeader.baseSequence(buf, pos)
                    + " in a batch of producer id " + RecordBatchHeader.producerId(buf, pos));
        }
        if (RecordBatchHeader.isLogAppendTime(buf, pos)) {
            return Outcome.fail(RejectReason.TIMESTAMP, "producers may not set the timestamp type LogAppendTime; the topic's "
                    + "message.timestamp.type decides it");
        }
        return null;
    }

    /** A batch header that fits and a length that covers a header and stays inside {@code [pos, end)}; magic 2. */
    private static Outcome checkFraming(ByteBuffer buf, int pos, int end, int start) {
        if (end - pos <= RecordBatchHeader.MAGIC) {
            return Outcome.fail(RejectReason.BATCH_FRAMING, "truncated record batch header at byte " + (pos - start));
        }
        byte magic = buf.get(pos + RecordBatchHeader.MAGIC);
        if (magic != 2) {
            return Outcome.fail(RejectReason.MAGIC, "record batch magic " + magic + " is not supported: Produce carries "
                    + "v2 record batches only (magic 2)");
        }
        if (end - pos < HEADER_BYTES) {
            return Outcome.fail(RejectReason.BATCH_FRAMING, "truncated record batch header at byte " + (pos - start));
        }
        int batchLength = buf.getInt(pos + RecordBatchHeader.BATCH_LENGTH);
        if (batchLength < HEADER_BYTES - LOG_OVERHEAD) {
            return Outcome.fail(RejectReason.BATCH_FRAMING, "record batch length " + batchLength + " is smaller than a header");
        }
        if ((long) batchLength + LOG_OVERHEAD > end - pos) {
            return Outcome.fail(RejectReason.BATCH_FRAMING,
                    "record batch length " + batchLength + " runs past the end of the request");
        }
        return null;
    }

    /** The walk over one batch's records: per-record errors collected, the largest timestamp found. */
    private static final class BatchWalk {
        private final int recordCount;
        private final long baseTimestamp;
        private final int codec;
        private final LogConfig cfg;
        private final long lowestMs;
        private final long highestMs;
        private final RecordReader record = new RecordReader();
        private List<RecordError> errors;
        private int errorCount;
        private boolean timestampError;
        long maxTimestamp = NO_TIMESTAMP;

        BatchWalk(ByteBuffer buf, int pos, LogConfig cfg, long nowMs) {
            this.recordCount = RecordBatchHeader.recordCount(buf, pos);
            this.baseTimestamp = RecordBatchHeader.baseTimestamp(buf, pos);
            this.codec = RecordBatchHeader.compressionCodec(buf, pos);
            this.cfg = cfg;
            // Saturating (both bounds are >= 0): the default before.max.ms, Long.MAX_VALUE, must not wrap around.
            long lowest = nowMs - cfg.timestampBeforeMaxMs();
            long highest = nowMs + cfg.timestampAfterMaxMs();
            this.lowestMs = lowest > nowMs ? Long.MIN_VALUE : lowest;
            this.highestMs = highest < nowMs ? Long.MAX_VALUE : highest;
        }

        /**
         * Walks {@code array[from, to)}, the whole batch; null when its records are acceptable. {@code batchIndex}
         * names the batch in messages when the request holds several (-1: it is the only one).
         */
        Outcome run(byte[] array, int from, int to, int batchIndex) {
            int recordsFrom = from + HEADER_BYTES;
            if (codec == RecordDecoders.NONE && recordCount > (to - recordsFrom) / RecordReader.MIN_RECORD_BYTES) {
                return fail(batchIndex, RejectReason.RECORD_COUNT, "the batch declares " + recordCount + " records but its "
                        + (to - recordsFrom) + " bytes of records hold at most " + (to - recordsFrom) / RecordReader.MIN_RECORD_BYTES, -1);
            }
            try (RecordCursor cursor = codec == RecordDecoders.NONE ? RecordCursor.over(array, recordsFrom, to)
                    : RecordCursor.decoding(RecordDecoders.open(codec, array, recordsFrom, to - recordsFrom, cfg.maxDecompressedBytes()),
                    cfg.maxDecompressedBytes())) {
                walk(cursor);
            } catch (BatchFormatException e) {
                return fail(batchIndex, e.reason(), e.getMessage(), e.recordIndex());
            }
            if (errorCount == 0) {
                return null;
            }
            RejectReason reason = timestampError ? RejectReason.TIMESTAMP : RejectReason.MISSING_KEY;
            String message = errorCount + " of the batch's " + recordCount + " records " + (errorCount == 1 ? "was" : "were")
                    + " refused, the first: record " + errors.get(0).batchIndex() + ": " + errors.get(0).message();
            return Outcome.fail(reason, prefix(batchIndex) + message, errors);
        }

        private void walk(RecordCursor cursor) throws BatchFormatException {
            for (int i = 0; i < recordCount; i++) {
                if (cursor.atEnd()) {
                    throw new BatchFormatException(RejectReason.RECORD_COUNT, "the batch declares " + recordCount
                            + " records but holds " + i);
                }
                record.read(cursor, false, i);
                if (record.offsetDelta != i) {
                    throw new BatchFormatException(RejectReason.OFFSET_DELTA, "record " + i + " has offset delta "
                            + record.offsetDelta + "; the records of a batch have offset deltas 0, 1, 2, ... in order", i);
                }
                long timestampMs = baseTimestamp + record.timestampDelta;
                if (timestampMs > maxTimestamp) {
                    maxTimestamp = timestampMs;
                }
                if (cfg.compact() && record.keyLength < 0) {
                    recordError(i, "Compacted topic cannot accept message without key.");
                } else if (!cfg.logAppendTime() && timestampMs != NO_TIMESTAMP && (timestampMs < lowestMs || timestampMs > highestMs)) {
                    timestampError = true;
                    recordError(i, "Timestamp " + timestampMs + " of record " + i + " is out of range. The timestamp should "
                            + "be within [" + lowestMs + ", " + highestMs + "] (message.timestamp.before.max.ms "
                            + cfg.timestampBeforeMaxMs() + ", message.timestamp.after.max.ms " + cfg.timestampAfterMaxMs() + ")");
                }
            }
            if (!cursor.atEnd()) {
                throw new BatchFormatException(RejectReason.RECORD_COUNT, "bytes follow the last of the batch's "
                        + recordCount + " records");
            }
        }

        private void recordError(int index, String message) {
            if (errors == null) {
                errors = new ArrayList<>();
            }
            if (errors.size() < MAX_RECORD_ERRORS) {
                errors.add(new RecordError(index, message));
            }
            errorCount++;
        }

        private static Outcome fail(int batchIndex, RejectReason reason, String message, int recordIndex) {
            String text = prefix(batchIndex) + message;
            return recordIndex < 0 ? Outcome.fail(reason, text) : Outcome.fail(reason, text, List.of(new RecordError(recordIndex, message)));
        }

        private static String prefix(int batchIndex) {
            return batchIndex < 0 ? "" : "record batch " + batchIndex + " of the request: ";
        }
    }

    /**
     * A follower's check of the batches it copies from its leader, which validated their records when it appended
     * them: framing, magic and CRC. A compacted batch may hold fewer records than its offset range (none at all when
     * only its header was kept), so the record count is only checked to fit that range.
     */
    static Outcome validateReplicated(ByteBuffer buf) {
        int start = buf.position();
        int end = buf.limit();
        int count = 0;
        for (int pos = start; pos < end; count++) {
            Outcome framing = checkFraming(buf, pos, end, start);
            if (framing != null) {
                return framing;
            }
            if (RecordBatchHeader.storedCrc(buf, pos) != RecordBatchHeader.computeCrc(buf, pos)) {
                return Outcome.fail(RejectReason.CRC, "replicated record batch at byte " + (pos - start) + " fails its CRC");
            }
            int recordCount = RecordBatchHeader.recordCount(buf, pos);
            int lastOffsetDelta = RecordBatchHeader.lastOffsetDelta(buf, pos);
            if (lastOffsetDelta < 0 || recordCount < 0 || recordCount > lastOffsetDelta + 1L) {
                return Outcome.fail(RejectReason.BATCH_FRAMING, "replicated record batch claims " + recordCount
                        + " records over lastOffsetDelta " + lastOffsetDelta);
            }
            pos += RecordBatchHeader.totalSize(buf, pos);
        }
        return Outcome.ok(count, null);
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
