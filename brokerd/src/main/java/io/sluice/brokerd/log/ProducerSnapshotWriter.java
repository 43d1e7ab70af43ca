package io.sluice.brokerd.log;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Writes and prunes one log's producer snapshots ({@link ProducerSnapshots}): at each roll (in the background, after
 * the rolled segment's fsync), at a clean shutdown, and deletes those no restart needs any more. A snapshot is
 * written only while the {@code leader-epoch-checkpoint} holds every epoch below it: a restart from the snapshot
 * takes the epochs below it from that file.
 * <p>
 * Thread-safety: {@link #writeAtRoll} runs on the background thread, {@link #deleteUnneeded} on the maintenance
 * thread outside the log's lock (it lists the directory only when the oldest snapshot to keep moved), the others
 * under the log's lock; they touch only files, and a roll's snapshot is published under the flusher's monitor,
 * refused after a truncation.
 */
final class ProducerSnapshotWriter {
    private static final Logger log = LoggerFactory.getLogger(ProducerSnapshotWriter.class);

    private final Path dir;
    private final String owner;
    private final LeaderEpochCache epochs;
    private final LogFlusher flusher;
    /** Snapshots below this offset were deleted already (maintenance thread only). */
    private long deletedBelow = Long.MIN_VALUE;

    ProducerSnapshotWriter(Path dir, String owner, LeaderEpochCache epochs, LogFlusher flusher) {
        this.dir = dir;
        this.owner = owner;
        this.epochs = epochs;
        this.flusher = flusher;
    }

    /**
     * Writes the producer snapshot taken at a roll to {@code offset} (on the background thread, after the rolled
     * segment's fsync and the leader-epoch checkpoint, which a restart from this snapshot relies on): not when that
     * checkpoint could not be written, nor when a truncation came in between (the state may describe a cut tail).
     */
    void writeAtRoll(long offset, byte[] snapshot, long generation) {
        if (!epochs.checkpointCurrent()) {
            log.warn("Not writing the producer snapshot of {} at offset {}: its leader-epoch checkpoint is not on disk",
                    owner, offset);
            return;
        }
        try {
            Path tmp = ProducerSnapshots.writeTemp(dir, offset, snapshot);
            boolean published = flusher.publishUnlessTruncatedSince(generation, () -> java.nio.file.Files.move(tmp,
                    ProducerSnapshots.file(dir, offset), java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING));
            if (published) {
                Checkpoints.fsyncDir(dir);
            } else {
                java.nio.file.Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            // Not fatal: a restart replays from an older snapshot, or from the first batch.
            log.warn("Could not write the producer snapshot of {} at offset {}: {}", owner, offset, e.toString());
        }
    }

    /**
     * Kafka's rule: snapshots below both the segment before the active one and the segment holding the recovery
     * point are never needed again (a restart replays from the newest snapshot at or below its log end).
     */
    void deleteUnneeded(LogSegments segments, long recoveryPoint) {
        Segment active = segments.active();
        Segment before = segments.floor(active.baseOffset - 1);
        Segment recovery = segments.floor(recoveryPoint);
        long keepFrom = Math.min(before == null ? active.baseOffset : before.baseOffset,
                recovery == null ? segments.firstBaseOffset() : recovery.baseOffset);
        if (keepFrom <= deletedBelow) {
            return; // nothing new to delete: no directory listing on every maintenance tick
        }
        deletedBelow = keepFrom;
        try {
            ProducerSnapshots.deleteOutside(dir, keepFrom, Long.MAX_VALUE);
        } catch (IOException e) {
            log.warn("Could not delete old producer snapshots of {}: {}", owner, e.toString());
        }
    }

    /** A clean shutdown snapshots the producer state at the log end: the next start replays nothing. */
    void writeAtShutdown(long logEndOffset, byte[] snapshot) {
        epochs.writeCheckpointIfChanged();
        if (!epochs.checkpointCurrent()) {
            return;
        }
        try {
            ProducerSnapshots.write(dir, logEndOffset, snapshot);
        } catch (IOException e) {
            log.warn("Could not write the producer snapshot of {} at shutdown: {}", owner, e.toString());
        }
    }
}
