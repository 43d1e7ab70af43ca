package io.sluice.brokerd.api;

import io.sluice.brokerd.metadata.BrokerIdentity;
import io.sluice.brokerd.metadata.BrokerRegistration;
import io.sluice.brokerd.metadata.MetadataImage;
import io.sluice.brokerd.metadata.PartitionState;
import io.sluice.brokerd.metadata.TopicInfo;
import io.sluice.brokerd.metadata.TopicRegistry;
import io.sluice.brokerd.network.ApiHandler;
import io.sluice.brokerd.network.ApiRegistry;
import io.sluice.brokerd.network.RequestContext;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * Metadata (key 3, v0-13), answered from the committed image: live brokers, each partition's leader, leader epoch,
 * replicas, ISR and offline replicas; the controller is the quorum leader. Missing topics are created when the
 * request allows it and {@code auto.create.topics.enable} is on (runs on the request executor since creation waits
 * for the controller).
 */
public final class MetadataHandler implements ApiHandler {
    static final int AUTHORIZED_OPERATIONS_OMITTED = Integer.MIN_VALUE;

    private final Supplier<BrokerIdentity> identity;
    private final TopicRegistry registry;
    private final boolean autoCreate;
    private final int defaultPartitions;
    private final short defaultReplicationFactor;
    private final IntSupplier controllerId;

    public MetadataHandler(Supplier<BrokerIdentity> identity, TopicRegistry registry, boolean autoCreate,
                           int defaultPartitions, short defaultReplicationFactor, IntSupplier controllerId) {
        this.identity = identity;
        this.defaultReplicationFactor = defaultReplicationFactor;
        this.controllerId = controllerId;
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
        return CompletableFuture.supplyAsync(() -> metadata(req, ctx.apiVersion(), ctx.session().listenerName()), ctx.executor());
    }

    /**
     * Brokers are described by their endpoint on {@code listener}, the listener the request came in on (Kafka's
     * rule): a client that bootstrapped over SSL is told SSL addresses. A broker without that listener is left out,
     * and a partition it leads answers LISTENER_NOT_FOUND, as Kafka answers.
     */
    private MetadataResponseData metadata(MetadataRequestData req, short version, String listener) {
        BrokerIdentity me = identity.get();
        MetadataImage image = registry.image();
        int controller = controllerId.getAsInt();
        MetadataResponseData resp = new MetadataResponseData()
                .setClusterId(me.clusterId()).setControllerId(controller < 0 ? me.nodeId() : controller)
                .setClusterAuthorizedOperations(AUTHORIZED_OPERATIONS_OMITTED);
        java.util.Set<Integer> reachable = new java.util.HashSet<>();
        for (BrokerRegistration b : ClusterView.liveBrokers(image, me)) {
            b.endpoint(listener).ifPresent(e -> {
                reachable.add(b.nodeId());
                resp.brokers().add(new MetadataResponseData.MetadataResponseBroker()
                        .setNodeId(b.nodeId()).setHost(e.host()).setPort(e.port()).setRack(ClusterView.rackOrNull(b)));
            });
        }
        boolean all = req.topics() == null || (version == 0 && req.topics().isEmpty());
        java.util.List<MetadataResponseData.MetadataResponseTopic> topics = new java.util.ArrayList<>();
        if (all) {
            for (TopicInfo t : registry.topics()) {
                topics.add(describe(t, image));
            }
        } else if (version < 12 && req.topics().stream().anyMatch(rt -> rt.name() == null || !Uuid.ZERO_UUID.equals(rt.topicId()))) {
            // As Kafka: topic ids in a Metadata request only from v12; v10-11 responses cannot even carry a null name.
            for (MetadataRequestData.MetadataRequestTopic rt : req.topics()) {
                topics.add(error(rt.name() == null ? "" : rt.name(), Errors.INVALID_REQUEST));
            }
        } else {
            boolean mayCreate = autoCreate && (version < 4 || req.allowAutoTopicCreation());
            for (MetadataRequestData.MetadataRequestTopic rt : req.topics()) {
                topics.add(lookup(rt, mayCreate));
            }
        }
        for (MetadataResponseData.MetadataResponseTopic t : topics) {
            for (MetadataResponseData.MetadataResponsePartition p : t.partitions()) {
                if (p.leaderId() >= 0 && p.errorCode() == Errors.NONE.code() && !reachable.contains(p.leaderId())
                        && image.broker(p.leaderId()).map(b -> !b.fenced()).orElse(false)) {
                    p.setErrorCode(Errors.LISTENER_NOT_FOUND.code());
                }
            }
            resp.topics().add(t);
        }
        return resp;
    }

    private MetadataResponseData.MetadataResponseTopic lookup(MetadataRequestData.MetadataRequestTopic rt, boolean mayCreate) {
        if (rt.name() == null) {
            Uuid id = rt.topicId();
            Optional<TopicInfo> t = id == null || id.equals(Uuid.ZERO_UUID) ? Optional.empty() : registry.topic(Uuids.fromKafka(id));
            return t.map(info -> describe(info, registry.image())).orElseGet(() -> new MetadataResponseData.MetadataResponseTopic()
                    .setErrorCode(Errors.UNKNOWN_TOPIC_ID.code()).setTopicId(id).setName(null)
                    .setTopicAuthorizedOperations(AUTHORIZED_OPERATIONS_OMITTED));
        }
        Optional<TopicInfo> t = registry.topic(rt.name());
        if (t.isEmpty() && mayCreate) {
            String invalid = TopicRegistry.validateName(rt.name());
            if (invalid != null) {
                return error(rt.name(), Errors.INVALID_TOPIC_EXCEPTION);
            }
            TopicRegistry.Result r = registry.create(rt.name(), defaultPartitions, defaultReplicationFactor, Map.of());
            t = r.isOk() ? Optional.of(r.topic()) : registry.topic(rt.name());
        }
        return t.map(info -> describe(info, registry.image())).orElseGet(() -> error(rt.name(), Errors.UNKNOWN_TOPIC_OR_PARTITION));
    }

    private static MetadataResponseData.MetadataResponseTopic error(String name, Errors error) {
        return new MetadataResponseData.MetadataResponseTopic().setName(name).setErrorCode(error.code())
                .setTopicId(Uuid.ZERO_UUID).setTopicAuthorizedOperations(AUTHORIZED_OPERATIONS_OMITTED);
    }

    static MetadataResponseData.MetadataResponseTopic describe(TopicInfo t, MetadataImage image) {
        MetadataResponseData.MetadataResponseTopic rt = new MetadataResponseData.MetadataResponseTopic()
                .setName(t.name()).setTopicId(Uuids.toKafka(t.topicId())).setIsInternal(t.isInternal())
                .setErrorCode(Errors.NONE.code()).setTopicAuthorizedOperations(AUTHORIZED_OPERATIONS_OMITTED);
        for (PartitionState p : t.partitionStates()) {
            rt.partitions().add(new MetadataResponseData.MetadataResponsePartition()
                    .setPartitionIndex(p.partition()).setErrorCode(ClusterView.partitionError(p).code()).setLeaderId(p.leader())
                    .setLeaderEpoch(p.leaderEpoch()).setReplicaNodes(p.replicas())
                    .setIsrNodes(p.isr()).setOfflineReplicas(ClusterView.offlineReplicas(image, p)));
        }
        return rt;
    }
}
