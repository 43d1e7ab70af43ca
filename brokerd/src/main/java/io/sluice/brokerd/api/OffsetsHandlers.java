package io.sluice.brokerd.api;

import io.sluice.brokerd.common.TopicPartition;
import io.sluice.brokerd.log.PartitionLog;
import io.sluice.brokerd.log.TimestampOffset;
import io.sluice.brokerd.metadata.InternalTopics;
import io.sluice.brokerd.metadata.TopicRegistry;
import io.sluice.brokerd.network.ApiRegistry;
import io.sluice.brokerd.network.RequestContext;
import io.sluice.brokerd.producer.ProducerIdManager;
import io.sluice.brokerd.replica.ReplicaManager;
import io.sluice.brokerd.txn.TransactionCoordinator;
import org.apache.kafka.common.message.DeleteRecordsRequestData;
import org.apache.kafka.common.message.DeleteRecordsResponseData;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.ListOffsetsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The offset family: ListOffsets (key 2, v1-11), DeleteRecords (key 21, v0-2) and InitProducerId (key 22, v0-5)
 * for idempotent producers (and, handed to the {@link TransactionCoordinator}, transactional ones). All run on the connection's request executor (index lookups and segment removal do I/O).
 */
public final class OffsetsHandlers {
    private static final Logger log = LoggerFactory.getLogger(OffsetsHandlers.class);
    static final long LATEST = -1;
    static final long EARLIEST = -2;
    static final long MAX_TIMESTAMP = -3;
    static final long EARLIEST_LOCAL = -4;

    private final TopicRegistry registry;
    private final ReplicaManager replicas;
    private final ProducerIdManager producerIds;
    private final TransactionCoordinator transactions;
    private final java.time.Clock clock;

    public OffsetsHandlers(TopicRegistry registry, ReplicaManager replicas, ProducerIdManager producerIds,
                           TransactionCoordinator transactions, java.time.Clock clock) {
        this.registry = registry;
        this.replicas = replicas;
        this.producerIds = producerIds;
        this.transactions = transactions;
        this.clock = clock;
    }

    public void register(ApiRegistry apis) {
        apis.register(ApiKeys.LIST_OFFSETS, 1, 11, this::listOffsets);
        apis.register(ApiKeys.DELETE_RECORDS, 0, 2, this::deleteRecords);
        apis.register(ApiKeys.INIT_PRODUCER_ID, 0, 5, this::initProducerId);
        apis.register(ApiKeys.OFFSET_FOR_LEADER_EPOCH, 2, 4, this::offsetForLeaderEpoch);
    }

    /** ListOffsets isolation_level of a READ_COMMITTED consumer. */
    private static final byte READ_COMMITTED = 1;

    private LeaderCheck leader(String topic, int partition, int currentLeaderEpoch) {
        return LeaderCheck.of(replicas, registry.topic(topic), false, partition, currentLeaderEpoch);
    }

    CompletableFuture<ApiMessage> listOffsets(RequestContext ctx, ApiMessage request) {
        ListOffsetsRequestData req = (ListOffsetsRequestData) request;
        return CompletableFuture.supplyAsync(() -> {
            ListOffsetsResponseData resp = new ListOffsetsResponseData();
            for (ListOffsetsRequestData.ListOffsetsTopic t : req.topics()) {
                ListOffsetsResponseData.ListOffsetsTopicResponse tr = new ListOffsetsResponseData.ListOffsetsTopicResponse().setName(t.name());
                for (ListOffsetsRequestData.ListOffsetsPartition p : t.partitions()) {
                    tr.partitions().add(listOffset(leader(t.name(), p.partitionIndex(), p.currentLeaderEpoch()), p, ctx.apiVersion(),
                            req.isolationLevel() == READ_COMMITTED));
                }
                resp.topics().add(tr);
            }
            return resp;
        }, ctx.executor());
    }

    private static ListOffsetsResponseData.ListOffsetsPartitionResponse listOffset(LeaderCheck leader,
                                                                                  ListOffsetsRequestData.ListOffsetsPartition p,
                                                                                  short version, boolean readCommitted) {
        ListOffsetsResponseData.ListOffsetsPartitionResponse r = find(leader, p, readCommitted);
        // leaderEpoch exists from v4; older versions must carry the default.
        return version >= 4 ? r : r.setLeaderEpoch(-1);
    }

    private static ListOffsetsResponseData.ListOffsetsPartitionResponse find(LeaderCheck leader,
                                                                             ListOffsetsRequestData.ListOffsetsPartition p,
                                                                             boolean readCommitted) {
        ListOffsetsResponseData.ListOffsetsPartitionResponse r = new ListOffsetsResponseData.ListOffsetsPartitionResponse()
                .setPartitionIndex(p.partitionIndex()).setTimestamp(-1).setOffset(-1).setLeaderEpoch(-1);
        if (!leader.ok()) {
            return r.setErrorCode(leader.error().code());
        }
        PartitionLog log = leader.log();
        r.setErrorCode(Errors.NONE.code()).setLeaderEpoch(leader.state().leaderEpoch());
        long ts = p.timestamp();
        // Kafka's rule: a consumer may be told of offsets it can fetch, below the LSO for READ_COMMITTED.
        long lastFetchable = readCommitted ? log.lastStableOffset() : log.highWatermark();
        if (ts == LATEST) {
            return r.setOffset(lastFetchable);
        }
        if (ts == EARLIEST || ts == EARLIEST_LOCAL) {
            return r.setOffset(log.logStartOffset());
        }
        Optional<TimestampOffset> found;
        if (ts == MAX_TIMESTAMP) {
            found = log.maxTimestamp();
        } else if (ts >= 0) {
            found = log.offsetForTimestamp(ts);
        } else {
            // Tiered-storage specs (-5, -6): nothing is tiered here.
            return r.setLeaderEpoch(-1);
        }
        return found.filter(f -> f.offset() < lastFetchable || !readCommitted)
                .map(f -> r.setTimestamp(f.timestampMs()).setOffset(f.offset())).orElse(r.setLeaderEpoch(-1));
    }

    CompletableFuture<ApiMessage> deleteRecords(RequestContext ctx, ApiMessage request) {
        DeleteRecordsRequestData req = (DeleteRecordsRequestData) request;
        return CompletableFuture.supplyAsync(() -> {
            DeleteRecordsResponseData resp = new DeleteRecordsResponseData();
            for (DeleteRecordsRequestData.DeleteRecordsTopic t : req.topics()) {
                DeleteRecordsResponseData.DeleteRecordsTopicResult tr = new DeleteRecordsResponseData.DeleteRecordsTopicResult().setName(t.name());
                for (DeleteRecordsRequestData.DeleteRecordsPartition p : t.partitions()) {
                    DeleteRecordsResponseData.DeleteRecordsPartitionResult pr = new DeleteRecordsResponseData.DeleteRecordsPartitionResult()
                            .setPartitionIndex(p.partitionIndex()).setLowWatermark(-1);
                    LeaderCheck leader = leader(t.name(), p.partitionIndex(), -1);
                    if (InternalTopics.isInternal(t.name())) {
                        // As Kafka: the coordinators' records are theirs to remove (a client could drop committed offsets)
                        pr.setErrorCode(Errors.INVALID_TOPIC_EXCEPTION.code());
                    } else if (!leader.ok()) {
                        pr.setErrorCode(leader.error().code());
                    } else {
                        PartitionLog log = leader.log();
                        long offset = p.offset() == -1 ? log.highWatermark() : p.offset();
                        if (offset < 0 || offset > log.highWatermark()) {
                            pr.setErrorCode(Errors.OFFSET_OUT_OF_RANGE.code());
                        } else {
                            pr.setErrorCode(Errors.NONE.code()).setLowWatermark(log.deleteRecordsBefore(offset));
                        }
                    }
                    tr.partitions().add(pr);
                }
                resp.topics().add(tr);
            }
            return resp;
        }, ctx.executor());
    }

    /**
     * OffsetForLeaderEpoch (key 23, v2-4): for each partition led here, the largest leader epoch in its log not above
     * the requested one and the offset where the log moved past it (the log end offset for the current epoch), as
     * Kafka's epoch cache answers; consumers use it to detect truncated positions after a leader change (KIP-320).
     */
    CompletableFuture<ApiMessage> offsetForLeaderEpoch(RequestContext ctx, ApiMessage request) {
        org.apache.kafka.common.message.OffsetForLeaderEpochRequestData req = (org.apache.kafka.common.message.OffsetForLeaderEpochRequestData) request;
        return CompletableFuture.supplyAsync(() -> {
            org.apache.kafka.common.message.OffsetForLeaderEpochResponseData resp = new org.apache.kafka.common.message.OffsetForLeaderEpochResponseData();
            for (org.apache.kafka.common.message.OffsetForLeaderEpochRequestData.OffsetForLeaderTopic t : req.topics()) {
                org.apache.kafka.common.message.OffsetForLeaderEpochResponseData.OffsetForLeaderTopicResult tr =
                        new org.apache.kafka.common.message.OffsetForLeaderEpochResponseData.OffsetForLeaderTopicResult().setTopic(t.topic());
                for (org.apache.kafka.common.message.OffsetForLeaderEpochRequestData.OffsetForLeaderPartition p : t.partitions()) {
                    org.apache.kafka.common.message.OffsetForLeaderEpochResponseData.EpochEndOffset r =
                            new org.apache.kafka.common.message.OffsetForLeaderEpochResponseData.EpochEndOffset()
                                    .setPartition(p.partition()).setLeaderEpoch(-1).setEndOffset(-1);
                    LeaderCheck leader = leader(t.topic(), p.partition(), p.currentLeaderEpoch());
                    if (!leader.ok()) {
                        r.setErrorCode(leader.error().code());
                    } else {
                        io.sluice.brokerd.log.EpochEndOffset eo = leader.log().endOffsetForEpoch(p.leaderEpoch());
                        r.setErrorCode(Errors.NONE.code()).setLeaderEpoch(eo.epoch()).setEndOffset(eo.endOffset());
                    }
                    tr.partitions().add(r);
                }
                resp.topics().add(tr);
            }
            return resp;
        }, ctx.executor());
    }

    CompletableFuture<ApiMessage> initProducerId(RequestContext ctx, ApiMessage request) {
        InitProducerIdRequestData req = (InitProducerIdRequestData) request;
        InitProducerIdResponseData resp = new InitProducerIdResponseData().setProducerId(-1).setProducerEpoch((short) -1);
        if (req.transactionalId() != null) {
            // Off the event loop: a new transactional id may wait for a block of producer ids from the controller.
            return CompletableFuture.supplyAsync(() -> transactions.initProducerId(req.transactionalId(), req.transactionTimeoutMs(),
                    req.producerId(), req.producerEpoch(), clock.millis()), ctx.executor()).thenCompose(f -> f)
                    .thenApply(r -> resp.setErrorCode(r.error().code()).setProducerId(r.producerId()).setProducerEpoch(r.producerEpoch()));
        }
        return CompletableFuture.supplyAsync(() -> {
            try {
                return resp.setErrorCode(Errors.NONE.code()).setProducerId(producerIds.nextProducerId()).setProducerEpoch((short) 0);
            } catch (IllegalStateException e) {
                // The controller could not hand out a block in time: retriable for the client.
                log.warn("InitProducerId: {}", e.getMessage());
                return resp.setErrorCode(Errors.COORDINATOR_LOAD_IN_PROGRESS.code());
            }
        }, ctx.executor());
    }
}
