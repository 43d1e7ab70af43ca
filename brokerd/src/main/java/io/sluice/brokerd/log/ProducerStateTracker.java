package io.sluice.brokerd.log;

import io.sluice.brokerd.producer.ProducerStateManager;
import io.sluice.brokerd.producer.ProducerStateManager.CompletedTxn;
import io.sluice.brokerd.producer.SequenceCheck;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The log's side of producer state: it reads the producer fields of batch headers (and the marker inside control
 * batches) and feeds them to {@link ProducerStateManager}, keeps the {@code .txnindex} of the segment a marker lands
 * in, and tracks what bounds the last stable offset (LSO). Every batch the log gains passes {@link #onAppended}
 * (leader and follower appends, and the replay of the log when it opens or a follower truncates).
 * <p>
 * The LSO, as Kafka defines it: the first offset of the oldest transaction that is still open, or whose marker is
 * not yet below the high watermark (a marker not yet replicated may be lost with the leader, and the transaction
 * reopened), capped by the high watermark and never below the log start:
 * <pre>
 *   offsets:  ...  [txn A open from 100 ..........]  [B from 130, ABORT at 180]  HW 200  LEO 230
 *   LSO = 100 (A is open); once A's COMMIT at 220 is below the HW, LSO = HW
 * </pre>
 * The transactions that bound it are published as one immutable array after each change, so READ_COMMITTED fetches
 * compute the LSO without the log's lock. An ABORT of a transaction with data here adds an entry to the
 * {@code .txnindex} of the segment holding the marker, with the LSO of that moment (Kafka's layout).
 * <p>
 * Not thread-safe but for {@link #lastStableOffset}: the owning log calls the rest under its lock.
 */
final class ProducerStateTracker {
    private static final long[] NONE = new long[0];
    private final ProducerStateManager producers;
    /** Completed transactions whose marker may not be replicated yet: first offset -> marker offset. */
    private final TreeMap<Long, Long> unreplicated = new TreeMap<>();
    /**
     * Pairs (first offset, marker offset or Long.MAX_VALUE while open) of the transactions that may bound the LSO,
     * sorted by first offset. Immutable; replaced on each change.
     */
    private volatile long[] unstable = NONE;

    ProducerStateTracker(long producerIdExpirationMs) {
        this.producers = new ProducerStateManager(producerIdExpirationMs);
    }

    /**
     * Checks the producer batches among {@code batches} (v2 batches from position 0 to the limit) against the known
     * state: Accept when all may be appended; Duplicate only when the request is that single batch (a retry,
     * answered with its original offsets); Reject otherwise, also for a multi-batch request that repeats a batch. A
     * transactional batch that would open a transaction must carry the guard of a verification still pending
     * ({@code guard} null: none is required, the coordinator wrote the batch itself or verification is off);
     * {@code checkSequence} is false for the coordinators' own transactional writes, which have no sequence.
     */
    SequenceCheck check(ByteBuffer batches, int batchCount, VerificationGuard guard, boolean checkSequence) {
        for (int pos = 0; pos < batches.limit(); pos += RecordBatchHeader.totalSize(batches, pos)) {
            long pid = RecordBatchHeader.producerId(batches, pos);
            if (pid < 0) {
                continue;
            }
            short epoch = RecordBatchHeader.producerEpoch(batches, pos);
            boolean transactional = RecordBatchHeader.isTransactional(batches, pos);
            SequenceCheck c = producers.check(pid, epoch, RecordBatchHeader.baseSequence(batches, pos),
                    RecordBatchHeader.lastSequence(batches, pos), transactional, checkSequence);
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
            if (transactional && guard != null && !producers.hasOngoingTransaction(pid, epoch)
                    && !producers.isVerified(pid, epoch, guard.token)) {
                return new SequenceCheck.Reject(SequenceCheck.Reason.INVALID_TXN_STATE, "the transaction of producer " + pid
                        + " epoch " + epoch + " was not verified to include this partition (or ended meanwhile)");
            }
        }
        return new SequenceCheck.Accept();
    }

    /** See {@link ProducerStateManager#checkMarker}. */
    SequenceCheck checkMarker(long producerId, short producerEpoch, int coordinatorEpoch) {
        return producers.checkMarker(producerId, producerEpoch, coordinatorEpoch);
    }

    /** See {@link ProducerStateManager#beginVerification}. */
    VerificationGuard beginVerification(long producerId, short producerEpoch, long nowMs) {
        Object token = producers.beginVerification(producerId, producerEpoch, nowMs);
        return token == null ? VerificationGuard.NOT_NEEDED : new VerificationGuard(token);
    }

    /**
     * Records every batch of {@code batches} (position 0 to the limit, offsets assigned, all of them now in
     * {@code segment}) that has a producer id; markers end transactions and an aborted one goes to the segment's
     * {@code .txnindex}.
     */
    void onAppended(ByteBuffer batches, Segment segment) throws IOException {
        boolean changed = false;
        for (int pos = 0; pos < batches.limit(); pos += RecordBatchHeader.totalSize(batches, pos)) {
            changed |= onBatch(batches, pos, segment);
        }
        if (changed) {
            publish();
        }
    }

    /**
     * Records one batch at {@code pos}: its header at least, the whole batch when it is a control batch. Returns
     * true when a transaction opened or ended (the caller then {@link #publish}es).
     */
    boolean onBatch(ByteBuffer buf, int pos, Segment segment) throws IOException {
        long pid = RecordBatchHeader.producerId(buf, pos);
        if (pid < 0) {
            return false;
        }
        short epoch = RecordBatchHeader.producerEpoch(buf, pos);
        if (RecordBatchHeader.isControl(buf, pos)) {
            ControlRecords.Marker marker = ControlRecords.read(buf, pos);
            if (!marker.isTxnMarker()) {
                return false; // an emptied (compacted) marker: its transaction is gone from the log
            }
            long offset = RecordBatchHeader.baseOffset(buf, pos);
            CompletedTxn done = producers.onMarker(pid, epoch, marker.coordinatorEpoch(), offset,
                    marker.type() == ControlRecords.COMMIT, RecordBatchHeader.maxTimestamp(buf, pos));
            if (done == null) {
                return false;
            }
            if (done.aborted()) {
                Map.Entry<Long, Long> oldestOpen = producers.ongoingTransactions().firstEntry();
                long lso = oldestOpen == null ? done.lastOffset() + 1 : oldestOpen.getKey();
                segment.txnIndex().append(new AbortedTxn(pid, done.firstOffset(), done.lastOffset(), lso));
            }
            unreplicated.put(done.firstOffset(), done.lastOffset());
            return true;
        }
        return producers.onAppended(pid, epoch, RecordBatchHeader.baseSequence(buf, pos), RecordBatchHeader.lastSequence(buf, pos),
                RecordBatchHeader.baseOffset(buf, pos), RecordBatchHeader.lastOffset(buf, pos),
                RecordBatchHeader.maxTimestamp(buf, pos), RecordBatchHeader.isTransactional(buf, pos));
    }

    /** Publishes the transactions that bound the LSO (after {@link #onBatch} reported a change). */
    void publish() {
        List<long[]> pairs = new ArrayList<>();
        producers.ongoingTransactions().keySet().forEach(first -> pairs.add(new long[]{first, Long.MAX_VALUE}));
        unreplicated.forEach((first, last) -> pairs.add(new long[]{first, last}));
        pairs.sort((a, b) -> Long.compare(a[0], b[0]));
        long[] flat = new long[pairs.size() * 2];
        for (int i = 0; i < pairs.size(); i++) {
            flat[2 * i] = pairs.get(i)[0];
            flat[2 * i + 1] = pairs.get(i)[1];
        }
        unstable = flat;
    }

    /** Forgets completed transactions whose marker is below {@code highWatermark}: they no longer bound the LSO. */
    void onHighWatermark(long highWatermark) {
        if (!unreplicated.isEmpty() && unreplicated.values().removeIf(last -> last < highWatermark)) {
            publish();
        }
    }

    /** The LSO for {@code highWatermark} and {@code logStartOffset} (see the class comment). Takes no lock. */
    long lastStableOffset(long highWatermark, long logStartOffset) {
        long[] u = unstable;
        for (int i = 0; i < u.length; i += 2) {
            if (u[i + 1] >= highWatermark) {
                return Math.max(logStartOffset, Math.min(u[i], highWatermark));
            }
        }
        return highWatermark;
    }

    /**
     * The first offset of the oldest transaction still open or whose marker is not below {@code highWatermark}, or -1
     * when none (the cleaner stops below it).
     */
    long firstUnstableOffset(long highWatermark) {
        long[] u = unstable;
        for (int i = 0; i < u.length; i += 2) {
            if (u[i + 1] >= highWatermark) {
                return u[i];
            }
        }
        return -1;
    }

    /** The first offset of the oldest open transaction, or -1. */
    long firstUndecidedOffset() {
        Map.Entry<Long, Long> first = producers.ongoingTransactions().firstEntry();
        return first == null ? -1 : first.getKey();
    }

    /** The state as of now in Kafka's snapshot format. */
    byte[] snapshotBytes() {
        return ProducerSnapshots.encode(producers.snapshot());
    }

    /** Replaces the state by a snapshot's (see {@link ProducerStateManager#load}). */
    void load(List<ProducerStateManager.SnapshotEntry> entries, long nowMs) {
        unreplicated.clear();
        producers.load(entries, nowMs);
        publish();
    }

    /** Forgets everything (the log starts over, or is about to be replayed). */
    void clear() {
        unreplicated.clear();
        producers.clear();
        publish();
    }

    /** Forgets producers silent for longer than the expiration, unless their transaction is open. */
    void removeExpired(long nowMs) {
        producers.removeExpired(nowMs);
    }

    /** Producer id -> last offset of its newest batch (the batches compaction keeps; see ProducerStateManager). */
    Map<Long, Long> lastOffsets() {
        return producers.lastOffsets();
    }

    /** Producer id -> last data batch and epoch (compaction keeps those, and a producer's last marker). */
    Map<Long, ProducerStateManager.LastRecord> lastRecords() {
        return producers.lastRecords();
    }

    /** Every producer (DescribeProducers). */
    List<ProducerStateManager.ProducerView> views() {
        return producers.views();
    }

    /** Producers tracked (tests). */
    int producerCount() {
        return producers.producerCount();
    }
}
