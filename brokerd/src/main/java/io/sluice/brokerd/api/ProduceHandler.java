package io.sluice.brokerd.api;

import io.sluice.brokerd.common.Fatal;
import io.sluice.brokerd.common.TopicPartition;
import io.sluice.brokerd.log.AppendError;
import io.sluice.brokerd.log.AppendResult;
import io.sluice.brokerd.log.PartitionLog;
import io.sluice.brokerd.log.RecordBatchHeader;
import io.sluice.brokerd.log.RecordError;
import io.sluice.brokerd.log.VerificationGuard;
import io.sluice.brokerd.metadata.TopicInfo;
import io.sluice.brokerd.metrics.BrokerMetrics;
import io.sluice.brokerd.metadata.TopicRegistry;
import io.sluice.brokerd.network.ApiHandler;
import io.sluice.brokerd.network.ApiRegistry;
import io.sluice.brokerd.network.RequestContext;
import io.sluice.brokerd.replica.DelayedFetches;
import io.sluice.brokerd.replica.ReplicaManager;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.BaseRecords;
import org.apache.kafka.common.record.MemoryRecords;

import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Produce (key 0): advertised from v0 because librdkafka requires it, but frames below v3 are refused by the
 * network layer (kafka-clients cannot parse them). A small request whose appends are page-cache writes runs on the
 * event loop (when the connection has nothing queued on its request executor); a large one, or one whose append may
 * fsync (see {@link PartitionLog#appendMaySync}), runs on the request executor, never on the event loop.
 * acks=all is refused with NOT_ENOUGH_REPLICAS while the ISR is smaller than {@code min.insync.replicas}; after the
 * append it waits (in the produce purgatory, woken when the high watermark moves) until every in-sync replica has
 * the records, answering NOT_ENOUGH_REPLICAS_AFTER_APPEND if the ISR shrank below the minimum meanwhile and
 * REQUEST_TIMED_OUT after the request's timeout, and stops waiting (unanswered) when its connection closes. With an
 * ISR of one the answer is immediate. acks=0 gets no response.
 * Internal topics ({@link io.sluice.brokerd.metadata.InternalTopics}) refuse every client Produce with
 * INVALID_TOPIC_EXCEPTION. A batch the log refuses ({@code PartitionLog#appendAsLeader} validates every record) is
 * answered with its error code, an error message and, from v8, the records at fault; each refusal is counted in
 * {@code sluice_produce_rejected_total{topic,reason}}.
 */
public final class ProduceHandler implements ApiHandler {
    /** Largest request (records bytes) appended on the event loop: a few records, as latency-bound producers send. */
    static final int INLINE_MAX_BYTES = 2048;
    /** The {@code reason} label of a produce to an internal topic in {@code sluice_produce_rejected_total}. */
    static final String INTERNAL_TOPIC_REASON = "internal_topic";
    private final TopicRegistry registry;
    private final ReplicaManager replicas;
    private final Clock clock;

    private final BrokerMetrics metrics;
    private final DelayedFetches delayedProduces;
    /** KIP-890's check of a producer's first transactional append to a partition; null when it is off. */
    private final TransactionVerifier verifier;

    /**
     * Asks a transactional id's coordinator whether the producer's transaction in progress includes each partition
     * (AddPartitionsToTxn with verifyOnly): per partition NONE or the coordinator's error. Completes, never throws.
     */
    public interface TransactionVerifier {
        CompletableFuture<java.util.Map<TopicPartition, Errors>> verify(String transactionalId, long producerId, short producerEpoch,
                                                                        java.util.Set<TopicPartition> partitions);
    }

    /** @param verifier KIP-890's check (transaction.partition.verification.enable), or null when it is off */
    public ProduceHandler(TopicRegistry registry, ReplicaManager replicas, Clock clock, BrokerMetrics metrics,
                          DelayedFetches delayedProduces, TransactionVerifier verifier) {
        this.verifier = verifier;
        this.metrics = metrics;
        this.delayedProduces = delayedProduces;
        this.registry = registry;
        this.replicas = replicas;
        this.clock = clock;
    }

    public void register(ApiRegistry apis) {
        apis.register(ApiKeys.PRODUCE, 0, 13, this);
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext ctx, ApiMessage request) {
        ProduceRequestData req = (ProduceRequestData) request;
        if (req.transactionalId() == null && hasTransactionalBatches(req)) {
            // Kafka's answer to transactional records without a transactional id: nobody could ever end them.
            return CompletableFuture.completedFuture(errorAll(req, Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
                    "transactional record batches need the transactional id of their producer in the request"));
        }
        if (req.acks() != 0 && req.acks() != 1 && req.acks() != -1) {
            return CompletableFuture.completedFuture(errorAll(req, Errors.INVALID_REQUIRED_ACKS,
                    "acks must be -1, 0 or 1, not " + req.acks()));
        }
        CompletableFuture<ApiMessage> result = new CompletableFuture<>();
        boolean verify = verifier != null && req.transactionalId() != null;
        // A small page-cache append is cheaper than the two thread hand-offs it would take to run it on the pool.
        java.util.concurrent.Executor executor = !verify && runsInline(req, ctx.apiVersion()) ? ctx.inlineExecutor() : ctx.executor();
        executor.execute(() -> {
            try {
                if (verify) {
                    verifyThenProduce(ctx, req, result);
                } else {
                    produceAndAnswer(ctx, req, java.util.Map.of(), java.util.Map.of(), result);
                }
            } catch (Throwable e) {
                Fatal.exitOnOutOfMemory(e);
                result.completeExceptionally(e);
            }
        });
        return result;
    }

    private void produceAndAnswer(RequestContext ctx, ProduceRequestData req, java.util.Map<TopicPartition, VerificationGuard> guards,
                                  java.util.Map<TopicPartition, Errors> refused, CompletableFuture<ApiMessage> result) {
        List<Replicating> waiting = new ArrayList<>();
        ProduceResponseData resp = produce(req, ctx.apiVersion(), waiting, guards, refused);
        if (req.acks() == 0) {
            result.complete(null);
        } else if (waiting.isEmpty()) {
            result.complete(resp);
        } else {
            awaitReplication(ctx, resp, waiting, req.timeoutMs(), result);
        }
    }

    /** A producer's partitions awaiting KIP-890's verification. */
    private record Producer(long producerId, short producerEpoch) {
    }

    /**
     * KIP-890 part 1: for each partition led here whose transactional batch would open its producer's transaction,
     * asks the coordinator whether the transaction includes the partition; the batch is appended only with the guard
     * the log handed out, and only when the coordinator said yes. A late write of an ended transaction (or one of a
     * producer that never added the partition) is refused instead of leaving a transaction nobody will end.
     */
    private void verifyThenProduce(RequestContext ctx, ProduceRequestData req, CompletableFuture<ApiMessage> result) {
        long nowMs = clock.millis();
        java.util.Map<TopicPartition, VerificationGuard> guards = new java.util.HashMap<>();
        java.util.Map<Producer, java.util.Set<TopicPartition>> toAsk = new java.util.HashMap<>();
        for (ProduceRequestData.TopicProduceData td : req.topicData()) {
            Optional<TopicInfo> topic = ctx.apiVersion() >= 13 ? registry.topic(Uuids.fromKafka(td.topicId())) : registry.topic(td.name());
            for (ProduceRequestData.PartitionProduceData pd : td.partitionData()) {
                LeaderCheck leader = LeaderCheck.of(replicas, topic, ctx.apiVersion() >= 13, pd.index(), -1);
                if (!leader.ok() || topic.get().isInternal() || !(pd.records() instanceof MemoryRecords mr)) {
                    continue; // produce() answers these
                }
                ByteBuffer buf = mr.buffer();
                if (buf.remaining() < RecordBatchHeader.HEADER_BYTES || !RecordBatchHeader.isTransactional(buf, buf.position())) {
                    continue;
                }
                Producer producer = new Producer(buf.getLong(buf.position() + RecordBatchHeader.PRODUCER_ID),
                        buf.getShort(buf.position() + RecordBatchHeader.PRODUCER_EPOCH));
                TopicPartition tp = leader.log().topicPartition();
                VerificationGuard guard = leader.log().beginVerification(producer.producerId(), producer.producerEpoch(), nowMs);
                guards.put(tp, guard);
                if (guard.needsVerification()) {
                    toAsk.computeIfAbsent(producer, k -> new java.util.HashSet<>()).add(tp);
                }
            }
        }
        if (toAsk.isEmpty()) {
            produceAndAnswer(ctx, req, guards, java.util.Map.of(), result);
            return;
        }
        java.util.Map<TopicPartition, Errors> refused = new java.util.concurrent.ConcurrentHashMap<>();
        List<CompletableFuture<Void>> asks = new ArrayList<>();
        toAsk.forEach((producer, tps) -> asks.add(verifier.verify(req.transactionalId(), producer.producerId(),
                producer.producerEpoch(), tps).thenAccept(answers -> tps.forEach(tp -> {
                    Errors e = answers.getOrDefault(tp, Errors.INVALID_TXN_STATE);
                    if (e != Errors.NONE) {
                        refused.put(tp, verificationError(e));
                    }
                }))));
        CompletableFuture.allOf(asks.toArray(CompletableFuture[]::new)).whenComplete((ok, failure) -> ctx.executor().execute(() -> {
            try {
                if (failure != null) {
                    throw failure;
                }
                produceAndAnswer(ctx, req, guards, refused, result);
            } catch (Throwable e) {
                Fatal.exitOnOutOfMemory(e);
                result.completeExceptionally(e);
            }
        }));
    }

    /**
     * The produce error for a verification the coordinator refused: a coordinator that is moving or busy becomes
     * NOT_ENOUGH_REPLICAS (retriable for every client version, as Kafka answers), a fenced producer
     * INVALID_PRODUCER_EPOCH (what the log would say), anything else INVALID_TXN_STATE.
     */
    static Errors verificationError(Errors coordinatorError) {
        return switch (coordinatorError) {
            case NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE, COORDINATOR_LOAD_IN_PROGRESS, CONCURRENT_TRANSACTIONS,
                 REQUEST_TIMED_OUT, NETWORK_EXCEPTION -> Errors.NOT_ENOUGH_REPLICAS;
            case PRODUCER_FENCED, INVALID_PRODUCER_EPOCH -> Errors.INVALID_PRODUCER_EPOCH;
            default -> Errors.INVALID_TXN_STATE;
        };
    }

    /**
     * True when this request's appends are small page-cache writes, cheap enough for the event loop: at most
     * {@link #INLINE_MAX_BYTES} of uncompressed records and no append that may fsync (see
     * {@link PartitionLog#appendMaySync}). Larger requests go to the request executor, so that a producer's pipelined
     * requests are appended while the event loop reads the next ones; so do compressed batches, whose validation
     * decompresses them (a few KiB of zstd may inflate to tens of MiB below message.decompressed.max.bytes).
     * Partitions this broker cannot append to are answered with an error and do not count.
     */
    private boolean runsInline(ProduceRequestData req, short version) {
        int totalBytes = 0;
        for (ProduceRequestData.TopicProduceData td : req.topicData()) {
            for (ProduceRequestData.PartitionProduceData pd : td.partitionData()) {
                totalBytes += pd.records() == null ? 0 : pd.records().sizeInBytes();
                if (totalBytes <= INLINE_MAX_BYTES && pd.records() instanceof MemoryRecords mr
                        && RecordBatchHeader.anyCompressed(mr.buffer())) {
                    return false;
                }
            }
        }
        if (totalBytes > INLINE_MAX_BYTES) {
            return false;
        }
        long nowMs = clock.millis();
        for (ProduceRequestData.TopicProduceData td : req.topicData()) {
            Optional<TopicInfo> topic = version >= 13 ? registry.topic(Uuids.fromKafka(td.topicId())) : registry.topic(td.name());
            if (topic.isEmpty()) {
                continue;
            }
            for (ProduceRequestData.PartitionProduceData pd : td.partitionData()) {
                Optional<PartitionLog> log = replicas.log(new TopicPartition(topic.get().name(), pd.index()));
                int bytes = pd.records() == null ? 0 : pd.records().sizeInBytes();
                if (log.isPresent() && log.get().appendMaySync(bytes, nowMs)) {
                    return false;
                }
            }
        }
        return true;
    }

    /** An acks=all append waiting for the high watermark to pass {@code requiredOffset}. */
    private record Replicating(TopicPartition tp, long requiredOffset, int minInsync, ProduceResponseData.PartitionProduceResponse response) {
    }

    /**
     * Parks the response until the high watermark passes every appended batch, the ISR shrinks below the minimum, the
     * log's directory goes offline, or {@code timeoutMs} passes. If the client's connection closes first, the wait
     * ends at once unanswered: the records stay appended, as they would after a timeout.
     */
    private void awaitReplication(RequestContext ctx, ProduceResponseData resp, List<Replicating> waiting, int timeoutMs,
                                  CompletableFuture<ApiMessage> result) {
        boolean storageErrorKnown = ctx.apiVersion() >= 4;
        List<TopicPartition> tps = waiting.stream().map(Replicating::tp).distinct().toList();
        DelayedFetches.Handle parked = delayedProduces.park(new DelayedFetches.Waiter() {
            @Override
            public boolean tryComplete() {
                waiting.removeIf(this::settled);
                if (waiting.isEmpty()) {
                    result.complete(resp);
                    return true;
                }
                return false;
            }

            private boolean settled(Replicating w) {
                Optional<PartitionLog> log = replicas.leaderLog(w.tp());
                if (log.isEmpty()) {
                    fail(w, Errors.NOT_LEADER_OR_FOLLOWER);
                    return true;
                }
                if (log.get().isFailed()) {
                    // Its directory went offline: whether the records reach the other replicas is unknown, and the
                    // producer learns it now rather than at its timeout (it retries; idempotence drops a duplicate).
                    fail(w, LeaderCheck.storageError(storageErrorKnown));
                    return true;
                }
                if (log.get().highWatermark() >= w.requiredOffset()) {
                    return true;
                }
                if (replicas.availableInSyncReplicas(w.tp()) < w.minInsync()) {
                    fail(w, Errors.NOT_ENOUGH_REPLICAS_AFTER_APPEND);
                    return true;
                }
                return false;
            }

            @Override
            public void forceComplete() {
                waiting.removeIf(this::settled);
                waiting.forEach(w -> fail(w, Errors.REQUEST_TIMED_OUT));
                result.complete(resp);
            }

            @Override
            public void abort(Throwable cause) {
                result.completeExceptionally(cause);
            }
        }, tps, Math.max(timeoutMs, 0));
        Runnable unregister = ctx.connection().whenClosed(() -> {
            if (parked.cancel()) {
                result.complete(null);
            }
        });
        result.whenComplete((r, e) -> unregister.run());
    }

    private static void fail(Replicating w, Errors error) {
        w.response().setErrorCode(error.code()).setErrorMessage(error.message()).setBaseOffset(-1);
    }

    private ProduceResponseData produce(ProduceRequestData req, short version, List<Replicating> waiting,
                                        java.util.Map<TopicPartition, VerificationGuard> guards, java.util.Map<TopicPartition, Errors> refused) {
        ProduceResponseData resp = new ProduceResponseData();
        long nowMs = clock.millis();
        for (ProduceRequestData.TopicProduceData td : req.topicData()) {
            ProduceResponseData.TopicProduceResponse tr = new ProduceResponseData.TopicProduceResponse()
                    .setName(td.name()).setTopicId(td.topicId());
            Optional<TopicInfo> topic = version >= 13 ? registry.topic(Uuids.fromKafka(td.topicId())) : registry.topic(td.name());
            for (ProduceRequestData.PartitionProduceData pd : td.partitionData()) {
                ProduceResponseData.PartitionProduceResponse pr = new ProduceResponseData.PartitionProduceResponse()
                        .setIndex(pd.index()).setBaseOffset(-1).setLogAppendTimeMs(-1).setLogStartOffset(-1);
                LeaderCheck leader = LeaderCheck.of(replicas, topic, version >= 13, pd.index(), -1);
                if (topic.isPresent() && topic.get().isInternal()) {
                    // Kafka refuses these before it looks at leadership; the broker's own coordinators append to
                    // the log directly, not through Produce.
                    pr.setErrorCode(Errors.INVALID_TOPIC_EXCEPTION.code())
                            .setErrorMessage("Cannot append to internal topic " + topic.get().name());
                    metrics.produceRejected(topic.get().name(), INTERNAL_TOPIC_REASON);
                } else if (!leader.ok()) {
                    pr.setErrorCode(leader.error(version >= 4).code());
                } else if (req.acks() == -1 && replicas.availableInSyncReplicas(leader.log().topicPartition()) < leader.log().config().minInsyncReplicas()) {
                    pr.setErrorCode(Errors.NOT_ENOUGH_REPLICAS.code()).setErrorMessage("The in-sync replicas of "
                            + leader.log().topicPartition() + " are fewer than min.insync.replicas "
                            + leader.log().config().minInsyncReplicas());
                } else if (refused.containsKey(leader.log().topicPartition())) {
                    Errors e = refused.get(leader.log().topicPartition());
                    pr.setErrorCode(e.code()).setErrorMessage("the transaction coordinator did not confirm that the transaction "
                            + "of the producer includes " + leader.log().topicPartition() + " (KIP-890)");
                } else {
                    long required = append(leader.log(), leader.state().leaderEpoch(), pd.records(), nowMs, pr, version,
                            guards.get(leader.log().topicPartition()));
                    if (req.acks() == -1 && required >= 0 && leader.log().highWatermark() < required) {
                        waiting.add(new Replicating(leader.log().topicPartition(), required,
                                leader.log().config().minInsyncReplicas(), pr));
                    }
                }
                tr.partitionResponses().add(pr);
            }
            resp.responses().add(tr);
        }
        return resp;
    }

    /** Appends and fills {@code pr}; returns the offset the high watermark must reach for acks=all, or -1 on error. */
    private long append(PartitionLog log, int leaderEpoch, BaseRecords records, long nowMs, ProduceResponseData.PartitionProduceResponse pr,
                        short version, VerificationGuard guard) {
        ByteBuffer buf = records instanceof MemoryRecords mr ? mr.buffer() : ByteBuffer.allocate(0);
        AppendResult result = log.appendAsLeader(buf, leaderEpoch, nowMs, guard);
        if (result instanceof AppendResult.Appended a) {
            pr.setErrorCode(Errors.NONE.code()).setBaseOffset(a.firstOffset())
                    .setLogAppendTimeMs(a.logAppendTimeMs()).setLogStartOffset(a.logStartOffset());
            if (!a.duplicate()) {
                metrics.recordsIn(log.topicPartition().topic(), a.lastOffset() - a.firstOffset() + 1, buf.remaining());
                replicas.onAppended(log.topicPartition());
            }
            return a.lastOffset() + 1;
        } else if (result instanceof AppendResult.Rejected r) {
            Errors e = errorOf(r.error());
            pr.setErrorCode((e == Errors.KAFKA_STORAGE_ERROR ? LeaderCheck.storageError(version >= 4) : e).code())
                    .setErrorMessage(r.message());
            for (RecordError re : r.recordErrors()) {
                // Produce v8+ carries them (the Java producer fails exactly these records); older versions drop them.
                pr.recordErrors().add(new ProduceResponseData.BatchIndexAndErrorMessage()
                        .setBatchIndex(re.batchIndex()).setBatchIndexErrorMessage(re.message()));
            }
            metrics.produceRejected(log.topicPartition().topic(), r.reason());
        }
        return -1;
    }

    static Errors errorOf(AppendError e) {
        return switch (e) {
            case CORRUPT_MESSAGE -> Errors.CORRUPT_MESSAGE;
            case INVALID_RECORD -> Errors.INVALID_RECORD;
            case RECORD_TOO_LARGE -> Errors.MESSAGE_TOO_LARGE;
            case OUT_OF_ORDER_SEQUENCE_NUMBER -> Errors.OUT_OF_ORDER_SEQUENCE_NUMBER;
            case INVALID_PRODUCER_EPOCH -> Errors.INVALID_PRODUCER_EPOCH;
            case UNKNOWN_PRODUCER_ID -> Errors.UNKNOWN_PRODUCER_ID;
            case INVALID_TXN_STATE -> Errors.INVALID_TXN_STATE;
            case TRANSACTION_COORDINATOR_FENCED -> Errors.TRANSACTION_COORDINATOR_FENCED;
            case INVALID_TIMESTAMP -> Errors.INVALID_TIMESTAMP;
            case UNSUPPORTED_FOR_MESSAGE_FORMAT -> Errors.UNSUPPORTED_FOR_MESSAGE_FORMAT;
            case KAFKA_STORAGE_ERROR -> Errors.KAFKA_STORAGE_ERROR;
        };
    }

    private static boolean hasTransactionalBatches(ProduceRequestData req) {
        for (ProduceRequestData.TopicProduceData td : req.topicData()) {
            for (ProduceRequestData.PartitionProduceData pd : td.partitionData()) {
                if (pd.records() instanceof MemoryRecords mr && RecordBatchHeader.anyTransactional(mr.buffer())) {
                    return true;
                }
            }
        }
        return false;
    }

    private static ProduceResponseData errorAll(ProduceRequestData req, Errors error, String message) {
        ProduceResponseData resp = new ProduceResponseData();
        for (ProduceRequestData.TopicProduceData td : req.topicData()) {
            ProduceResponseData.TopicProduceResponse tr = new ProduceResponseData.TopicProduceResponse()
                    .setName(td.name()).setTopicId(td.topicId() == null ? Uuid.ZERO_UUID : td.topicId());
            for (ProduceRequestData.PartitionProduceData pd : td.partitionData()) {
                tr.partitionResponses().add(new ProduceResponseData.PartitionProduceResponse().setIndex(pd.index())
                        .setErrorCode(error.code()).setErrorMessage(message).setBaseOffset(-1));
            }
            resp.responses().add(tr);
        }
        return req.acks() == 0 ? null : resp;
    }
}
