package io.sluice.brokerd.txn;

import java.util.EnumSet;
import java.util.Set;

/**
 * The state of a transactional id at its coordinator, with Kafka's ids (the {@code TransactionStatus} stored in
 * {@code __transaction_state}) and the states each may be entered from:
 * <pre>
 *   state               id  entered from                                      on
 *   EMPTY                0  (new id), EMPTY, COMPLETE_COMMIT, COMPLETE_ABORT   InitProducerId (epoch bump)
 *   ONGOING              1  EMPTY, ONGOING, COMPLETE_COMMIT, COMPLETE_ABORT    AddPartitionsToTxn, AddOffsetsToTxn
 *   PREPARE_COMMIT       2  ONGOING                                            EndTxn(commit)
 *   PREPARE_ABORT        3  ONGOING, PREPARE_EPOCH_FENCE, EMPTY (KIP-890)      EndTxn(abort), timeout, fencing
 *   COMPLETE_COMMIT      4  PREPARE_COMMIT                                     every COMMIT marker written
 *   COMPLETE_ABORT       5  PREPARE_ABORT                                      every ABORT marker written
 *   DEAD                 6  EMPTY, COMPLETE_COMMIT, COMPLETE_ABORT             transactional.id.expiration.ms
 *   PREPARE_EPOCH_FENCE  7  ONGOING                                            InitProducerId during a transaction
 * </pre>
 * Immutable.
 */
public enum TxnState {
    EMPTY(0),
    ONGOING(1),
    PREPARE_COMMIT(2),
    PREPARE_ABORT(3),
    COMPLETE_COMMIT(4),
    COMPLETE_ABORT(5),
    DEAD(6),
    PREPARE_EPOCH_FENCE(7);

    /** The id stored in the log and shown by DescribeTransactions. */
    public final byte id;

    TxnState(int id) {
        this.id = (byte) id;
    }

    /** The states this one may be entered from (see the class comment). */
    Set<TxnState> validPrevious() {
        return switch (this) {
            case EMPTY -> EnumSet.of(EMPTY, COMPLETE_COMMIT, COMPLETE_ABORT);
            case ONGOING -> EnumSet.of(EMPTY, ONGOING, COMPLETE_COMMIT, COMPLETE_ABORT);
            case PREPARE_COMMIT -> EnumSet.of(ONGOING);
            case PREPARE_ABORT -> EnumSet.of(ONGOING, PREPARE_EPOCH_FENCE, EMPTY);
            case COMPLETE_COMMIT -> EnumSet.of(PREPARE_COMMIT);
            case COMPLETE_ABORT -> EnumSet.of(PREPARE_ABORT);
            case DEAD -> EnumSet.of(EMPTY, COMPLETE_COMMIT, COMPLETE_ABORT);
            case PREPARE_EPOCH_FENCE -> EnumSet.of(ONGOING);
        };
    }

    /** Whether no transaction is in progress: a new one may begin. */
    boolean isIdle() {
        return this == EMPTY || this == COMPLETE_COMMIT || this == COMPLETE_ABORT;
    }

    /** The state with Kafka id {@code id}; IllegalArgumentException for an unknown one. */
    static TxnState fromId(byte id) {
        for (TxnState s : values()) {
            if (s.id == id) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown transaction state id " + id);
    }

    /** The name DescribeTransactions and ListTransactions use (Kafka's). */
    public String protocolName() {
        return switch (this) {
            case EMPTY -> "Empty";
            case ONGOING -> "Ongoing";
            case PREPARE_COMMIT -> "PrepareCommit";
            case PREPARE_ABORT -> "PrepareAbort";
            case COMPLETE_COMMIT -> "CompleteCommit";
            case COMPLETE_ABORT -> "CompleteAbort";
            case DEAD -> "Dead";
            case PREPARE_EPOCH_FENCE -> "PrepareEpochFence";
        };
    }
}
