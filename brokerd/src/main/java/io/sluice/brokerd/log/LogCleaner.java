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
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Compaction of one partition log ({@code cleanup.policy} containing {@code compact}): keeps the last record per
 * key below the active segment, drops tombstones older than {@code delete.retention.ms}, leaves offsets unchanged.
 * <p>
 * A pass runs when the dirty part (segments not cleaned since this broker started, excluding the active one and
 * those younger than {@code min.compaction.lag.ms}) is at least {@code min.cleanable.dirty.ratio} of the cleanable
 * bytes. Each segment is rewritten one for one under the same base offset:
 * <pre>
 *   write X.log.cleaned, fsync  ->  rename to X.log.swap  ->  rename old X.* to X.*.deleted  ->  rename X.log.swap to X.log
 * </pre>
 * so a crash at any step leaves either the old segment, or a .swap that recovery completes ({@link PartitionLog}
 * replaces X.log with X.log.swap and rebuilds its indexes). Rewritten batches are uncompressed and carry no producer id.
 * Runs on the cleaner thread; segment swaps happen under the log's lock.
 */
public final class LogCleaner {
    private static final Logger log = LoggerFactory.getLogger(LogCleaner.class);

    /** Test hook called after each durable step of a swap; a test throws from it to simulate a crash there. */
    public interface StepHook {
        void after(String step);

        StepHook NONE = step -> { };
    }

    private LogCleaner() {
    }

    /** Cleans {@code pl} if it is compacted and dirty enough; returns the number of segments rewritten. */
    public static int maybeClean(PartitionLog pl, long nowMs, StepHook hook) {
        LogConfig cfg = pl.config();
        if (!cfg.compact() || pl.isFailed()) {
            return 0;
        }
        List<Segment> cleanable = new ArrayList<>();
        long lagLimitMs = nowMs - cfg.minCompactionLagMs();
        for (Segment s : pl.inactiveSegments()) {
            if (s.maxTimestampMs() > lagLimitMs) {
                break;
            }
            cleanable.add(s);
        }
        if (cleanable.isEmpty()) {
            return 0;
        }
        long total = 0;
        long dirty = 0;
        for (Segment s : cleanable) {
            total += s.committedSizeBytes();
            if (s.nextOffset() > pl.cleanedUpTo()) {
                dirty += s.committedSizeBytes();
            }
        }
        if (total == 0 || dirty == 0 || (double) dirty / total < cfg.minCleanableDirtyRatio()) {
            return 0;
        }
        try {
            Map<ByteBuffer, Long> latest = latestOffsets(cleanable);
            long tombstoneLimitMs = nowMs - cfg.deleteRetentionMs();
            int rewritten = 0;
            for (Segment s : cleanable) {
                Path cleaned = writeCleaned(pl.dir(), s, latest, tombstoneLimitMs);
                hook.after("cleaned-written");
                if (pl.swapIn(s, cleaned, nowMs, hook)) {
                    rewritten++;
                }
            }
            pl.markCleanedUpTo(cleanable.get(cleanable.size() - 1).nextOffset());
            log.info("Compacted {}: {} segments rewritten, {} keys", pl.topicPartition(), rewritten, latest.size());
            return rewritten;
        } catch (IOException e) {
            throw new UncheckedIOException("compacting " + pl.topicPartition(), e);
        }
    }

    /** Key -> offset of its last record in the cleanable segments. */
    private static Map<ByteBuffer, Long> latestOffsets(List<Segment> segments) throws IOException {
        Map<ByteBuffer, Long> latest = new HashMap<>();
        for (Segment s : segments) {
            for (int pos = 0; pos < s.committedSizeBytes(); ) {
                ByteBuffer batch = s.readBatch(pos);
                pos += batch.limit();
                if (RecordBatchHeader.isControl(batch, 0)) {
                    continue;
                }
                for (BatchRecords.KeyValue kv : BatchRecords.keyValues(batch)) {
                    if (kv.key() != null) {
                        latest.put(ByteBuffer.wrap(kv.key()), kv.offset());
                    }
                }
            }
        }
        return latest;
    }

    private static Path writeCleaned(Path dir, Segment s, Map<ByteBuffer, Long> latest, long tombstoneLimitMs) throws IOException {
        Path cleaned = dir.resolve(Segment.fileName(s.baseOffset) + ".log.cleaned");
        try (FileChannel out = FileChannel.open(cleaned, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            for (int pos = 0; pos < s.committedSizeBytes(); ) {
                ByteBuffer batch = s.readBatch(pos);
                pos += batch.limit();
                if (RecordBatchHeader.isControl(batch, 0)) {
                    continue;
                }
                List<BatchRecords.FullRecord> kept = new ArrayList<>();
                for (BatchRecords.FullRecord r : BatchRecords.fullRecords(batch)) {
                    if (r.key() == null) {
                        kept.add(r);
                        continue;
                    }
                    boolean newest = latest.getOrDefault(ByteBuffer.wrap(r.key()), -1L) == r.offset();
                    boolean expiredTombstone = r.value() == null && r.timestampMs() < tombstoneLimitMs;
                    if (newest && !expiredTombstone) {
                        kept.add(r);
                    }
                }
                if (!kept.isEmpty()) {
                    ByteBuffer rebuilt = RecordBatchBuilder.rebuild(kept);
                    while (rebuilt.hasRemaining()) {
                        out.write(rebuilt);
                    }
                }
            }
            out.force(true);
        }
        return cleaned;
    }

    /** Deletes a leftover cleaned file (a pass that lost its segment to retention meanwhile). */
    static void discard(Path cleaned) throws IOException {
        Files.deleteIfExists(cleaned);
    }
}
