package io.sluice.brokerd.txn;

import io.sluice.brokerd.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** The coordinator's rules for one transactional id, driven with explicit times (no clock, no sleeps). */
@Timeout(10)
class TransactionMetadataTest {
    private static final TopicPartition A = new TopicPartition("a", 0);
    private static final TopicPartition B = new TopicPartition("b", 3);
    private final AtomicLong ids = new AtomicLong(500);

    /** Prepares, "writes" and completes: the answer's error. */
    private static Errors apply(TransactionMetadata m, TransactionMetadata.Outcome o) {
        if (o.toWrite() != null) {
            m.completeTransition(o.toWrite());
        }
        return o.error();
    }

    private TransactionMetadata initialised(long nowMs) {
        TransactionMetadata m = TransactionMetadata.create("tx", 100, 60_000, nowMs);
        assertThat(apply(m, m.prepareInitProducerId(60_000, -1, (short) -1, ids::getAndIncrement, nowMs))).isEqualTo(Errors.NONE);
        assertThat(m.current().producerEpoch()).isZero();
        assertThat(m.current().state()).isEqualTo(TxnState.EMPTY);
        return m;
    }

    @Test
    void aCommittedTransactionGoesThroughPrepareCommitToCompleteCommit() {
        TransactionMetadata m = initialised(1_000);
        assertThat(apply(m, m.prepareAddPartitions(100, (short) 0, Set.of(A), 2_000))).isEqualTo(Errors.NONE);
        assertThat(m.current().state()).isEqualTo(TxnState.ONGOING);
        assertThat(m.current().startMs()).isEqualTo(2_000);
        TransactionMetadata.Outcome again = m.prepareAddPartitions(100, (short) 0, Set.of(A), 2_500);
        assertThat(again.toWrite()).as("nothing new to write").isNull();
        assertThat(apply(m, m.prepareAddPartitions(100, (short) 0, Set.of(B), 3_000))).isEqualTo(Errors.NONE);
        assertThat(m.current().partitions()).containsExactlyInAnyOrder(A, B);
        assertThat(m.current().startMs()).as("the transaction started with its first partition").isEqualTo(2_000);

        TransactionMetadata.Outcome end = m.prepareEndTxn(100, (short) 0, true, 4_000);
        assertThat(end.toWrite().state()).isEqualTo(TxnState.PREPARE_COMMIT);
        assertThat(m.prepareAddPartitions(100, (short) 0, Set.of(A), 4_000).error())
                .as("while the write is pending").isEqualTo(Errors.CONCURRENT_TRANSACTIONS);
        m.completeTransition(end.toWrite());
        assertThat(m.prepareEndTxn(100, (short) 0, true, 4_100).error()).as("a retry while markers go out")
                .isEqualTo(Errors.CONCURRENT_TRANSACTIONS);
        assertThat(m.prepareEndTxn(100, (short) 0, false, 4_100).error()).isEqualTo(Errors.INVALID_TXN_STATE);
        assertThat(apply(m, m.prepareComplete(5_000))).isEqualTo(Errors.NONE);
        assertThat(m.current().state()).isEqualTo(TxnState.COMPLETE_COMMIT);
        assertThat(m.current().partitions()).isEmpty();
        assertThat(m.prepareEndTxn(100, (short) 0, true, 5_100).error()).as("a retry after completion").isEqualTo(Errors.NONE);
        assertThat(m.prepareEndTxn(100, (short) 0, false, 5_100).error()).isEqualTo(Errors.INVALID_TXN_STATE);
        assertThat(m.prepareEndTxn(100, (short) 0, true, 5_100).toWrite()).isNull();
    }

    @Test
    void aFailedWriteChangesNothing() {
        TransactionMetadata m = initialised(1_000);
        TransactionMetadata.Outcome add = m.prepareAddPartitions(100, (short) 0, Set.of(A), 2_000);
        m.abortTransition();
        assertThat(m.current().state()).isEqualTo(TxnState.EMPTY);
        assertThat(m.hasPendingTransition()).isFalse();
        assertThat(add.toWrite().state()).isEqualTo(TxnState.ONGOING);
    }

    @Test
    void wrongProducersAreFencedAndEndingNothingIsRefused() {
        TransactionMetadata m = initialised(1_000);
        assertThat(m.prepareEndTxn(100, (short) 0, true, 2_000).error()).isEqualTo(Errors.INVALID_TXN_STATE);
        assertThat(m.prepareAddPartitions(101, (short) 0, Set.of(A), 2_000).error()).isEqualTo(Errors.INVALID_PRODUCER_ID_MAPPING);
        assertThat(m.prepareAddPartitions(100, (short) 1, Set.of(A), 2_000).error()).isEqualTo(Errors.PRODUCER_FENCED);
        assertThat(m.prepareEndTxn(100, (short) -1, false, 2_000).error()).isEqualTo(Errors.PRODUCER_FENCED);
    }

    @Test
    void initProducerIdDuringATransactionAbortsItWithABumpedEpochAndTheZombieIsFenced() {
        TransactionMetadata m = initialised(1_000);
        apply(m, m.prepareAddPartitions(100, (short) 0, Set.of(A), 2_000));
        TransactionMetadata.Outcome fence = m.prepareInitProducerId(60_000, -1, (short) -1, ids::getAndIncrement, 3_000);
        assertThat(fence.error()).as("the new producer retries once the abort completed").isEqualTo(Errors.CONCURRENT_TRANSACTIONS);
        assertThat(fence.toWrite().state()).isEqualTo(TxnState.PREPARE_ABORT);
        assertThat(fence.toWrite().producerEpoch()).isEqualTo((short) 1);
        assertThat(fence.toWrite().partitions()).containsExactly(A);
        m.completeTransition(fence.toWrite());
        assertThat(m.prepareEndTxn(100, (short) 0, true, 3_100).error()).as("the zombie").isEqualTo(Errors.PRODUCER_FENCED);
        assertThat(m.prepareInitProducerId(60_000, -1, (short) -1, ids::getAndIncrement, 3_200).error())
                .isEqualTo(Errors.CONCURRENT_TRANSACTIONS);
        apply(m, m.prepareComplete(3_300));
        assertThat(apply(m, m.prepareInitProducerId(60_000, -1, (short) -1, ids::getAndIncrement, 3_400))).isEqualTo(Errors.NONE);
        assertThat(m.current().producerEpoch()).isEqualTo((short) 2);
        assertThat(m.current().state()).isEqualTo(TxnState.EMPTY);
    }

    @Test
    void kip360RetriesWithTheCurrentIdAndEpochBumpOnceAndAStaleEpochIsFenced() {
        TransactionMetadata m = initialised(1_000);
        assertThat(apply(m, m.prepareInitProducerId(60_000, 100, (short) 0, ids::getAndIncrement, 2_000))).isEqualTo(Errors.NONE);
        assertThat(m.current().producerEpoch()).isEqualTo((short) 1);
        assertThat(apply(m, m.prepareInitProducerId(60_000, 100, (short) 0, ids::getAndIncrement, 2_100)))
                .as("the answer to the first was lost: same epoch again").isEqualTo(Errors.NONE);
        assertThat(m.current().producerEpoch()).isEqualTo((short) 1);
        assertThat(m.prepareInitProducerId(60_000, 100, (short) 7, ids::getAndIncrement, 2_200).error()).isEqualTo(Errors.PRODUCER_FENCED);
        assertThat(m.prepareInitProducerId(60_000, 99, (short) 1, ids::getAndIncrement, 2_200).error()).isEqualTo(Errors.PRODUCER_FENCED);
    }

    @Test
    void anExhaustedEpochRotatesToANewProducerId() {
        TransactionMetadata m = TransactionMetadata.loaded("tx", new TxnRecord(100, (short) (Short.MAX_VALUE - 1), 60_000,
                TxnState.COMPLETE_COMMIT, Set.of(), 1_000, 900));
        short exhausted = (short) (Short.MAX_VALUE - 1);
        assertThat(apply(m, m.prepareInitProducerId(60_000, 100, exhausted, ids::getAndIncrement, 2_000))).isEqualTo(Errors.NONE);
        assertThat(m.current().producerId()).isEqualTo(500);
        assertThat(m.current().producerEpoch()).isZero();
        assertThat(apply(m, m.prepareInitProducerId(60_000, 100, exhausted, ids::getAndIncrement, 2_100)))
                .as("the old id with its exhausted epoch may retry (its answer was lost)").isEqualTo(Errors.NONE);
        assertThat(m.current().producerId()).isEqualTo(500);
        assertThat(m.current().producerEpoch()).as("no second bump").isZero();
        assertThat(m.prepareInitProducerId(60_000, 100, (short) 5, ids::getAndIncrement, 2_200).error()).isEqualTo(Errors.PRODUCER_FENCED);
    }

    @Test
    void anExpiredTransactionIsAbortedWithTheEpochBumpedAndAnIdleIdExpires() {
        TransactionMetadata m = initialised(1_000);
        apply(m, m.prepareAddPartitions(100, (short) 0, Set.of(A), 2_000));
        assertThat(m.isExpired(62_000)).isFalse();
        assertThat(m.isExpired(62_001)).isTrue();
        TransactionMetadata.Outcome abort = m.prepareAbortExpired(62_001);
        assertThat(abort.toWrite().state()).isEqualTo(TxnState.PREPARE_ABORT);
        assertThat(abort.toWrite().producerEpoch()).isEqualTo((short) 1);
        m.completeTransition(abort.toWrite());
        assertThat(m.prepareAddPartitions(100, (short) 0, Set.of(B), 62_100).error()).isEqualTo(Errors.PRODUCER_FENCED);
        apply(m, m.prepareComplete(62_200));
        assertThat(m.current().state()).isEqualTo(TxnState.COMPLETE_ABORT);

        long expirationMs = 7L * 24 * 3600 * 1000;
        assertThat(m.isIdExpired(62_200 + expirationMs, expirationMs)).isFalse();
        TransactionMetadata.Outcome dead = m.prepareDead(62_201 + expirationMs, expirationMs);
        assertThat(dead.toWrite().state()).isEqualTo(TxnState.DEAD);
    }

    @Test
    void verificationAnswersPerPartitionWithoutWriting() {
        TransactionMetadata m = initialised(1_000);
        apply(m, m.prepareAddPartitions(100, (short) 0, Set.of(A), 2_000));
        assertThat(m.verify(100, (short) 0, Set.of(A, B)))
                .containsEntry(A, Errors.NONE).containsEntry(B, Errors.INVALID_TXN_STATE);
        assertThat(m.verify(100, (short) 1, Set.of(A))).containsEntry(A, Errors.PRODUCER_FENCED);
        assertThat(m.verify(7, (short) 0, Set.of(A))).containsEntry(A, Errors.INVALID_PRODUCER_ID_MAPPING);
        assertThat(m.hasPendingTransition()).isFalse();
    }
}
