package io.sluice.brokerd.log;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * The segments of one partition log in offset order, the last one active, and the segments taken out of it whose
 * files wait out {@code file.delete.delay.ms}:
 * <pre>
 *   live:    [0][1000][2500]...[active]              keyed by base offset
 *   retired: 00000000000000001000.log.deleted ...    open until due, then closed and deleted
 * </pre>
 * Every way a segment leaves the log (truncation, retention, DeleteRecords, a compaction swap) goes through
 * {@link #retire} or {@link #replace}: its files are renamed {@code *.deleted} at once (a restart removes them) and
 * stay open, so a {@link FileSlice} that a fetch still holds stays readable; {@link #deleteDue} closes and deletes
 * them later. This is Kafka's deferred deletion rather than reference counting: a slice crosses the network layer,
 * whose error paths would each have to release it, and a missed release would keep the file for good.
 * <p>
 * Thread-safety: the live list changes under the owning log's lock; readers walk it without a lock (a
 * {@link ConcurrentSkipListMap}: each segment is either in it or not). A segment a reader found may leave the list
 * at any moment; its files stay open until its delay has passed. The retired queue has its own lock, so deletions
 * (closing and unlinking files) run outside the log's lock.
 */
final class LogSegments {
    private static final Logger log = LoggerFactory.getLogger(LogSegments.class);

    private final Path dir;
    private final String owner;
    private final LogFileChannels files;
    private final ConcurrentSkipListMap<Long, Segment> live = new ConcurrentSkipListMap<>();
    /** Guarded by itself. */
    private final List<Retired> retired = new ArrayList<>();

    private record Retired(Segment segment, long dueMs) {
    }

    /**
     * @param dir   the partition directory
     * @param owner the partition, for log messages
     * @param files opens segment files
     */
    LogSegments(Path dir, String owner, LogFileChannels files) {
        this.dir = dir;
        this.owner = owner;
        this.files = files;
    }

    /** Adds a segment opened from disk (loading). */
    void add(Segment s) {
        live.put(s.baseOffset, s);
    }

    /** Creates an empty segment at {@code baseOffset}, which becomes the active one (it must be the highest). */
    Segment createActive(long baseOffset, int indexIntervalBytes, long nowMs) throws IOException {
        Segment s = Segment.create(dir, baseOffset, indexIntervalBytes, nowMs, files);
        live.put(baseOffset, s);
        return s;
    }

    /**
     * Opens the compacted copy of the segment at {@code baseOffset} ({@code X.log.cleaned}), CRC-checking every batch
     * and writing its indexes ({@code X.index.cleaned}, {@code X.timeindex.cleaned}): the cleaner does this before it
     * takes the log's lock. A copy that fails its check is closed and refused with an IOException.
     */
    Segment openCleaned(long baseOffset, int indexIntervalBytes, long nowMs) throws IOException {
        long[] truncated = new long[1];
        Segment s = Segment.open(dir, baseOffset, ".cleaned", indexIntervalBytes, true, nowMs, truncated, files);
        if (truncated[0] > 0) {
            s.close();
            throw new IOException("the compacted copy " + s.logFile() + " of segment " + baseOffset + " of " + owner
                    + " fails its CRC check (" + truncated[0] + " bytes cut); the segment is kept as it is");
        }
        return s;
    }

    Segment active() {
        return live.lastEntry().getValue();
    }

    Segment first() {
        return live.firstEntry().getValue();
    }

    long firstBaseOffset() {
        return live.firstKey();
    }

    boolean isEmpty() {
        return live.isEmpty();
    }

    int count() {
        return live.size();
    }

    /** The live segment based at {@code baseOffset}, or null. */
    Segment get(long baseOffset) {
        return live.get(baseOffset);
    }

    /** The segment that holds {@code offset} (the last one based at or below it), or null. */
    Segment floor(long offset) {
        Map.Entry<Long, Segment> e = live.floorEntry(offset);
        return e == null ? null : e.getValue();
    }

    /** The segment after {@code s}, or null. */
    Segment next(Segment s) {
        Map.Entry<Long, Segment> e = live.higherEntry(s.baseOffset);
        return e == null ? null : e.getValue();
    }

    /** Every live segment, oldest first (a live view). */
    Collection<Segment> all() {
        return live.values();
    }

    /** The live segments below the active one (a snapshot). */
    List<Segment> inactive() {
        List<Segment> out = new ArrayList<>(live.values());
        out.remove(out.size() - 1);
        return out;
    }

    /** The segments that may hold offsets at or above {@code offset}, oldest first (a snapshot). */
    List<Segment> from(long offset) {
        Long floor = live.floorKey(offset);
        return new ArrayList<>((floor == null ? live : live.tailMap(floor)).values());
    }

    /** Bytes in the live segments. */
    long sizeBytes() {
        long total = 0;
        for (Segment s : live.values()) {
            total += s.committedSizeBytes();
        }
        return total;
    }

    /** Takes {@code s} out of the log; its files are deleted at {@code dueMs} (see the class comment). */
    void retire(Segment s, long dueMs) throws IOException {
        live.remove(s.baseOffset, s);
        Segment.discardSwap(dir, s.baseOffset);
        s.markDeleted();
        queue(s, dueMs);
    }

    /**
     * Retires {@code old}, the active segment, and makes a new empty segment at {@code baseOffset} the active one
     * in the same step, so that a reader never finds the list empty (a follower's truncation or restart). The new
     * segment may take {@code old}'s base offset: {@code old}'s files are renamed first.
     */
    Segment replaceActiveWithEmpty(Segment old, long baseOffset, int indexIntervalBytes, long nowMs, long dueMs)
            throws IOException {
        old.markDeleted();
        Segment fresh = Segment.create(dir, baseOffset, indexIntervalBytes, nowMs, files);
        live.put(baseOffset, fresh);
        live.remove(old.baseOffset, old);
        queue(old, dueMs);
        return fresh;
    }

    /**
     * Puts {@code fresh} where {@code old} was (a compacted rewrite under the same base offset); {@code old}, whose
     * files the caller already renamed {@code *.deleted}, goes at {@code dueMs}.
     */
    void replace(Segment old, Segment fresh, long dueMs) {
        live.put(fresh.baseOffset, fresh);
        queue(old, dueMs);
    }

    private void queue(Segment s, long dueMs) {
        synchronized (retired) {
            retired.add(new Retired(s, dueMs));
        }
    }

    /** Closes and deletes the retired segments due at {@code nowMs}. Call it without holding the log's lock. */
    void deleteDue(long nowMs) {
        List<Segment> due = new ArrayList<>();
        synchronized (retired) {
            retired.removeIf(r -> {
                if (r.dueMs() > nowMs) {
                    return false;
                }
                due.add(r.segment());
                return true;
            });
        }
        for (Segment s : due) {
            try {
                s.deleteFiles();
            } catch (IOException e) {
                // The log goes on without the segment; the *.deleted files are removed at the next start.
                log.warn("Could not delete removed segment {} of {}: {}", s.baseOffset, owner, e.toString());
            }
        }
    }

    /** Retired segments not yet deleted (tests). */
    int retiredCount() {
        synchronized (retired) {
            return retired.size();
        }
    }

    /** Closes the live segments' files, nothing else (shutdown after a flush, or a simulated crash). */
    void closeLive() {
        for (Segment s : live.values()) {
            s.close();
        }
    }

    /** Closes every file, the retired ones too, and forgets the retired queue (the whole log was deleted). */
    void closeAll() {
        closeLive();
        synchronized (retired) {
            for (Retired r : retired) {
                r.segment().close();
            }
            retired.clear();
        }
    }
}
