package io.sluice.brokerd.api;

import io.sluice.brokerd.metadata.MetadataWriter;
import io.sluice.brokerd.metadata.PartitionState;
import io.sluice.brokerd.metadata.TopicInfo;
import io.sluice.brokerd.metadata.TopicRegistry;
import io.sluice.brokerd.network.ApiRegistry;
import io.sluice.brokerd.network.RequestContext;
import org.apache.kafka.common.message.AlterPartitionReassignmentsRequestData;
import org.apache.kafka.common.message.AlterPartitionReassignmentsResponseData;
import org.apache.kafka.common.message.ListPartitionReassignmentsRequestData;
import org.apache.kafka.common.message.ListPartitionReassignmentsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * AlterPartitionReassignments (key 45, v0-1) and ListPartitionReassignments (key 46, v0). A reassignment is started
 * (or, with null replicas, cancelled) through the controller; the new replicas catch up as followers and the
 * controller completes the move when they are all in sync. Both run on the request executor.
 */
public final class ReassignmentHandlers {
    private final TopicRegistry registry;
    private final MetadataWriter writer;

    public ReassignmentHandlers(TopicRegistry registry, MetadataWriter writer) {
        this.registry = registry;
        this.writer = writer;
    }

    public void register(ApiRegistry apis) {
        apis.register(ApiKeys.ALTER_PARTITION_REASSIGNMENTS, 0, 1,
                (ctx, r) -> CompletableFuture.supplyAsync(() -> alter((AlterPartitionReassignmentsRequestData) r), ctx.executor()));
        apis.register(ApiKeys.LIST_PARTITION_REASSIGNMENTS, 0, 0,
                (ctx, r) -> CompletableFuture.supplyAsync(() -> list((ListPartitionReassignmentsRequestData) r), ctx.executor()));
    }

    ApiMessage alter(AlterPartitionReassignmentsRequestData req) {
        AlterPartitionReassignmentsResponseData resp = new AlterPartitionReassignmentsResponseData().setErrorCode(Errors.NONE.code());
        for (AlterPartitionReassignmentsRequestData.ReassignableTopic t : req.topics()) {
            AlterPartitionReassignmentsResponseData.ReassignableTopicResponse tr =
                    new AlterPartitionReassignmentsResponseData.ReassignableTopicResponse().setName(t.name());
            for (AlterPartitionReassignmentsRequestData.ReassignablePartition p : t.partitions()) {
                AlterPartitionReassignmentsResponseData.ReassignablePartitionResponse pr =
                        new AlterPartitionReassignmentsResponseData.ReassignablePartitionResponse().setPartitionIndex(p.partitionIndex());
                Optional<TopicInfo> topic = registry.topic(t.name());
                if (topic.isEmpty() || p.partitionIndex() < 0 || p.partitionIndex() >= topic.get().partitions()) {
                    pr.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code()).setErrorMessage(Errors.UNKNOWN_TOPIC_OR_PARTITION.message());
                } else {
                    MetadataWriter.Outcome o = writer.reassign(t.name(), p.partitionIndex(), p.replicas());
                    Errors e = o.error() == null ? Errors.NONE : switch (o.error()) {
                        case "NO_REASSIGNMENT_IN_PROGRESS" -> Errors.NO_REASSIGNMENT_IN_PROGRESS;
                        case "INVALID_REPLICA_ASSIGNMENT" -> Errors.INVALID_REPLICA_ASSIGNMENT;
                        case "UNKNOWN_TOPIC" -> Errors.UNKNOWN_TOPIC_OR_PARTITION;
                        default -> Errors.REQUEST_TIMED_OUT;
                    };
                    pr.setErrorCode(e.code()).setErrorMessage(o.message());
                }
                tr.partitions().add(pr);
            }
            resp.responses().add(tr);
        }
        return resp;
    }

    ApiMessage list(ListPartitionReassignmentsRequestData req) {
        ListPartitionReassignmentsResponseData resp = new ListPartitionReassignmentsResponseData().setErrorCode(Errors.NONE.code());
        List<TopicInfo> topics = req.topics() == null ? registry.topics()
                : req.topics().stream().map(t -> registry.topic(t.name())).flatMap(Optional::stream).toList();
        for (TopicInfo t : topics) {
            ListPartitionReassignmentsRequestData.ListPartitionReassignmentsTopics wanted = req.topics() == null ? null
                    : req.topics().stream().filter(w -> w.name().equals(t.name())).findFirst().orElse(null);
            ListPartitionReassignmentsResponseData.OngoingTopicReassignment tr =
                    new ListPartitionReassignmentsResponseData.OngoingTopicReassignment().setName(t.name());
            for (PartitionState p : t.partitionStates()) {
                if (p.isReassigning() && (wanted == null || wanted.partitionIndexes().contains(p.partition()))) {
                    tr.partitions().add(new ListPartitionReassignmentsResponseData.OngoingPartitionReassignment()
                            .setPartitionIndex(p.partition()).setReplicas(p.replicas())
                            .setAddingReplicas(p.addingReplicas()).setRemovingReplicas(p.removingReplicas()));
                }
            }
            if (!tr.partitions().isEmpty()) {
                resp.topics().add(tr);
            }
        }
        return resp;
    }
}
