package io.sluice.brokerd.api;

import io.sluice.brokerd.common.TopicPartition;
import io.sluice.brokerd.log.AppendError;
import io.sluice.brokerd.log.AppendResult;
import io.sluice.brokerd.log.PartitionLog;
import io.sluice.brokerd.metadata.TopicInfo;
import io.sluice.brokerd.metrics.BrokerMetrics;
import io.sluice.brokerd.metadata.TopicRegistry;
import io.sluice.brokerd.network.ApiHandler;
import io.sluice.brokerd.network.ApiRegistry;
import io.sluice.brokerd.network.RequestContext;
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
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Produce (key 0): advertised from v0 because librdkafka requires it, but frames below v3 are refused by the
 * network layer (kafka-clients cannot parse them). Appends run on the connection's request executor, never on the event loop.
 * On a single node acks=all is satisfied once the leader has appended; acks=0 gets no response.
 */
public final class ProduceHandler implements ApiHandler {
    private final TopicRegistry registry;
    private final ReplicaManager replicas;
    private final Clock clock;

    private final BrokerMetrics metrics;

    public ProduceHandler(TopicRegistry registry, ReplicaManager replicas, Clock clock, BrokerMetrics metrics) {
        this.metrics = metrics;
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
        if (req.transactionalId() != null) {
            return CompletableFuture.completedFuture(errorAll(req, Errors.TRANSACTIONAL_ID_NOT_FOUND,
                    "transactions are not supported by this broker yet"));
        }
        if (req.acks() != 0 && req.acks() != 1 && req.acks() != -1) {
            return CompletableFuture.completedFuture(errorAll(req, Errors.INVALID_REQUIRED_ACKS,
                    "acks must be -1, 0 or 1, not " + req.acks()));
        }
        return CompletableFuture.supplyAsync(() -> {
            ProduceResponseData resp = produce(req, ctx.apiVersion());
            return req.acks() == 0 ? null : resp;
        }, ctx.executor());
    }

    private ProduceResponseData produce(ProduceRequestData req, short version) {
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
                if (!leader.ok()) {
                    pr.setErrorCode(leader.error().code());
                } else {
                    append(leader.log(), leader.state().leaderEpoch(), pd.records(), nowMs, pr);
                }
                tr.partitionResponses().add(pr);
            }
            resp.responses().add(tr);
        }
        return resp;
    }

    private void append(PartitionLog log, int leaderEpoch, BaseRecords records, long nowMs, ProduceResponseData.PartitionProduceResponse pr) {
        ByteBuffer buf = records instanceof MemoryRecords mr ? mr.buffer() : ByteBuffer.allocate(0);
        AppendResult result = log.appendAsLeader(buf, leaderEpoch, nowMs);
        if (result instanceof AppendResult.Appended a) {
            pr.setErrorCode(Errors.NONE.code()).setBaseOffset(a.firstOffset())
                    .setLogAppendTimeMs(a.logAppendTimeMs()).setLogStartOffset(a.logStartOffset());
            if (!a.duplicate()) {
                metrics.recordsIn(log.topicPartition().topic(), a.lastOffset() - a.firstOffset() + 1, buf.remaining());
                replicas.onAppended(log.topicPartition());
            }
        } else if (result instanceof AppendResult.Rejected r) {
            pr.setErrorCode(errorOf(r.error()).code()).setErrorMessage(r.message());
        }
    }

    static Errors errorOf(AppendError e) {
        return switch (e) {
            case CORRUPT_MESSAGE -> Errors.CORRUPT_MESSAGE;
            case INVALID_RECORD -> Errors.INVALID_RECORD;
            case RECORD_TOO_LARGE -> Errors.MESSAGE_TOO_LARGE;
            case OUT_OF_ORDER_SEQUENCE_NUMBER -> Errors.OUT_OF_ORDER_SEQUENCE_NUMBER;
            case INVALID_PRODUCER_EPOCH -> Errors.INVALID_PRODUCER_EPOCH;
            case UNKNOWN_PRODUCER_ID -> Errors.UNKNOWN_PRODUCER_ID;
            case INVALID_TIMESTAMP -> Errors.INVALID_TIMESTAMP;
            case UNSUPPORTED_FOR_MESSAGE_FORMAT -> Errors.UNSUPPORTED_FOR_MESSAGE_FORMAT;
            case KAFKA_STORAGE_ERROR -> Errors.KAFKA_STORAGE_ERROR;
        };
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
