package io.sluice.brokerd.log;

import io.sluice.brokerd.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Path;
import java.util.Collection;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Finds batches damaged on disk after they were written (a flipped bit, a bad sector) in the closed segments of the
 * logs, before a consumer does: each pass reads every closed segment of every log at most
 * {@code log.scrub.bytes.per.second} and checks each batch's framing, magic and CRC32C, and the fields the CRC does
 * not cover that it can: base offsets follow each other (without gaps unless the topic is compacted) and each batch's
 * leader epoch is the one the log's epoch cache holds for its offsets. The first damaged batch of a log is reported
 * to the {@link DamageHandler} (the replica manager: a follower cuts its copy there and fetches it again, a leader
 * hands its leadership to an in-sync replica first) and the scan of that log stops there.
 * <p>
 * Why a scrubber: fetches leave by sendfile, unread by the broker, so the broker cannot check what it serves without
 * giving that up; clients check CRCs (the Java consumer and librdkafka do by default), so a damaged batch is never
 * taken as valid, but until the scrubber finds it a consumer that fetches it sees its client's CRC error. Where the
 * broker reads batches itself it checks them too: recovery after an unclean shutdown, a follower's appends, the
 * cleaner's copy, group loading (undecodable records are skipped). The active segment is not scrubbed: it is being
 * written, and recovery checks it after a crash.
 * <p>
 * Runs on its own thread, which is never interrupted (an interrupt in a FileChannel read closes the segment's channel):
 * {@link #stop} ends a pass between two batches. Reads go through the disk seam; an I/O error takes the directory
 * offline as any other read would.
 */
public final class LogScrubber {
    private static final Logger log = LoggerFactory.getLogger(LogScrubber.class);

    /**
     * A batch found damaged.
     *
     * @param tp            the partition
     * @param segmentBase   base offset of the segment holding it
     * @param position      its position in the segment's .log file: everything from here on is suspect
     * @param fromOffset    the first offset the damage may hide: one past the last intact batch before it (the
     *                      segment's base offset when it is the first); the log is cut there
     * @param file          the segment's .log file
     * @param reason        what is wrong with it
     */
    public record DamagedBatch(TopicPartition tp, long segmentBase, int position, long fromOffset, Path file, String reason) {
        @Override
        public String toString() {
            return tp + " from offset " + fromOffset + " (" + file + " at position " + position + ": " + reason + ")";
        }
    }

    /** Told about the first damaged batch of a log, on the scrubber's thread. */
    public interface DamageHandler {
        void damaged(PartitionLog log, DamagedBatch batch);
    }

    private final long bytesPerSecond;
    private final java.util.concurrent.atomic.AtomicLong damagedFound = new java.util.concurrent.atomic.AtomicLong();
    private volatile boolean stopped;

    /** @param bytesPerSecond most bytes a pass reads per second (log.scrub.bytes.per.second) */
    public LogScrubber(long bytesPerSecond) {
        if (bytesPerSecond < 1) {
            throw new IllegalArgumentException("log.scrub.bytes.per.second must be at least 1, not " + bytesPerSecond);
        }
        this.bytesPerSecond = bytesPerSecond;
    }

    /** Damaged batches found since start (a counter). */
    public long damagedFound() {
        return damagedFound.get();
    }

    /** Ends the pass under way between two batches; later passes do nothing. */
    public void stop() {
        stopped = true;
    }

    /**
     * One pass over {@code logs}; returns the number of damaged batches found (at most one a log). A log already
     * known to hold one (a leader that could not hand its leadership over) is not read again: the handler hears of
     * it again.
     */
    public int scrub(Collection<PartitionLog> logs, DamageHandler handler) {
        int found = 0;
        Throttle throttle = new Throttle(bytesPerSecond);
        for (PartitionLog pl : logs) {
            if (stopped) {
                break;
            }
            DamagedBatch known = pl.damagedBatch();
            DamagedBatch d = known != null ? known : scrub(pl, throttle);
            if (d == null) {
                continue;
            }
            if (known == null) {
                found++;
                damagedFound.incrementAndGet();
                log.error("Damaged batch in {}", d);
            }
            handler.damaged(pl, d); // again for a known one: a leader that could not hand over tries again

        }
        return found;
    }

    /** Checks the closed segments of one log; the first damaged batch, or null. */
    DamagedBatch scrub(PartitionLog pl) {
        return scrub(pl, new Throttle(Long.MAX_VALUE));
    }

    private DamagedBatch scrub(PartitionLog pl, Throttle throttle) {
        if (pl.isFailed()) {
            return null;
        }
        ScanState scan = new ScanState(pl);
        for (Segment s : pl.inactiveSegments()) {
            try {
                DamagedBatch d = scrub(pl, s, scan, throttle);
                if (d != null) {
                    return d;
                }
            } catch (ClosedChannelException e) {
                return null; // the segment left the log and its delay passed meanwhile: the next pass sees the log anew
            } catch (IOException e) {
                pl.failedRead("scrubbing " + s.logFile(), e);
                return null;
            }
            if (stopped) {
                return null;
            }
        }
        return null;
    }

    /** What a scan carries from batch to batch: the offset the next batch must start at (or after, if compacted). */
    private static final class ScanState {
        final boolean compacted;
        final LeaderEpochCache epochs;
        long nextOffset = -1;

        ScanState(PartitionLog pl) {
            this.compacted = pl.config().compact();
            this.epochs = pl.epochCache();
        }
    }

    private DamagedBatch scrub(PartitionLog pl, Segment s, ScanState scan, Throttle throttle) throws IOException {
        int size = s.committedSizeBytes();
        ByteBuffer header = ByteBuffer.allocate(RecordBatchHeader.HEADER_BYTES);
        ByteBuffer batch = ByteBuffer.allocate(0);
        long expected = scan.nextOffset < 0 ? s.baseOffset : scan.nextOffset;
        int pos = 0;
        while (pos < size) {
            if (stopped) {
                return null;
            }
            long from = expected;
            if (size - pos < RecordBatchHeader.HEADER_BYTES) {
                return damaged(pl, s, pos, from, "a partial batch header at the end of the segment");
            }
            header.clear();
            Segment.readFully(s.channel(), header, pos);
            int total = RecordBatchHeader.totalSize(header, 0);
            if (total < RecordBatchHeader.HEADER_BYTES || total > size - pos) {
                return damaged(pl, s, pos, from, "batch length " + (total - RecordBatchHeader.LOG_OVERHEAD)
                        + " does not fit the segment");
            }
            if (batch.capacity() < total) {
                batch = ByteBuffer.allocate(Math.max(total, Math.min(2 * batch.capacity(), size)));
            }
            batch.clear().limit(total);
            Segment.readFully(s.channel(), batch, pos);
            batch.flip();
            if (!BatchValidator.isIntact(batch, 0)) {
                return damaged(pl, s, pos, from, RecordBatchHeader.storedCrc(batch, 0) != RecordBatchHeader.computeCrc(batch, 0)
                        ? "CRC mismatch" : "not a v2 batch");
            }
            long base = RecordBatchHeader.baseOffset(batch, 0);
            if (scan.compacted ? base < expected : base != expected) {
                return damaged(pl, s, pos, from, "base offset " + base + " where " + expected + " was expected");
            }
            int epoch = RecordBatchHeader.leaderEpoch(batch, 0);
            int cached = scan.epochs.epochAt(base);
            if (epoch >= 0 && cached >= 0 && epoch != cached) {
                return damaged(pl, s, pos, from, "leader epoch " + epoch + " where the log's epochs say " + cached);
            }
            expected = RecordBatchHeader.lastOffset(batch, 0) + 1;
            pos += total;
            throttle.consumed(total);
        }
        scan.nextOffset = s.nextOffset();
        return null;
    }

    private static DamagedBatch damaged(PartitionLog pl, Segment s, int position, long fromOffset, String reason) {
        return new DamagedBatch(pl.topicPartition(), s.baseOffset, position, fromOffset, s.logFile(), reason);
    }

    /** Keeps a pass at most {@code bytesPerSecond}: parks (no interrupt involved) once it is ahead. */
    private final class Throttle {
        private final long bytesPerSecond;
        private final long startNs = System.nanoTime();
        private long bytes;

        Throttle(long bytesPerSecond) {
            this.bytesPerSecond = bytesPerSecond;
        }

        void consumed(long n) {
            bytes += n;
            if (bytesPerSecond == Long.MAX_VALUE) {
                return;
            }
            long dueNs = startNs + (long) (bytes * 1e9 / bytesPerSecond);
            for (long waitNs = dueNs - System.nanoTime(); waitNs > 0 && !stopped; waitNs = dueNs - System.nanoTime()) {
                LockSupport.parkNanos(Math.min(waitNs, TimeUnit.MILLISECONDS.toNanos(100)));
            }
        }
    }
}
