package io.sluice.brokerd.log;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.LongSupplier;

/**
 * What of one partition log is known to be on disk, and the fsyncs that extend it. The <em>recovery point</em> is
 * the offset below which everything was fsynced: after a crash, recovery checks the log from the segment holding it.
 * <p>
 * No fsync here runs under the log's lock, and none on a thread that serves requests unless that thread must wait
 * for it anyway ({@code fsync: always}, {@code flush.messages}: before the producer is answered):
 * <ul>
 *   <li>{@link #flushUpTo} fsyncs on the calling thread: the appending thread, after it released the log's lock,
 *       or the maintenance thread for {@code flush.ms};</li>
 *   <li>{@link #flushInBackground} queues it on the background executor: after a roll (as Kafka schedules its flush
 *       of the rolled segment), after a truncation (the directory), after a leader-epoch change (the checkpoint
 *       file, through {@code afterBackgroundSync}).</li>
 * </ul>
 * The recovery point moves only once the fsync behind it completed, never past the log end, never down, and not at
 * all for an fsync that a truncation overtook: the bytes it fsynced may be gone and others written at their offsets.
 * <p>
 * Thread-safety: the recovery point and the truncation generation change on this object's monitor, which is never
 * held across an fsync and under which nothing else is locked (the log may call in holding its own lock).
 */
final class LogFlusher {
    private static final Logger log = LoggerFactory.getLogger(LogFlusher.class);

    private final Path dir;
    private final String owner;
    private final LogSegments segments;
    private final Executor background;
    private final Clock clock;
    private final LongSupplier logEndOffset;
    private final Runnable afterBackgroundSync;
    /** Takes the directory offline after an I/O error ({@link LogDirHealth#failed}). */
    private final java.util.function.BiConsumer<String, IOException> onIoError;
    private volatile long recoveryPoint;
    /** Bumped by every truncation: an fsync begun before one must not move the recovery point. */
    private long truncations;
    private volatile long lastFlushMs;
    /** Segment files were created or renamed since the directory was last fsynced. */
    private volatile boolean dirNeedsFsync;
    /** The files are closed (shutdown, deletion): fsyncs still queued find nothing to do. */
    private volatile boolean closed;

    /**
     * @param dir                 the partition directory
     * @param owner               the partition, for log messages
     * @param segments            the log's segments
     * @param background          runs the queued fsyncs (see {@link LogEnvironment#background()})
     * @param clock               stamps background flushes
     * @param logEndOffset        the log's end offset now
     * @param afterBackgroundSync runs after each background fsync (the leader-epoch checkpoint)
     * @param onIoError           takes the log's directory offline after an I/O error (what failed, the error)
     * @param recoveryPoint       everything below it is on disk (the log end after loading)
     * @param nowMs               when the log was last known flushed
     */
    LogFlusher(Path dir, String owner, LogSegments segments, Executor background, Clock clock, LongSupplier logEndOffset,
               Runnable afterBackgroundSync, java.util.function.BiConsumer<String, IOException> onIoError, long recoveryPoint,
               long nowMs) {
        this.dir = dir;
        this.owner = owner;
        this.segments = segments;
        this.background = background;
        this.clock = clock;
        this.logEndOffset = logEndOffset;
        this.afterBackgroundSync = afterBackgroundSync;
        this.onIoError = onIoError;
        this.recoveryPoint = recoveryPoint;
        this.lastFlushMs = nowMs;
    }

    long recoveryPoint() {
        return recoveryPoint;
    }

    /** When the last flush completed. */
    long lastFlushMs() {
        return lastFlushMs;
    }

    /** Segment files were created, renamed or truncated: the next fsync includes the directory. */
    void segmentsChanged() {
        dirNeedsFsync = true;
    }

    /**
     * Queues on the background executor an fsync up to {@code target} (nothing when it is already there), the
     * directory when files came or went, then {@code afterBackgroundSync}.
     */
    void flushInBackground(long target) {
        flushInBackground(target, () -> { });
    }

    /** As above, then {@code then} (the producer-state snapshot of a roll: after the epoch checkpoint it relies on). */
    void flushInBackground(long target, Runnable then) {
        try {
            background.execute(() -> {
                syncInBackground(target);
                then.run();
            });
        } catch (RejectedExecutionException e) {
            // The broker is stopping and its executor with it: the log's close() fsyncs every segment itself.
            log.debug("Background fsync of {} not scheduled: the broker is stopping", owner);
        }
    }

    /** Queues the directory's fsync, if due, and {@code afterBackgroundSync}, but no segment's. */
    void syncMetadataInBackground() {
        flushInBackground(recoveryPoint);
    }

    private void syncInBackground(long target) {
        try {
            flushUpTo(target, clock.millis());
            syncDirIfNeeded();
        } catch (IOException e) {
            // flushUpTo and syncDirIfNeeded took the directory offline: its one ERROR line says so.
            log.debug("Background fsync of {} failed", owner, e);
        }
        afterBackgroundSync.run();
    }

    /**
     * fsyncs the segments holding offsets from the recovery point up to {@code target} (or the log end, if a
     * truncation has cut below it), and the directory when segments came or went; then moves the recovery point
     * there, unless a truncation came in between. Concurrent calls may fsync a segment twice. A segment retired
     * meanwhile is skipped (its delete delay may have passed and its files closed). An I/O error takes the log
     * offline and is thrown.
     */
    void flushUpTo(long target, long nowMs) throws IOException {
        long from;
        long upTo;
        long generation;
        synchronized (this) {
            upTo = Math.min(target, logEndOffset.getAsLong());
            if (closed || upTo <= recoveryPoint) {
                return;
            }
            from = recoveryPoint;
            generation = truncations;
        }
        try {
            for (Segment s : segments.from(from)) {
                if (s.baseOffset >= upTo) {
                    break;
                }
                flushSegment(s);
            }
        } catch (IOException e) {
            if (!closed) {
                onIoError.accept("fsyncing " + owner, e);
            }
            throw e;
        }
        syncDirIfNeeded(); // the flushed segments' names must survive a power loss too
        synchronized (this) {
            if (generation == truncations && upTo > recoveryPoint) {
                recoveryPoint = upTo;
            }
            lastFlushMs = nowMs;
        }
    }

    private void flushSegment(Segment s) throws IOException {
        try {
            s.flush();
        } catch (ClosedChannelException e) {
            if (!s.isRetired() && !closed) {
                throw e;
            }
            // Retired and its delete delay passed (or the log closed): none of its offsets is the log's any more.
        }
    }

    private void syncDirIfNeeded() throws IOException {
        if (dirNeedsFsync && !closed) {
            dirNeedsFsync = false;
            try {
                Checkpoints.fsyncDir(dir);
            } catch (IOException e) {
                onIoError.accept("fsyncing the directory of " + owner, e);
                throw e;
            }
        }
    }

    /**
     * The log was cut to {@code logEndOffset} (or emptied and restarted there, {@code restart}): the recovery point
     * follows it down (to it, on a restart), fsyncs already under way will not move it, and the cut (the segment
     * truncated in place, the directory) is fsynced in the background.
     */
    void truncated(long logEndOffset, boolean restart) {
        synchronized (this) {
            truncations++;
            recoveryPoint = restart ? logEndOffset : Math.min(recoveryPoint, logEndOffset);
        }
        dirNeedsFsync = true;
        flushInBackground(logEndOffset);
    }

    /** Truncations so far: an action prepared before one must not publish a file that describes the cut tail. */
    synchronized long truncations() {
        return truncations;
    }

    /** Something to publish on disk (a rename), refused after a truncation. */
    interface Publish {
        void run() throws IOException;
    }

    /**
     * Runs {@code publish} unless a truncation came after {@code generation} (see {@link #truncations}) or the log
     * closed; returns whether it ran. Holds this object's monitor meanwhile: keep it to a rename.
     */
    synchronized boolean publishUnlessTruncatedSince(long generation, Publish publish) throws IOException {
        if (closed || generation != truncations) {
            return false;
        }
        publish.run();
        return true;
    }

    /** The log's files are closed: queued fsyncs do nothing. */
    void close() {
        closed = true;
    }
}
