package io.sluice.brokerd.api;

import io.sluice.brokerd.metadata.BrokerIdentity;
import io.sluice.brokerd.metadata.TopicInfo;
import io.sluice.brokerd.metadata.TopicRegistry;
import io.sluice.brokerd.network.ApiHandler;
import io.sluice.brokerd.network.ApiRegistry;
import io.sluice.brokerd.network.RequestContext;
import io.sluice.brokerd.replica.ReplicaManager;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Metadata (key 3, v0-13): this node is every partition's leader and only replica, and the controller. Missing
 * topics are created when the request allows it and {@code auto.create.topics.enable} is on (runs on the request
 * executor since creation fsyncs).
 */
public final class MetadataHandler implements ApiHandler {
    static final int AUTHORIZED_OPERATIONS_OMITTED = Integer.MIN_VALUE;

    private final Supplier<BrokerIdentity> identity;
    private final TopicRegistry registry;
    private final boolean autoCreate;
    private final int defaultPartitions;

    public MetadataHandler(Supplier<BrokerIdentity> identity, TopicRegistry registry, boolean autoCreate,
                           int defaultPartitions) {
        this.identity = identity;
        this.registry = registry;
        this.autoCreate = autoCreate;
        this.defaultPartitions = defaultPartitions;
    }

    public void register(ApiRegistry apis) {
        apis.register(ApiKeys.METADATA, 0, 13, this);
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext ctx, ApiMessage request) {
        MetadataRequestData req = (MetadataRequestData) request;
        return CompletableFuture.supplyAsync(() -> metadata(req, ctx.apiVersion()), ctx.executor());
    }

    private MetadataResponseData metadata(MetadataRequestData req, short version) {
        BrokerIdentity me = identity.get();
        MetadataResponseData resp = new MetadataResponseData()
                .setClusterId(me.clusterId()).setControllerId(me.nodeId())
                .setClusterAuthorizedOperations(AUTHORIZED_OPERATIONS_OMITTED);
        resp.brokers().add(new MetadataResponseData.MetadataResponseBroker()
                .setNodeId(me.nodeId()).setHost(me.host()).setPort(me.port()).setRack(null));
        boolean all = req.topics() == null || (version == 0 && req.topics().isEmpty());
        if (all) {
            for (TopicInfo t : registry.topics()) {
                resp.topics().add(describe(t, me.nodeId()));
            }
            return resp;
        }
        boolean mayCreate = autoCreate && (version < 4 || req.allowAutoTopicCreation());
        for (MetadataRequestData.MetadataRequestTopic rt : req.topics()) {
            resp.topics().add(lookup(rt, mayCreate, me.nodeId()));
        }
        return resp;
    }

    private MetadataResponseData.MetadataResponseTopic lookup(MetadataRequestData.MetadataRequestTopic rt, boolean mayCreate, int nodeId) {
        if (rt.name() == null) {
            Uuid id = rt.topicId();
            Optional<TopicInfo> t = id == null || id.equals(Uuid.ZERO_UUID) ? Optional.empty() : registry.topic(Uuids.fromKafka(id));
            return t.map(info -> describe(info, nodeId)).orElseGet(() -> new MetadataResponseData.MetadataResponseTopic()
                    .setErrorCode(Errors.UNKNOWN_TOPIC_ID.code()).setTopicId(id).setName(null)
                    .setTopicAuthorizedOperations(AUTHORIZED_OPERATIONS_OMITTED));
        }
        Optional<TopicInfo> t = registry.topic(rt.name());
        if (t.isEmpty() && mayCreate) {
            String invalid = TopicRegistry.validateName(rt.name());
            if (invalid != null) {
                return error(rt.name(), Errors.INVALID_TOPIC_EXCEPTION);
            }
            TopicRegistry.Result r = registry.create(rt.name(), defaultPartitions, (short) 1, Map.of());
            t = r.isOk() ? Optional.of(r.topic()) : registry.topic(rt.name());
        }
        return t.map(info -> describe(info, nodeId)).orElseGet(() -> error(rt.name(), Errors.UNKNOWN_TOPIC_OR_PARTITION));
    }

    private static MetadataResponseData.MetadataResponseTopic error(String name, Errors error) {
        return new MetadataResponseData.MetadataResponseTopic().setName(name).setErrorCode(error.code())
                .setTopicId(Uuid.ZERO_UUID).setTopicAuthorizedOperations(AUTHORIZED_OPERATIONS_OMITTED);
    }

    static MetadataResponseData.MetadataResponseTopic describe(TopicInfo t, int nodeId) {
        MetadataResponseData.MetadataResponseTopic rt = new MetadataResponseData.MetadataResponseTopic()
                .setName(t.name()).setTopicId(Uuids.toKafka(t.topicId())).setIsInternal(t.isInternal())
                .setErrorCode(Errors.NONE.code()).setTopicAuthorizedOperations(AUTHORIZED_OPERATIONS_OMITTED);
        for (int p = 0; p < t.partitions(); p++) {
            rt.partitions().add(new MetadataResponseData.MetadataResponsePartition()
                    .setPartitionIndex(p).setErrorCode(Errors.NONE.code()).setLeaderId(nodeId)
                    .setLeaderEpoch(ReplicaManager.LEADER_EPOCH).setReplicaNodes(List.of(nodeId))
                    .setIsrNodes(List.of(nodeId)).setOfflineReplicas(List.of()));
        }
        return rt;
    }
}
