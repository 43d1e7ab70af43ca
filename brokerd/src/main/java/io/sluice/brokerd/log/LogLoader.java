package io.sluice.brokerd.log;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Opens a partition directory as the broker left it, cleanly or not (Kafka's LogLoader):
 * <ol>
 *   <li>a compaction interrupted once its {@code X.log.swap} was complete is finished: the swap replaces
 *       {@code X.log} (see {@link LogCleaner});</li>
 *   <li>leftovers of interrupted work go: {@code *.deleted} (segments retired before the stop), {@code *.tmp}
 *       (checkpoints being written), {@code *.cleaned} (compactions not yet swapped), {@code *.index.swap} and
 *       {@code *.timeindex.swap} (indexes of a swap; the swapped-in segment's are rebuilt);</li>
 *   <li>every segment opens; after an unclean shutdown those from the one holding the recovery point on, and every
 *       swapped-in one, are CRC-checked batch by batch, and indexes that do not match their log are rebuilt;</li>
 *   <li>the first torn or corrupt batch ends the log: its segment is cut there, later segments are deleted.</li>
 * </ol>
 * Then {@link #restoreState} rebuilds the leader-epoch cache and the producer state: from the newest producer
 * snapshot at or below the log end and the {@code leader-epoch-checkpoint}, replaying only the batches after the
 * snapshot (none after a clean shutdown, which writes one at the log end); without a usable snapshot, from every batch
 * header. The replayed part's {@code .txnindex} entries are rebuilt by the replay, so an index torn by a crash is
 * whole again.
 * <p>
 * Not thread-safe: it runs before the log is shared.
 */
final class LogLoader {
    private static final Logger log = LoggerFactory.getLogger(LogLoader.class);

    /**
     * A loaded directory.
     *
     * @param segments       the segments, never empty
     * @param logEndOffset   the offset after the last whole batch
     * @param truncatedBytes bytes of torn or corrupt data removed
     */
    record Loaded(LogSegments segments, long logEndOffset, long truncatedBytes) {
    }

    private LogLoader() {
    }

    /**
     * Loads {@code dir} (created empty with one segment at offset 0 when it holds none). With {@code recover} (the
     * previous run did not shut down cleanly) segments from the one holding {@code recoveryPoint} on are checked.
     */
    static Loaded load(Path dir, String owner, int indexIntervalBytes, boolean recover, long recoveryPoint,
                       LogFileChannels files, long nowMs) throws IOException {
        Set<Long> swapped = completeInterruptedSwaps(dir, owner);
        List<Long> bases = removeLeftoversAndListSegments(dir);
        LogSegments segments = new LogSegments(dir, owner, files);
        long[] truncated = {0};
        boolean cut = false;
        for (long base : bases) {
            if (cut) {
                // Everything after a torn batch is unreachable: drop whole later segments.
                Segment s = Segment.open(dir, base, indexIntervalBytes, false, nowMs, truncated, files);
                log.warn("Removing segment {} of {}: it follows a truncated segment", base, owner);
                s.deleteFiles();
                continue;
            }
            boolean check = (recover && base >= floorBase(bases, recoveryPoint)) || swapped.contains(base);
            long before = truncated[0];
            segments.add(Segment.open(dir, base, indexIntervalBytes, check, nowMs, truncated, files));
            cut = truncated[0] > before;
        }
        if (segments.isEmpty()) {
            segments.createActive(0L, indexIntervalBytes, nowMs);
        }
        long logEndOffset = segments.active().nextOffset();
        if (truncated[0] > 0) {
            log.warn("Recovered {}: {} bytes of torn or corrupt data removed, log end offset {}", owner, truncated[0], logEndOffset);
        }
        return new Loaded(segments, logEndOffset, truncated[0]);
    }

    /** Walks every batch header of {@code segments} once into the epoch cache and the producer state. */
    static void replay(LogSegments segments, LeaderEpochCache epochs, ProducerStateTracker producers) throws IOException {
        producers.clear();
        replayFrom(segments, epochs, Long.MIN_VALUE, producers, Long.MIN_VALUE);
    }

    /**
     * Rebuilds the epoch cache ({@code epochsKnown}: it is current already, a follower's truncation) and the producer
     * state of a log ending at {@code logEndOffset} (see the class comment). Snapshots above the log end (a cut
     * tail) and unreadable ones are deleted. Returns the offset the producer state was replayed from
     * ({@link Long#MIN_VALUE}: the whole log).
     */
    static long restoreState(Path dir, String owner, LogSegments segments, long logEndOffset, LeaderEpochCache epochs,
                             boolean epochsKnown, ProducerStateTracker producers, long nowMs) throws IOException {
        NavigableMap<Long, Path> snapshots = ProducerSnapshots.list(dir);
        for (Path stale : snapshots.tailMap(logEndOffset, false).values()) {
            Files.deleteIfExists(stale);
        }
        long from = Long.MIN_VALUE;
        producers.clear();
        for (Map.Entry<Long, Path> e : snapshots.headMap(logEndOffset, true).descendingMap().entrySet()) {
            try {
                producers.load(ProducerSnapshots.decode(Files.readAllBytes(e.getValue())), nowMs);
                from = e.getKey();
                break;
            } catch (IOException ex) {
                log.warn("Deleting unreadable producer snapshot {} of {}: {}", e.getValue(), owner, ex.getMessage());
                Files.deleteIfExists(e.getValue());
            }
        }
        boolean epochsLoaded = epochsKnown || (from != Long.MIN_VALUE && epochs.loadCheckpoint(logEndOffset));
        long epochsFrom = epochsLoaded ? from : Long.MIN_VALUE;
        if (!epochsLoaded) {
            epochs.clear();
        }
        replayFrom(segments, epochs, epochsFrom, producers, from);
        if (from != Long.MIN_VALUE) {
            log.info("Loaded the producer state of {} from its snapshot at offset {} (log end offset {})", owner, from, logEndOffset);
        }
        return from;
    }

    /**
     * Walks the batches of {@code segments}: those ending at or after {@code epochsFrom} into the epoch cache, those
     * starting at or after {@code producersFrom} into the producer state, whose {@code .txnindex} entries from
     * {@code producersFrom} on are rebuilt on the way.
     */
    private static void replayFrom(LogSegments segments, LeaderEpochCache epochs, long epochsFrom, ProducerStateTracker producers,
                                   long producersFrom) throws IOException {
        long start = Math.min(epochsFrom, producersFrom);
        ByteBuffer header = ByteBuffer.allocate(RecordBatchHeader.HEADER_BYTES);
        for (Segment s : start == Long.MIN_VALUE ? segments.all() : segments.from(start)) {
            if (s.nextOffset() <= start) {
                continue;
            }
            if (s.nextOffset() > producersFrom) {
                s.txnIndex().truncateTo(producersFrom);
            }
            int size = s.committedSizeBytes();
            for (int pos = 0; pos < size; ) {
                header.clear();
                Segment.readFully(s.channel(), header, pos);
                if (RecordBatchHeader.lastOffset(header, 0) >= epochsFrom) {
                    epochs.assign(RecordBatchHeader.leaderEpoch(header, 0), RecordBatchHeader.baseOffset(header, 0));
                }
                if (RecordBatchHeader.baseOffset(header, 0) >= producersFrom) {
                    ByteBuffer batch = RecordBatchHeader.isControl(header, 0) ? s.readBatch(pos) : header;
                    producers.onBatch(batch, 0, s);
                }
                pos += RecordBatchHeader.totalSize(header, 0);
            }
        }
        producers.publish();
    }

    /**
     * A compaction interrupted after {@code X.log.swap} was complete: the swap wins over whatever is left of the old
     * segment. Returns the base offsets whose indexes must be rebuilt.
     */
    private static Set<Long> completeInterruptedSwaps(Path dir, String owner) throws IOException {
        Set<Long> swapped = new HashSet<>();
        List<Path> swaps;
        try (Stream<Path> files = Files.list(dir)) {
            swaps = files.filter(p -> p.getFileName().toString().endsWith(".log.swap")).toList();
        }
        for (Path swap : swaps) {
            String name = swap.getFileName().toString();
            long base = Long.parseLong(name.substring(0, name.length() - ".log.swap".length()));
            String prefix = Segment.fileName(base);
            for (String ext : new String[]{".log", ".index", ".timeindex", ".txnindex", ".index.swap", ".timeindex.swap"}) {
                Files.deleteIfExists(dir.resolve(prefix + ext));
            }
            Path txnSwap = dir.resolve(prefix + ".txnindex.swap");
            if (Files.exists(txnSwap)) {
                Files.move(txnSwap, dir.resolve(prefix + ".txnindex"));
            }
            Files.move(swap, dir.resolve(prefix + ".log"));
            swapped.add(base);
            log.warn("Completed an interrupted compaction of segment {} of {}", base, owner);
        }
        if (!swaps.isEmpty()) {
            Checkpoints.fsyncDir(dir);
        }
        return swapped;
    }

    /** Deletes the leftovers of interrupted work and returns the base offsets of the segments, in order. */
    private static List<Long> removeLeftoversAndListSegments(Path dir) throws IOException {
        List<Long> bases = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            files.forEach(p -> {
                String name = p.getFileName().toString();
                // *.index.swap, *.timeindex.swap and *.txnindex.swap: a swap interrupted before its .log was renamed
                // (an X.log.swap was completed above, and its indexes are rebuilt).
                if (name.endsWith(".deleted") || name.endsWith(".tmp") || name.endsWith(".cleaned") || name.endsWith(".swap")) {
                    deleteLeftover(p);
                } else if (name.endsWith(".log")) {
                    bases.add(Long.parseLong(name.substring(0, name.length() - 4)));
                }
            });
        }
        bases.sort(null);
        return bases;
    }

    private static long floorBase(List<Long> bases, long offset) {
        long floor = bases.get(0);
        for (long b : bases) {
            if (b <= offset) {
                floor = b;
            }
        }
        return floor;
    }

    private static void deleteLeftover(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            throw new UncheckedIOException("removing leftover file " + p, e);
        }
    }
}
