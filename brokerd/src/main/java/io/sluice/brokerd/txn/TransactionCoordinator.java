package io.sluice.brokerd.txn;

import io.sluice.brokerd.common.TopicPartition;
import io.sluice.brokerd.coordinator.CoordinatorLog;
import io.sluice.brokerd.coordinator.CoordinatorPartitions;
import io.sluice.brokerd.coordinator.CoordinatorWriteException;
import io.sluice.brokerd.log.RecordBatchBuilder;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.LongSupplier;

/**
 * The transaction coordinator of the {@code __transaction_state} partitions this broker leads, as Kafka's
 * TransactionCoordinator and TransactionStateManager: it owns the {@link TransactionMetadata} of every transactional
 * id of those partitions, writes each change to the partition (acks=all, through {@link CoordinatorLog}) before it
 * holds, and has the markers of ended transactions written to their partitions ({@link TxnMarkerWriter}).
 * <pre>
 *   request / event            what happens
 *   InitProducerId             checks timeout and ownership; epoch bump (or fencing abort) written, then answered
 *   AddPartitionsToTxn         partitions added (ONGOING) written, then answered; verifyOnly: answered from memory
 *   EndTxn                     PREPARE_COMMIT|ABORT written, answered NONE, then markers; once all are written
 *                              COMPLETE_COMMIT|ABORT is written
 *   poll (timer)               ONGOING past its timeout -> fencing abort; idle past transactional.id.expiration.ms
 *                              -> tombstone; PREPARE_* without markers in flight -> markers again (a retry)
 *   becomeCoordinator          partition Loading (COORDINATOR_LOAD_IN_PROGRESS) while read on the load executor;
 *                              then served, and PREPARE_* transactions resume their markers
 *   resign                     the partition's ids are dropped here (NOT_COORDINATOR); writes in flight are answered
 *                              NOT_COORDINATOR and markers in flight stop retrying
 * </pre>
 * The coordinator epoch of a partition is the leader epoch of {@code __transaction_state} when this broker took it:
 * markers carry it, so a log refuses those of a deposed coordinator (TRANSACTION_COORDINATOR_FENCED).
 * <p>
 * Thread-safe: state is guarded by this object's monitor. Appends happen under it (as the group coordinator's do),
 * reads of the log for a load happen off it; the futures handed back are completed outside it.
 */
public final class TransactionCoordinator {
    private static final Logger log = LoggerFactory.getLogger(TransactionCoordinator.class);

    /** InitProducerId's answer: the producer id and epoch to use, or an error (then -1/-1). */
    public record InitResult(Errors error, long producerId, short producerEpoch) {
        static InitResult error(Errors e) {
            return new InitResult(e, TransactionMetadata.NO_PRODUCER_ID, TransactionMetadata.NO_EPOCH);
        }
    }

    private final TransactionConfig config;
    private final CoordinatorLog stateLog;
    private final LongSupplier newProducerIds;
    private final TxnMarkerWriter markers;
    private final Clock clock;
    private final Executor loadExecutor;
    private final Executor completions;
    private final CoordinatorPartitions partitions;
    private final Map<String, TransactionMetadata> ids = new HashMap<>();
    /** Coordinator epoch of each partition served or loading. */
    private final Map<Integer, Integer> coordinatorEpochs = new HashMap<>();
    /** Transactional ids whose markers are being written. */
    private final Set<String> markersInFlight = new HashSet<>();

    /**
     * @param newProducerIds hands out fresh producer ids (from the controller's blocks; may throw
     *                       IllegalStateException when none can be had in time)
     * @param loadExecutor   where partitions are read (never a network thread: loading reads the log)
     * @param completions    where the end of a transaction's markers is handled (it appends COMPLETE_*): the marker
     *                       writer completes on a network thread, which must not wait on the disk
     */
    public TransactionCoordinator(TransactionConfig config, CoordinatorLog stateLog, LongSupplier newProducerIds,
                                  TxnMarkerWriter markers, Clock clock, Executor loadExecutor, Executor completions) {
        this.completions = completions;
        this.config = config;
        this.stateLog = stateLog;
        this.newProducerIds = newProducerIds;
        this.markers = markers;
        this.clock = clock;
        this.loadExecutor = loadExecutor;
        this.partitions = new CoordinatorPartitions(stateLog.partitionCount());
        this.partitions.claimNone();
    }

    /** The partition of {@code __transaction_state} holding {@code transactionalId} (Kafka's mapping). */
    public int partitionFor(String transactionalId) {
        return TransactionStateLoader.partitionFor(transactionalId, stateLog.partitionCount());
    }

    /** NONE when this coordinator serves {@code transactionalId}, else NOT_COORDINATOR or COORDINATOR_LOAD_IN_PROGRESS. */
    public synchronized Errors coordinatorError(String transactionalId) {
        return switch (partitions.ownership(partitionFor(transactionalId))) {
            case SERVED -> Errors.NONE;
            case NOT_OWNED -> Errors.NOT_COORDINATOR;
            case LOADING -> Errors.COORDINATOR_LOAD_IN_PROGRESS;
        };
    }

    /** Whether a partition is being loaded (ListTransactions answers COORDINATOR_LOAD_IN_PROGRESS meanwhile). */
    public synchronized boolean isLoading() {
        return partitions.loadingCount() > 0;
    }

    // ---------------------------------------------------------------- ownership and loading

    /** This broker now leads {@code partition}, in leader epoch {@code coordinatorEpoch}: load it, then serve it. */
    public void becomeCoordinator(int partition, int coordinatorEpoch) {
        long loadId;
        synchronized (this) {
            dropPartitionLocked(partition);
            partitions.resign(partition);
            loadId = partitions.beginLoad(partition);
            coordinatorEpochs.put(partition, coordinatorEpoch);
        }
        loadExecutor.execute(() -> load(partition, coordinatorEpoch, loadId));
    }

    /** Another broker leads {@code partition} now. */
    public synchronized void resign(int partition) {
        if (partitions.resign(partition)) {
            dropPartitionLocked(partition);
            coordinatorEpochs.remove(partition);
            log.info("No longer coordinating the transactions of __transaction_state-{}", partition);
        }
    }

    private void dropPartitionLocked(int partition) {
        ids.keySet().removeIf(id -> partitionFor(id) == partition);
        markersInFlight.removeIf(id -> partitionFor(id) == partition);
    }

    private void load(int partition, int coordinatorEpoch, long loadId) {
        long startNs = System.nanoTime();
        TransactionStateLoader.Loaded loaded;
        try {
            TransactionStateLoader loader = new TransactionStateLoader(partition);
            stateLog.forEachRecord(partition, new CoordinatorLog.Replay() {
                @Override
                public void record(long offset, byte[] key, byte[] value) {
                    loader.record(offset, key, value);
                }

                @Override
                public void unreadableBatch(long baseOffset, long lastOffset, String reason) {
                    loader.unreadableBatch(baseOffset, lastOffset, reason);
                }
            });
            loaded = loader.finish();
        } catch (RuntimeException e) {
            log.error("Could not load __transaction_state-{}; not coordinating its transactions", partition, e);
            synchronized (this) {
                if (partitions.finishLoad(partition, loadId)) {
                    partitions.resign(partition);
                    coordinatorEpochs.remove(partition);
                }
            }
            return;
        }
        int resumed = 0;
        synchronized (this) {
            if (!partitions.finishLoad(partition, loadId)) {
                log.info("Dropped the load of __transaction_state-{}: resigned or reloaded meanwhile", partition);
                return;
            }
            for (Map.Entry<String, TxnRecord> e : loaded.ids().entrySet()) {
                TransactionMetadata md = TransactionMetadata.loaded(e.getKey(), e.getValue());
                ids.put(e.getKey(), md);
                if (isPrepared(md.current().state())) {
                    sendMarkersLocked(e.getKey(), md, partition, coordinatorEpoch);
                    resumed++;
                }
            }
        }
        log.info("Coordinating the transactions of __transaction_state-{} (coordinator epoch {}): {} transactional ids from {} "
                + "records in {} ms, {} ended transactions resume their markers", partition, coordinatorEpoch, loaded.ids().size(),
                loaded.records(), (System.nanoTime() - startNs) / 1_000_000, resumed);
    }

    private boolean stillCoordinating(int partition, int coordinatorEpoch) {
        synchronized (this) {
            Integer epoch = coordinatorEpochs.get(partition);
            return epoch != null && epoch == coordinatorEpoch && partitions.ownership(partition) == CoordinatorPartitions.Ownership.SERVED;
        }
    }

    // ---------------------------------------------------------------- requests

    /**
     * InitProducerId with {@code transactionalId} (not null). {@code expectedProducerId}/{@code expectedEpoch}: what
     * the client has (KIP-360), -1 when nothing.
     */
    public CompletableFuture<InitResult> initProducerId(String transactionalId, int txnTimeoutMs, long expectedProducerId,
                                                        short expectedEpoch, long nowMs) {
        if (transactionalId.isEmpty()) {
            return CompletableFuture.completedFuture(InitResult.error(Errors.INVALID_REQUEST));
        }
        if (txnTimeoutMs <= 0 || txnTimeoutMs > config.maxTimeoutMs()) {
            return CompletableFuture.completedFuture(InitResult.error(Errors.INVALID_TRANSACTION_TIMEOUT));
        }
        Errors notHere = coordinatorError(transactionalId);
        if (notHere != Errors.NONE) {
            return CompletableFuture.completedFuture(InitResult.error(notHere));
        }
        // A new id's producer id is fetched before the lock: a new block may wait for the controller.
        long freshProducerId = TransactionMetadata.NO_PRODUCER_ID;
        if (!isKnown(transactionalId)) {
            try {
                freshProducerId = newProducerIds.getAsLong();
            } catch (IllegalStateException e) {
                log.warn("InitProducerId of {}: {}", transactionalId, e.getMessage());
                return CompletableFuture.completedFuture(InitResult.error(Errors.COORDINATOR_LOAD_IN_PROGRESS));
            }
        }
        synchronized (this) {
            Errors e = coordinatorError(transactionalId);
            if (e != Errors.NONE) {
                return CompletableFuture.completedFuture(InitResult.error(e));
            }
            TransactionMetadata md = ids.get(transactionalId);
            if (md == null) {
                if (freshProducerId == TransactionMetadata.NO_PRODUCER_ID) {
                    return CompletableFuture.completedFuture(InitResult.error(Errors.CONCURRENT_TRANSACTIONS)); // expired meanwhile: retry
                }
                md = TransactionMetadata.create(transactionalId, freshProducerId, txnTimeoutMs, nowMs);
                ids.put(transactionalId, md);
            }
            TransactionMetadata.Outcome o;
            try {
                o = md.prepareInitProducerId(txnTimeoutMs, expectedProducerId, expectedEpoch, newProducerIds, nowMs);
            } catch (IllegalStateException ex) {
                log.warn("InitProducerId of {}: {}", transactionalId, ex.getMessage());
                return CompletableFuture.completedFuture(InitResult.error(Errors.COORDINATOR_LOAD_IN_PROGRESS));
            }
            if (o.toWrite() == null) {
                return CompletableFuture.completedFuture(InitResult.error(o.error()));
            }
            TxnRecord written = o.toWrite();
            return writeLocked(transactionalId, md, written, nowMs).thenApply(err -> err != Errors.NONE ? InitResult.error(err)
                    : o.error() != Errors.NONE ? InitResult.error(o.error())
                    : new InitResult(Errors.NONE, written.producerId(), written.producerEpoch()));
        }
    }

    private synchronized boolean isKnown(String transactionalId) {
        return ids.containsKey(transactionalId);
    }

    /** AddPartitionsToTxn (and AddOffsetsToTxn with the group's offsets partition): one error for all the partitions. */
    public CompletableFuture<Errors> addPartitions(String transactionalId, long producerId, short epoch, Set<TopicPartition> added,
                                                   long nowMs) {
        return transition(transactionalId, nowMs, md -> md.prepareAddPartitions(producerId, epoch, added, nowMs));
    }

    /** KIP-890's verification (AddPartitionsToTxn verifyOnly): per partition, whether the transaction includes it. */
    public synchronized Map<TopicPartition, Errors> verify(String transactionalId, long producerId, short epoch, Set<TopicPartition> tps) {
        Errors e = coordinatorError(transactionalId);
        TransactionMetadata md = ids.get(transactionalId);
        if (e == Errors.NONE && md == null) {
            e = Errors.INVALID_PRODUCER_ID_MAPPING;
        }
        if (e != Errors.NONE) {
            Map<TopicPartition, Errors> out = new HashMap<>();
            for (TopicPartition tp : tps) {
                out.put(tp, e);
            }
            return out;
        }
        return md.verify(producerId, epoch, tps);
    }

    /** EndTxn: answered once the PREPARE state is written; the markers follow. */
    public CompletableFuture<Errors> endTxn(String transactionalId, long producerId, short epoch, boolean commit, long nowMs) {
        return transition(transactionalId, nowMs, md -> md.prepareEndTxn(producerId, epoch, commit, nowMs));
    }

    /**
     * A producer's request that moves its transaction on: refused when this coordinator does not serve the id or
     * knows no producer for it, answered at once when {@code step} writes nothing, else once its record is written.
     */
    private synchronized CompletableFuture<Errors> transition(String transactionalId, long nowMs,
                                                              java.util.function.Function<TransactionMetadata, TransactionMetadata.Outcome> step) {
        Errors e = coordinatorError(transactionalId);
        if (e != Errors.NONE) {
            return CompletableFuture.completedFuture(e);
        }
        TransactionMetadata md = ids.get(transactionalId);
        if (md == null) {
            return CompletableFuture.completedFuture(Errors.INVALID_PRODUCER_ID_MAPPING);
        }
        TransactionMetadata.Outcome o = step.apply(md);
        if (o.toWrite() == null) {
            return CompletableFuture.completedFuture(o.error());
        }
        return writeLocked(transactionalId, md, o.toWrite(), nowMs);
    }

    /** The state of {@code transactionalId} as written, when this coordinator serves it (DescribeTransactions). */
    public synchronized java.util.Optional<TxnRecord> describe(String transactionalId) {
        TransactionMetadata md = coordinatorError(transactionalId) == Errors.NONE ? ids.get(transactionalId) : null;
        return java.util.Optional.ofNullable(md).map(TransactionMetadata::current);
    }

    /** Every transactional id served here with its state (ListTransactions). */
    public synchronized Map<String, TxnRecord> all() {
        Map<String, TxnRecord> out = new HashMap<>();
        ids.forEach((id, md) -> out.put(id, md.current()));
        return out;
    }

    // ---------------------------------------------------------------- timer

    /**
     * Aborts transactions open past their timeout (fencing their producers), writes tombstones for transactional
     * ids idle past transactional.id.expiration.ms, and retries the markers of ended transactions whose markers or
     * completion failed. Appends to the log: call it from a thread that may wait on the disk.
     */
    public void poll(long nowMs) {
        synchronized (this) {
            for (Map.Entry<String, TransactionMetadata> e : new ArrayList<>(ids.entrySet())) {
                String id = e.getKey();
                TransactionMetadata md = e.getValue();
                int partition = partitionFor(id);
                if (partitions.ownership(partition) != CoordinatorPartitions.Ownership.SERVED || md.hasPendingTransition()) {
                    continue;
                }
                if (md.isExpired(nowMs)) {
                    log.info("Aborting the transaction of {} (producer id {}, epoch {}): open longer than its timeout of {} ms",
                            id, md.current().producerId(), md.current().producerEpoch(), md.current().txnTimeoutMs());
                    writeLocked(id, md, md.prepareAbortExpired(nowMs).toWrite(), nowMs);
                } else if (md.isIdExpired(nowMs, config.idExpirationMs())) {
                    writeLocked(id, md, md.prepareDead(nowMs, config.idExpirationMs()).toWrite(), nowMs);
                } else if (isPrepared(md.current().state()) && !markersInFlight.contains(id)) {
                    sendMarkersLocked(id, md, partition, coordinatorEpochs.get(partition));
                }
            }
        }
        // The writes' outcomes need no answer: a failed abort or expiry is tried again at the next poll.
    }

    // ---------------------------------------------------------------- writes and markers

    /**
     * Appends {@code record}, the pending transition of {@code md}, to the id's partition; the future completes
     * (outside the lock) with NONE once it is replicated and holds, or with the error the client gets.
     */
    private CompletableFuture<Errors> writeLocked(String id, TransactionMetadata md, TxnRecord record, long nowMs) {
        int partition = partitionFor(id);
        int coordinatorEpoch = coordinatorEpochs.getOrDefault(partition, -1);
        byte[] value = record.state() == TxnState.DEAD ? null : TransactionLogRecords.value(record);
        CompletableFuture<Void> replicated;
        try {
            replicated = stateLog.append(partition, List.of(new RecordBatchBuilder.Entry(TransactionLogRecords.key(id), value)), nowMs);
        } catch (CoordinatorWriteException e) {
            md.abortTransition();
            log.warn("Could not write the state of {} to __transaction_state-{}: {}", id, partition, e.getMessage());
            return CompletableFuture.completedFuture(errorOf(e));
        } catch (RuntimeException e) {
            md.abortTransition();
            throw e;
        }
        CompletableFuture<Errors> result = new CompletableFuture<>();
        replicated.whenComplete((ok, failure) -> {
            Errors error;
            synchronized (this) {
                error = completeWriteLocked(id, md, record, partition, coordinatorEpoch, failure);
            }
            result.complete(error);
        });
        return result;
    }

    private Errors completeWriteLocked(String id, TransactionMetadata md, TxnRecord record, int partition, int coordinatorEpoch,
                                       Throwable failure) {
        if (ids.get(id) != md || !stillCoordinating(partition, coordinatorEpoch)) {
            return Errors.NOT_COORDINATOR; // the partition moved meanwhile; its new coordinator loads what was written
        }
        if (failure != null) {
            md.abortTransition();
            log.warn("The state of {} written to __transaction_state-{} is not durable: {}", id, partition, failure.getMessage());
            return failure instanceof CoordinatorWriteException w ? errorOf(w) : Errors.UNKNOWN_SERVER_ERROR;
        }
        md.completeTransition(record);
        if (record.state() == TxnState.DEAD) {
            ids.remove(id);
        } else if (isPrepared(record.state())) {
            sendMarkersLocked(id, md, partition, coordinatorEpoch);
        }
        return Errors.NONE;
    }

    private void sendMarkersLocked(String id, TransactionMetadata md, int partition, int coordinatorEpoch) {
        TxnRecord c = md.current();
        boolean commit = c.state() == TxnState.PREPARE_COMMIT;
        markersInFlight.add(id);
        if (c.partitions().isEmpty()) {
            onMarkersWrittenLocked(id, md, partition, coordinatorEpoch);
            return;
        }
        TxnMarkerWriter.Markers m = new TxnMarkerWriter.Markers(id, c.producerId(), c.producerEpoch(), coordinatorEpoch, commit,
                c.partitions());
        markers.write(m, () -> stillCoordinating(partition, coordinatorEpoch)).whenCompleteAsync((ok, failure) -> {
            synchronized (this) {
                if (failure != null) {
                    markersInFlight.remove(id);
                    log.info("Stopped writing the {} markers of {}: {}", commit ? "COMMIT" : "ABORT", id, failure.getMessage());
                } else {
                    onMarkersWrittenLocked(id, md, partition, coordinatorEpoch);
                }
            }
        }, completions);
    }

    private void onMarkersWrittenLocked(String id, TransactionMetadata md, int partition, int coordinatorEpoch) {
        markersInFlight.remove(id);
        if (ids.get(id) != md || !stillCoordinating(partition, coordinatorEpoch)) {
            return;
        }
        TransactionMetadata.Outcome o = md.prepareComplete(clock.millis());
        if (o.toWrite() != null) {
            // A failure leaves the transaction prepared: poll() writes its markers (duplicates are no-ops) and completes it again.
            writeLocked(id, md, o.toWrite(), clock.millis());
        }
    }

    private static boolean isPrepared(TxnState s) {
        return s == TxnState.PREPARE_COMMIT || s == TxnState.PREPARE_ABORT;
    }

    /** Kafka's mapping of a failed state write to the client's error. */
    static Errors errorOf(CoordinatorWriteException e) {
        return switch (e.reason()) {
            case NOT_LEADER, STORAGE_ERROR -> Errors.NOT_COORDINATOR;
            case NOT_ENOUGH_REPLICAS, TIMED_OUT -> Errors.COORDINATOR_NOT_AVAILABLE;
            case RECORDS_TOO_LARGE -> Errors.UNKNOWN_SERVER_ERROR;
        };
    }
}
