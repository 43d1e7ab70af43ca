package io.sluice.brokerd.txn;

import io.sluice.brokerd.common.TopicPartition;
import io.sluice.brokerd.coordinator.CoordinatorLog;
import io.sluice.brokerd.coordinator.CoordinatorWriteException;
import io.sluice.brokerd.log.RecordBatchBuilder;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/** The coordinator over an in-memory __transaction_state and a marker writer the test completes by hand. */
@Timeout(10)
class TransactionCoordinatorTest {
    private static final TopicPartition A = new TopicPartition("a", 0);
    private static final TopicPartition B = new TopicPartition("b", 1);
    private static final TransactionConfig CONFIG = new TransactionConfig(3, (short) 1, 1, 1024 * 1024, 60_000, 3_600_000, 1_000, true);

    /** One partition-log per partition: every appended record, in order; appends replicate at once unless failing. */
    static final class MemoryLog implements CoordinatorLog {
        final Map<Integer, List<RecordBatchBuilder.Entry>> records = new java.util.concurrent.ConcurrentHashMap<>();
        volatile CoordinatorWriteException failing;

        @Override
        public int partitionCount() {
            return 3;
        }

        @Override
        public CompletableFuture<Void> append(int partition, List<RecordBatchBuilder.Entry> entries, long nowMs) {
            if (failing != null) {
                throw failing;
            }
            records.computeIfAbsent(partition, p -> new java.util.concurrent.CopyOnWriteArrayList<>()).addAll(entries);
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public void forEachRecord(int partition, Replay replay) {
            List<RecordBatchBuilder.Entry> log = records.getOrDefault(partition, List.of());
            for (int i = 0; i < log.size(); i++) {
                replay.record(i, log.get(i).key(), log.get(i).value());
            }
        }
    }

    /** Remembers each request to write markers; the test completes them. */
    static final class Markers implements TxnMarkerWriter {
        final List<TxnMarkerWriter.Markers> requested = new ArrayList<>();
        final List<CompletableFuture<Void>> futures = new ArrayList<>();
        final List<BooleanSupplier> validity = new ArrayList<>();

        @Override
        public synchronized CompletableFuture<Void> write(TxnMarkerWriter.Markers markers, BooleanSupplier stillCoordinator) {
            requested.add(markers);
            validity.add(stillCoordinator);
            CompletableFuture<Void> f = new CompletableFuture<>();
            futures.add(f);
            return f;
        }
    }

    final MemoryLog stateLog = new MemoryLog();
    final Markers markers = new Markers();
    final AtomicLong producerIds = new AtomicLong(1000);
    final long nowMs = 1_000_000;
    TransactionCoordinator coordinator = newCoordinator();

    TransactionCoordinator newCoordinator() {
        return new TransactionCoordinator(CONFIG, stateLog, producerIds::getAndIncrement, markers,
                Clock.fixed(Instant.ofEpochMilli(nowMs), ZoneOffset.UTC), Runnable::run, Runnable::run);
    }

    void serveAll(TransactionCoordinator c, int epoch) {
        for (int p = 0; p < 3; p++) {
            c.becomeCoordinator(p, epoch);
        }
    }

    TransactionCoordinator.InitResult init(String id) {
        return coordinator.initProducerId(id, 30_000, -1, (short) -1, nowMs).join();
    }

    @Test
    void idsAreServedOnlyOnceTheirPartitionIsLoaded() {
        assertThat(init("tx").error()).isEqualTo(Errors.NOT_COORDINATOR);
        serveAll(coordinator, 5);
        TransactionCoordinator.InitResult r = init("tx");
        assertThat(r.error()).isEqualTo(Errors.NONE);
        assertThat(r.producerId()).isEqualTo(1000);
        assertThat(r.producerEpoch()).isZero();
        coordinator.resign(coordinator.partitionFor("tx"));
        assertThat(coordinator.endTxn("tx", 1000, (short) 0, true, nowMs).join()).isEqualTo(Errors.NOT_COORDINATOR);
    }

    @Test
    void aTimeoutAboveTheMaximumIsRefused() {
        serveAll(coordinator, 1);
        assertThat(coordinator.initProducerId("tx", 60_001, -1, (short) -1, nowMs).join().error())
                .isEqualTo(Errors.INVALID_TRANSACTION_TIMEOUT);
        assertThat(coordinator.initProducerId("tx", 0, -1, (short) -1, nowMs).join().error())
                .isEqualTo(Errors.INVALID_TRANSACTION_TIMEOUT);
        assertThat(coordinator.initProducerId("", 1_000, -1, (short) -1, nowMs).join().error()).isEqualTo(Errors.INVALID_REQUEST);
    }

    @Test
    void aCommitWritesPrepareThenMarkersWithTheCoordinatorEpochThenComplete() {
        serveAll(coordinator, 7);
        TransactionCoordinator.InitResult r = init("tx");
        assertThat(coordinator.addPartitions("tx", r.producerId(), r.producerEpoch(), Set.of(A, B), nowMs).join()).isEqualTo(Errors.NONE);
        assertThat(coordinator.verify("tx", r.producerId(), r.producerEpoch(), Set.of(A, new TopicPartition("c", 0))))
                .containsEntry(A, Errors.NONE).containsEntry(new TopicPartition("c", 0), Errors.INVALID_TXN_STATE);
        assertThat(coordinator.endTxn("tx", r.producerId(), r.producerEpoch(), true, nowMs).join()).isEqualTo(Errors.NONE);
        assertThat(coordinator.describe("tx").orElseThrow().state()).isEqualTo(TxnState.PREPARE_COMMIT);
        assertThat(markers.requested).singleElement().satisfies(m -> {
            assertThat(m.commit()).isTrue();
            assertThat(m.coordinatorEpoch()).isEqualTo(7);
            assertThat(m.partitions()).containsExactlyInAnyOrder(A, B);
            assertThat(m.producerId()).isEqualTo(r.producerId());
        });
        assertThat(coordinator.addPartitions("tx", r.producerId(), r.producerEpoch(), Set.of(A), nowMs).join())
                .as("a new transaction waits for the markers").isEqualTo(Errors.CONCURRENT_TRANSACTIONS);
        markers.futures.get(0).complete(null);
        assertThat(coordinator.describe("tx").orElseThrow().state()).isEqualTo(TxnState.COMPLETE_COMMIT);
        assertThat(coordinator.endTxn("tx", r.producerId(), r.producerEpoch(), true, nowMs).join()).as("a retried commit").isEqualTo(Errors.NONE);
        assertThat(lastState("tx")).isEqualTo(TxnState.COMPLETE_COMMIT);
    }

    @Test
    void aSecondInitFencesTheFirstProducerAndAbortsItsTransaction() {
        serveAll(coordinator, 1);
        TransactionCoordinator.InitResult first = init("tx");
        coordinator.addPartitions("tx", first.producerId(), first.producerEpoch(), Set.of(A), nowMs).join();
        assertThat(init("tx").error()).as("the open transaction is aborted first").isEqualTo(Errors.CONCURRENT_TRANSACTIONS);
        assertThat(markers.requested).singleElement().satisfies(m -> assertThat(m.commit()).isFalse());
        markers.futures.get(0).complete(null);
        TransactionCoordinator.InitResult second = init("tx");
        assertThat(second.error()).isEqualTo(Errors.NONE);
        assertThat(second.producerId()).isEqualTo(first.producerId());
        assertThat(second.producerEpoch()).isEqualTo((short) (first.producerEpoch() + 2));
        assertThat(coordinator.addPartitions("tx", first.producerId(), first.producerEpoch(), Set.of(A), nowMs).join())
                .isEqualTo(Errors.PRODUCER_FENCED);
        assertThat(coordinator.endTxn("tx", 4242, second.producerEpoch(), true, nowMs).join()).isEqualTo(Errors.INVALID_PRODUCER_ID_MAPPING);
        assertThat(coordinator.endTxn("unknown", 4242, (short) 0, true, nowMs).join()).isEqualTo(Errors.INVALID_PRODUCER_ID_MAPPING);
    }

    @Test
    void theTimerAbortsATransactionOpenPastItsTimeoutAndExpiresIdleIds() {
        serveAll(coordinator, 1);
        TransactionCoordinator.InitResult r = init("tx");
        coordinator.addPartitions("tx", r.producerId(), r.producerEpoch(), Set.of(A), nowMs).join();
        coordinator.poll(nowMs + 30_000);
        assertThat(markers.requested).as("not expired yet").isEmpty();
        coordinator.poll(nowMs + 30_001);
        assertThat(markers.requested).singleElement().satisfies(m -> {
            assertThat(m.commit()).isFalse();
            assertThat(m.producerEpoch()).as("the producer is fenced").isEqualTo((short) (r.producerEpoch() + 1));
        });
        markers.futures.get(0).complete(null);
        assertThat(coordinator.endTxn("tx", r.producerId(), r.producerEpoch(), true, nowMs).join()).isEqualTo(Errors.PRODUCER_FENCED);
        coordinator.poll(nowMs + 30_001 + CONFIG.idExpirationMs() + 1);
        assertThat(coordinator.describe("tx")).as("expired").isEmpty();
        assertThat(stateLog.records.get(coordinator.partitionFor("tx")).get(stateLog.records.get(coordinator.partitionFor("tx")).size() - 1)
                .value()).as("a tombstone").isNull();
    }

    @Test
    void aNewCoordinatorResumesThePreparedCommitFromTheLogWithItsOwnEpoch() {
        serveAll(coordinator, 1);
        TransactionCoordinator.InitResult r = init("tx");
        coordinator.addPartitions("tx", r.producerId(), r.producerEpoch(), Set.of(A), nowMs).join();
        coordinator.endTxn("tx", r.producerId(), r.producerEpoch(), true, nowMs).join();
        coordinator.resign(coordinator.partitionFor("tx"));
        assertThat(markers.validity.get(0).getAsBoolean()).as("the deposed coordinator's markers stop").isFalse();

        TransactionCoordinator successor = newCoordinator();
        serveAll(successor, 2);
        assertThat(markers.requested).hasSize(2);
        assertThat(markers.requested.get(1).coordinatorEpoch()).isEqualTo(2);
        assertThat(markers.requested.get(1).commit()).isTrue();
        markers.futures.get(1).complete(null);
        assertThat(successor.describe("tx").orElseThrow().state()).isEqualTo(TxnState.COMPLETE_COMMIT);
    }

    @Test
    void aFailedStateWriteChangesNothingAndAnswersTheCoordinatorError() {
        serveAll(coordinator, 1);
        TransactionCoordinator.InitResult r = init("tx");
        stateLog.failing = new CoordinatorWriteException(CoordinatorWriteException.Reason.NOT_ENOUGH_REPLICAS, "test");
        assertThat(coordinator.addPartitions("tx", r.producerId(), r.producerEpoch(), Set.of(A), nowMs).join())
                .isEqualTo(Errors.COORDINATOR_NOT_AVAILABLE);
        assertThat(coordinator.describe("tx").orElseThrow().state()).isEqualTo(TxnState.EMPTY);
        stateLog.failing = null;
        assertThat(coordinator.addPartitions("tx", r.producerId(), r.producerEpoch(), Set.of(A), nowMs).join()).isEqualTo(Errors.NONE);
    }

    private TxnState lastState(String id) {
        List<RecordBatchBuilder.Entry> log = stateLog.records.get(coordinator.partitionFor(id));
        return TransactionLogRecords.decodeValue(log.get(log.size() - 1).value()).state();
    }
}
