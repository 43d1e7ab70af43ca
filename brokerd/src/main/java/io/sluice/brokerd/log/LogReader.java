package io.sluice.brokerd.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Reads a partition log's segments for fetches, timestamp lookups and the coordinators' loading scans. It takes no
 * lock: it walks {@link LogSegments} (a segment a read found stays open until its delete delay has passed) and
 * bounds each read by the {@link Segment.Extent} it takes once per segment, so an append landing meanwhile is not
 * seen half. The bound is the caller's: the high watermark for consumers, the log end for followers, and the last
 * stable offset for READ_COMMITTED consumers, whose aborted transactions come from the segments' {@code .txnindex}
 * ({@link #abortedTransactions}). Thread-safe.
 */
final class LogReader {
    private final LogSegments segments;
    /** Test seam inside {@link #slice}; {@link Interleaving#NONE} in the broker. */
    private Interleaving interleaving = Interleaving.NONE;

    /**
     * Runs test code at a point of {@link #slice} where a concurrent append may land: right after the reader took
     * the extent of the segment it reads. Tests append from here to force that interleaving deterministically.
     */
    interface Interleaving {
        Interleaving NONE = () -> { };

        void afterSegmentEndSampled();
    }

    LogReader(LogSegments segments) {
        this.segments = segments;
    }

    /** Installs an interleaving (tests; before the log is shared with other threads). */
    void interleave(Interleaving i) {
        this.interleaving = i;
    }

    /**
     * Whole batches from the one holding {@code fetchOffset}: at most {@code maxBytes} unless {@code minOneBatch} and
     * the first batch is larger (then that one batch), never a batch at or past {@code upperOffset}. The slice may end
     * in a partial batch when maxBytes cuts one, as Kafka's does; clients drop it and fetch it again. Empty (size 0)
     * when nothing lies between the two offsets.
     */
    FileSlice slice(long fetchOffset, int maxBytes, boolean minOneBatch, long upperOffset) throws IOException {
        for (Segment s = segments.floor(fetchOffset); s != null && fetchOffset < upperOffset; s = segments.next(s)) {
            Segment.Extent extent = s.extent();
            interleaving.afterSegmentEndSampled();
            int pos = s.positionOf(fetchOffset, extent);
            if (pos < 0) {
                continue;
            }
            int limit = upperOffset >= extent.nextOffset() ? extent.sizeBytes() : s.positionOf(upperOffset, extent);
            if (limit < 0) {
                limit = extent.sizeBytes();
            }
            int size = Math.min(limit - pos, maxBytes);
            if (minOneBatch && limit > pos) {
                size = Math.max(size, Math.min(s.batchSizeAt(pos, extent), limit - pos));
            }
            if (size <= 0) {
                break;
            }
            return new FileSlice(s.sendChannel(), pos, size);
        }
        return new FileSlice(segments.active().sendChannel(), 0, 0);
    }

    /**
     * The aborted transactions a READ_COMMITTED read of {@code [fetchOffset, upperOffset)} needs (Kafka's rule): from
     * the segment holding {@code fetchOffset} on, each segment's entries overlapping the range, until an entry shows
     * that every transaction below {@code upperOffset} had ended.
     */
    List<AbortedTxn> abortedTransactions(long fetchOffset, long upperOffset) {
        List<AbortedTxn> out = new java.util.ArrayList<>();
        Segment s = segments.floor(fetchOffset);
        for (s = s == null ? segments.first() : s; s != null; s = segments.next(s)) {
            TransactionIndex.Search found = s.txnIndex().collect(fetchOffset, upperOffset);
            out.addAll(found.found());
            if (found.complete()) {
                break;
            }
        }
        return out;
    }

    /** First record at or above {@code logStartOffset} with timestamp >= {@code timestampMs}; empty when none. */
    Optional<TimestampOffset> offsetForTimestamp(long timestampMs, long logStartOffset) throws IOException {
        for (Segment s : segments.all()) {
            if (s.maxTimestampMs() < timestampMs) {
                continue;
            }
            int end = s.committedSizeBytes();
            int pos = s.positionForTimestamp(timestampMs);
            while (pos >= 0 && pos < end) {
                ByteBuffer batch = s.readBatch(pos);
                TimestampOffset found = BatchRecords.firstAtOrAfter(batch, timestampMs);
                if (found != null && RecordBatchHeader.lastOffset(batch, 0) >= logStartOffset) {
                    return Optional.of(new TimestampOffset(found.timestampMs(), Math.max(found.offset(), logStartOffset)));
                }
                pos += batch.limit();
            }
        }
        return Optional.empty();
    }

    /**
     * Every record at or above {@code logStartOffset}, in offset order; control batches are skipped. A batch whose
     * records cannot be decoded (bytes past a valid CRC that are not records) goes to {@code unreadable} and the walk
     * goes on after it; an I/O error ends it.
     */
    void forEachRecord(Consumer<BatchRecords.KeyValue> action, PartitionLog.UnreadableBatch unreadable, long logStartOffset)
            throws IOException {
        for (Segment s : segments.all()) {
            int size = s.committedSizeBytes();
            for (int pos = 0; pos < size; ) {
                ByteBuffer batch = s.readBatch(pos);
                pos += batch.limit();
                if (RecordBatchHeader.isControl(batch, 0) || RecordBatchHeader.lastOffset(batch, 0) < logStartOffset) {
                    continue;
                }
                List<BatchRecords.KeyValue> records;
                try {
                    records = BatchRecords.keyValues(batch);
                } catch (IOException | RuntimeException e) {
                    unreadable.skipped(RecordBatchHeader.baseOffset(batch, 0), RecordBatchHeader.lastOffset(batch, 0), e);
                    continue;
                }
                for (BatchRecords.KeyValue kv : records) {
                    if (kv.offset() >= logStartOffset) {
                        action.accept(kv);
                    }
                }
            }
        }
    }

    /** The record with the largest timestamp (earliest offset among equals); empty when the log is empty. */
    Optional<TimestampOffset> maxTimestamp() throws IOException {
        Segment best = null;
        for (Segment s : segments.all()) {
            if (s.maxTimestampMs() >= 0 && (best == null || s.maxTimestampMs() > best.maxTimestampMs())) {
                best = s;
            }
        }
        if (best == null) {
            return Optional.empty();
        }
        int pos = best.positionOf(best.offsetOfMaxTimestamp());
        return Optional.ofNullable(BatchRecords.firstAtOrAfter(best.readBatch(pos), best.maxTimestampMs()));
    }
}
