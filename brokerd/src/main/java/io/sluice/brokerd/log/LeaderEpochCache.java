package io.sluice.brokerd.log;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * The first offset of every leader epoch in one partition's log (Kafka's LeaderEpochFileCache): a leader answers a
 * follower's "where does my epoch end in your log" from it, and a follower finds where its log diverges.
 * <pre>
 *   epoch -> start offset      3 -> 0, 5 -> 120, 6 -> 300      (log end 410: epoch 6 ends at 410, 5 at 300)
 * </pre>
 * The log writes {@code leader-epoch-checkpoint} (Kafka's format) in the background after a change
 * ({@link #writeCheckpointIfChanged}), never on the path of an append or a fetch. It is read back only together with
 * a producer-state snapshot ({@link #loadCheckpoint}): the log writes a snapshot only once the checkpoint holding
 * every epoch below it is on disk, and then replays just the batches after the snapshot. Without one, the cache is
 * rebuilt from every batch header, so a stale or missing file costs nothing.
 * <p>
 * Thread-safety: changes (appends in a newer epoch, a new leader's epoch start, truncation) come under the owning
 * log's lock; each publishes a new immutable map, which readers (the follower fetch path on the event loop) take
 * without any lock. A reader that also needs the log end offset must read it before calling here: appends note a
 * new epoch before they publish the new log end offset. Checkpoint writes are serialised on this object's monitor,
 * which nothing else takes.
 */
final class LeaderEpochCache {
    private static final Logger log = LoggerFactory.getLogger(LeaderEpochCache.class);
    static final String CHECKPOINT = "leader-epoch-checkpoint";

    private final Path checkpointFile;
    private final String owner;
    /** Immutable; replaced on every change. */
    private volatile NavigableMap<Integer, Long> starts = Collections.emptyNavigableMap();
    /** The map the checkpoint file holds; guarded by this object's monitor. */
    private NavigableMap<Integer, Long> written;

    /**
     * @param dir   the partition directory, where the checkpoint file goes
     * @param owner the partition, for log messages
     */
    LeaderEpochCache(Path dir, String owner) {
        this.checkpointFile = dir.resolve(CHECKPOINT);
        this.owner = owner;
    }

    /**
     * Records that {@code epoch} starts at {@code startOffset} when it is newer than every epoch known (older or
     * equal epochs are already there: their start does not move). Negative epochs (no leader) are ignored. Returns
     * true when the cache changed.
     */
    boolean assign(int epoch, long startOffset) {
        NavigableMap<Integer, Long> current = starts;
        if (epoch < 0 || (!current.isEmpty() && epoch <= current.lastKey())) {
            return false;
        }
        TreeMap<Integer, Long> next = new TreeMap<>(current);
        next.put(epoch, startOffset);
        starts = Collections.unmodifiableNavigableMap(next);
        return true;
    }

    /** Drops the epochs that start at or after {@code endOffset} (the log was cut there). Returns true if any. */
    boolean truncateFromEnd(long endOffset) {
        NavigableMap<Integer, Long> current = starts;
        TreeMap<Integer, Long> next = new TreeMap<>(current);
        if (!next.values().removeIf(start -> start >= endOffset)) {
            return false;
        }
        starts = Collections.unmodifiableNavigableMap(next);
        return true;
    }

    /**
     * Reads the checkpoint file, dropping epochs that start at or after {@code logEndOffset}; false (and the cache
     * unchanged) when the file is missing or unreadable.
     */
    boolean loadCheckpoint(long logEndOffset) {
        try {
            if (!java.nio.file.Files.exists(checkpointFile)) {
                return false;
            }
            java.util.List<String> lines = java.nio.file.Files.readAllLines(checkpointFile);
            if (lines.size() < 2 || !lines.get(0).trim().equals("0")) {
                return false;
            }
            int count = Integer.parseInt(lines.get(1).trim());
            if (count < 0 || lines.size() < 2 + count) {
                return false;
            }
            TreeMap<Integer, Long> loaded = new TreeMap<>();
            for (int i = 0; i < count; i++) {
                String[] parts = lines.get(2 + i).trim().split(" ");
                long start = Long.parseLong(parts[1]);
                if (start < logEndOffset) {
                    loaded.put(Integer.parseInt(parts[0]), start);
                }
            }
            starts = Collections.unmodifiableNavigableMap(loaded);
            return true;
        } catch (IOException | RuntimeException e) {
            log.warn("Ignoring unreadable {} of {} ({}); epochs are rebuilt from the log", CHECKPOINT, owner, e.toString());
            return false;
        }
    }

    /** Whether the checkpoint file holds the cache as it is now (a snapshot written after it may rely on it). */
    synchronized boolean checkpointCurrent() {
        return written == starts;
    }

    /** Forgets every epoch (the log starts over empty). */
    void clear() {
        starts = Collections.emptyNavigableMap();
    }

    /** The epoch holding {@code offset}: the newest one starting at or before it; -1 when none does. */
    int epochAt(long offset) {
        int found = -1;
        for (Map.Entry<Integer, Long> e : starts.entrySet()) {
            if (e.getValue() > offset) {
                break;
            }
            found = e.getKey();
        }
        return found;
    }

    /** The newest epoch, -1 when none. */
    int latestEpoch() {
        NavigableMap<Integer, Long> current = starts;
        return current.isEmpty() ? -1 : current.lastKey();
    }

    /**
     * For {@code epoch}: the largest epoch in the log not above it, and the first offset of the next higher epoch
     * ({@code logEndOffset} when {@code epoch} is the latest); UNDEFINED when {@code epoch} is newer than the log.
     */
    EpochEndOffset endOffsetFor(int epoch, long logEndOffset) {
        if (epoch < 0) {
            return EpochEndOffset.UNDEFINED;
        }
        NavigableMap<Integer, Long> current = starts;
        if (!current.isEmpty() && epoch == current.lastKey()) {
            return new EpochEndOffset(epoch, logEndOffset);
        }
        Map.Entry<Integer, Long> higher = current.higherEntry(epoch);
        if (higher == null) {
            return current.isEmpty() ? new EpochEndOffset(epoch, logEndOffset) : EpochEndOffset.UNDEFINED;
        }
        Map.Entry<Integer, Long> floor = current.floorEntry(epoch);
        return new EpochEndOffset(floor == null ? epoch : floor.getKey(), higher.getValue());
    }

    /**
     * A follower told by its leader that its log diverges after {@code leaderEpoch}, which ends at
     * {@code leaderEndOffset} in the leader's log: the offset to truncate to (Kafka's rule). Where this log holds
     * {@code leaderEpoch} too, the divergence starts where either log leaves it; where this log's largest epoch
     * below it is an older one, at the end of that one, and the next fetch narrows it further. Using the leader's
     * end offset alone is wrong when this log moved to a newer epoch earlier than the leader did: records of that
     * newer epoch below the leader's end offset would stay, and every fetch would diverge at the same place again.
     */
    long divergenceTruncationOffset(int leaderEpoch, long leaderEndOffset, long logEndOffset) {
        EpochEndOffset mine = endOffsetFor(leaderEpoch, logEndOffset);
        if (mine.endOffset() < 0) {
            return Math.min(leaderEndOffset, logEndOffset);
        }
        long end = Math.min(mine.endOffset(), logEndOffset);
        return mine.epoch() == leaderEpoch ? Math.min(leaderEndOffset, end) : end;
    }

    /** The epochs and their start offsets, oldest first (an immutable snapshot). */
    NavigableMap<Integer, Long> entries() {
        return starts;
    }

    /** Kafka's leader-epoch-checkpoint: version 0, entry count, then "epoch startOffset" lines. */
    synchronized void writeCheckpoint() throws IOException {
        NavigableMap<Integer, Long> current = starts;
        StringBuilder sb = new StringBuilder("0\n").append(current.size()).append('\n');
        current.forEach((e, o) -> sb.append(e).append(' ').append(o).append('\n'));
        Checkpoints.writeAtomically(checkpointFile, sb.toString());
        written = current;
    }

    /**
     * Writes the checkpoint when the cache changed since the last write, logging a failure instead of throwing: the
     * file only serves Kafka's tools (the cache is rebuilt from the log), so a disk too full for it must not fail
     * the log behind it.
     */
    synchronized void writeCheckpointIfChanged() {
        if (starts == written) {
            return;
        }
        try {
            writeCheckpoint();
        } catch (IOException e) {
            log.warn("Could not write {} of {}: {}", CHECKPOINT, owner, e.toString());
        }
    }
}
