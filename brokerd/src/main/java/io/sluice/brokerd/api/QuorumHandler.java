package io.sluice.brokerd.api;

import io.sluice.brokerd.controller.QuorumDescription;
import io.sluice.brokerd.network.ApiRegistry;
import io.sluice.brokerd.network.RequestContext;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.DescribeQuorumRequestData;
import org.apache.kafka.common.message.DescribeQuorumResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * DescribeQuorum (v0-2): the controller quorum as its leader sees it, answered by every broker (Kafka's brokers
 * forward it to the active controller; here the broker asks the quorum leader over Raft, off the event loop). The
 * quorum's log is named as Kafka names it, {@code __cluster_metadata} partition 0; offsets are Raft log indexes (see
 * {@link QuorumDescription}). v2 lists each voter's Raft address as its {@code CONTROLLER} listener; directory ids
 * are the zero UUID (Sluice keeps none). Authorization (DESCRIBE on CLUSTER) is {@link ApiAuthorization}'s.
 */
public final class QuorumHandler {
    /** The name Kafka gives the controller quorum's log. */
    static final String METADATA_TOPIC = "__cluster_metadata";
    static final String CONTROLLER_LISTENER = "CONTROLLER";

    private final Supplier<QuorumDescription> describe;
    private final Map<Integer, String> voters;

    /** {@code describe} asks the quorum leader (it blocks; throws when no leader answers). */
    public QuorumHandler(Supplier<QuorumDescription> describe, Map<Integer, String> voters) {
        this.describe = describe;
        this.voters = Map.copyOf(voters);
    }

    public void register(ApiRegistry apis) {
        apis.register(ApiKeys.DESCRIBE_QUORUM, 0, 2, (ctx, r) -> CompletableFuture.supplyAsync(
                () -> describeQuorum(ctx, (DescribeQuorumRequestData) r), ctx.executor()));
    }

    private ApiMessage describeQuorum(RequestContext ctx, DescribeQuorumRequestData req) {
        DescribeQuorumResponseData resp = new DescribeQuorumResponseData();
        if (req.topics().size() != 1 || req.topics().get(0).partitions().size() != 1) {
            return resp.setErrorCode(Errors.INVALID_REQUEST.code())
                    .setErrorMessage("DescribeQuorum asks about exactly one partition, " + METADATA_TOPIC + "-0");
        }
        DescribeQuorumRequestData.TopicData topic = req.topics().get(0);
        int partition = topic.partitions().get(0).partitionIndex();
        DescribeQuorumResponseData.PartitionData out = new DescribeQuorumResponseData.PartitionData().setPartitionIndex(partition);
        resp.topics().add(new DescribeQuorumResponseData.TopicData().setTopicName(topic.topicName()).setPartitions(List.of(out)));
        if (!METADATA_TOPIC.equals(topic.topicName()) || partition != 0) {
            return resp.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code()).setErrorMessage("the controller quorum's log is "
                    + METADATA_TOPIC + "-0, not " + topic.topicName() + "-" + partition);
        }
        QuorumDescription q;
        try {
            q = describe.get();
        } catch (IllegalStateException e) {
            out.setErrorCode(Errors.NOT_LEADER_OR_FOLLOWER.code()).setErrorMessage(e.getMessage()).setLeaderId(-1).setLeaderEpoch(-1);
            return resp;
        }
        out.setLeaderId(q.leaderId()).setLeaderEpoch((int) Math.min(Integer.MAX_VALUE, q.leaderEpoch()))
                .setHighWatermark(q.highWatermark());
        q.voters().forEach(v -> out.currentVoters().add(replica(v)));
        q.observers().forEach(o -> out.observers().add(replica(o)));
        if (ctx.apiVersion() >= 2) {
            voters.forEach((id, address) -> {
                int colon = address.lastIndexOf(':');
                DescribeQuorumResponseData.Node node = new DescribeQuorumResponseData.Node().setNodeId(id);
                node.listeners().add(new DescribeQuorumResponseData.Listener().setName(CONTROLLER_LISTENER)
                        .setHost(address.substring(0, colon)).setPort(Integer.parseInt(address.substring(colon + 1))));
                resp.nodes().add(node);
            });
        }
        return resp;
    }

    private static DescribeQuorumResponseData.ReplicaState replica(QuorumDescription.Replica r) {
        return new DescribeQuorumResponseData.ReplicaState().setReplicaId(r.nodeId()).setReplicaDirectoryId(Uuid.ZERO_UUID)
                .setLogEndOffset(r.logEndOffset()).setLastFetchTimestamp(r.lastFetchMs()).setLastCaughtUpTimestamp(r.lastCaughtUpMs());
    }
}
