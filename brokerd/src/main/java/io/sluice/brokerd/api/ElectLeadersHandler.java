package io.sluice.brokerd.api;

import io.sluice.brokerd.metadata.MetadataWriter;
import io.sluice.brokerd.metadata.PartitionState;
import io.sluice.brokerd.metadata.TopicInfo;
import io.sluice.brokerd.metadata.TopicRegistry;
import io.sluice.brokerd.network.ApiRegistry;
import io.sluice.brokerd.network.RequestContext;
import org.apache.kafka.common.message.ElectLeadersRequestData;
import org.apache.kafka.common.message.ElectLeadersResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * ElectLeaders (key 43, v0-2): preferred (v0, and election type 0) or unclean (type 1) elections, each committed
 * through the controller. Without a partition list, every partition whose election would change something is tried
 * (preferred: led by another replica; unclean: offline). Runs on the request executor (it waits for the controller).
 */
public final class ElectLeadersHandler {
    private static final byte PREFERRED = 0;
    private static final byte UNCLEAN = 1;

    private final TopicRegistry registry;
    private final MetadataWriter writer;

    public ElectLeadersHandler(TopicRegistry registry, MetadataWriter writer) {
        this.registry = registry;
        this.writer = writer;
    }

    public void register(ApiRegistry apis) {
        apis.register(ApiKeys.ELECT_LEADERS, 0, 2, (ctx, r) -> CompletableFuture.supplyAsync(() -> elect(ctx, (ElectLeadersRequestData) r), ctx.executor()));
    }

    ApiMessage elect(RequestContext ctx, ElectLeadersRequestData req) {
        byte type = ctx.apiVersion() >= 1 ? req.electionType() : PREFERRED;
        ElectLeadersResponseData resp = new ElectLeadersResponseData().setErrorCode(Errors.NONE.code());
        if (type != PREFERRED && type != UNCLEAN) {
            return resp.setErrorCode(Errors.INVALID_REQUEST.code());
        }
        Map<String, List<Integer>> wanted = new LinkedHashMap<>();
        if (req.topicPartitions() == null) {
            for (TopicInfo t : registry.topics()) {
                for (PartitionState p : t.partitionStates()) {
                    boolean due = type == PREFERRED ? p.leader() != p.replicas().get(0) : !p.isOnline();
                    if (due) {
                        wanted.computeIfAbsent(t.name(), n -> new ArrayList<>()).add(p.partition());
                    }
                }
            }
        } else {
            req.topicPartitions().forEach(tp -> wanted.computeIfAbsent(tp.topic(), n -> new ArrayList<>()).addAll(tp.partitions()));
        }
        wanted.forEach((topic, partitions) -> {
            ElectLeadersResponseData.ReplicaElectionResult r = new ElectLeadersResponseData.ReplicaElectionResult().setTopic(topic);
            Optional<TopicInfo> t = registry.topic(topic);
            for (int p : partitions) {
                ElectLeadersResponseData.PartitionResult pr = new ElectLeadersResponseData.PartitionResult().setPartitionId(p);
                if (t.isEmpty() || p < 0 || p >= t.get().partitions()) {
                    pr.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code()).setErrorMessage(Errors.UNKNOWN_TOPIC_OR_PARTITION.message());
                } else {
                    MetadataWriter.Outcome o = writer.electLeader(topic, p, type == UNCLEAN);
                    Errors e = o.error() == null ? Errors.NONE : errorOf(o.error());
                    pr.setErrorCode(e.code()).setErrorMessage(o.message());
                }
                r.partitionResult().add(pr);
            }
            resp.replicaElectionResults().add(r);
        });
        return resp;
    }

    private static Errors errorOf(String controllerError) {
        return switch (controllerError) {
            case "ELECTION_NOT_NEEDED" -> Errors.ELECTION_NOT_NEEDED;
            case "PREFERRED_LEADER_NOT_AVAILABLE" -> Errors.PREFERRED_LEADER_NOT_AVAILABLE;
            case "ELIGIBLE_LEADERS_NOT_AVAILABLE" -> Errors.ELIGIBLE_LEADERS_NOT_AVAILABLE;
            case "UNKNOWN_TOPIC" -> Errors.UNKNOWN_TOPIC_OR_PARTITION;
            default -> Errors.REQUEST_TIMED_OUT;
        };
    }
}
