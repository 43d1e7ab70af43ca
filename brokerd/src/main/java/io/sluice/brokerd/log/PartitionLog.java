package io.sluice.brokerd.log;

import io.sluice.brokerd.common.TopicPartition;
import io.sluice.brokerd.producer.ProducerStateManager;
import io.sluice.brokerd.producer.SequenceCheck;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.stream.Stream;

/**
 * One partition's append-only log: segments in {@code <data.dir>/<topic>-<partition>/}, named by base offset.
 * <pre>
 *   [seg 0][seg 1000]...[active seg]      logStartOffset <= highWatermark <= logEndOffset
 * </pre>
 * <p>
 * Thread-safety: appends, truncation, roll and segment deletion are serialised on the log's monitor. Reads run
 * concurrently with them and see only completely written batches (each segment publishes its size after the write).
 * <p>
 * Replication: a leader appends with {@link #appendAsLeader}; its high watermark is the smaller of its log end
 * offset and the <em>replicated floor</em>, the lowest log end offset among the other in-sync replicas (unbounded
 * while the leader is the only one, so on a single node every append is committed at once). A follower appends the
 * leader's batches unchanged with {@link #appendAsFollower}, takes the leader's high watermark with
 * {@link #updateFollowerHighWatermark}, and cuts a diverging tail with {@link #truncateTo}. The leader epoch cache
 * (first offset of every leader epoch in the log) is rebuilt from the batch headers when the log opens and kept up
 * by appends and truncation; {@code leader-epoch-checkpoint} is written in Kafka's format for its tools.
 * <p>
 * Durability: an acknowledged append is in the OS page cache; it is fsynced when {@code flush.messages} records or
 * {@code flush.ms} have accumulated, on roll, on clean shutdown, and on every append when the broker runs with
 * {@code fsync: always}. A process crash loses nothing acknowledged; a machine crash may lose what was not fsynced.
 */
public final class PartitionLog implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PartitionLog.class);
    static final String LEADER_EPOCH_CHECKPOINT = "leader-epoch-checkpoint";
    /** Largest append copied into the per-thread direct buffer (see {@link #appendCopy}); the buffer grows to it. */
    static final int APPEND_SCRATCH_MAX_BYTES = 1 << 20;
    private static final ThreadLocal<ByteBuffer[]> APPEND_SCRATCH = ThreadLocal.withInitial(() -> new ByteBuffer[1]);

    private final TopicPartition topicPartition;
    private final Path dir;
    private final boolean fsyncEveryAppend;
    private final ConcurrentSkipListMap<Long, Segment> segments = new ConcurrentSkipListMap<>();
    private final ProducerStateManager producerState;
    private final List<PendingDelete> pendingDeletes = new ArrayList<>();
    private volatile LogConfig config;
    private volatile long logStartOffset;
    private volatile long logEndOffset;
    private volatile long recoveryPoint;
    private volatile boolean failed;
    /** Offsets below this were compacted during this run (in memory: after a restart the first pass cleans everything once). */
    private volatile long cleanedUpTo;
    private long lastFlushMs;
    private volatile long highWatermark;
    /** Lowest log end offset of the other in-sync replicas while leading; MAX_VALUE when there are none. */
    private volatile long replicatedFloor = Long.MAX_VALUE;
    /** Leader epoch -> first offset written in it; guarded by the log's monitor. */
    private final java.util.TreeMap<Integer, Long> epochStarts = new java.util.TreeMap<>();

    private record PendingDelete(Segment segment, long dueMs) {
    }

    private PartitionLog(TopicPartition tp, Path dir, LogConfig config, boolean fsyncEveryAppend, long producerIdExpirationMs) {
        this.topicPartition = tp;
        this.dir = dir;
        this.config = config;
        this.fsyncEveryAppend = fsyncEveryAppend;
        this.producerState = new ProducerStateManager(producerIdExpirationMs);
    }

    /**
     * Opens (or creates) the log in {@code dir}. When {@code recover} is set (the previous run did not shut down
     * cleanly), segments from the one holding {@code recoveryPoint} on are CRC-checked and a torn tail is cut off.
     */
    static PartitionLog open(TopicPartition tp, Path dir, LogConfig config, boolean recover, long recoveryPoint,
                             long checkpointedLogStart, boolean fsyncEveryAppend, long nowMs) throws IOException {
        return open(tp, dir, config, recover, recoveryPoint, checkpointedLogStart, -1, fsyncEveryAppend, nowMs);
    }

    /** As above with the checkpointed high watermark ({@code -1}: none, the log end offset is taken). */
    static PartitionLog open(TopicPartition tp, Path dir, LogConfig config, boolean recover, long recoveryPoint,
                             long checkpointedLogStart, long checkpointedHighWatermark, boolean fsyncEveryAppend,
                             long nowMs) throws IOException {
        Files.createDirectories(dir);
        PartitionLog pl = new PartitionLog(tp, dir, config, fsyncEveryAppend, 7L * 24 * 3600 * 1000);
        pl.load(recover, recoveryPoint, nowMs);
        pl.logStartOffset = Math.max(checkpointedLogStart, pl.segments.firstKey());
        if (pl.logStartOffset > pl.logEndOffset) {
            pl.logStartOffset = pl.logEndOffset;
        }
        pl.recoveryPoint = pl.logEndOffset;
        pl.lastFlushMs = nowMs;
        pl.rebuildProducerState();
        long hw = checkpointedHighWatermark < 0 ? pl.logEndOffset : checkpointedHighWatermark;
        pl.highWatermark = Math.max(pl.logStartOffset, Math.min(hw, pl.logEndOffset));
        pl.writeEpochCheckpoint();
        return pl;
    }

    private void load(boolean recover, long recoveryPoint, long nowMs) throws IOException {
        java.util.Set<Long> swapped = completeInterruptedSwaps();
        List<Long> bases = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            files.forEach(p -> {
                String name = p.getFileName().toString();
                if (name.endsWith(".deleted") || name.endsWith(".tmp") || name.endsWith(".cleaned")) {
                    deleteQuietly(p);
                } else if (name.endsWith(".log")) {
                    bases.add(Long.parseLong(name.substring(0, name.length() - 4)));
                }
            });
        }
        bases.sort(null);
        long[] truncated = {0};
        boolean cut = false;
        for (long base : bases) {
            if (cut) {
                // Everything after a torn batch is unreachable: drop whole later segments.
                Segment s = Segment.open(dir, base, config.indexIntervalBytes(), false, nowMs, truncated);
                log.warn("Removing segment {} of {}: it follows a truncated segment", base, topicPartition);
                s.deleteFiles();
                continue;
            }
            boolean check = (recover && base >= floorBase(bases, recoveryPoint)) || swapped.contains(base);
            long before = truncated[0];
            Segment s = Segment.open(dir, base, config.indexIntervalBytes(), check, nowMs, truncated);
            segments.put(base, s);
            if (truncated[0] > before) {
                cut = true;
            }
        }
        if (segments.isEmpty()) {
            segments.put(0L, Segment.create(dir, 0L, config.indexIntervalBytes(), nowMs));
        }
        logEndOffset = segments.lastEntry().getValue().nextOffset();
        if (truncated[0] > 0) {
            log.warn("Recovered {}: {} bytes of torn or corrupt data removed, log end offset {}", topicPartition, truncated[0], logEndOffset);
        }
    }

    /**
     * A compaction interrupted after {@code X.log.swap} was complete: the swap wins over whatever is left of the old
     * segment. Returns the base offsets whose indexes must be rebuilt.
     */
    private java.util.Set<Long> completeInterruptedSwaps() throws IOException {
        java.util.Set<Long> swapped = new java.util.HashSet<>();
        List<Path> swaps;
        try (Stream<Path> files = Files.list(dir)) {
            swaps = files.filter(p -> p.getFileName().toString().endsWith(".log.swap")).toList();
        }
        for (Path swap : swaps) {
            String name = swap.getFileName().toString();
            long base = Long.parseLong(name.substring(0, name.length() - ".log.swap".length()));
            String prefix = Segment.fileName(base);
            for (String ext : new String[]{".log", ".index", ".timeindex"}) {
                Files.deleteIfExists(dir.resolve(prefix + ext));
            }
            Files.move(swap, dir.resolve(prefix + ".log"));
            swapped.add(base);
            log.warn("Completed an interrupted compaction of segment {} of {}", base, topicPartition);
        }
        if (!swaps.isEmpty()) {
            Checkpoints.fsyncDir(dir);
        }
        return swapped;
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

    private void rebuildProducerState() throws IOException {
        ByteBuffer header = ByteBuffer.allocate(RecordBatchHeader.HEADER_BYTES);
        for (Segment s : segments.values()) {
            int size = s.committedSizeBytes();
            int pos = 0;
            while (pos < size) {
                header.clear();
                Segment.readFully(s.channel(), header, pos);
                noteEpoch(RecordBatchHeader.leaderEpoch(header, 0), RecordBatchHeader.baseOffset(header, 0));
                long pid = RecordBatchHeader.producerId(header, 0);
                if (pid >= 0) {
                    producerState.onAppended(pid, RecordBatchHeader.producerEpoch(header, 0),
                            RecordBatchHeader.baseSequence(header, 0), RecordBatchHeader.lastSequence(header, 0),
                            RecordBatchHeader.baseOffset(header, 0), RecordBatchHeader.lastOffset(header, 0),
                            RecordBatchHeader.maxTimestamp(header, 0));
                }
                pos += RecordBatchHeader.totalSize(header, 0);
            }
        }
    }

    public TopicPartition topicPartition() {
        return topicPartition;
    }

    /**
     * Validates and appends the record batches of one produce request (a concatenation of v2 batches, exactly as
     * produced). The batch headers get their baseOffset and partitionLeaderEpoch (and for LogAppendTime the
     * timestamp and CRC) written in place before the bytes go to the active segment; nothing is recompressed.
     * Either every batch is appended or none is.
     */
    public synchronized AppendResult appendAsLeader(ByteBuffer records, int leaderEpoch, long nowMs) {
        if (failed) {
            return new AppendResult.Rejected(AppendError.KAFKA_STORAGE_ERROR, "log directory for " + topicPartition + " has failed");
        }
        LogConfig cfg = config;
        BatchValidator.Outcome outcome = BatchValidator.validate(records, cfg.maxMessageBytes());
        if (!outcome.isOk()) {
            return new AppendResult.Rejected(outcome.error(), outcome.message());
        }
        ByteBuffer buf = appendCopy(records);
        if (cfg.compact() && hasRecordWithoutKey(buf)) {
            return new AppendResult.Rejected(AppendError.INVALID_RECORD,
                    "Compacted topic cannot accept message without key in topic partition " + topicPartition + ".");
        }
        SequenceCheck dup = checkSequences(buf, outcome.batchCount());
        if (dup instanceof SequenceCheck.Reject r) {
            return new AppendResult.Rejected(AppendError.valueOf(r.reason().name()), r.message());
        }
        if (dup instanceof SequenceCheck.Duplicate d) {
            return new AppendResult.Appended(d.firstOffset(), d.lastOffset(), -1, logStartOffset, true);
        }
        long firstOffset = logEndOffset;
        long next = firstOffset;
        for (int pos = 0; pos < buf.limit(); pos += RecordBatchHeader.totalSize(buf, pos)) {
            RecordBatchHeader.setBaseOffset(buf, pos, next);
            RecordBatchHeader.setLeaderEpoch(buf, pos, leaderEpoch);
            if (cfg.logAppendTime()) {
                RecordBatchHeader.setLogAppendTime(buf, pos, nowMs);
            }
            next = RecordBatchHeader.lastOffset(buf, pos) + 1;
        }
        try {
            Segment active = maybeRoll(buf.limit(), nowMs);
            active.append(buf);
            noteEpoch(leaderEpoch, firstOffset);
            logEndOffset = next;
            advanceHighWatermark();
            for (int pos = 0; pos < buf.limit(); pos += RecordBatchHeader.totalSize(buf, pos)) {
                long pid = RecordBatchHeader.producerId(buf, pos);
                if (pid >= 0) {
                    producerState.onAppended(pid, RecordBatchHeader.producerEpoch(buf, pos), RecordBatchHeader.baseSequence(buf, pos),
                            RecordBatchHeader.lastSequence(buf, pos), RecordBatchHeader.baseOffset(buf, pos),
                            RecordBatchHeader.lastOffset(buf, pos), RecordBatchHeader.maxTimestamp(buf, pos));
                }
            }
            if (fsyncEveryAppend || active.unflushedMessages() >= cfg.flushMessages()) {
                flushLocked(nowMs);
            }
        } catch (IOException e) {
            failed = true;
            log.error("I/O error appending to {}; the log is offline until restart", topicPartition, e);
            return new AppendResult.Rejected(AppendError.KAFKA_STORAGE_ERROR, "I/O error on " + topicPartition + ": " + e.getMessage());
        }
        return new AppendResult.Appended(firstOffset, next - 1, cfg.logAppendTime() ? nowMs : -1, logStartOffset, false);
    }

    /**
     * The bytes an append patches and writes, copied out of the caller's buffer, which stays untouched: a produce
     * request's records are a view of the network layer's frame, which it may parse again (an error response), and
     * a follower's come from a fetch response. The copy goes into a direct buffer kept per thread, so
     * {@code FileChannel.write} hands it to the kernel as it is; a heap buffer would be copied once more into the
     * JDK's temporary direct buffer. Appends larger than {@link #APPEND_SCRATCH_MAX_BYTES} (rare: the producer's
     * batch size is 16 KiB by default) take a heap copy as before. The returned buffer (position 0) is valid until
     * this thread's next append and must not escape the append.
     */
    private static ByteBuffer appendCopy(ByteBuffer records) {
        int size = records.remaining();
        if (size > APPEND_SCRATCH_MAX_BYTES) {
            return ByteBuffer.allocate(size).put(records.duplicate()).flip();
        }
        ByteBuffer[] holder = APPEND_SCRATCH.get();
        ByteBuffer scratch = holder[0];
        if (scratch == null || scratch.capacity() < size) {
            int capacity = Math.min(APPEND_SCRATCH_MAX_BYTES, Math.max(64 * 1024, Integer.highestOneBit(size - 1) << 1));
            scratch = ByteBuffer.allocateDirect(capacity);
            holder[0] = scratch;
        }
        scratch.clear().limit(size);
        return scratch.put(records.duplicate()).flip();
    }

    private static boolean hasRecordWithoutKey(ByteBuffer buf) {
        for (int pos = 0; pos < buf.limit(); pos += RecordBatchHeader.totalSize(buf, pos)) {
            ByteBuffer batch = buf.duplicate().position(pos).limit(pos + RecordBatchHeader.totalSize(buf, pos)).slice();
            try {
                for (BatchRecords.KeyValue kv : BatchRecords.keyValues(batch)) {
                    if (kv.key() == null) {
                        return true;
                    }
                }
            } catch (IOException e) {
                return true; // records that cannot be read cannot be compacted either
            }
        }
        return false;
    }

    /** Accept (null-free) when every idempotent batch may be appended; Duplicate only for a single-batch retry. */
    private SequenceCheck checkSequences(ByteBuffer buf, int batchCount) {
        for (int pos = 0; pos < buf.limit(); pos += RecordBatchHeader.totalSize(buf, pos)) {
            long pid = RecordBatchHeader.producerId(buf, pos);
            if (pid < 0) {
                continue;
            }
            SequenceCheck c = producerState.check(pid, RecordBatchHeader.producerEpoch(buf, pos),
                    RecordBatchHeader.baseSequence(buf, pos), RecordBatchHeader.lastSequence(buf, pos));
            if (c instanceof SequenceCheck.Reject) {
                return c;
            }
            if (c instanceof SequenceCheck.Duplicate) {
                if (batchCount == 1) {
                    return c;
                }
                return new SequenceCheck.Reject(SequenceCheck.Reason.OUT_OF_ORDER_SEQUENCE_NUMBER,
                        "a request with several batches repeats an already appended batch");
            }
        }
        return new SequenceCheck.Accept();
    }

    /**
     * Whether appending {@code incomingBytes} now may fsync or wait on this log's lock while another thread holds
     * it across an fsync or a file swap: true with {@code fsync: always}, with a finite flush.messages or flush.ms,
     * on a compacted topic (the cleaner swaps files under the lock), and when the append would roll the segment
     * (a roll fsyncs the old one). False means the append is a page-cache write and may run on an event loop. Read
     * without the lock, so a hint: a concurrent append can make a roll due in between (rare: once a segment).
     */
    public boolean appendMaySync(int incomingBytes, long nowMs) {
        LogConfig cfg = config;
        if (fsyncEveryAppend || cfg.compact() || cfg.flushMessages() != Long.MAX_VALUE || cfg.flushMs() != Long.MAX_VALUE) {
            return true;
        }
        return rollDue(activeSegment(), cfg, incomingBytes, nowMs);
    }

    private Segment maybeRoll(int incomingBytes, long nowMs) throws IOException {
        Segment active = segments.lastEntry().getValue();
        return rollDue(active, config, incomingBytes, nowMs) ? roll(nowMs) : active;
    }

    private static boolean rollDue(Segment active, LogConfig cfg, int incomingBytes, long nowMs) {
        boolean full = (long) active.committedSizeBytes() + incomingBytes > cfg.segmentBytes();
        boolean old = nowMs - active.createdMs() > cfg.segmentMs();
        return !active.isEmpty() && (full || old || active.indexFull(cfg.segmentIndexBytes()));
    }

    private Segment roll(long nowMs) throws IOException {
        Segment active = segments.lastEntry().getValue();
        active.flush();
        Segment next = Segment.create(dir, logEndOffset, config.indexIntervalBytes(), nowMs);
        segments.put(logEndOffset, next);
        log.info("Rolled {} to a new segment at offset {} ({} bytes in the previous one)", topicPartition, logEndOffset,
                active.committedSizeBytes());
        recoveryPoint = active.nextOffset();
        Checkpoints.fsyncDir(dir);
        return next;
    }

    /**
     * Reads whole batches from {@code fetchOffset}: at most {@code maxBytes} unless {@code minOneBatch} and the first
     * batch is larger (then that one batch), never past {@code maxOffsetExclusive}. The slice may end in a partial
     * batch when maxBytes cuts one, as Kafka's does; clients drop it and fetch it again.
     */
    public ReadResult read(long fetchOffset, int maxBytes, boolean minOneBatch, long maxOffsetExclusive) {
        long start = logStartOffset;
        long end = logEndOffset;
        if (fetchOffset < start || fetchOffset > end) {
            return new ReadResult.OffsetOutOfRange(start, end);
        }
        long hw = highWatermark();
        long upper = Math.min(maxOffsetExclusive, end);
        try {
            for (Map.Entry<Long, Segment> e = segments.floorEntry(fetchOffset); e != null && fetchOffset < upper;
                 e = segments.higherEntry(e.getKey())) {
                Segment s = e.getValue();
                int pos = s.positionOf(fetchOffset);
                if (pos < 0) {
                    continue;
                }
                int limit = upper >= s.nextOffset() ? s.committedSizeBytes() : s.positionOf(upper);
                if (limit < 0) {
                    limit = s.committedSizeBytes();
                }
                int size = Math.min(limit - pos, maxBytes);
                if (minOneBatch && limit > pos) {
                    size = Math.max(size, Math.min(s.batchSizeAt(pos), limit - pos));
                }
                if (size <= 0) {
                    break;
                }
                return new ReadResult.Records(new FileSlice(s.channel(), pos, size), hw, start, end);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + topicPartition + " at offset " + fetchOffset, e);
        }
        return new ReadResult.Records(new FileSlice(activeSegment().channel(), 0, 0), hw, start, end);
    }

    private Segment activeSegment() {
        return segments.lastEntry().getValue();
    }

    public long logStartOffset() {
        return logStartOffset;
    }

    /** The offset the next appended record will get. */
    public long logEndOffset() {
        return logEndOffset;
    }

    /** The offset below which records are committed (replicated to every in-sync replica); consumers read below it. */
    public long highWatermark() {
        return highWatermark;
    }

    /**
     * Leader: the lowest log end offset among the other in-sync replicas ({@code Long.MAX_VALUE} when there are
     * none); the high watermark moves up to it (never down). Returns the high watermark.
     */
    public synchronized long updateReplicatedFloor(long floorOffset) {
        replicatedFloor = floorOffset;
        advanceHighWatermark();
        return highWatermark;
    }

    private void advanceHighWatermark() {
        long candidate = Math.min(logEndOffset, replicatedFloor);
        if (candidate > highWatermark) {
            highWatermark = candidate;
        }
    }

    /** Follower: the leader's high watermark, bounded by what this replica has. */
    public synchronized void updateFollowerHighWatermark(long leaderHighWatermark) {
        highWatermark = Math.max(logStartOffset, Math.min(leaderHighWatermark, logEndOffset));
    }

    /**
     * Follower: appends the leader's batches exactly as the leader stored them (offsets and leader epochs kept).
     * They must start at this log's end offset. Returns the new log end offset.
     */
    public synchronized AppendResult appendAsFollower(ByteBuffer records, long nowMs) {
        if (failed) {
            return new AppendResult.Rejected(AppendError.KAFKA_STORAGE_ERROR, "log directory for " + topicPartition + " has failed");
        }
        if (!records.hasRemaining()) {
            return new AppendResult.Appended(logEndOffset, logEndOffset - 1, -1, logStartOffset, false);
        }
        BatchValidator.Outcome outcome = BatchValidator.validateReplicated(records);
        if (!outcome.isOk()) {
            return new AppendResult.Rejected(outcome.error(), outcome.message());
        }
        ByteBuffer buf = appendCopy(records);
        long first = RecordBatchHeader.baseOffset(buf, 0);
        // A compacted leader log has gaps between batches: offsets only have to increase (Kafka's rule).
        long expected = logEndOffset;
        for (int pos = 0; pos < buf.limit(); pos += RecordBatchHeader.totalSize(buf, pos)) {
            long base = RecordBatchHeader.baseOffset(buf, pos);
            if (base < expected) {
                return new AppendResult.Rejected(AppendError.INVALID_RECORD, "replicated batch starts at offset " + base
                        + " but the log of " + topicPartition + " is already at " + expected);
            }
            expected = RecordBatchHeader.lastOffset(buf, pos) + 1;
        }
        long next = first;
        try {
            Segment active = maybeRoll(buf.limit(), nowMs);
            active.append(buf);
            for (int pos = 0; pos < buf.limit(); pos += RecordBatchHeader.totalSize(buf, pos)) {
                noteEpoch(RecordBatchHeader.leaderEpoch(buf, pos), RecordBatchHeader.baseOffset(buf, pos));
                long pid = RecordBatchHeader.producerId(buf, pos);
                if (pid >= 0) {
                    producerState.onAppended(pid, RecordBatchHeader.producerEpoch(buf, pos), RecordBatchHeader.baseSequence(buf, pos),
                            RecordBatchHeader.lastSequence(buf, pos), RecordBatchHeader.baseOffset(buf, pos),
                            RecordBatchHeader.lastOffset(buf, pos), RecordBatchHeader.maxTimestamp(buf, pos));
                }
                next = RecordBatchHeader.lastOffset(buf, pos) + 1;
            }
            logEndOffset = next;
            if (fsyncEveryAppend || active.unflushedMessages() >= config.flushMessages()) {
                flushLocked(nowMs);
            }
        } catch (IOException e) {
            failed = true;
            log.error("I/O error appending replicated data to {}; the log is offline until restart", topicPartition, e);
            return new AppendResult.Rejected(AppendError.KAFKA_STORAGE_ERROR, "I/O error on " + topicPartition + ": " + e.getMessage());
        }
        return new AppendResult.Appended(first, next - 1, -1, logStartOffset, false);
    }

    /**
     * Drops every record at or above {@code offset} (a follower cutting a tail the new leader does not have).
     * The high watermark, recovery point, epoch cache and producer state follow.
     */
    public synchronized void truncateTo(long offset) {
        if (offset >= logEndOffset) {
            // No record to drop, but maybe an empty epoch: a leader that noted its epoch start (assignEpochStart)
            // and was replaced before appending anything. The new leader never had that epoch, so keeping it would
            // make every fetch diverge at this same offset again, forever (Kafka truncates its epoch cache here too).
            if (epochStarts.values().removeIf(start -> start >= logEndOffset)) {
                writeEpochCheckpointQuietly();
            }
            return;
        }
        long target = Math.max(offset, logStartOffset);
        try {
            while (segments.size() > 1 && segments.lastKey() >= target) {
                Segment last = segments.pollLastEntry().getValue();
                last.deleteFiles();
            }
            Segment remaining = segments.lastEntry().getValue();
            if (remaining.baseOffset >= target) {
                segments.remove(remaining.baseOffset);
                remaining.deleteFiles();
                segments.put(target, Segment.create(dir, target, config.indexIntervalBytes(), System.currentTimeMillis()));
            } else {
                remaining.truncateTo(target);
            }
            long oldEnd = logEndOffset;
            logEndOffset = segments.lastEntry().getValue().nextOffset();
            highWatermark = Math.min(highWatermark, logEndOffset);
            recoveryPoint = Math.min(recoveryPoint, logEndOffset);
            epochStarts.entrySet().removeIf(e -> e.getValue() >= logEndOffset);
            producerState.truncateTo(logEndOffset);
            writeEpochCheckpoint();
            Checkpoints.fsyncDir(dir);
            log.info("Truncated {} from log end offset {} to {}", topicPartition, oldEnd, logEndOffset);
        } catch (IOException e) {
            failed = true;
            log.error("I/O error truncating {}; the log is offline until restart", topicPartition, e);
        }
    }

    /** Empties the log and restarts it at {@code offset} (a follower far behind a leader's log start). */
    public synchronized void truncateFullyAndStartAt(long offset) {
        try {
            for (Segment s : segments.values()) {
                s.deleteFiles();
            }
            segments.clear();
            segments.put(offset, Segment.create(dir, offset, config.indexIntervalBytes(), System.currentTimeMillis()));
            logStartOffset = offset;
            logEndOffset = offset;
            highWatermark = offset;
            recoveryPoint = offset;
            epochStarts.clear();
            producerState.truncateTo(Long.MIN_VALUE);
            writeEpochCheckpoint();
            Checkpoints.fsyncDir(dir);
            log.info("Truncated {} fully; it restarts at offset {}", topicPartition, offset);
        } catch (IOException e) {
            failed = true;
            log.error("I/O error truncating {}; the log is offline until restart", topicPartition, e);
        }
    }

    private void noteEpoch(int epoch, long startOffset) {
        if (epoch < 0) {
            return;
        }
        Map.Entry<Integer, Long> last = epochStarts.lastEntry();
        if (last == null || epoch > last.getKey()) {
            epochStarts.put(epoch, startOffset);
            if (last != null) {
                writeEpochCheckpointQuietly();
            }
        }
    }

    /**
     * A new leader records its epoch as starting at its log end offset before it appends anything in it, so a
     * follower that fetched a newer tail from an older leader learns where to truncate.
     */
    public synchronized void assignEpochStart(int epoch) {
        noteEpoch(epoch, logEndOffset);
        writeEpochCheckpointQuietly();
    }

    /** The newest leader epoch in the log, or -1 when the log holds no batch. */
    public synchronized int latestEpoch() {
        return epochStarts.isEmpty() ? -1 : epochStarts.lastKey();
    }

    /** A leader epoch and the offset where the log moved past it (Kafka's OffsetForLeaderEpoch answer). */
    public record EpochEndOffset(int epoch, long endOffset) {
        public static final EpochEndOffset UNDEFINED = new EpochEndOffset(-1, -1);
    }

    /**
     * For {@code epoch}: the largest epoch in the log not above it, and the first offset of the next higher epoch
     * (the log end offset when {@code epoch} is the latest); UNDEFINED when {@code epoch} is newer than the log.
     */
    public synchronized EpochEndOffset endOffsetForEpoch(int epoch) {
        if (epoch < 0) {
            return EpochEndOffset.UNDEFINED;
        }
        if (!epochStarts.isEmpty() && epoch == epochStarts.lastKey()) {
            return new EpochEndOffset(epoch, logEndOffset);
        }
        Map.Entry<Integer, Long> higher = epochStarts.higherEntry(epoch);
        if (higher == null) {
            return epochStarts.isEmpty() ? new EpochEndOffset(epoch, logEndOffset) : EpochEndOffset.UNDEFINED;
        }
        Map.Entry<Integer, Long> floor = epochStarts.floorEntry(epoch);
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
    public synchronized long divergenceTruncationOffset(int leaderEpoch, long leaderEndOffset) {
        EpochEndOffset mine = endOffsetForEpoch(leaderEpoch);
        if (mine.endOffset() < 0) {
            return Math.min(leaderEndOffset, logEndOffset);
        }
        long end = Math.min(mine.endOffset(), logEndOffset);
        return mine.epoch() == leaderEpoch ? Math.min(leaderEndOffset, end) : end;
    }

    private void writeEpochCheckpointQuietly() {
        try {
            writeEpochCheckpoint();
        } catch (IOException e) {
            log.warn("Could not write {} of {}: {}", LEADER_EPOCH_CHECKPOINT, topicPartition, e.toString());
        }
    }

    /** Kafka's leader-epoch-checkpoint: version 0, entry count, then "epoch startOffset" lines (read by its tools). */
    private void writeEpochCheckpoint() throws IOException {
        StringBuilder sb = new StringBuilder("0\n").append(epochStarts.size()).append('\n');
        epochStarts.forEach((e, o) -> sb.append(e).append(' ').append(o).append('\n'));
        Checkpoints.writeAtomically(dir.resolve(LEADER_EPOCH_CHECKPOINT), sb.toString());
    }

    /** Offset up to which the log is known to be fsynced. */
    long recoveryPoint() {
        return recoveryPoint;
    }

    /** First record with timestamp >= {@code timestampMs}; empty when none. */
    public Optional<TimestampOffset> offsetForTimestamp(long timestampMs) {
        try {
            for (Segment s : segments.values()) {
                if (s.maxTimestampMs() < timestampMs) {
                    continue;
                }
                int pos = s.positionForTimestamp(timestampMs);
                while (pos >= 0 && pos < s.committedSizeBytes()) {
                    ByteBuffer batch = s.readBatch(pos);
                    TimestampOffset found = BatchRecords.firstAtOrAfter(batch, timestampMs);
                    if (found != null && RecordBatchHeader.lastOffset(batch, 0) >= logStartOffset) {
                        return Optional.of(new TimestampOffset(found.timestampMs(), Math.max(found.offset(), logStartOffset)));
                    }
                    pos += batch.limit();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("searching " + topicPartition + " by timestamp", e);
        }
        return Optional.empty();
    }

    /** Told about a batch whose records cannot be read (see {@link #forEachRecord}). */
    public interface UnreadableBatch {
        void skipped(long baseOffset, long lastOffset, Exception cause);
    }

    /**
     * Every record from the log start to the end, in offset order (the group coordinator loads its offsets
     * partition with this). Control batches are skipped. A batch whose records cannot be decoded (bytes past a valid
     * CRC that are not records) goes to {@code unreadable} and the walk goes on after it; an I/O error ends it.
     */
    public void forEachRecord(java.util.function.Consumer<BatchRecords.KeyValue> action, UnreadableBatch unreadable) {
        try {
            for (Segment s : segments.values()) {
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
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + topicPartition, e);
        }
    }

    /** The record with the largest timestamp (earliest offset among equals); empty when the log is empty. */
    public Optional<TimestampOffset> maxTimestamp() {
        Segment best = null;
        for (Segment s : segments.values()) {
            if (s.maxTimestampMs() >= 0 && (best == null || s.maxTimestampMs() > best.maxTimestampMs())) {
                best = s;
            }
        }
        if (best == null) {
            return Optional.empty();
        }
        try {
            int pos = best.positionOf(best.offsetOfMaxTimestamp());
            TimestampOffset found = BatchRecords.firstAtOrAfter(best.readBatch(pos), best.maxTimestampMs());
            return Optional.ofNullable(found);
        } catch (IOException e) {
            throw new UncheckedIOException("finding the max timestamp of " + topicPartition, e);
        }
    }

    /**
     * Moves the log start offset up to {@code offset} (DeleteRecords); whole segments below it are removed.
     * Returns the new log start offset; throws IllegalArgumentException when offset > high watermark.
     */
    public synchronized long deleteRecordsBefore(long offset) {
        if (offset > highWatermark()) {
            throw new IllegalArgumentException("offset " + offset + " is above the high watermark " + highWatermark());
        }
        if (offset > logStartOffset) {
            logStartOffset = offset;
            deleteSegmentsBelowStart(System.currentTimeMillis());
        }
        return logStartOffset;
    }

    private void deleteSegmentsBelowStart(long nowMs) {
        try {
            if (logStartOffset == logEndOffset && !activeSegment().isEmpty()) {
                roll(nowMs);
            }
            while (segments.size() > 1) {
                Segment first = segments.firstEntry().getValue();
                if (first.nextOffset() > logStartOffset) {
                    break;
                }
                removeSegment(first, nowMs, "below the log start offset");
            }
        } catch (IOException e) {
            failed = true;
            log.error("I/O error removing segments of {}; the log is offline until restart", topicPartition, e);
        }
    }

    private void removeSegment(Segment s, long nowMs, String reason) throws IOException {
        log.info("Removing segment {} of {} ({} bytes, offsets below {}): {}", s.baseOffset, topicPartition,
                s.committedSizeBytes(), s.nextOffset(), reason);
        segments.remove(s.baseOffset);
        s.markDeleted();
        pendingDeletes.add(new PendingDelete(s, nowMs + config.fileDeleteDelayMs()));
        logStartOffset = Math.max(logStartOffset, segments.firstKey());
    }

    /** Size of all segments, bytes. */
    public long sizeBytes() {
        long total = 0;
        for (Segment s : segments.values()) {
            total += s.committedSizeBytes();
        }
        return total;
    }

    /** Number of segments (tests, DescribeLogDirs). */
    public int segmentCount() {
        return segments.size();
    }

    public LogConfig config() {
        return config;
    }

    /** Applies altered topic configs (takes effect at the next append / maintenance pass). */
    public void updateConfig(LogConfig config) {
        this.config = config;
    }

    /** Time-based roll, retention, flush.ms and deferred file deletion; called periodically by LogManager. */
    public synchronized void maintain(long nowMs) {
        if (failed) {
            return;
        }
        LogConfig cfg = config;
        try {
            Segment active = activeSegment();
            if (!active.isEmpty() && nowMs - active.createdMs() > cfg.segmentMs()) {
                roll(nowMs);
            }
            if (cfg.delete()) {
                applyRetention(cfg, nowMs);
            }
            if (nowMs - lastFlushMs >= cfg.flushMs() && recoveryPoint < logEndOffset) {
                flushLocked(nowMs);
            }
        } catch (IOException e) {
            failed = true;
            log.error("I/O error maintaining {}; the log is offline until restart", topicPartition, e);
        }
        producerState.removeExpired(nowMs);
        deleteDue(nowMs);
    }

    private void applyRetention(LogConfig cfg, long nowMs) throws IOException {
        if (cfg.retentionMs() >= 0) {
            Segment active = activeSegment();
            boolean allExpired = segments.values().stream().allMatch(s -> isExpired(s, cfg, nowMs));
            if (allExpired && !active.isEmpty()) {
                roll(nowMs);
            }
            while (segments.size() > 1 && isExpired(segments.firstEntry().getValue(), cfg, nowMs)
                    && segments.firstEntry().getValue().nextOffset() <= highWatermark) {
                removeSegment(segments.firstEntry().getValue(), nowMs, "retention.ms " + cfg.retentionMs());
            }
        }
        if (cfg.retentionBytes() >= 0) {
            while (segments.size() > 1 && sizeBytes() - segments.firstEntry().getValue().committedSizeBytes() >= cfg.retentionBytes()
                    && segments.firstEntry().getValue().nextOffset() <= highWatermark) {
                removeSegment(segments.firstEntry().getValue(), nowMs, "retention.bytes " + cfg.retentionBytes());
            }
        }
    }

    private static boolean isExpired(Segment s, LogConfig cfg, long nowMs) {
        return !s.isEmpty() && s.maxTimestampMs() >= 0 && nowMs - s.maxTimestampMs() > cfg.retentionMs();
    }

    private void deleteDue(long nowMs) {
        pendingDeletes.removeIf(p -> {
            if (p.dueMs() > nowMs) {
                return false;
            }
            try {
                p.segment().deleteFiles();
            } catch (IOException e) {
                log.warn("Could not delete removed segment {} of {}", p.segment().baseOffset, topicPartition, e);
            }
            return true;
        });
    }

    /** fsyncs everything appended so far and moves the recovery point. */
    public synchronized void flush() {
        try {
            flushLocked(System.currentTimeMillis());
        } catch (IOException e) {
            failed = true;
            throw new UncheckedIOException("flushing " + topicPartition, e);
        }
    }

    private void flushLocked(long nowMs) throws IOException {
        for (Segment s : segments.tailMap(segments.floorKey(recoveryPoint)).values()) {
            s.flush();
        }
        recoveryPoint = logEndOffset;
        lastFlushMs = nowMs;
    }

    /** Segments below the active one (a snapshot; the cleaner's input). */
    List<Segment> inactiveSegments() {
        List<Segment> out = new ArrayList<>(segments.values());
        out.remove(out.size() - 1);
        return out;
    }

    long cleanedUpTo() {
        return cleanedUpTo;
    }

    void markCleanedUpTo(long offset) {
        cleanedUpTo = Math.max(cleanedUpTo, offset);
    }

    /** Producer id -> last offset of its newest batch (a snapshot; the batches compaction keeps for them). */
    synchronized Map<Long, Long> producerLastOffsets() {
        return producerState.lastOffsets();
    }

    /**
     * Replaces {@code old} by the cleaned file (steps in {@link LogCleaner}'s javadoc). Returns false, discarding the
     * cleaned file, when the segment left the log meanwhile (retention, DeleteRecords).
     */
    synchronized boolean swapIn(Segment old, Path cleaned, long nowMs, LogCleaner.StepHook hook) throws IOException {
        if (segments.get(old.baseOffset) != old) {
            LogCleaner.discard(cleaned);
            return false;
        }
        String prefix = Segment.fileName(old.baseOffset);
        Path swap = dir.resolve(prefix + ".log.swap");
        Files.move(cleaned, swap);
        Checkpoints.fsyncDir(dir);
        hook.after("swap-renamed");
        old.markDeleted();
        hook.after("old-marked-deleted");
        Files.move(swap, dir.resolve(prefix + ".log"));
        Checkpoints.fsyncDir(dir);
        hook.after("swapped");
        Segment fresh = Segment.open(dir, old.baseOffset, config.indexIntervalBytes(), true, nowMs, new long[1]);
        segments.put(old.baseOffset, fresh);
        pendingDeletes.add(new PendingDelete(old, nowMs + config.fileDeleteDelayMs()));
        return true;
    }

    /** Closes the files without flushing or any bookkeeping: what a crash leaves behind (tests). */
    synchronized void abandon() {
        for (Segment s : segments.values()) {
            s.close();
        }
    }

    /** Whether an I/O error took this log offline. */
    public boolean isFailed() {
        return failed;
    }

    Path dir() {
        return dir;
    }

    @Override
    public synchronized void close() {
        if (!failed) {
            flush();
        }
        for (Segment s : segments.values()) {
            s.close();
        }
        deleteDue(Long.MAX_VALUE);
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            throw new UncheckedIOException("removing leftover file " + p, e);
        }
    }
}
