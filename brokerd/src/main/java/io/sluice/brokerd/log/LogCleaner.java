package io.sluice.brokerd.log;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.sluice.brokerd.producer.ProducerStateManager;

/**
 * Compaction of one partition log ({@code cleanup.policy} containing {@code compact}): keeps the last record per
 * key below the active segment, drops tombstones older than {@code delete.retention.ms}, leaves offsets unchanged.
 * <p>
 * A pass runs when the dirty part (segments not cleaned since this broker started, excluding the active one and
 * those younger than {@code min.compaction.lag.ms}) is at least {@code min.cleanable.dirty.ratio} of the cleanable
 * bytes. It maps each key of the dirty part to the offset of its newest record in a {@link CleanerOffsetMap} bounded
 * by {@code log.cleaner.dedupe.buffer.size}; when the map fills up, the pass stops mapping at that record, cleans
 * the log up to it, and the next pass maps on from there (as Kafka's cleaner does), so a log with more keys than
 * the map holds is compacted in several passes. A record goes when the map holds a newer offset for its key, or
 * when it is a tombstone (null value) older than {@code delete.retention.ms} in the mapped part.
 * <p>
 * Transactions, as Kafka's cleaner handles them ({@link CleanerTxnState}): nothing at or above the first unstable
 * offset is cleaned (a segment holding an open transaction, or a marker not yet replicated, ends the cleanable part);
 * the records of aborted transactions go (they are never mapped either); a marker goes once no record of its
 * transaction is left, but only {@code delete.retention.ms} after a pass first found that (the pass stamps the
 * time into the marker as Kafka's delete horizon, attribute bit 0x40 and base timestamp). A rewritten segment's
 * {@code .txnindex} keeps the aborted transactions whose markers stay and whose records were still met.
 * <p>
 * Each batch keeps its header fields ({@link BatchRewriter}): base offset, leader epoch, codec (re-compressed with
 * it), timestamp type, producer fields. A batch whose records all went is dropped, except its header stays (record
 * count 0) when it is its producer's last data batch, or the marker a producer wrote last (the producer state is
 * rebuilt from batch headers, as in Kafka), or the first batch of a leader epoch (the leader-epoch cache is rebuilt
 * from batch headers at start-up: the epoch must neither vanish nor move; Kafka keeps it in the checkpoint file
 * instead).
 * <p>
 * Each segment is rewritten one for one under the same base offset:
 * <pre>
 *   write X.log.cleaned (and X.txnindex.cleaned), fsync; CRC-check and index it (X.index.cleaned,
 *   X.timeindex.cleaned), fsync
 *     -> rename X.*.cleaned to X.*.swap, the .log last (under the lock), fsync the directory
 *     -> rename old X.* to X.*.deleted, X.*.swap to X.*, the .log last (under the lock), fsync the directory
 * </pre>
 * so a crash at any step leaves either the old segment, or a .swap that recovery completes ({@link LogLoader}
 * replaces X.log with X.log.swap, and X.txnindex with X.txnindex.swap or nothing, and rebuilds its indexes). The old segment stays open, and readable by fetches in
 * flight, for {@code file.delete.delay.ms} ({@link LogSegments#replace}).
 * <p>
 * Runs on the cleaner thread; each pass has a map of its own, so the instance holds no state but its bound. The log's
 * lock is held only for the renames of a swap ({@link PartitionLog#swapIn}), never across an fsync or a read of a
 * whole segment: appends and follower fetches on the event loop take that lock.
 */
public final class LogCleaner {
    private static final Logger log = LoggerFactory.getLogger(LogCleaner.class);
    /** Kafka's default {@code log.cleaner.dedupe.buffer.size}: 128 MiB. */
    public static final long DEFAULT_DEDUPE_BUFFER_BYTES = 128L * 1024 * 1024;

    /** Test hook called after each durable step of a swap; a test throws from it to simulate a crash there. */
    public interface StepHook {
        void after(String step);

        StepHook NONE = step -> { };
    }

    private final long dedupeBufferBytes;

    /**
     * @param dedupeBufferBytes log.cleaner.dedupe.buffer.size: most memory a pass's key map takes (each key
     *                          {@value CleanerOffsetMap#BYTES_PER_ENTRY} bytes; at most 2 GiB are used)
     */
    public LogCleaner(long dedupeBufferBytes) {
        if (dedupeBufferBytes < 2 * CleanerOffsetMap.BYTES_PER_ENTRY) {
            throw new IllegalArgumentException("log.cleaner.dedupe.buffer.size " + dedupeBufferBytes + " holds no key");
        }
        this.dedupeBufferBytes = dedupeBufferBytes;
    }

    /**
     * Cleans {@code pl} if it is compacted and dirty enough, in as many passes as its keys need; returns the number
     * of segments rewritten.
     */
    public int maybeClean(PartitionLog pl, long nowMs, StepHook hook) {
        LogConfig cfg = pl.config();
        if (!cfg.compact() || pl.isFailed()) {
            return 0;
        }
        int rewritten = 0;
        int passes = 0;
        CleanerOffsetMap map = null;
        try {
            while (true) {
                List<Segment> cleanable = cleanableSegments(pl, cfg, nowMs);
                if (!dirtyEnough(pl, cleanable, cfg)) {
                    break;
                }
                long firstDirty = pl.cleanedUpTo();
                if (map == null) {
                    map = CleanerOffsetMap.sized(dedupeBufferBytes, dirtyOffsets(cleanable, firstDirty));
                } else {
                    map.clear();
                }
                long end = cleanable.get(cleanable.size() - 1).nextOffset();
                long mappedTo = buildOffsetMap(pl, cleanable, firstDirty, map);
                if (mappedTo <= firstDirty) {
                    throw new IllegalStateException("the cleaner's offset map took no key of " + pl.topicPartition()
                            + " after offset " + firstDirty);
                }
                CleanerTxnState txns = new CleanerTxnState(pl.abortedTransactions(cleanable.get(0).baseOffset, end));
                rewritten += cleanSegments(pl, cleanable, new Pass(map, mappedTo, nowMs, cfg.deleteRetentionMs(),
                        pl.producerLastRecords(), txns), nowMs, hook);
                pl.markCleanedUpTo(mappedTo);
                passes++;
                if (mappedTo >= end) {
                    break;
                }
                log.info("Cleaner offset map of {} is full ({} keys, {} bytes): cleaned up to offset {} of {}; mapping on",
                        pl.topicPartition(), map.size(), map.sizeBytes(), mappedTo, end);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("compacting " + pl.topicPartition(), e);
        }
        if (passes > 0) {
            log.info("Compacted {}: {} segments rewritten in {} passes", pl.topicPartition(), rewritten, passes);
        }
        return rewritten;
    }

    /**
     * The inactive segments from the first on that are older than min.compaction.lag.ms and end at or below the first
     * unstable offset (an open transaction, or a marker not yet replicated).
     */
    private static List<Segment> cleanableSegments(PartitionLog pl, LogConfig cfg, long nowMs) {
        List<Segment> cleanable = new ArrayList<>();
        long lagLimitMs = nowMs - cfg.minCompactionLagMs();
        long firstUnstable = pl.firstUnstableOffset();
        for (Segment s : pl.inactiveSegments()) {
            if (s.maxTimestampMs() > lagLimitMs || (firstUnstable >= 0 && s.nextOffset() > firstUnstable)) {
                break;
            }
            cleanable.add(s);
        }
        return cleanable;
    }

    private static boolean dirtyEnough(PartitionLog pl, List<Segment> cleanable, LogConfig cfg) {
        long total = 0;
        long dirty = 0;
        for (Segment s : cleanable) {
            total += s.committedSizeBytes();
            if (s.nextOffset() > pl.cleanedUpTo()) {
                dirty += s.committedSizeBytes();
            }
        }
        return total > 0 && dirty > 0 && (double) dirty / total >= cfg.minCleanableDirtyRatio();
    }

    /** Offsets at or above {@code firstDirty} in the segments: an upper bound on the keys to map. */
    private static long dirtyOffsets(List<Segment> cleanable, long firstDirty) {
        long n = 0;
        for (Segment s : cleanable) {
            n += Math.max(0, s.nextOffset() - Math.max(s.baseOffset, firstDirty));
        }
        return n;
    }

    /**
     * Maps key -> offset of its last record from {@code firstDirty} on, until the map is full. Returns the offset
     * the mapping stopped at (exclusive): the end of the segments, or the first record whose key did not fit.
     */
    private static long buildOffsetMap(PartitionLog pl, List<Segment> segments, long firstDirty, CleanerOffsetMap map)
            throws IOException {
        CleanerTxnState txns = null;
        for (Segment s : segments) {
            if (s.nextOffset() <= firstDirty) {
                continue;
            }
            if (txns == null) {
                txns = new CleanerTxnState(pl.abortedTransactions(s.baseOffset, segments.get(segments.size() - 1).nextOffset()));
            }
            for (int pos = 0; pos < s.committedSizeBytes(); ) {
                ByteBuffer batch = s.readBatch(pos);
                pos += batch.limit();
                if (RecordBatchHeader.isControl(batch, 0)) {
                    txns.onControlBatch(batch); // ends its producer's transaction for the batches after it
                    continue;
                }
                if (txns.onDataBatch(batch) || RecordBatchHeader.lastOffset(batch, 0) < firstDirty) {
                    continue; // aborted records are never mapped: they must not supersede committed ones
                }
                for (BatchRecords.KeyValue kv : BatchRecords.keyValues(batch)) {
                    if (kv.key() != null && kv.offset() >= firstDirty && !map.put(kv.key(), kv.offset())) {
                        return kv.offset();
                    }
                }
            }
        }
        return segments.get(segments.size() - 1).nextOffset();
    }

    /**
     * What one pass decides with: the key map, the offset mapping stopped at, the time and delete.retention.ms (the
     * tombstone horizon, the markers' delete horizon), the last data batch and epoch of every live producer, the
     * transactions met (walked in offset order), and the newest leader epoch met so far in the segments rewritten
     * (they are a prefix of the log, walked in order).
     */
    private static final class Pass {
        final CleanerOffsetMap map;
        final long mappedTo;
        final long nowMs;
        final long deleteRetentionMs;
        final long tombstoneLimitMs;
        final Map<Long, ProducerStateManager.LastRecord> producerLastRecords;
        final CleanerTxnState txns;
        int newestEpoch = -1;

        Pass(CleanerOffsetMap map, long mappedTo, long nowMs, long deleteRetentionMs,
             Map<Long, ProducerStateManager.LastRecord> producerLastRecords, CleanerTxnState txns) {
            this.map = map;
            this.mappedTo = mappedTo;
            this.nowMs = nowMs;
            this.deleteRetentionMs = deleteRetentionMs;
            this.tombstoneLimitMs = nowMs - deleteRetentionMs;
            this.producerLastRecords = producerLastRecords;
            this.txns = txns;
        }

        /** Whether the record stays: no newer record of its key is mapped, and it is no expired mapped tombstone. */
        boolean keeps(BatchRecords.FullRecord r) {
            if (r.key() == null) {
                return true;
            }
            boolean superseded = map.get(r.key()) > r.offset();
            boolean expiredTombstone = r.value() == null && r.offset() < mappedTo && r.timestampMs() < tombstoneLimitMs;
            return !superseded && !expiredTombstone;
        }

        /** Whether the header of the batch stays when none of its records do; call once per batch, in log order. */
        boolean keepsHeader(ByteBuffer batch) {
            int epoch = RecordBatchHeader.leaderEpoch(batch, 0);
            boolean startsEpoch = epoch >= 0 && epoch > newestEpoch;
            newestEpoch = Math.max(newestEpoch, epoch);
            return startsEpoch || producersLast(batch);
        }

        /**
         * Kafka's rule: the producer's last data batch holds its last sequence; where it has none (a marker bumped its
         * epoch), its newest marker holds the epoch that fences it.
         */
        private boolean producersLast(ByteBuffer batch) {
            long producerId = RecordBatchHeader.producerId(batch, 0);
            ProducerStateManager.LastRecord last = producerId < 0 ? null : producerLastRecords.get(producerId);
            if (last == null) {
                return false;
            }
            if (last.lastDataOffset() >= 0) {
                return last.lastDataOffset() == RecordBatchHeader.lastOffset(batch, 0);
            }
            return RecordBatchHeader.isControl(batch, 0) && RecordBatchHeader.producerEpoch(batch, 0) == last.epoch();
        }
    }

    /** Rewrites the segments holding mapped offsets; returns how many were swapped in. */
    private static int cleanSegments(PartitionLog pl, List<Segment> cleanable, Pass pass, long nowMs, StepHook hook)
            throws IOException {
        int rewritten = 0;
        for (Segment s : cleanable) {
            if (s.baseOffset >= pass.mappedTo) {
                break;
            }
            Path cleaned = writeCleaned(pl.dir(), s, pass);
            hook.after("cleaned-written");
            // swapIn checks and indexes the copy, and fsyncs the directory, without holding the log's lock.
            if (pl.swapIn(s, cleaned, nowMs, hook)) {
                rewritten++;
            }
        }
        return rewritten;
    }

    /**
     * Writes what stays of {@code s} to {@code X.log.cleaned} and fsyncs it (a copy that could not be written whole
     * is removed), and the aborted transactions its index keeps to {@code X.txnindex.cleaned} (none: no such file,
     * and any earlier one is deleted).
     */
    private static Path writeCleaned(Path dir, Segment s, Pass pass) throws IOException {
        Path cleaned = dir.resolve(Segment.fileName(s.baseOffset) + ".log.cleaned");
        try (FileChannel out = FileChannel.open(cleaned, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            for (int pos = 0; pos < s.committedSizeBytes(); ) {
                ByteBuffer batch = s.readBatch(pos);
                pos += batch.limit();
                ByteBuffer kept = cleanBatch(batch, pass);
                while (kept != null && kept.hasRemaining()) {
                    out.write(kept);
                }
            }
            out.force(true);
        } catch (IOException | RuntimeException e) {
            try {
                Files.deleteIfExists(cleaned);
            } catch (IOException d) {
                e.addSuppressed(d);
            }
            throw e;
        }
        Path cleanedIndex = dir.resolve(Segment.fileName(s.baseOffset) + ".txnindex.cleaned");
        List<AbortedTxn> entries = pass.txns.takeIndexEntries();
        if (entries.isEmpty()) {
            Files.deleteIfExists(cleanedIndex);
        } else {
            TransactionIndex.write(cleanedIndex, entries);
        }
        return cleaned;
    }

    /** What stays of one batch: itself, a rewritten batch, its empty header, or nothing (null). */
    private static ByteBuffer cleanBatch(ByteBuffer batch, Pass pass) throws IOException {
        boolean keepsHeader = pass.keepsHeader(batch);
        if (RecordBatchHeader.isControl(batch, 0)) {
            return cleanMarker(batch, pass, keepsHeader);
        }
        List<BatchRecords.FullRecord> records = BatchRecords.fullRecords(batch);
        if (pass.txns.onDataBatch(batch)) {
            return keepsHeader ? (records.isEmpty() ? batch : BatchRewriter.emptyHeader(batch)) : null;
        }
        List<BatchRecords.FullRecord> kept = new ArrayList<>(records.size());
        for (BatchRecords.FullRecord r : records) {
            if (pass.keeps(r)) {
                kept.add(r);
            }
        }
        if (!kept.isEmpty()) {
            return kept.size() == records.size() ? batch : BatchRewriter.withRecords(batch, kept);
        }
        if (!keepsHeader) {
            return null;
        }
        return records.isEmpty() ? batch : BatchRewriter.emptyHeader(batch);
    }

    /**
     * A marker stays while records of its transaction remain; then a pass stamps its delete horizon (now +
     * delete.retention.ms) and one after the horizon removes it, leaving its empty header when it is the marker its
     * producer wrote last.
     */
    private static ByteBuffer cleanMarker(ByteBuffer batch, Pass pass, boolean keepsHeader) throws IOException {
        if (!pass.txns.onControlBatch(batch)) {
            return batch;
        }
        long horizonMs = RecordBatchHeader.deleteHorizonMs(batch, 0);
        if (horizonMs < 0) {
            ByteBuffer stamped = ByteBuffer.allocate(batch.limit()).put(batch.duplicate().position(0)).flip();
            RecordBatchHeader.setDeleteHorizon(stamped, 0, pass.nowMs + pass.deleteRetentionMs);
            return stamped;
        }
        if (horizonMs > pass.nowMs) {
            return batch;
        }
        return keepsHeader ? (RecordBatchHeader.recordCount(batch, 0) == 0 ? batch : BatchRewriter.emptyHeader(batch)) : null;
    }
}
