package io.sluice.brokerd.api;

import io.sluice.brokerd.common.BoundedRegex;
import io.sluice.brokerd.common.TopicPartition;
import io.sluice.brokerd.log.AppendResult;
import io.sluice.brokerd.log.PartitionLog;
import io.sluice.brokerd.metadata.InternalTopics;
import io.sluice.brokerd.metadata.TopicRegistry;
import io.sluice.brokerd.network.ApiRegistry;
import io.sluice.brokerd.network.RequestContext;
import io.sluice.brokerd.replica.DelayedFetches;
import io.sluice.brokerd.replica.ReplicaManager;
import io.sluice.brokerd.txn.TransactionCoordinator;
import io.sluice.brokerd.txn.TxnRecord;
import io.sluice.brokerd.txn.TxnState;
import org.apache.kafka.common.message.AddOffsetsToTxnRequestData;
import org.apache.kafka.common.message.AddOffsetsToTxnResponseData;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData;
import org.apache.kafka.common.message.AddPartitionsToTxnResponseData;
import org.apache.kafka.common.message.DescribeTransactionsRequestData;
import org.apache.kafka.common.message.DescribeTransactionsResponseData;
import org.apache.kafka.common.message.EndTxnRequestData;
import org.apache.kafka.common.message.ListTransactionsRequestData;
import org.apache.kafka.common.message.ListTransactionsResponseData;
import org.apache.kafka.common.message.EndTxnResponseData;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData;
import org.apache.kafka.common.message.WriteTxnMarkersResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.ToIntFunction;

/**
 * The transaction family: AddPartitionsToTxn (24, v0-5; v4+ batched and verifyOnly, from brokers), AddOffsetsToTxn
 * (25, v0-4), EndTxn (26, v0-5) answered by the {@link TransactionCoordinator}, and WriteTxnMarkers (27, v1-2), the
 * coordinators' request to a partition leader to append COMMIT/ABORT markers ({@link PartitionLog#appendMarker}),
 * answered once every in-sync replica has them, as Kafka appends markers with acks=all. DescribeTransactions (65, v0)
 * and ListTransactions (66, v0-2, with its filters) show what this broker coordinates. InitProducerId with a
 * transactional id lives with the idempotent one in {@link OffsetsHandlers}; FindCoordinator in {@link GroupHandlers}.
 * Authorization is {@link ApiAuthorization}'s.
 */
public final class TransactionHandlers {
    /** Longest a marker waits for the in-sync replicas before its partition is answered REQUEST_TIMED_OUT (retried). */
    static final long MARKER_REPLICATION_TIMEOUT_MS = 30_000;

    private final TransactionCoordinator coordinator;
    private final TopicRegistry registry;
    private final ReplicaManager replicas;
    private final DelayedFetches delayedProduces;
    private final ToIntFunction<String> offsetsPartitionOfGroup;
    private final Clock clock;

    /**
     * @param offsetsPartitionOfGroup the {@code __consumer_offsets} partition of a group (AddOffsetsToTxn adds it)
     * @param delayedProduces         where markers wait for the high watermark
     */
    public TransactionHandlers(TransactionCoordinator coordinator, TopicRegistry registry, ReplicaManager replicas,
                               DelayedFetches delayedProduces, ToIntFunction<String> offsetsPartitionOfGroup, Clock clock) {
        this.coordinator = coordinator;
        this.registry = registry;
        this.replicas = replicas;
        this.delayedProduces = delayedProduces;
        this.offsetsPartitionOfGroup = offsetsPartitionOfGroup;
        this.clock = clock;
    }

    public void register(ApiRegistry apis) {
        apis.register(ApiKeys.ADD_PARTITIONS_TO_TXN, 0, 5, (ctx, r) -> addPartitions(ctx, (AddPartitionsToTxnRequestData) r));
        apis.register(ApiKeys.ADD_OFFSETS_TO_TXN, 0, 4, (ctx, r) -> addOffsets((AddOffsetsToTxnRequestData) r));
        apis.register(ApiKeys.END_TXN, 0, 5, (ctx, r) -> endTxn((EndTxnRequestData) r));
        apis.register(ApiKeys.DESCRIBE_TRANSACTIONS, 0, 0, (ctx, r) -> CompletableFuture.completedFuture(
                describeTransactions((DescribeTransactionsRequestData) r)));
        apis.register(ApiKeys.LIST_TRANSACTIONS, 0, 2, (ctx, r) -> CompletableFuture.completedFuture(
                listTransactions((ListTransactionsRequestData) r)));
        apis.register(ApiKeys.WRITE_TXN_MARKERS, 1, 2, (ctx, r) -> CompletableFuture.supplyAsync(() -> writeMarkers(
                (WriteTxnMarkersRequestData) r), ctx.executor()).thenCompose(f -> f));
    }

    // ---------------------------------------------------------------- AddPartitionsToTxn

    CompletableFuture<ApiMessage> addPartitions(RequestContext ctx, AddPartitionsToTxnRequestData req) {
        if (ctx.apiVersion() < 4) {
            return addPartitions(req.v3AndBelowTransactionalId(), req.v3AndBelowProducerId(), req.v3AndBelowProducerEpoch(), false,
                    req.v3AndBelowTopics()).thenApply(results -> {
                        return new AddPartitionsToTxnResponseData().setResultsByTopicV3AndBelow(results);
                    });
        }
        List<CompletableFuture<AddPartitionsToTxnResponseData.AddPartitionsToTxnResult>> each = new ArrayList<>();
        for (AddPartitionsToTxnRequestData.AddPartitionsToTxnTransaction t : req.transactions()) {
            each.add(addPartitions(t.transactionalId(), t.producerId(), t.producerEpoch(), t.verifyOnly(), t.topics())
                    .thenApply(results -> new AddPartitionsToTxnResponseData.AddPartitionsToTxnResult()
                            .setTransactionalId(t.transactionalId()).setTopicResults(results)));
        }
        return CompletableFuture.allOf(each.toArray(CompletableFuture[]::new)).thenApply(v -> {
            AddPartitionsToTxnResponseData resp = new AddPartitionsToTxnResponseData().setErrorCode(Errors.NONE.code());
            each.forEach(f -> resp.resultsByTransaction().add(f.join()));
            return resp;
        });
    }

    /**
     * One transaction's partitions: those of unknown topics or partitions get UNKNOWN_TOPIC_OR_PARTITION and the
     * others OPERATION_NOT_ATTEMPTED (Kafka's rule: all or nothing); else the coordinator's answer for all of them,
     * or per partition for verifyOnly.
     */
    private CompletableFuture<AddPartitionsToTxnResponseData.AddPartitionsToTxnTopicResultCollection> addPartitions(
            String transactionalId, long producerId, short epoch, boolean verifyOnly,
            AddPartitionsToTxnRequestData.AddPartitionsToTxnTopicCollection topics) {
        Set<TopicPartition> all = new LinkedHashSet<>();
        Set<TopicPartition> unknown = new LinkedHashSet<>();
        for (AddPartitionsToTxnRequestData.AddPartitionsToTxnTopic t : topics) {
            int count = registry.topic(t.name()).map(info -> info.partitions()).orElse(0);
            for (int p : t.partitions()) {
                TopicPartition tp = new TopicPartition(t.name(), p);
                all.add(tp);
                if (p < 0 || p >= count) {
                    unknown.add(tp);
                }
            }
        }
        if (transactionalId == null || transactionalId.isEmpty()) {
            return CompletableFuture.completedFuture(results(all, tp -> Errors.INVALID_REQUEST));
        }
        if (!unknown.isEmpty()) {
            return CompletableFuture.completedFuture(results(all, tp -> unknown.contains(tp)
                    ? Errors.UNKNOWN_TOPIC_OR_PARTITION : Errors.OPERATION_NOT_ATTEMPTED));
        }
        if (verifyOnly) {
            Map<TopicPartition, Errors> verified = coordinator.verify(transactionalId, producerId, epoch, all);
            return CompletableFuture.completedFuture(results(all, verified::get));
        }
        return coordinator.addPartitions(transactionalId, producerId, epoch, all, clock.millis())
                .thenApply(error -> results(all, tp -> error));
    }

    private static AddPartitionsToTxnResponseData.AddPartitionsToTxnTopicResultCollection results(
            Set<TopicPartition> partitions, java.util.function.Function<TopicPartition, Errors> errorOf) {
        AddPartitionsToTxnResponseData.AddPartitionsToTxnTopicResultCollection out =
                new AddPartitionsToTxnResponseData.AddPartitionsToTxnTopicResultCollection();
        for (TopicPartition tp : partitions) {
            AddPartitionsToTxnResponseData.AddPartitionsToTxnTopicResult t = out.find(tp.topic());
            if (t == null) {
                t = new AddPartitionsToTxnResponseData.AddPartitionsToTxnTopicResult().setName(tp.topic());
                out.add(t);
            }
            t.resultsByPartition().add(new AddPartitionsToTxnResponseData.AddPartitionsToTxnPartitionResult()
                    .setPartitionIndex(tp.partition()).setPartitionErrorCode(errorOf.apply(tp).code()));
        }
        return out;
    }

    // ---------------------------------------------------------------- AddOffsetsToTxn, EndTxn

    CompletableFuture<ApiMessage> addOffsets(AddOffsetsToTxnRequestData req) {
        if (req.groupId() == null || req.groupId().isEmpty()) {
            return CompletableFuture.completedFuture(new AddOffsetsToTxnResponseData().setErrorCode(Errors.INVALID_GROUP_ID.code()));
        }
        TopicPartition offsets = new TopicPartition(InternalTopics.CONSUMER_OFFSETS, offsetsPartitionOfGroup.applyAsInt(req.groupId()));
        return coordinator.addPartitions(req.transactionalId(), req.producerId(), req.producerEpoch(), Set.of(offsets), clock.millis())
                .thenApply(e -> new AddOffsetsToTxnResponseData().setErrorCode(e.code()));
    }

    CompletableFuture<ApiMessage> endTxn(EndTxnRequestData req) {
        return coordinator.endTxn(req.transactionalId(), req.producerId(), req.producerEpoch(), req.committed(), clock.millis())
                .thenApply(e -> new EndTxnResponseData().setErrorCode(e.code()).setProducerId(req.producerId())
                        .setProducerEpoch(req.producerEpoch()));
    }

    // ---------------------------------------------------------------- DescribeTransactions, ListTransactions

    /** Each id's state here: NOT_COORDINATOR / COORDINATOR_LOAD_IN_PROGRESS elsewhere, TRANSACTIONAL_ID_NOT_FOUND unknown. */
    ApiMessage describeTransactions(DescribeTransactionsRequestData req) {
        DescribeTransactionsResponseData resp = new DescribeTransactionsResponseData();
        for (String id : req.transactionalIds()) {
            DescribeTransactionsResponseData.TransactionState s = new DescribeTransactionsResponseData.TransactionState()
                    .setTransactionalId(id).setTransactionState("").setTransactionStartTimeMs(-1).setProducerId(-1).setProducerEpoch((short) -1);
            Errors e = id == null || id.isEmpty() ? Errors.TRANSACTIONAL_ID_NOT_FOUND : coordinator.coordinatorError(id);
            Optional<TxnRecord> r = e == Errors.NONE ? coordinator.describe(id) : Optional.empty();
            if (e == Errors.NONE && r.isEmpty()) {
                e = Errors.TRANSACTIONAL_ID_NOT_FOUND;
            }
            if (r.isPresent()) {
                TxnRecord t = r.get();
                s.setTransactionState(t.state().protocolName()).setTransactionTimeoutMs(t.txnTimeoutMs())
                        .setTransactionStartTimeMs(t.startMs()).setProducerId(t.producerId()).setProducerEpoch(t.producerEpoch());
                Map<String, List<Integer>> byTopic = new java.util.TreeMap<>();
                t.partitions().forEach(tp -> byTopic.computeIfAbsent(tp.topic(), k -> new ArrayList<>()).add(tp.partition()));
                byTopic.forEach((topic, ps) -> s.topics().add(new DescribeTransactionsResponseData.TopicData().setTopic(topic)
                        .setPartitions(ps.stream().sorted().toList())));
            }
            resp.transactionStates().add(s.setErrorCode(e.code()));
        }
        return resp;
    }

    /**
     * The ids this broker coordinates matching every filter given: states (Kafka's names; unknown ones are listed
     * back), producer ids, running for at least DurationFilter ms (v1+), id matching a regular expression (v2+).
     */
    ApiMessage listTransactions(ListTransactionsRequestData req) {
        ListTransactionsResponseData resp = new ListTransactionsResponseData();
        if (coordinator.isLoading()) {
            return resp.setErrorCode(Errors.COORDINATOR_LOAD_IN_PROGRESS.code());
        }
        java.util.regex.Pattern pattern = null;
        if (req.transactionalIdPattern() != null && !req.transactionalIdPattern().isEmpty()) {
            try {
                pattern = java.util.regex.Pattern.compile(req.transactionalIdPattern());
            } catch (java.util.regex.PatternSyntaxException e) {
                return resp.setErrorCode(Errors.INVALID_REGULAR_EXPRESSION.code());
            }
        }
        Set<String> states = new java.util.HashSet<>();
        for (String f : req.stateFilters()) {
            if (java.util.Arrays.stream(TxnState.values()).anyMatch(st -> st.protocolName().equals(f))) {
                states.add(f);
            } else {
                resp.unknownStateFilters().add(f);
            }
        }
        if (!req.stateFilters().isEmpty() && states.isEmpty()) {
            return resp; // only unknown states asked for: nothing matches
        }
        Set<Long> producerIds = new java.util.HashSet<>(req.producerIdFilters());
        long nowMs = clock.millis();
        java.util.regex.Pattern idPattern = pattern;
        try {
            coordinator.all().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
                TxnRecord t = e.getValue();
                boolean matches = (states.isEmpty() || states.contains(t.state().protocolName()))
                        && (producerIds.isEmpty() || producerIds.contains(t.producerId()))
                        && (req.durationFilter() < 0 || (t.startMs() >= 0 && nowMs - t.startMs() >= req.durationFilter()))
                        && (idPattern == null || BoundedRegex.matches(idPattern, e.getKey(), BoundedRegex.DEFAULT_BUDGET));
                if (matches) {
                    resp.transactionStates().add(new ListTransactionsResponseData.TransactionState().setTransactionalId(e.getKey())
                            .setProducerId(t.producerId()).setTransactionState(t.state().protocolName()));
                }
            });
        } catch (BoundedRegex.TooCostly e) {
            // a backtracking pattern would hold this handler thread for minutes: refused like an invalid one
            return new ListTransactionsResponseData().setErrorCode(Errors.INVALID_REGULAR_EXPRESSION.code());
        }
        return resp.setErrorCode(Errors.NONE.code());
    }

    // ---------------------------------------------------------------- WriteTxnMarkers

    /** A marker appended here, waiting for the high watermark to pass it. */
    private record Appended(TopicPartition tp, long requiredOffset, WriteTxnMarkersResponseData.WritableTxnMarkerPartitionResult result) {
    }

    /** Appends every marker (on the request executor: appends may fsync), then waits for their replication. */
    CompletableFuture<ApiMessage> writeMarkers(WriteTxnMarkersRequestData req) {
        WriteTxnMarkersResponseData resp = new WriteTxnMarkersResponseData();
        List<Appended> waiting = new ArrayList<>();
        long nowMs = clock.millis();
        for (WriteTxnMarkersRequestData.WritableTxnMarker m : req.markers()) {
            WriteTxnMarkersResponseData.WritableTxnMarkerResult mr = new WriteTxnMarkersResponseData.WritableTxnMarkerResult()
                    .setProducerId(m.producerId());
            for (WriteTxnMarkersRequestData.WritableTxnMarkerTopic t : m.topics()) {
                WriteTxnMarkersResponseData.WritableTxnMarkerTopicResult tr = new WriteTxnMarkersResponseData.WritableTxnMarkerTopicResult()
                        .setName(t.name());
                for (int p : t.partitionIndexes()) {
                    WriteTxnMarkersResponseData.WritableTxnMarkerPartitionResult pr =
                            new WriteTxnMarkersResponseData.WritableTxnMarkerPartitionResult().setPartitionIndex(p);
                    tr.partitions().add(pr);
                    appendMarker(m, t.name(), p, pr, waiting, nowMs);
                }
                mr.topics().add(tr);
            }
            resp.markers().add(mr);
        }
        if (waiting.isEmpty()) {
            return CompletableFuture.completedFuture(resp);
        }
        CompletableFuture<ApiMessage> result = new CompletableFuture<>();
        delayedProduces.park(new DelayedFetches.Waiter() {
            @Override
            public boolean tryComplete() {
                waiting.removeIf(this::settled);
                if (waiting.isEmpty()) {
                    result.complete(resp);
                    return true;
                }
                return false;
            }

            private boolean settled(Appended a) {
                java.util.Optional<PartitionLog> log = replicas.leaderLog(a.tp());
                if (log.isEmpty()) {
                    a.result().setErrorCode(Errors.NOT_LEADER_OR_FOLLOWER.code());
                    return true;
                }
                return log.get().highWatermark() >= a.requiredOffset();
            }

            @Override
            public void forceComplete() {
                waiting.removeIf(this::settled);
                waiting.forEach(a -> a.result().setErrorCode(Errors.REQUEST_TIMED_OUT.code()));
                result.complete(resp);
            }

            @Override
            public void abort(Throwable cause) {
                result.completeExceptionally(cause);
            }
        }, waiting.stream().map(Appended::tp).distinct().toList(), MARKER_REPLICATION_TIMEOUT_MS);
        return result;
    }

    private void appendMarker(WriteTxnMarkersRequestData.WritableTxnMarker m, String topic, int partition,
                              WriteTxnMarkersResponseData.WritableTxnMarkerPartitionResult pr, List<Appended> waiting, long nowMs) {
        LeaderCheck leader = LeaderCheck.of(replicas, registry.topic(topic), false, partition, -1);
        if (!leader.ok()) {
            pr.setErrorCode(leader.error().code());
            return;
        }
        PartitionLog log = leader.log();
        AppendResult r = log.appendMarker(m.producerId(), m.producerEpoch(), m.coordinatorEpoch(), m.transactionResult(),
                leader.state().leaderEpoch(), nowMs);
        if (r instanceof AppendResult.Rejected rejected) {
            pr.setErrorCode(ProduceHandler.errorOf(rejected.error()).code());
            return;
        }
        AppendResult.Appended a = (AppendResult.Appended) r;
        if (!a.duplicate()) {
            replicas.onAppended(log.topicPartition());
        }
        pr.setErrorCode(Errors.NONE.code());
        if (log.highWatermark() < a.lastOffset() + 1) {
            waiting.add(new Appended(log.topicPartition(), a.lastOffset() + 1, pr));
        }
    }
}
