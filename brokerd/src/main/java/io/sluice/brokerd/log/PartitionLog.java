package io.sluice.brokerd.log;

import io.sluice.brokerd.common.TopicPartition;
import io.sluice.brokerd.producer.SequenceCheck;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * One partition's append-only log: segments in {@code <data.dir>/<topic>-<partition>/}, named by base offset.
 * <pre>
 *   [seg 0][seg 1000]...[active seg]      logStartOffset <= highWatermark <= logEndOffset
 * </pre>
 * This class holds the log's offsets and the rules that move them (appends, truncation, retention, DeleteRecords,
 * the high watermark); the parts live in their own classes, as in Kafka's UnifiedLog / LocalLog split:
 * <ul>
 *   <li>{@link LogSegments}: the segment list, and the deferred deletion every removed segment goes through;</li>
 *   <li>{@link LogLoader}: opening a directory, recovery of an unclean shutdown, interrupted compactions;</li>
 *   <li>{@link LogReader}: fetch slices, timestamp lookups, full scans, all without the lock;</li>
 *   <li>{@link LeaderEpochCache}: first offset of every leader epoch, divergence after a leader change;</li>
 *   <li>{@link ProducerStateTracker}: producer sequences and epochs, open transactions, the last stable offset and
 *       the {@code .txnindex}; {@link ProducerSnapshots}: its state at each roll and at a clean shutdown;</li>
 *   <li>{@link LogFlusher}: the recovery point and the fsyncs that move it.</li>
 * </ul>
 * Thread-safety: appends, truncation, roll and segment removal are serialised on the log's monitor, which is
 * never held across an fsync but by a compaction swap (compacted topics' appends never run on the event loop, see
 * {@link #appendMaySync}): the event loop takes it for small appends, so an fsync there would stall a network
 * thread. Reads, the high watermark and the leader-epoch lookups of the follower fetch path take no lock at all.
 * Reads see only completely written batches (each segment publishes its end after the write).
 * <p>
 * Replication: a leader appends with {@link #appendAsLeader}; its high watermark is the smaller of its log end
 * offset and the <em>replicated floor</em>, the lowest log end offset among the other in-sync replicas (unbounded
 * while the leader is the only one, so on a single node every append is committed at once). A follower appends the
 * leader's batches unchanged with {@link #appendAsFollower}, takes the leader's high watermark with
 * {@link #updateFollowerHighWatermark}, and cuts a diverging tail with {@link #truncateTo}.
 * <p>
 * Transactions: producers append transactional batches like any other (the first batch of a transaction with the
 * {@link VerificationGuard} of its leader's check with the coordinator, KIP-890); only the broker appends markers
 * ({@link #appendMarker}, on WriteTxnMarkers). READ_COMMITTED reads stop at the last stable offset and carry the
 * aborted transactions of what they return ({@link #read(long, int, boolean, long, boolean)}).
 * <p>
 * Durability: an acknowledged append is in the OS page cache; it is fsynced when {@code flush.messages} records or
 * {@code flush.ms} have accumulated, after a roll, on clean shutdown, and on every append when the broker runs with
 * {@code fsync: always}. A process crash loses nothing acknowledged; a machine crash may lose what was not fsynced.
 * Every fsync runs outside the lock, through {@link LogFlusher}: {@code fsync: always} and {@code flush.messages}
 * on the appending thread before the append is answered, {@code flush.ms} on the maintenance thread, and the one
 * after a roll on the background executor, as Kafka schedules its flush of the rolled segment.
 */
public final class PartitionLog implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PartitionLog.class);
    private static final long PRODUCER_ID_EXPIRATION_MS = 7L * 24 * 3600 * 1000;

    private final TopicPartition topicPartition;
    private final Path dir;
    private final boolean fsyncEveryAppend;
    private final Clock clock;
    private final LogSegments segments;
    private final LogReader reader;
    private final LeaderEpochCache epochs;
    private final ProducerStateTracker producerState;
    private final LogFlusher flusher;
    private final ProducerSnapshotWriter snapshots;
    private volatile LogConfig config;
    private volatile long logStartOffset;
    private volatile long logEndOffset;
    /** The data directory's state, shared with every log in it: an I/O error here takes them all offline. */
    private final LogDirHealth health;
    /** Set when the log's files are closed (shutdown, deletion, a simulated crash): failures after it are not the disk's. */
    private volatile boolean closed;
    /**
     * A batch the scrubber found damaged while this replica leads (null when none): reads stop before it and a fetch
     * at or past it is answered KAFKA_STORAGE_ERROR, until {@link #truncateAtDamage} cuts it off (as a follower).
     */
    private volatile LogScrubber.DamagedBatch damaged;
    /** Offsets below this were compacted during this run (in memory: after a restart the first pass cleans everything once). */
    private volatile long cleanedUpTo;
    /**
     * Advanced by compare-and-set (see {@link #advanceHighWatermark}) without the lock; set outright, under the lock,
     * only on a follower. The partition's role serialises the two: the leader paths run while it leads, the follower
     * ones while it follows, and the role changes under the Partition's monitor those paths hold.
     */
    private volatile long highWatermark;
    /** Lowest log end offset of the other in-sync replicas while leading; MAX_VALUE when there are none. */
    private volatile long replicatedFloor = Long.MAX_VALUE;

    private static final VarHandle HIGH_WATERMARK;

    static {
        try {
            HIGH_WATERMARK = MethodHandles.lookup().findVarHandle(PartitionLog.class, "highWatermark", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private PartitionLog(TopicPartition tp, Path dir, LogConfig config, LogEnvironment env, LogLoader.Loaded loaded,
                         long nowMs) {
        this.topicPartition = tp;
        this.dir = dir;
        this.config = config;
        this.fsyncEveryAppend = env.fsyncEveryAppend();
        this.clock = env.clock();
        this.segments = loaded.segments();
        this.reader = new LogReader(segments);
        this.epochs = new LeaderEpochCache(dir, tp.toString());
        this.producerState = new ProducerStateTracker(PRODUCER_ID_EXPIRATION_MS);
        this.logEndOffset = loaded.logEndOffset();
        this.health = env.health();
        this.flusher = new LogFlusher(dir, tp.toString(), segments, env.background(), clock, () -> logEndOffset,
                epochs::writeCheckpointIfChanged, health::failed, logEndOffset, nowMs);
        this.snapshots = new ProducerSnapshotWriter(dir, tp.toString(), epochs, flusher);
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
        return open(tp, dir, config, recover, recoveryPoint, checkpointedLogStart, checkpointedHighWatermark,
                LogEnvironment.of(fsyncEveryAppend), nowMs);
    }

    /** As above in {@code env}, at the time its clock tells. */
    static PartitionLog open(TopicPartition tp, Path dir, LogConfig config, boolean recover, long recoveryPoint,
                             long checkpointedLogStart, long checkpointedHighWatermark, LogEnvironment env) throws IOException {
        return open(tp, dir, config, recover, recoveryPoint, checkpointedLogStart, checkpointedHighWatermark, env,
                env.clock().millis());
    }

    /** As above in {@code env}, {@code nowMs} being the time of opening. */
    static PartitionLog open(TopicPartition tp, Path dir, LogConfig config, boolean recover, long recoveryPoint,
                             long checkpointedLogStart, long checkpointedHighWatermark, LogEnvironment env,
                             long nowMs) throws IOException {
        Files.createDirectories(dir);
        LogLoader.Loaded loaded = LogLoader.load(dir, tp.toString(), config.indexIntervalBytes(), recover, recoveryPoint,
                env.files(), nowMs);
        PartitionLog pl = new PartitionLog(tp, dir, config, env, loaded, nowMs);
        LogLoader.restoreState(dir, tp.toString(), pl.segments, pl.logEndOffset, pl.epochs, false, pl.producerState, nowMs);
        pl.logStartOffset = Math.min(Math.max(checkpointedLogStart, pl.segments.firstBaseOffset()), pl.logEndOffset);
        long hw = checkpointedHighWatermark < 0 ? pl.logEndOffset : checkpointedHighWatermark;
        pl.highWatermark = Math.max(pl.logStartOffset, Math.min(hw, pl.logEndOffset));
        pl.producerState.onHighWatermark(pl.highWatermark);
        pl.epochs.writeCheckpoint();
        return pl;
    }

    /** Installs a read interleaving (tests; before the log is shared with other threads). */
    void interleaveReads(LogReader.Interleaving interleaving) {
        reader.interleave(interleaving);
    }

    public TopicPartition topicPartition() {
        return topicPartition;
    }

    /**
     * Validates ({@link BatchValidator}: every record, at broker time {@code nowMs}) and appends the record batches
     * of one produce request (a concatenation of v2 batches, exactly as produced). The batch headers get their
     * baseOffset and partitionLeaderEpoch (and for LogAppendTime, or a wrong max timestamp, the timestamp and CRC)
     * written in place before the bytes go to the active segment; nothing is recompressed. Either every batch is
     * appended or none is. With {@code fsync: always} or {@code flush.messages} reached, the records are fsynced
     * (outside the lock) before this returns.
     */
    public AppendResult appendAsLeader(ByteBuffer records, int leaderEpoch, long nowMs) {
        return appendAsLeader(records, leaderEpoch, nowMs, null);
    }

    /**
     * As above; a transactional batch that opens its producer's transaction here must come with {@code guard}, the
     * verification {@link #beginVerification} started and the coordinator confirmed (null: no verification is
     * required, as with transaction.partition.verification.enable=false).
     */
    public AppendResult appendAsLeader(ByteBuffer records, int leaderEpoch, long nowMs, VerificationGuard guard) {
        return flushIfDue(appendAsLeaderLocked(records, leaderEpoch, nowMs, guard, false), nowMs);
    }

    /**
     * Appends batches a coordinator of this broker built (offset commits, transactional offset commits): validated
     * like a producer's, but a transactional batch carries no sequence (Kafka's origin COORDINATOR); its producer's
     * epoch is checked all the same, so a fenced producer's offsets are refused.
     */
    public AppendResult appendAsCoordinator(ByteBuffer records, int leaderEpoch, long nowMs) {
        return flushIfDue(appendAsLeaderLocked(records, leaderEpoch, nowMs, null, true), nowMs);
    }

    private synchronized AppendResult appendAsLeaderLocked(ByteBuffer records, int leaderEpoch, long nowMs,
                                                           VerificationGuard guard, boolean fromCoordinator) {
        if (health.isOffline()) {
            return offline();
        }
        if (closed) {
            return closedLog();
        }
        LogConfig cfg = config;
        BatchValidator.Outcome outcome = BatchValidator.validate(records, cfg, nowMs, fromCoordinator);
        if (!outcome.isOk()) {
            return outcome.rejection();
        }
        ByteBuffer buf = AppendBuffers.copy(records);
        outcome.restampMaxTimestamps(buf);
        SequenceCheck dup = producerState.check(buf, outcome.batchCount(), guard, !fromCoordinator);
        if (dup instanceof SequenceCheck.Reject r) {
            return new AppendResult.Rejected(AppendError.valueOf(r.reason().name()), r.message());
        }
        if (dup instanceof SequenceCheck.Duplicate d) {
            return new AppendResult.Appended(d.firstOffset(), d.lastOffset(), -1, logStartOffset, true);
        }
        long firstOffset = logEndOffset;
        long next = AppendBuffers.assignOffsets(buf, firstOffset, leaderEpoch, cfg.logAppendTime() ? nowMs : -1);
        try {
            appendAssigned(buf, leaderEpoch, firstOffset, next, nowMs);
        } catch (IOException e) {
            return failedAppend("appending to", e);
        }
        health.appended();
        return new AppendResult.Appended(firstOffset, next - 1, cfg.logAppendTime() ? nowMs : -1, logStartOffset, false);
    }

    /**
     * Writes {@code buf} (offsets {@code firstOffset} to {@code next - 1} assigned) as leader. The producer state
     * (an open transaction, the LSO) is published before the new log end and high watermark, so a READ_COMMITTED
     * read never sees records of a transaction it does not know to be open.
     */
    private void appendAssigned(ByteBuffer buf, int leaderEpoch, long firstOffset, long next, long nowMs) throws IOException {
        Segment active = maybeRoll(buf.limit(), nowMs);
        active.append(buf);
        producerState.onAppended(buf, active);
        noteEpoch(leaderEpoch, firstOffset);
        logEndOffset = next;
        advanceHighWatermark();
    }

    /**
     * Appends a COMMIT ({@code commit}) or ABORT marker for {@code producerId} in {@code producerEpoch}, written by the
     * transaction coordinator of {@code coordinatorEpoch} (WriteTxnMarkers): the producer's transaction ends here. A
     * marker that would change nothing (a retry of one already written: no transaction open, the same epoch) is not
     * appended again; it is answered as a duplicate whose offsets reach the log end, so a caller waiting for them
     * to be replicated waits for the original too. Refused with INVALID_PRODUCER_EPOCH or
     * TRANSACTION_COORDINATOR_FENCED as Kafka does.
     */
    public AppendResult appendMarker(long producerId, short producerEpoch, int coordinatorEpoch, boolean commit, int leaderEpoch,
                                     long nowMs) {
        return flushIfDue(appendMarkerLocked(producerId, producerEpoch, coordinatorEpoch, commit, leaderEpoch, nowMs), nowMs);
    }

    private synchronized AppendResult appendMarkerLocked(long producerId, short producerEpoch, int coordinatorEpoch, boolean commit,
                                                         int leaderEpoch, long nowMs) {
        if (health.isOffline()) {
            return offline();
        }
        if (closed) {
            return closedLog();
        }
        SequenceCheck check = producerState.checkMarker(producerId, producerEpoch, coordinatorEpoch);
        if (check instanceof SequenceCheck.Reject r) {
            return new AppendResult.Rejected(AppendError.valueOf(r.reason().name()), r.message());
        }
        if (check instanceof SequenceCheck.Duplicate) {
            return new AppendResult.Appended(logEndOffset, logEndOffset - 1, -1, logStartOffset, true);
        }
        ByteBuffer buf = AppendBuffers.copy(ControlRecords.marker(producerId, producerEpoch, coordinatorEpoch, commit, nowMs));
        long firstOffset = logEndOffset;
        long next = AppendBuffers.assignOffsets(buf, firstOffset, leaderEpoch, -1);
        try {
            appendAssigned(buf, leaderEpoch, firstOffset, next, nowMs);
        } catch (IOException e) {
            return failedAppend("appending a transaction marker to", e);
        }
        return new AppendResult.Appended(firstOffset, next - 1, -1, logStartOffset, false);
    }

    /**
     * Starts the KIP-890 check of a transactional append by {@code producerId}: {@link VerificationGuard#NOT_NEEDED}
     * when its transaction is open here already, else the guard its first batch must carry once the coordinator
     * confirmed the transaction includes this partition.
     */
    public synchronized VerificationGuard beginVerification(long producerId, short producerEpoch, long nowMs) {
        return producerState.beginVerification(producerId, producerEpoch, nowMs);
    }

    /**
     * After an append, outside the lock: with {@code fsync: always}, or once {@code flush.messages} records are not
     * known to be on disk, fsyncs the log up to the append's end before it is answered. A refused append passes.
     */
    private AppendResult flushIfDue(AppendResult result, long nowMs) {
        if (!(result instanceof AppendResult.Appended appended)) {
            return result;
        }
        if (!fsyncEveryAppend && logEndOffset - flusher.recoveryPoint() < config.flushMessages()) {
            return result;
        }
        try {
            flusher.flushUpTo(appended.lastOffset() + 1, nowMs);
            return result;
        } catch (IOException e) {
            if (closed) {
                return failedAppend("fsyncing", e);
            }
            // Even for ENOSPC: what the failed fsync should have made durable may be lost (the flusher took the
            // directory offline already).
            health.failed("fsyncing " + topicPartition, e);
            return offline();
        }
    }

    /**
     * An append failed with {@code e}, nothing of it written ({@link Segment#append} and a failed roll leave the log
     * as it was). A full disk refuses just this append and the log stays online; any other I/O error takes the data
     * directory offline ({@link LogDirHealth}). Either way the producer gets KAFKA_STORAGE_ERROR (and retries).
     */
    private AppendResult failedAppend(String doing, IOException e) {
        if (closed) {
            // Not the disk: the log's files were closed under the append (the broker is stopping, the log deleted).
            return new AppendResult.Rejected(AppendError.KAFKA_STORAGE_ERROR, topicPartition + " is closed: " + e);
        }
        if (DiskFaults.isNoSpace(e)) {
            health.full(doing + " " + topicPartition, e);
            return new AppendResult.Rejected(AppendError.KAFKA_STORAGE_ERROR, "the disk of " + health.dir()
                    + " is full: " + topicPartition + " takes no appends until space returns");
        }
        health.failed(doing + " " + topicPartition, e);
        return offline();
    }

    /** The log was deleted or closed: its files are not its any more, whatever happens to them is not the disk's. */
    private AppendResult.Rejected closedLog() {
        return new AppendResult.Rejected(AppendError.KAFKA_STORAGE_ERROR, topicPartition + " is closed (deleted, or the broker is stopping)");
    }

    private AppendResult.Rejected offline() {
        return new AppendResult.Rejected(AppendError.KAFKA_STORAGE_ERROR, "log directory " + health.dir()
                + " is offline after an I/O error (" + health.cause() + "); " + topicPartition + " is not served here");
    }

    /**
     * Whether appending {@code incomingBytes} now may fsync, create files, or wait on this log's lock while another
     * thread holds it across a file swap: true with {@code fsync: always} or a finite flush.messages (the append
     * fsyncs), with a finite flush.ms (kept off the event loop as before), on a compacted topic (the cleaner swaps
     * files under the lock), and when the append would roll the segment (a roll creates three files; its fsync runs
     * in the background). False means the append is a page-cache write and may run on an event loop. Read without
     * the lock, so a hint: a concurrent append can make a roll due in between (rare: once a segment).
     */
    public boolean appendMaySync(int incomingBytes, long nowMs) {
        LogConfig cfg = config;
        if (fsyncEveryAppend || cfg.compact() || cfg.flushMessages() != Long.MAX_VALUE || cfg.flushMs() != Long.MAX_VALUE) {
            return true;
        }
        return rollDue(segments.active(), cfg, incomingBytes, nowMs);
    }

    private Segment maybeRoll(int incomingBytes, long nowMs) throws IOException {
        Segment active = segments.active();
        return rollDue(active, config, incomingBytes, nowMs) ? roll(nowMs) : active;
    }

    private static boolean rollDue(Segment active, LogConfig cfg, int incomingBytes, long nowMs) {
        boolean full = (long) active.committedSizeBytes() + incomingBytes > cfg.segmentBytes();
        boolean old = nowMs - active.createdMs() > cfg.segmentMs();
        return !active.isEmpty() && (full || old || active.indexFull(cfg.segmentIndexBytes()));
    }

    /**
     * Starts a new active segment at the log end offset. The segment left behind is fsynced in the background
     * (with the directory, which gained the new files); the recovery point moves to its end once that is done.
     * Transactions add here what Kafka does at a roll: a snapshot of the producer state at the new base offset
     * ({@code <offset>.snapshot}), written with that same background fsync, so that opening the log replays from it.
     */
    private Segment roll(long nowMs) throws IOException {
        Segment old = segments.active();
        Segment next = segments.createActive(logEndOffset, config.indexIntervalBytes(), nowMs);
        log.info("Rolled {} to a new segment at offset {} ({} bytes in the previous one)", topicPartition, logEndOffset,
                old.committedSizeBytes());
        flusher.segmentsChanged();
        long offset = logEndOffset;
        byte[] snapshot = producerState.snapshotBytes();
        long generation = flusher.truncations();
        flusher.flushInBackground(old.nextOffset(), () -> snapshots.writeAtRoll(offset, snapshot, generation));
        return next;
    }

    /**
     * Reads whole batches from {@code fetchOffset}: at most {@code maxBytes} unless {@code minOneBatch} and the first
     * batch is larger (then that one batch), never past {@code maxOffsetExclusive}. The slice may end in a partial
     * batch when maxBytes cuts one, as Kafka's does; clients drop it and fetch it again.
     */
    public ReadResult read(long fetchOffset, int maxBytes, boolean minOneBatch, long maxOffsetExclusive) {
        return read(fetchOffset, maxBytes, minOneBatch, maxOffsetExclusive, false);
    }

    /**
     * As above; {@code readCommitted} (a READ_COMMITTED consumer) also stops at the last stable offset and lists the
     * aborted transactions overlapping the batches returned, from the {@code .txnindex} files. Nothing at or past a
     * batch the scrubber found damaged here is served.
     */
    public ReadResult read(long fetchOffset, int maxBytes, boolean minOneBatch, long maxOffsetExclusive, boolean readCommitted) {
        if (health.isOffline()) {
            return new ReadResult.StorageError(offline().message());
        }
        long start = logStartOffset;
        long end = logEndOffset;
        if (fetchOffset < start || fetchOffset > end) {
            return new ReadResult.OffsetOutOfRange(start, end);
        }
        long hw = highWatermark;
        long lso = producerState.lastStableOffset(hw, start);
        long bound = Math.min(maxOffsetExclusive, end);
        LogScrubber.DamagedBatch d = damaged;
        if (d != null && segments.get(d.segmentBase()) == null) {
            damaged = d = null; // the damaged segment left the log (retention, DeleteRecords)
        }
        if (d != null) {
            if (fetchOffset >= d.fromOffset() && fetchOffset < bound) {
                return new ReadResult.StorageError("the batch of " + topicPartition + " at offset " + d.fromOffset()
                        + " is damaged on this broker; its leadership moves to an in-sync replica");
            }
            bound = Math.min(bound, d.fromOffset());
        }
        try {
            if (!readCommitted) {
                FileSlice slice = reader.slice(fetchOffset, maxBytes, minOneBatch, bound);
                return new ReadResult.Records(slice, hw, start, end, lso, null);
            }
            bound = Math.min(bound, lso);
            FileSlice slice = reader.slice(fetchOffset, maxBytes, minOneBatch, bound);
            List<AbortedTxn> aborted = slice.sizeBytes() == 0 ? List.of()
                    : reader.abortedTransactions(fetchOffset, Math.min(bound, slice.endOffset(fetchOffset)));
            return new ReadResult.Records(slice, hw, start, end, lso, aborted);
        } catch (java.nio.channels.ClosedChannelException e) {
            // Not the disk: the log was closed under the read (the broker is stopping, the log deleted).
            throw new UncheckedIOException("reading " + topicPartition + " at offset " + fetchOffset, e);
        } catch (IOException e) {
            health.failed("reading " + topicPartition + " at offset " + fetchOffset, e);
            return new ReadResult.StorageError(offline().message());
        }
    }

    /**
     * The last stable offset: READ_COMMITTED consumers read below it (see {@link ProducerStateTracker}). Takes no
     * lock.
     */
    public long lastStableOffset() {
        return producerState.lastStableOffset(highWatermark, logStartOffset);
    }

    /** Every producer of this partition (DescribeProducers). */
    public synchronized List<io.sluice.brokerd.producer.ProducerStateManager.ProducerView> producers() {
        return producerState.views();
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
    public long updateReplicatedFloor(long floorOffset) {
        replicatedFloor = floorOffset;
        advanceHighWatermark();
        return highWatermark;
    }

    /**
     * Raises the high watermark to min(log end, replicated floor) if that is higher, by compare-and-set: the append
     * (under the lock) and the follower fetches (on event loops, without it) race here. Each writes its own input
     * (log end, floor) before reading the other's, so at least one of two racing calls sees both new values.
     */
    private void advanceHighWatermark() {
        long candidate = Math.min(logEndOffset, replicatedFloor);
        long current;
        while (candidate > (current = highWatermark)) {
            if (HIGH_WATERMARK.compareAndSet(this, current, candidate)) {
                return;
            }
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
    public AppendResult appendAsFollower(ByteBuffer records, long nowMs) {
        return flushIfDue(appendAsFollowerLocked(records, nowMs), nowMs);
    }

    private synchronized AppendResult appendAsFollowerLocked(ByteBuffer records, long nowMs) {
        if (health.isOffline()) {
            return offline();
        }
        if (closed) {
            return closedLog();
        }
        if (!records.hasRemaining()) {
            return new AppendResult.Appended(logEndOffset, logEndOffset - 1, -1, logStartOffset, false);
        }
        BatchValidator.Outcome outcome = BatchValidator.validateReplicated(records);
        if (!outcome.isOk()) {
            return outcome.rejection();
        }
        ByteBuffer buf = AppendBuffers.copy(records);
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
            producerState.onAppended(buf, active);
            for (int pos = 0; pos < buf.limit(); pos += RecordBatchHeader.totalSize(buf, pos)) {
                noteEpoch(RecordBatchHeader.leaderEpoch(buf, pos), RecordBatchHeader.baseOffset(buf, pos));
                next = RecordBatchHeader.lastOffset(buf, pos) + 1;
            }
            logEndOffset = next;
        } catch (IOException e) {
            return failedAppend("appending replicated data to", e);
        }
        health.appended();
        return new AppendResult.Appended(first, next - 1, -1, logStartOffset, false);
    }

    /**
     * Drops every record at or above {@code offset} (a follower cutting a tail the new leader does not have).
     * The high watermark, recovery point, epoch cache and producer state follow. Whole segments above the cut are
     * retired (a fetch holding a slice of one keeps reading it); the segment holding the cut is truncated in place,
     * as Kafka does: only a follower's read of the cut tail can overlap it, and CRCs catch what it reads there.
     */
    public synchronized void truncateTo(long offset) {
        if (offset >= logEndOffset) {
            // No record to drop, but maybe an empty epoch: a leader that noted its epoch start (assignEpochStart)
            // and was replaced before appending anything. The new leader never had that epoch, so keeping it would
            // make every fetch diverge at this same offset again, forever (Kafka truncates its epoch cache here too).
            if (epochs.truncateFromEnd(logEndOffset)) {
                flusher.syncMetadataInBackground(); // the epoch checkpoint
            }
            return;
        }
        long target = Math.max(offset, logStartOffset);
        long nowMs = clock.millis();
        try {
            long dueMs = nowMs + config.fileDeleteDelayMs();
            while (segments.count() > 1 && segments.active().baseOffset >= target) {
                segments.retire(segments.active(), dueMs);
            }
            Segment remaining = segments.active();
            if (remaining.baseOffset >= target) {
                segments.replaceActiveWithEmpty(remaining, target, config.indexIntervalBytes(), nowMs, dueMs);
            } else {
                remaining.truncateTo(target);
            }
            long oldEnd = logEndOffset;
            logEndOffset = segments.active().nextOffset();
            highWatermark = Math.min(highWatermark, logEndOffset);
            epochs.truncateFromEnd(logEndOffset);
            flusher.truncated(logEndOffset, false);
            // The cut may have removed markers: transactions they ended are open again. Kafka's way: from the newest
            // snapshot at or below the new end, replay what follows it.
            LogLoader.restoreState(dir, topicPartition.toString(), segments, logEndOffset, epochs, true, producerState, nowMs);
            producerState.onHighWatermark(highWatermark);
            log.info("Truncated {} from log end offset {} to {}", topicPartition, oldEnd, logEndOffset);
        } catch (IOException e) {
            health.failed("truncating " + topicPartition, e);
        }
    }

    /** Empties the log and restarts it at {@code offset} (a follower far behind a leader's log start). */
    public synchronized void truncateFullyAndStartAt(long offset) {
        long nowMs = clock.millis();
        try {
            long dueMs = nowMs + config.fileDeleteDelayMs();
            for (Segment s : segments.inactive()) {
                segments.retire(s, dueMs);
            }
            segments.replaceActiveWithEmpty(segments.active(), offset, config.indexIntervalBytes(), nowMs, dueMs);
            logStartOffset = offset;
            logEndOffset = offset;
            highWatermark = offset;
            epochs.clear();
            producerState.clear();
            flusher.truncated(offset, true);
            ProducerSnapshots.deleteOutside(dir, Long.MAX_VALUE, Long.MAX_VALUE);
            log.info("Truncated {} fully; it restarts at offset {}", topicPartition, offset);
        } catch (IOException e) {
            health.failed("truncating " + topicPartition, e);
        }
    }

    /** Notes an append in {@code epoch} starting at {@code startOffset}; the checkpoint file follows a new epoch. */
    private void noteEpoch(int epoch, long startOffset) {
        if (epochs.assign(epoch, startOffset)) {
            flusher.syncMetadataInBackground(); // the epoch checkpoint
        }
    }

    /**
     * A new leader records its epoch as starting at its log end offset before it appends anything in it, so a
     * follower that fetched a newer tail from an older leader learns where to truncate.
     */
    public synchronized void assignEpochStart(int epoch) {
        noteEpoch(epoch, logEndOffset);
    }

    /** The newest leader epoch in the log, or -1 when the log holds no batch. Takes no lock. */
    public int latestEpoch() {
        return epochs.latestEpoch();
    }

    /**
     * For {@code epoch}: the largest epoch in the log not above it, and the first offset of the next higher epoch
     * (the log end offset when {@code epoch} is the latest); UNDEFINED when {@code epoch} is newer than the log.
     * Takes no lock (the follower fetch path calls it on the event loop).
     */
    public EpochEndOffset endOffsetForEpoch(int epoch) {
        long end = logEndOffset; // before the epochs: an append notes a new epoch before it publishes its end
        return epochs.endOffsetFor(epoch, end);
    }

    /** Where a follower whose log diverges after {@code leaderEpoch} truncates: see {@link LeaderEpochCache}. */
    public long divergenceTruncationOffset(int leaderEpoch, long leaderEndOffset) {
        long end = logEndOffset;
        return epochs.divergenceTruncationOffset(leaderEpoch, leaderEndOffset, end);
    }

    /** Offset up to which the log is known to be fsynced. */
    long recoveryPoint() {
        return flusher.recoveryPoint();
    }

    /** A read of the log's own files failed: the disk, unless the files were closed under it (stopping, deleted). */
    void failedRead(String doing, IOException e) {
        if (!(e instanceof java.nio.channels.ClosedChannelException)) {
            health.failed(doing, e);
        }
    }

    /** First record with timestamp >= {@code timestampMs}; empty when none. */
    public Optional<TimestampOffset> offsetForTimestamp(long timestampMs) {
        try {
            return reader.offsetForTimestamp(timestampMs, logStartOffset);
        } catch (IOException e) {
            failedRead("searching " + topicPartition + " by timestamp", e);
            throw new UncheckedIOException("searching " + topicPartition + " by timestamp", e);
        }
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
    public void forEachRecord(Consumer<BatchRecords.KeyValue> action, UnreadableBatch unreadable) {
        try {
            reader.forEachRecord(action, unreadable, logStartOffset);
        } catch (IOException e) {
            failedRead("reading " + topicPartition, e);
            throw new UncheckedIOException("reading " + topicPartition, e);
        }
    }

    /** The record with the largest timestamp (earliest offset among equals); empty when the log is empty. */
    public Optional<TimestampOffset> maxTimestamp() {
        try {
            return reader.maxTimestamp();
        } catch (IOException e) {
            failedRead("finding the max timestamp of " + topicPartition, e);
            throw new UncheckedIOException("finding the max timestamp of " + topicPartition, e);
        }
    }

    /**
     * Moves the log start offset up to {@code offset} (DeleteRecords); whole segments below it are removed.
     * Returns the new log start offset; throws IllegalArgumentException when offset > high watermark.
     */
    public synchronized long deleteRecordsBefore(long offset) {
        if (offset > highWatermark) {
            throw new IllegalArgumentException("offset " + offset + " is above the high watermark " + highWatermark);
        }
        if (offset > logStartOffset) {
            logStartOffset = offset;
            deleteSegmentsBelowStart(clock.millis());
        }
        return logStartOffset;
    }

    private void deleteSegmentsBelowStart(long nowMs) {
        try {
            if (logStartOffset == logEndOffset && !segments.active().isEmpty()) {
                roll(nowMs);
            }
            while (segments.count() > 1 && segments.first().nextOffset() <= logStartOffset) {
                removeOldest(nowMs, "below the log start offset");
            }
        } catch (IOException e) {
            health.failed("removing segments of " + topicPartition, e);
        }
    }

    /** Retires the oldest segment (retention, DeleteRecords); the log start offset moves past it. */
    private void removeOldest(long nowMs, String reason) throws IOException {
        Segment s = segments.first();
        log.info("Removing segment {} of {} ({} bytes, offsets below {}): {}", s.baseOffset, topicPartition,
                s.committedSizeBytes(), s.nextOffset(), reason);
        segments.retire(s, nowMs + config.fileDeleteDelayMs());
        logStartOffset = Math.max(logStartOffset, segments.firstBaseOffset());
    }

    /** Size of all segments, bytes. */
    public long sizeBytes() {
        return segments.sizeBytes();
    }

    /** Number of segments (tests, DescribeLogDirs). */
    public int segmentCount() {
        return segments.count();
    }

    public LogConfig config() {
        return config;
    }

    /** Applies altered topic configs (takes effect at the next append / maintenance pass). */
    public void updateConfig(LogConfig config) {
        this.config = config;
    }

    /**
     * Time-based roll, retention, flush.ms and deferred file deletion; called periodically by LogManager on its
     * maintenance thread. The flush and the deletions run after the lock is released.
     */
    public void maintain(long nowMs) {
        if (health.isOffline() || closed) {
            return;
        }
        if (maintainLocked(nowMs)) {
            try {
                flusher.flushUpTo(logEndOffset, nowMs);
            } catch (IOException e) {
                health.failed("fsyncing " + topicPartition, e); // the flusher took it offline already: one ERROR line
            }
        }
        segments.deleteDue(nowMs);
        snapshots.deleteUnneeded(segments, flusher.recoveryPoint());
    }

    /** The part of maintenance that changes the segment list; returns whether flush.ms calls for a flush. */
    private synchronized boolean maintainLocked(long nowMs) {
        if (closed) {
            return false; // deleted (or closed) since maintain() looked
        }
        LogConfig cfg = config;
        try {
            Segment active = segments.active();
            if (!active.isEmpty() && nowMs - active.createdMs() > cfg.segmentMs()) {
                roll(nowMs);
            }
            if (cfg.delete()) {
                applyRetention(cfg, nowMs);
            }
        } catch (IOException e) {
            if (DiskFaults.isNoSpace(e)) {
                // A time-based roll found no room for the new segment's files: the next pass tries again.
                health.full("rolling " + topicPartition, e);
            } else {
                health.failed("maintaining " + topicPartition, e);
            }
            return false;
        }
        producerState.removeExpired(nowMs);
        producerState.onHighWatermark(highWatermark);
        return nowMs - flusher.lastFlushMs() >= cfg.flushMs() && flusher.recoveryPoint() < logEndOffset;
    }

    /** Retires the oldest segments past retention.ms or beyond retention.bytes, never above the high watermark. */
    private void applyRetention(LogConfig cfg, long nowMs) throws IOException {
        if (cfg.retentionMs() >= 0) {
            boolean allExpired = segments.all().stream().allMatch(s -> isExpired(s, cfg, nowMs));
            if (allExpired && !segments.active().isEmpty()) {
                roll(nowMs);
            }
            while (segments.count() > 1 && isExpired(segments.first(), cfg, nowMs) && segments.first().nextOffset() <= highWatermark) {
                removeOldest(nowMs, "retention.ms " + cfg.retentionMs());
            }
        }
        if (cfg.retentionBytes() >= 0) {
            while (segments.count() > 1 && segments.sizeBytes() - segments.first().committedSizeBytes() >= cfg.retentionBytes()
                    && segments.first().nextOffset() <= highWatermark) {
                removeOldest(nowMs, "retention.bytes " + cfg.retentionBytes());
            }
        }
    }

    private static boolean isExpired(Segment s, LogConfig cfg, long nowMs) {
        return !s.isEmpty() && s.maxTimestampMs() >= 0 && nowMs - s.maxTimestampMs() > cfg.retentionMs();
    }

    /** fsyncs everything appended so far and moves the recovery point; an I/O error takes the directory offline. */
    public void flush() {
        try {
            flusher.flushUpTo(logEndOffset, clock.millis());
        } catch (IOException e) {
            throw new UncheckedIOException("flushing " + topicPartition, e);
        }
    }

    /** The batch the scrubber found damaged while this replica leads, or null. */
    public LogScrubber.DamagedBatch damagedBatch() {
        return damaged;
    }

    /** A damaged batch was found in this leader's copy: reads stop before it (see {@link #read}). */
    public void markDamaged(LogScrubber.DamagedBatch d) {
        damaged = d;
    }

    /**
     * Cuts the log at the damaged batch {@code d} (a follower's copy; a leader's once it has become a follower):
     * the segment holding it is truncated at its position and every later segment is retired, so the replica fetches
     * the rest from its leader again. The cut is made by file position, reading no header at or past it, which may be
     * the damaged one. Nothing happens when the segment left the log meanwhile (the damage went with it).
     */
    public synchronized void truncateAtDamage(LogScrubber.DamagedBatch d) {
        damaged = null;
        Segment holder = segments.get(d.segmentBase());
        if (holder == null || !holder.logFile().equals(d.file())) {
            log.info("The damaged segment {} of {} left the log meanwhile; nothing to cut", d.file(), topicPartition);
            return;
        }
        long nowMs = clock.millis();
        try {
            long dueMs = nowMs + config.fileDeleteDelayMs();
            while (segments.active() != holder) {
                segments.retire(segments.active(), dueMs);
            }
            long oldEnd = logEndOffset;
            holder.truncateAtPosition(d.position());
            logEndOffset = holder.nextOffset();
            if (logEndOffset < logStartOffset) {
                logStartOffset = logEndOffset;
            }
            highWatermark = Math.min(highWatermark, logEndOffset);
            epochs.truncateFromEnd(logEndOffset);
            flusher.segmentsChanged();
            flusher.truncated(logEndOffset, false);
            // As truncateTo: the producers' state (open transactions too) from the newest snapshot below the cut.
            LogLoader.restoreState(dir, topicPartition.toString(), segments, logEndOffset, epochs, true, producerState, nowMs);
            producerState.onHighWatermark(highWatermark);
            log.warn("Cut {} at its damaged batch: log end offset {} -> {}; the rest is fetched from the leader again",
                    topicPartition, oldEnd, logEndOffset);
        } catch (IOException e) {
            health.failed("truncating " + topicPartition + " at a damaged batch", e);
        }
    }

    /** The leader-epoch cache (the scrubber checks batch epochs against it). */
    LeaderEpochCache epochCache() {
        return epochs;
    }

    /** Every live segment, oldest first (a snapshot; the scrubber's input, tests). */
    List<Segment> allSegments() {
        return List.copyOf(segments.all());
    }

    /** Segments below the active one (a snapshot; the cleaner's input). */
    List<Segment> inactiveSegments() {
        return segments.inactive();
    }

    long cleanedUpTo() {
        return cleanedUpTo;
    }

    void markCleanedUpTo(long offset) {
        cleanedUpTo = Math.max(cleanedUpTo, offset);
    }

    /** Producer id -> its last data batch and epoch (a snapshot: compaction keeps those, and a producer's last marker). */
    synchronized Map<Long, io.sluice.brokerd.producer.ProducerStateManager.LastRecord> producerLastRecords() {
        return producerState.lastRecords();
    }

    /**
     * The first offset of the oldest transaction that is open or whose marker is not yet below the high watermark,
     * -1 when none: compaction stops below it. Takes no lock.
     */
    long firstUnstableOffset() {
        return producerState.firstUnstableOffset(highWatermark);
    }

    /** The aborted transactions overlapping {@code [fetchOffset, upperOffset)} (the cleaner drops their records). */
    List<AbortedTxn> abortedTransactions(long fetchOffset, long upperOffset) {
        return reader.abortedTransactions(fetchOffset, upperOffset);
    }

    /**
     * Replaces {@code old} by its compacted copy {@code X.log.cleaned} (steps in {@link LogCleaner}'s javadoc).
     * Returns false, discarding the copy, when the segment left the log meanwhile (retention, DeleteRecords, a
     * follower's truncation).
     * <p>
     * The slow parts run without the log's lock, which appends and follower fetches take: the copy is CRC-checked and
     * indexed (a read of the whole file) and fsynced before, each directory fsync after, a renaming step. The lock is
     * held only for the membership check and the renames of each step. Between the two steps the segment may leave the
     * log; {@link LogSegments#retire} then deletes the {@code .swap} copy, so that recovery cannot bring the segment
     * back, and the second step sees it gone.
     */
    boolean swapIn(Segment old, Path cleaned, long nowMs, LogCleaner.StepHook hook) throws IOException {
        Segment fresh = segments.openCleaned(old.baseOffset, config.indexIntervalBytes(), nowMs);
        boolean installed = false;
        boolean crashed = true;
        try {
            fresh.flush();
            synchronized (this) {
                if (segments.get(old.baseOffset) != old) {
                    crashed = false;
                    return false;
                }
                fresh.renameTo(".swap");
            }
            Checkpoints.fsyncDir(dir);
            hook.after("swap-renamed");
            synchronized (this) {
                if (segments.get(old.baseOffset) != old) {
                    crashed = false;
                    return false;
                }
                old.markDeleted();
                hook.after("old-marked-deleted");
                fresh.renameTo("");
                segments.replace(old, fresh, nowMs + config.fileDeleteDelayMs());
                installed = true;
            }
            Checkpoints.fsyncDir(dir);
            hook.after("swapped");
            crashed = false;
            return true;
        } finally {
            if (!installed) {
                if (crashed) {
                    fresh.close(); // a failure (or a test's simulated crash): the files stay for recovery to judge
                } else {
                    fresh.deleteFiles();
                }
            }
        }
    }

    /**
     * Closes the files without flushing or any bookkeeping: what a crash leaves behind (tests; a log directory gone
     * offline, {@link LogManager#releaseOfflineLogs}).
     */
    synchronized void abandon() {
        closed = true;
        flusher.close();
        segments.closeLive();
    }

    /**
     * The log is being deleted (its directory is renamed next): nothing is maintained, flushed or appended any more,
     * and a failure from now on is not the disk's (the files move under it). Reads already under way go on from the
     * open files until {@link #closeDeleted}.
     */
    synchronized void retire() {
        closed = true;
        flusher.close();
    }

    /** Closes every file, those awaiting deletion too, without flushing: the log itself was deleted. */
    synchronized void closeDeleted() {
        closed = true;
        flusher.close();
        segments.closeAll();
    }

    /** Whether an I/O error took this log's directory offline. */
    public boolean isFailed() {
        return health.isOffline();
    }

    Path dir() {
        return dir;
    }

    /**
     * Flushes (unless the directory is offline) and closes every file, even when the flush fails (then it throws
     * afterwards); background fsyncs still queued then do nothing.
     */
    @Override
    public void close() {
        RuntimeException failure = null;
        if (!health.isOffline()) {
            try {
                flush();
            } catch (RuntimeException e) {
                failure = e;
            }
        }
        try {
            synchronized (this) {
                if (!health.isOffline()) {
                    snapshots.writeAtShutdown(logEndOffset, producerState.snapshotBytes());
                }
                closed = true;
                flusher.close();
                segments.closeLive();
            }
            segments.deleteDue(Long.MAX_VALUE);
        } catch (RuntimeException e) {
            if (failure == null) {
                throw e;
            }
            failure.addSuppressed(e);
        }
        if (failure != null) {
            throw failure;
        }
    }
}
