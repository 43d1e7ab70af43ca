package io.sluice.brokerd.api;

import io.sluice.brokerd.metadata.TopicRegistry;
import io.sluice.brokerd.network.ApiRegistry;
import io.sluice.brokerd.network.RequestContext;
import io.sluice.brokerd.producer.ProducerStateManager;
import io.sluice.brokerd.replica.ReplicaManager;
import org.apache.kafka.common.message.DescribeProducersRequestData;
import org.apache.kafka.common.message.DescribeProducersResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

import java.util.concurrent.CompletableFuture;

/**
 * DescribeProducers (key 61, v0), as Kafka answers it from the partition leader's producer state: per partition every
 * producer tracked, with its epoch, last sequence, last timestamp, the epoch of the transaction coordinator that
 * wrote its last marker (-1 when none) and the first offset of its open transaction (-1 when none). A partition this
 * broker does not lead gets NOT_LEADER_OR_FOLLOWER, an unknown one UNKNOWN_TOPIC_OR_PARTITION (LeaderCheck).
 */
public final class ProducersHandler {
    private final TopicRegistry registry;
    private final ReplicaManager replicas;

    public ProducersHandler(TopicRegistry registry, ReplicaManager replicas) {
        this.registry = registry;
        this.replicas = replicas;
    }

    public void register(ApiRegistry apis) {
        apis.register(ApiKeys.DESCRIBE_PRODUCERS, 0, 0, this::describeProducers);
    }

    CompletableFuture<ApiMessage> describeProducers(RequestContext ctx, ApiMessage request) {
        DescribeProducersRequestData req = (DescribeProducersRequestData) request;
        return CompletableFuture.supplyAsync(() -> {
            DescribeProducersResponseData resp = new DescribeProducersResponseData();
            for (DescribeProducersRequestData.TopicRequest t : req.topics()) {
                DescribeProducersResponseData.TopicResponse tr = new DescribeProducersResponseData.TopicResponse().setName(t.name());
                for (int partition : t.partitionIndexes()) {
                    tr.partitions().add(describe(t.name(), partition));
                }
                resp.topics().add(tr);
            }
            return resp;
        }, ctx.executor());
    }

    private DescribeProducersResponseData.PartitionResponse describe(String topic, int partition) {
        DescribeProducersResponseData.PartitionResponse pr = new DescribeProducersResponseData.PartitionResponse()
                .setPartitionIndex(partition);
        LeaderCheck leader = LeaderCheck.of(replicas, registry.topic(topic), false, partition, -1);
        if (!leader.ok()) {
            return pr.setErrorCode(leader.error().code()).setErrorMessage(leader.error().message());
        }
        for (ProducerStateManager.ProducerView p : leader.log().producers()) {
            pr.activeProducers().add(new DescribeProducersResponseData.ProducerState().setProducerId(p.producerId())
                    .setProducerEpoch(p.epoch()).setLastSequence(p.lastSequence()).setLastTimestamp(p.lastTimestampMs())
                    .setCoordinatorEpoch(p.coordinatorEpoch()).setCurrentTxnStartOffset(p.currentTxnStartOffset()));
        }
        return pr.setErrorCode(Errors.NONE.code());
    }
}
