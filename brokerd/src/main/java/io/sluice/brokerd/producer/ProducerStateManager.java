package io.sluice.brokerd.producer;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * Producer state of one partition, as Apache Kafka's broker keeps it (its ProducerStateManager and ProducerAppendInfo):
 * per producer id its epoch, the sequence and offset ranges of its last five data batches (to drop a retried
 * duplicate, answered with the original offsets, and to refuse a sequence gap), the epoch of the transaction
 * coordinator that wrote its last marker, and the first offset of its open transaction; across producers the open
 * transactions in offset order.
 * <p>
 * Transactions, per producer:
 * <pre>
 *   no open txn --transactional batch at offset F--> open txn (first offset F)
 *   open txn    --COMMIT or ABORT marker at M-------> no open txn; CompletedTxn(F, M) when the txn held data here
 *   open txn    --non-transactional batch----------> refused INVALID_TXN_STATE
 * </pre>
 * A marker is refused when its producer epoch is older than the producer's (INVALID_PRODUCER_EPOCH) or its
 * coordinator epoch older than the last marker's (TRANSACTION_COORDINATOR_FENCED); one that would change nothing (no
 * open transaction, same producer epoch, a coordinator epoch not newer) is a retry of a marker already written and
 * is not appended again. The first transactional batch of a transaction must carry the verification guard that the
 * partition leader got from {@link #beginVerification} before it asked the coordinator whether the transaction
 * includes the partition (KIP-890); a marker in between clears the guard, so a late batch of an ended transaction
 * cannot open a transaction nobody will end.
 * <p>
 * Not thread-safe: the owning log calls it (through {@code log.ProducerStateTracker}) under its lock.
 */
public final class ProducerStateManager {
    /** Batches remembered per producer: the Java client keeps at most five in flight. */
    static final int CACHED_BATCHES = 5;
    public static final short NO_EPOCH = -1;

    /** A transaction whose marker was appended; {@code firstOffset} of its first batch here, {@code lastOffset} the marker's. */
    public record CompletedTxn(long producerId, long firstOffset, long lastOffset, boolean aborted) {
    }

    /**
     * One producer as a snapshot file holds it (Kafka's entry): its last data batch ({@code lastOffset} -1 when none,
     * {@code offsetDelta} its last minus first offset), its newest timestamp and coordinator epoch, and the first
     * offset of its open transaction (-1 when none).
     */
    public record SnapshotEntry(long producerId, short epoch, int lastSequence, long lastOffset, int offsetDelta,
                                long timestampMs, int coordinatorEpoch, long currentTxnFirstOffset) {
    }

    /** A producer as DescribeProducers shows it. */
    public record ProducerView(long producerId, short epoch, int lastSequence, long lastTimestampMs, int coordinatorEpoch,
                               long currentTxnStartOffset) {
    }

    /** The last data batch of a producer ({@code lastDataOffset} -1 when none) and its epoch: what compaction keeps. */
    public record LastRecord(long lastDataOffset, short epoch) {
    }

    /** What is known about one producer id. */
    private static final class Entry {
        short epoch = NO_EPOCH;
        int coordinatorEpoch = -1;
        long lastTimestampMs = -1;
        long currentTxnFirstOffset = -1;
        /** Handed out by {@link #beginVerification}; null when none is pending. */
        Object verificationGuard;
        short verificationEpoch;
        long verificationStartedMs;
        final Deque<BatchMeta> batches = new ArrayDeque<>(CACHED_BATCHES);
    }

    private record BatchMeta(int firstSeq, int lastSeq, long firstOffset, long lastOffset) {
    }

    private final long producerIdExpirationMs;
    private final Map<Long, Entry> producers = new HashMap<>();
    /** Open transactions: first offset -> producer id. */
    private final TreeMap<Long, Long> ongoing = new TreeMap<>();

    public ProducerStateManager(long producerIdExpirationMs) {
        this.producerIdExpirationMs = producerIdExpirationMs;
    }

    /** Checks a data batch from a producer (producerId >= 0) against the known state. */
    public SequenceCheck check(long producerId, short producerEpoch, int baseSequence, int lastSequence) {
        return check(producerId, producerEpoch, baseSequence, lastSequence, false, true);
    }

    /**
     * Checks a data batch from producer {@code producerId}: its epoch, whether it fits the producer's transaction and,
     * when {@code checkSequence} (client appends; the coordinators write without sequences), its sequence.
     */
    public SequenceCheck check(long producerId, short producerEpoch, int baseSequence, int lastSequence,
                               boolean transactional, boolean checkSequence) {
        Entry e = producers.get(producerId);
        if (e == null) {
            // Unknown producer: its state may have gone with retention, so Kafka accepts any sequence here.
            return new SequenceCheck.Accept();
        }
        if (producerEpoch < e.epoch) {
            return new SequenceCheck.Reject(SequenceCheck.Reason.INVALID_PRODUCER_EPOCH,
                    "producer " + producerId + " epoch " + producerEpoch + " is older than the current epoch " + e.epoch);
        }
        SequenceCheck sequence = checkSequence ? checkSequence(e, producerId, producerEpoch, baseSequence, lastSequence)
                : new SequenceCheck.Accept();
        if (sequence instanceof SequenceCheck.Accept && e.currentTxnFirstOffset >= 0 && !transactional) {
            return new SequenceCheck.Reject(SequenceCheck.Reason.INVALID_TXN_STATE, "producer " + producerId
                    + " sent a non-transactional batch while its transaction (from offset " + e.currentTxnFirstOffset + ") is open");
        }
        return sequence;
    }

    private static SequenceCheck checkSequence(Entry e, long producerId, short producerEpoch, int baseSequence, int lastSequence) {
        if (producerEpoch > e.epoch) {
            if (baseSequence != 0 && e.epoch != NO_EPOCH) {
                return new SequenceCheck.Reject(SequenceCheck.Reason.OUT_OF_ORDER_SEQUENCE_NUMBER,
                        "producer " + producerId + " started epoch " + producerEpoch + " at sequence " + baseSequence + ", expected 0");
            }
            return new SequenceCheck.Accept();
        }
        for (BatchMeta b : e.batches) {
            if (b.firstSeq == baseSequence && b.lastSeq == lastSequence) {
                return new SequenceCheck.Duplicate(b.firstOffset, b.lastOffset);
            }
        }
        if (e.batches.isEmpty()) {
            return new SequenceCheck.Accept();
        }
        int lastSeq = e.batches.peekLast().lastSeq;
        int expected = lastSeq == Integer.MAX_VALUE ? 0 : lastSeq + 1;
        if (baseSequence != expected) {
            return new SequenceCheck.Reject(SequenceCheck.Reason.OUT_OF_ORDER_SEQUENCE_NUMBER,
                    "producer " + producerId + " sent sequence " + baseSequence + " but the next expected is " + expected);
        }
        return new SequenceCheck.Accept();
    }

    /**
     * Records an appended data batch (also when replaying the log or copying it as a follower). A transactional batch
     * of a producer without an open transaction opens one at {@code firstOffset}; returns true then.
     */
    public boolean onAppended(long producerId, short producerEpoch, int baseSequence, int lastSequence,
                              long firstOffset, long lastOffset, long maxTimestampMs, boolean transactional) {
        Entry e = producers.computeIfAbsent(producerId, id -> new Entry());
        maybeNewEpoch(e, producerEpoch);
        if (e.batches.size() == CACHED_BATCHES) {
            e.batches.removeFirst();
        }
        e.batches.addLast(new BatchMeta(baseSequence, lastSequence, firstOffset, lastOffset));
        e.lastTimestampMs = Math.max(e.lastTimestampMs, maxTimestampMs);
        if (transactional) {
            e.verificationGuard = null;
            if (e.currentTxnFirstOffset < 0) {
                e.currentTxnFirstOffset = firstOffset;
                ongoing.put(firstOffset, producerId);
                return true;
            }
        }
        return false;
    }

    /** As above for a batch that is not transactional. */
    public void onAppended(long producerId, short producerEpoch, int baseSequence, int lastSequence,
                           long firstOffset, long lastOffset, long maxTimestampMs) {
        onAppended(producerId, producerEpoch, baseSequence, lastSequence, firstOffset, lastOffset, maxTimestampMs, false);
    }

    private static void maybeNewEpoch(Entry e, short epoch) {
        if (epoch != e.epoch) {
            e.batches.clear();
            e.epoch = epoch;
        }
    }

    /**
     * Checks a COMMIT or ABORT marker of the transaction coordinator (coordinator epoch {@code coordinatorEpoch}):
     * Accept, Reject, or Duplicate (offsets -1) when it would change nothing: a retry of a marker already written.
     */
    public SequenceCheck checkMarker(long producerId, short producerEpoch, int coordinatorEpoch) {
        Entry e = producers.get(producerId);
        if (e == null) {
            return new SequenceCheck.Accept();
        }
        if (coordinatorEpoch < e.coordinatorEpoch) {
            return new SequenceCheck.Reject(SequenceCheck.Reason.TRANSACTION_COORDINATOR_FENCED, "a marker of coordinator epoch "
                    + coordinatorEpoch + " for producer " + producerId + " is older than coordinator epoch " + e.coordinatorEpoch);
        }
        if (producerEpoch < e.epoch) {
            return new SequenceCheck.Reject(SequenceCheck.Reason.INVALID_PRODUCER_EPOCH, "a marker of producer " + producerId
                    + " epoch " + producerEpoch + " is older than the current epoch " + e.epoch);
        }
        if (e.currentTxnFirstOffset < 0 && producerEpoch == e.epoch) {
            return new SequenceCheck.Duplicate(-1, -1);
        }
        return new SequenceCheck.Accept();
    }

    /**
     * Records a marker appended at {@code offset}: the producer's transaction ends. Returns the completed transaction
     * when it held data in this partition, else null (an empty transaction changes neither the last stable offset nor
     * the aborted-transaction index).
     */
    public CompletedTxn onMarker(long producerId, short producerEpoch, int coordinatorEpoch, long offset, boolean commit,
                                 long timestampMs) {
        Entry e = producers.computeIfAbsent(producerId, id -> new Entry());
        CompletedTxn completed = null;
        if (e.currentTxnFirstOffset >= 0) {
            completed = new CompletedTxn(producerId, e.currentTxnFirstOffset, offset, !commit);
            ongoing.remove(e.currentTxnFirstOffset);
        }
        maybeNewEpoch(e, producerEpoch);
        e.coordinatorEpoch = coordinatorEpoch;
        e.lastTimestampMs = Math.max(e.lastTimestampMs, timestampMs);
        e.currentTxnFirstOffset = -1;
        e.verificationGuard = null;
        return completed;
    }

    // ---------------------------------------------------------------- KIP-890 verification

    /** Whether {@code producerId} has a transaction open here in {@code producerEpoch} (its batches need no verification). */
    public boolean hasOngoingTransaction(long producerId, short producerEpoch) {
        Entry e = producers.get(producerId);
        return e != null && e.currentTxnFirstOffset >= 0 && e.epoch == producerEpoch;
    }

    /**
     * Starts the verification of a transactional append by {@code producerId}: null when the producer's transaction is
     * already open here (nothing to verify), else the guard its append must carry (the same one while a verification
     * of this epoch is pending).
     */
    public Object beginVerification(long producerId, short producerEpoch, long nowMs) {
        if (hasOngoingTransaction(producerId, producerEpoch)) {
            return null;
        }
        Entry e = producers.computeIfAbsent(producerId, id -> new Entry());
        if (e.verificationGuard == null || e.verificationEpoch != producerEpoch) {
            e.verificationGuard = new Object();
            e.verificationEpoch = producerEpoch;
            e.verificationStartedMs = nowMs;
        }
        return e.verificationGuard;
    }

    /** Whether {@code guard} is the pending verification of {@code producerId} (a marker or a newer epoch voids it). */
    public boolean isVerified(long producerId, short producerEpoch, Object guard) {
        Entry e = producers.get(producerId);
        return guard != null && e != null && e.verificationGuard == guard && e.verificationEpoch == producerEpoch;
    }

    // ---------------------------------------------------------------- views, expiry, snapshots

    /** Open transactions: first offset -> producer id (a read-only view, changing with this state). */
    public NavigableMap<Long, Long> ongoingTransactions() {
        return java.util.Collections.unmodifiableNavigableMap(ongoing);
    }

    /**
     * Drops producers whose last batch is older than the expiration and that have no open transaction, and
     * verification guards older than it.
     */
    public void removeExpired(long nowMs) {
        producers.values().removeIf(e -> e.currentTxnFirstOffset < 0 && nowMs - e.lastTimestampMs > producerIdExpirationMs
                && (e.verificationGuard == null || nowMs - e.verificationStartedMs > producerIdExpirationMs));
        for (Entry e : producers.values()) {
            if (e.verificationGuard != null && nowMs - e.verificationStartedMs > producerIdExpirationMs) {
                e.verificationGuard = null;
            }
        }
    }

    /** Forgets everything (the log starts over, or is replayed from a snapshot). */
    public void clear() {
        producers.clear();
        ongoing.clear();
    }

    /** Every producer as a snapshot file stores it (only its last data batch). */
    public List<SnapshotEntry> snapshot() {
        List<SnapshotEntry> out = new ArrayList<>(producers.size());
        producers.forEach((id, e) -> {
            BatchMeta last = e.batches.peekLast();
            out.add(new SnapshotEntry(id, e.epoch, last == null ? -1 : last.lastSeq, last == null ? -1 : last.lastOffset,
                    last == null ? 0 : (int) (last.lastOffset - last.firstOffset), e.lastTimestampMs, e.coordinatorEpoch,
                    e.currentTxnFirstOffset));
        });
        out.sort(Comparator.comparingLong(SnapshotEntry::producerId));
        return out;
    }

    /** Replaces the state by a snapshot's entries, but for producers expired at {@code nowMs} without an open transaction. */
    public void load(List<SnapshotEntry> entries, long nowMs) {
        clear();
        for (SnapshotEntry s : entries) {
            if (s.currentTxnFirstOffset() < 0 && nowMs - s.timestampMs() > producerIdExpirationMs) {
                continue;
            }
            Entry e = new Entry();
            e.epoch = s.epoch();
            e.coordinatorEpoch = s.coordinatorEpoch();
            e.lastTimestampMs = s.timestampMs();
            e.currentTxnFirstOffset = s.currentTxnFirstOffset();
            if (s.lastOffset() >= 0) {
                int firstSeq = s.lastSequence() < 0 ? s.lastSequence() : (int) Math.floorMod((long) s.lastSequence() - s.offsetDelta(), (long) Integer.MAX_VALUE + 1);
                e.batches.add(new BatchMeta(firstSeq, s.lastSequence(), s.lastOffset() - s.offsetDelta(), s.lastOffset()));
            }
            producers.put(s.producerId(), e);
            if (e.currentTxnFirstOffset >= 0) {
                ongoing.put(e.currentTxnFirstOffset, s.producerId());
            }
        }
    }

    /** Producer id -> its last data batch and epoch, for every producer tracked (the batches compaction keeps). */
    public Map<Long, LastRecord> lastRecords() {
        Map<Long, LastRecord> out = new HashMap<>();
        producers.forEach((id, e) -> out.put(id, new LastRecord(e.batches.isEmpty() ? -1 : e.batches.peekLast().lastOffset, e.epoch)));
        return out;
    }

    /** Producer id -> last offset of its newest data batch, for every producer that has one. */
    public Map<Long, Long> lastOffsets() {
        Map<Long, Long> out = new HashMap<>();
        producers.forEach((id, e) -> {
            if (!e.batches.isEmpty()) {
                out.put(id, e.batches.peekLast().lastOffset);
            }
        });
        return out;
    }

    /** Every producer, by id (DescribeProducers). */
    public List<ProducerView> views() {
        List<ProducerView> out = new ArrayList<>(producers.size());
        producers.forEach((id, e) -> out.add(new ProducerView(id, e.epoch,
                e.batches.isEmpty() ? -1 : e.batches.peekLast().lastSeq, e.lastTimestampMs, e.coordinatorEpoch, e.currentTxnFirstOffset)));
        out.sort(Comparator.comparingLong(ProducerView::producerId));
        return out;
    }

    /** Number of producers tracked (tests, metrics). */
    public int producerCount() {
        return producers.size();
    }
}
