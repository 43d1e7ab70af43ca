package io.sluice.brokerd.api;

import io.sluice.brokerd.common.TopicPartition;
import io.sluice.brokerd.metadata.BrokerRegistration;
import io.sluice.brokerd.metadata.PartitionState;
import io.sluice.brokerd.metadata.TopicRegistry;
import io.sluice.brokerd.network.InterBrokerClient;
import io.sluice.brokerd.txn.TxnMarkerWriter;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData;
import org.apache.kafka.common.message.WriteTxnMarkersResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Writes a transaction's markers to the leaders of its partitions with WriteTxnMarkers (Kafka's
 * TransactionMarkerChannelManager): the partitions are grouped by their leader in the current metadata, one request
 * per leader (this broker's own partitions included, over its inter-broker listener, so every marker takes the same
 * path and the same checks), and every partition whose marker was not written (no leader, a leader change, a timeout,
 * a lost connection) is tried again after {@link #RETRY_BACKOFF_MS} with the then-current leader, until it is
 * written, its topic is gone (Kafka drops those too), or the coordinator no longer owns the transaction.
 * <p>
 * Thread-safe; never blocks: retries are scheduled on {@code scheduler}, responses arrive on the inter-broker
 * client's event loop.
 */
public final class TxnMarkerChannel implements TxnMarkerWriter {
    private static final Logger log = LoggerFactory.getLogger(TxnMarkerChannel.class);
    static final long RETRY_BACKOFF_MS = 100;
    /** Longest a WriteTxnMarkers request may take before its partitions are retried (Kafka's request.timeout.ms). */
    static final long REQUEST_TIMEOUT_MS = 30_000;
    private static final short VERSION = 1;

    private final TopicRegistry registry;
    private final InterBrokerClient client;
    private final ScheduledExecutorService scheduler;

    public TxnMarkerChannel(TopicRegistry registry, InterBrokerClient client, ScheduledExecutorService scheduler) {
        this.registry = registry;
        this.client = client;
        this.scheduler = scheduler;
    }

    @Override
    public CompletableFuture<Void> write(Markers markers, BooleanSupplier stillCoordinator) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        new Attempt(markers, stillCoordinator, done).send(new HashSet<>(markers.partitions()));
        return done;
    }

    /** The markers of one transaction and the partitions that still lack theirs. */
    private final class Attempt {
        private final Markers markers;
        private final BooleanSupplier stillCoordinator;
        private final CompletableFuture<Void> done;
        private final Set<TopicPartition> remaining;
        private int outstandingRequests;
        private final Set<TopicPartition> retry = new HashSet<>();

        Attempt(Markers markers, BooleanSupplier stillCoordinator, CompletableFuture<Void> done) {
            this.markers = markers;
            this.stillCoordinator = stillCoordinator;
            this.done = done;
            this.remaining = new HashSet<>(markers.partitions());
        }

        synchronized void send(Set<TopicPartition> partitions) {
            if (!stillCoordinator.getAsBoolean()) {
                done.completeExceptionally(new IllegalStateException("no longer the coordinator of " + markers.transactionalId()));
                return;
            }
            Map<BrokerRegistration, List<TopicPartition>> byLeader = new HashMap<>();
            for (TopicPartition tp : partitions) {
                if (registry.topic(tp.topic()).isEmpty()) {
                    remaining.remove(tp); // deleted: nothing left to end there
                    continue;
                }
                Optional<BrokerRegistration> leader = leaderOf(tp);
                if (leader.isEmpty()) {
                    retry.add(tp);
                } else {
                    byLeader.computeIfAbsent(leader.get(), b -> new ArrayList<>()).add(tp);
                }
            }
            outstandingRequests = byLeader.size();
            if (byLeader.isEmpty()) {
                maybeFinishRound();
            }
            // A response completing inline ends the round in onResponse once it is the last.
            byLeader.forEach(this::sendTo);
        }

        private Optional<BrokerRegistration> leaderOf(TopicPartition tp) {
            Optional<PartitionState> state = registry.topic(tp.topic()).flatMap(t -> t.partitionStates().stream()
                    .filter(p -> p.partition() == tp.partition()).findFirst());
            if (state.isEmpty() || !state.get().isOnline()) {
                return Optional.empty();
            }
            return registry.image().broker(state.get().leader()).filter(b -> !b.fenced());
        }

        private void sendTo(BrokerRegistration leader, List<TopicPartition> tps) {
            Map<String, List<Integer>> byTopic = new HashMap<>();
            tps.forEach(tp -> byTopic.computeIfAbsent(tp.topic(), t -> new ArrayList<>()).add(tp.partition()));
            WriteTxnMarkersRequestData.WritableTxnMarker m = new WriteTxnMarkersRequestData.WritableTxnMarker()
                    .setProducerId(markers.producerId()).setProducerEpoch(markers.producerEpoch())
                    .setTransactionResult(markers.commit()).setCoordinatorEpoch(markers.coordinatorEpoch());
            byTopic.forEach((topic, ps) -> m.topics().add(new WriteTxnMarkersRequestData.WritableTxnMarkerTopic()
                    .setName(topic).setPartitionIndexes(ps)));
            WriteTxnMarkersRequestData req = new WriteTxnMarkersRequestData();
            req.markers().add(m);
            client.send(leader.host(), leader.port(), ApiKeys.WRITE_TXN_MARKERS, VERSION, req)
                    .orTimeout(REQUEST_TIMEOUT_MS, TimeUnit.MILLISECONDS)
                    .whenComplete((resp, failure) -> onResponse(leader, tps, (WriteTxnMarkersResponseData) resp, failure));
        }

        private synchronized void onResponse(BrokerRegistration leader, List<TopicPartition> tps, WriteTxnMarkersResponseData resp,
                                             Throwable failure) {
            outstandingRequests--;
            if (failure != null) {
                log.debug("Writing the markers of {} to broker {} failed; retrying: {}", markers.transactionalId(), leader.nodeId(),
                        failure.toString());
                retry.addAll(tps);
            } else {
                Set<TopicPartition> answered = new HashSet<>();
                for (WriteTxnMarkersResponseData.WritableTxnMarkerResult r : resp.markers()) {
                    for (WriteTxnMarkersResponseData.WritableTxnMarkerTopicResult t : r.topics()) {
                        for (WriteTxnMarkersResponseData.WritableTxnMarkerPartitionResult p : t.partitions()) {
                            TopicPartition tp = new TopicPartition(t.name(), p.partitionIndex());
                            answered.add(tp);
                            onPartition(tp, Errors.forCode(p.errorCode()));
                        }
                    }
                }
                tps.stream().filter(tp -> !answered.contains(tp)).forEach(retry::add);
            }
            maybeFinishRound();
        }

        private void onPartition(TopicPartition tp, Errors error) {
            switch (error) {
                case NONE -> remaining.remove(tp);
                case UNKNOWN_TOPIC_OR_PARTITION -> {
                    if (registry.topic(tp.topic()).isEmpty()) {
                        remaining.remove(tp);
                    } else {
                        retry.add(tp);
                    }
                }
                case INVALID_PRODUCER_EPOCH, TRANSACTION_COORDINATOR_FENCED -> {
                    // The log has seen a newer producer epoch or coordinator: this transaction is over there (Kafka
                    // logs and drops such a partition too).
                    log.warn("The {} marker of {} (producer {} epoch {}) was refused by {}: {}", markers.commit() ? "COMMIT" : "ABORT",
                            markers.transactionalId(), markers.producerId(), markers.producerEpoch(), tp, error);
                    remaining.remove(tp);
                }
                default -> retry.add(tp);
            }
        }

        private void maybeFinishRound() {
            if (outstandingRequests > 0) {
                return;
            }
            if (remaining.isEmpty()) {
                done.complete(null);
                return;
            }
            Set<TopicPartition> again = new HashSet<>(retry);
            again.retainAll(remaining);
            retry.clear();
            if (again.isEmpty()) {
                again.addAll(remaining);
            }
            try {
                scheduler.schedule(() -> send(again), RETRY_BACKOFF_MS, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                done.completeExceptionally(e); // shutting down: the next coordinator resumes from the log
            }
        }
    }
}
