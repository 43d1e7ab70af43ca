package io.sluice.brokerd.txn;

import io.sluice.brokerd.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * The coordinator's state of one transactional id, and the rules of every request that changes it, as Kafka's
 * TransactionCoordinator and TransactionMetadata apply them (transaction version 1; the states in {@link TxnState}).
 * A change is made in two steps, because it must be written to {@code __transaction_state} before it holds: a
 * {@code prepare*} method checks the request and returns an {@link Outcome} whose {@link Outcome#toWrite} the
 * coordinator appends (while it is pending, other requests get CONCURRENT_TRANSACTIONS), then
 * {@link #completeTransition} applies it once written, or {@link #abortTransition} drops it when the write failed.
 * <pre>
 *   request                 state                          answer / transition written
 *   InitProducerId          idle (Empty, Complete*)        epoch + 1 -> EMPTY (a new producer id once the epoch is
 *                                                          exhausted; the same epoch again for a KIP-360 retry of a
 *                                                          bump whose answer was lost)
 *                           ONGOING                        epoch + 1 -> PREPARE_ABORT, answer CONCURRENT_TRANSACTIONS
 *                                                          (the client retries once the abort completed: fencing)
 *                           PREPARE_*                      CONCURRENT_TRANSACTIONS
 *   AddPartitionsToTxn      idle, ONGOING                  -> ONGOING with the partitions added (nothing written
 *                                                          when all are in already); PREPARE_* CONCURRENT_TRANSACTIONS
 *   EndTxn(commit|abort)    ONGOING                        -> PREPARE_COMMIT | PREPARE_ABORT, then markers
 *                           COMPLETE_COMMIT|ABORT          NONE for a retry of the same outcome, else INVALID_TXN_STATE
 *                           PREPARE_COMMIT|ABORT           CONCURRENT_TRANSACTIONS for the same, else INVALID_TXN_STATE
 *                           EMPTY                          INVALID_TXN_STATE
 *   markers all written     PREPARE_COMMIT|ABORT           -> COMPLETE_COMMIT|ABORT, partitions cleared
 *   transaction.timeout.ms  ONGOING, started too long ago  epoch + 1 -> PREPARE_ABORT (the producer is fenced)
 *   transactional.id.       idle, unchanged for that long  -> DEAD (a tombstone)
 *   expiration.ms
 * </pre>
 * Every request naming another producer id gets INVALID_PRODUCER_ID_MAPPING, another epoch PRODUCER_FENCED.
 * <p>
 * Not thread-safe: the coordinator holds this object's monitor around each prepare and completion.
 */
public final class TransactionMetadata {
    public static final short NO_EPOCH = -1;
    public static final long NO_PRODUCER_ID = -1;

    /**
     * The answer to a request: {@code error}, and the transition to write first ({@code toWrite}, null when nothing
     * is to be written). An error may come with a transition: InitProducerId during a transaction aborts it and
     * answers CONCURRENT_TRANSACTIONS.
     */
    public record Outcome(Errors error, TxnRecord toWrite) {
        static Outcome error(Errors e) {
            return new Outcome(e, null);
        }
    }

    private final String transactionalId;
    private TxnRecord current;
    /** The epoch before the last bump by InitProducerId, kept in memory only, as Kafka does (KIP-360 retries). */
    private short lastProducerEpoch = NO_EPOCH;
    /** The producer id before the last rotation (epoch exhaustion), in memory only. */
    private long previousProducerId = NO_PRODUCER_ID;
    private TxnRecord pending;
    private short pendingLastProducerEpoch;
    private long pendingPreviousProducerId;

    private TransactionMetadata(String transactionalId, TxnRecord current) {
        this.transactionalId = transactionalId;
        this.current = current;
    }

    /** A transactional id seen for the first time: EMPTY, with {@code producerId} and no epoch yet. */
    public static TransactionMetadata create(String transactionalId, long producerId, int txnTimeoutMs, long nowMs) {
        return new TransactionMetadata(transactionalId, new TxnRecord(producerId, NO_EPOCH, txnTimeoutMs, TxnState.EMPTY,
                Set.of(), nowMs, -1));
    }

    /** An id as its latest {@code __transaction_state} record left it (the coordinator's load). */
    public static TransactionMetadata loaded(String transactionalId, TxnRecord record) {
        return new TransactionMetadata(transactionalId, record);
    }

    public String transactionalId() {
        return transactionalId;
    }

    /** The state as written. */
    public TxnRecord current() {
        return current;
    }

    /** Whether a transition awaits its write. */
    public boolean hasPendingTransition() {
        return pending != null;
    }

    // ---------------------------------------------------------------- InitProducerId

    /**
     * InitProducerId with this transactional id, {@code expectedProducerId}/{@code expectedEpoch} those the client
     * has (KIP-360; -1 when it has none); {@code newProducerIds} hands out a fresh id when the epoch is exhausted.
     */
    public Outcome prepareInitProducerId(int txnTimeoutMs, long expectedProducerId, short expectedEpoch,
                                         LongSupplier newProducerIds, long nowMs) {
        if (pending != null) {
            return Outcome.error(Errors.CONCURRENT_TRANSACTIONS);
        }
        boolean expected = expectedProducerId != NO_PRODUCER_ID;
        if (expected && !isValidProducerId(expectedProducerId, expectedEpoch)) {
            return Outcome.error(Errors.PRODUCER_FENCED);
        }
        TxnRecord c = current;
        return switch (c.state()) {
            case PREPARE_COMMIT, PREPARE_ABORT -> Outcome.error(Errors.CONCURRENT_TRANSACTIONS);
            case ONGOING -> new Outcome(Errors.CONCURRENT_TRANSACTIONS, prepare(fencedAbort(c, nowMs), NO_EPOCH, previousProducerId));
            case DEAD, PREPARE_EPOCH_FENCE -> Outcome.error(Errors.INVALID_PRODUCER_ID_MAPPING);
            case EMPTY, COMPLETE_COMMIT, COMPLETE_ABORT -> {
                if (isEpochExhausted(c.producerEpoch()) && (!expected || expectedEpoch == c.producerEpoch())) {
                    TxnRecord rotated = new TxnRecord(newProducerIds.getAsLong(), (short) 0, txnTimeoutMs, TxnState.EMPTY, Set.of(), nowMs, -1);
                    // With the client's id and epoch, the old epoch is remembered: a retry whose answer was lost
                    // gets the new id again (Kafka's prepareProducerIdRotation with recordLastEpoch).
                    yield new Outcome(Errors.NONE, prepare(rotated, expected ? c.producerEpoch() : NO_EPOCH, c.producerId()));
                }
                short epoch;
                short last;
                if (!expected) {
                    epoch = (short) (c.producerEpoch() + 1);
                    last = NO_EPOCH;
                } else if (c.producerEpoch() == NO_EPOCH || expectedEpoch == c.producerEpoch()) {
                    epoch = (short) (c.producerEpoch() + 1);
                    last = c.producerEpoch();
                } else if (expectedEpoch == lastProducerEpoch) {
                    epoch = c.producerEpoch(); // a retry of the bump that already happened
                    last = lastProducerEpoch;
                } else {
                    yield Outcome.error(Errors.PRODUCER_FENCED);
                }
                TxnRecord bumped = new TxnRecord(c.producerId(), epoch, txnTimeoutMs, TxnState.EMPTY, Set.of(), nowMs, -1);
                yield new Outcome(Errors.NONE, prepare(bumped, last, previousProducerId));
            }
        };
    }

    private boolean isValidProducerId(long producerId, short epoch) {
        return current.producerEpoch() == NO_EPOCH || producerId == current.producerId()
                || (producerId == previousProducerId && isEpochExhausted(epoch));
    }

    /** Kafka's rule: an epoch this high cannot be bumped by InitProducerId (one more is kept for fencing). */
    static boolean isEpochExhausted(short epoch) {
        return epoch >= Short.MAX_VALUE - 1;
    }

    /** The transaction in progress aborted with the epoch bumped: its producer is fenced. */
    private static TxnRecord fencedAbort(TxnRecord c, long nowMs) {
        short epoch = c.producerEpoch() == Short.MAX_VALUE ? c.producerEpoch() : (short) (c.producerEpoch() + 1);
        return new TxnRecord(c.producerId(), epoch, c.txnTimeoutMs(), TxnState.PREPARE_ABORT, c.partitions(), nowMs, c.startMs());
    }

    // ---------------------------------------------------------------- AddPartitionsToTxn, AddOffsetsToTxn

    /** AddPartitionsToTxn (and AddOffsetsToTxn, with the group's offsets partition). */
    public Outcome prepareAddPartitions(long producerId, short epoch, Set<TopicPartition> partitions, long nowMs) {
        Errors check = checkProducer(producerId, epoch);
        if (check != Errors.NONE) {
            return Outcome.error(check);
        }
        TxnRecord c = current;
        if (c.state() == TxnState.PREPARE_COMMIT || c.state() == TxnState.PREPARE_ABORT) {
            return Outcome.error(Errors.CONCURRENT_TRANSACTIONS);
        }
        if (c.state() == TxnState.DEAD || c.state() == TxnState.PREPARE_EPOCH_FENCE) {
            return Outcome.error(Errors.INVALID_PRODUCER_ID_MAPPING);
        }
        if (c.state() == TxnState.ONGOING && c.partitions().containsAll(partitions)) {
            return new Outcome(Errors.NONE, null);
        }
        Set<TopicPartition> all = new HashSet<>(c.partitions());
        all.addAll(partitions);
        long startMs = c.state() == TxnState.ONGOING ? c.startMs() : nowMs;
        return new Outcome(Errors.NONE, prepare(new TxnRecord(c.producerId(), c.producerEpoch(), c.txnTimeoutMs(), TxnState.ONGOING,
                all, nowMs, startMs), lastProducerEpoch, previousProducerId));
    }

    /**
     * KIP-890's check for a partition leader (AddPartitionsToTxn with verifyOnly): per partition NONE when the
     * producer's transaction in progress includes it, else INVALID_TXN_STATE; a wrong producer or a transaction
     * being completed answers every partition the same way. Writes nothing.
     */
    public Map<TopicPartition, Errors> verify(long producerId, short epoch, Set<TopicPartition> partitions) {
        Errors check = checkProducer(producerId, epoch);
        TxnRecord c = current;
        if (check == Errors.NONE && (c.state() == TxnState.PREPARE_COMMIT || c.state() == TxnState.PREPARE_ABORT)) {
            check = Errors.CONCURRENT_TRANSACTIONS;
        }
        Map<TopicPartition, Errors> out = new java.util.HashMap<>();
        for (TopicPartition tp : partitions) {
            out.put(tp, check != Errors.NONE ? check
                    : c.state() == TxnState.ONGOING && c.partitions().contains(tp) ? Errors.NONE : Errors.INVALID_TXN_STATE);
        }
        return out;
    }

    private Errors checkProducer(long producerId, short epoch) {
        if (producerId != current.producerId()) {
            return Errors.INVALID_PRODUCER_ID_MAPPING;
        }
        if (epoch != current.producerEpoch()) {
            return Errors.PRODUCER_FENCED;
        }
        return pending != null ? Errors.CONCURRENT_TRANSACTIONS : Errors.NONE;
    }

    // ---------------------------------------------------------------- EndTxn, markers, timeouts, expiry

    /** EndTxn from the client. */
    public Outcome prepareEndTxn(long producerId, short epoch, boolean commit, long nowMs) {
        Errors check = checkProducer(producerId, epoch);
        if (check != Errors.NONE) {
            return Outcome.error(check);
        }
        TxnRecord c = current;
        return switch (c.state()) {
            case ONGOING -> new Outcome(Errors.NONE, prepare(new TxnRecord(c.producerId(), c.producerEpoch(), c.txnTimeoutMs(),
                    commit ? TxnState.PREPARE_COMMIT : TxnState.PREPARE_ABORT, c.partitions(), nowMs, c.startMs()),
                    lastProducerEpoch, previousProducerId));
            case COMPLETE_COMMIT -> Outcome.error(commit ? Errors.NONE : Errors.INVALID_TXN_STATE);
            case COMPLETE_ABORT -> Outcome.error(commit ? Errors.INVALID_TXN_STATE : Errors.NONE);
            case PREPARE_COMMIT -> Outcome.error(commit ? Errors.CONCURRENT_TRANSACTIONS : Errors.INVALID_TXN_STATE);
            case PREPARE_ABORT -> Outcome.error(commit ? Errors.INVALID_TXN_STATE : Errors.CONCURRENT_TRANSACTIONS);
            case EMPTY -> Outcome.error(Errors.INVALID_TXN_STATE);
            case DEAD, PREPARE_EPOCH_FENCE -> Outcome.error(Errors.INVALID_PRODUCER_ID_MAPPING);
        };
    }

    /** Every marker of the prepared outcome is written: PREPARE_COMMIT|ABORT -> COMPLETE_COMMIT|ABORT. */
    public Outcome prepareComplete(long nowMs) {
        TxnRecord c = current;
        if (pending != null || (c.state() != TxnState.PREPARE_COMMIT && c.state() != TxnState.PREPARE_ABORT)) {
            return Outcome.error(pending != null ? Errors.CONCURRENT_TRANSACTIONS : Errors.INVALID_TXN_STATE);
        }
        TxnState next = c.state() == TxnState.PREPARE_COMMIT ? TxnState.COMPLETE_COMMIT : TxnState.COMPLETE_ABORT;
        return new Outcome(Errors.NONE, prepare(new TxnRecord(c.producerId(), c.producerEpoch(), c.txnTimeoutMs(), next, Set.of(),
                nowMs, c.startMs()), lastProducerEpoch, previousProducerId));
    }

    /** Whether the transaction in progress outlived its timeout at {@code nowMs}. */
    public boolean isExpired(long nowMs) {
        TxnRecord c = current;
        return pending == null && c.state() == TxnState.ONGOING && c.startMs() >= 0 && nowMs - c.startMs() > c.txnTimeoutMs();
    }

    /** The proactive abort of an expired transaction: the epoch is bumped, so its producer is fenced. */
    public Outcome prepareAbortExpired(long nowMs) {
        if (!isExpired(nowMs)) {
            return Outcome.error(Errors.INVALID_TXN_STATE);
        }
        return new Outcome(Errors.NONE, prepare(fencedAbort(current, nowMs), NO_EPOCH, previousProducerId));
    }

    /** Whether the id has been idle for {@code expirationMs} at {@code nowMs} (transactional.id.expiration.ms). */
    public boolean isIdExpired(long nowMs, long expirationMs) {
        return pending == null && current.state().isIdle() && nowMs - current.lastUpdateMs() > expirationMs;
    }

    /** The id expires: DEAD, written as a tombstone. */
    public Outcome prepareDead(long nowMs, long expirationMs) {
        if (!isIdExpired(nowMs, expirationMs)) {
            return Outcome.error(Errors.INVALID_TXN_STATE);
        }
        TxnRecord c = current;
        return new Outcome(Errors.NONE, prepare(new TxnRecord(c.producerId(), c.producerEpoch(), c.txnTimeoutMs(), TxnState.DEAD,
                Set.of(), nowMs, -1), lastProducerEpoch, previousProducerId));
    }

    // ---------------------------------------------------------------- the two-step change

    private TxnRecord prepare(TxnRecord next, short nextLastEpoch, long nextPreviousProducerId) {
        if (!next.state().validPrevious().contains(current.state())) {
            throw new IllegalStateException(transactionalId + ": no transition from " + current.state() + " to " + next.state());
        }
        pending = next;
        pendingLastProducerEpoch = nextLastEpoch;
        pendingPreviousProducerId = nextPreviousProducerId;
        return next;
    }

    /** {@code written}, the pending transition, is in the log: it holds now. */
    public void completeTransition(TxnRecord written) {
        if (pending == null || pending != written) {
            throw new IllegalStateException(transactionalId + ": completing " + written + " but pending is " + pending);
        }
        current = pending;
        lastProducerEpoch = pendingLastProducerEpoch;
        previousProducerId = pendingPreviousProducerId;
        pending = null;
    }

    /** The write of the pending transition failed: nothing changed. */
    public void abortTransition() {
        pending = null;
    }
}
