package io.sluice.brokerd.api;

import io.sluice.brokerd.common.TopicPartition;
import io.sluice.brokerd.group.GroupCoordinator;
import io.sluice.brokerd.group.GroupError;
import io.sluice.brokerd.group.GroupTypes;
import io.sluice.brokerd.group.GroupTypes.CommittedOffset;
import io.sluice.brokerd.metadata.BrokerRegistration;
import io.sluice.brokerd.metadata.TopicInfo;
import io.sluice.brokerd.metadata.TopicRegistry;
import io.sluice.brokerd.network.ApiRegistry;
import io.sluice.brokerd.network.ClientConnection;
import io.sluice.brokerd.network.RequestContext;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.DeleteGroupsRequestData;
import org.apache.kafka.common.message.DeleteGroupsResponseData;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.HeartbeatResponseData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.LeaveGroupResponseData;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.ListGroupsResponseData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetDeleteRequestData;
import org.apache.kafka.common.message.OffsetDeleteResponseData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The group family (classic protocol): FindCoordinator (10, v0-6), JoinGroup (11, v0-9), SyncGroup (14, v0-5),
 * Heartbeat (12, v0-4), LeaveGroup (13, v0-5), OffsetCommit (8, v2-10), OffsetFetch (9, v1-10), ListGroups (16,
 * v0-5), DescribeGroups (15, v0-6), DeleteGroups (42, v0-2), OffsetDelete (47, v0). Translation only: the state
 * machine is {@link GroupCoordinator}. All but FindCoordinator run on the connection's request executor (see
 * {@link #register}).
 */
public final class GroupHandlers {
    static final byte KEY_TYPE_GROUP = 0;
    static final byte KEY_TYPE_TRANSACTION = 1;

    private final GroupCoordinator coordinator;
    private final TopicRegistry registry;
    private final java.util.function.Function<String, Optional<BrokerRegistration>> locator;
    private final java.util.function.Function<String, Optional<BrokerRegistration>> transactionLocator;
    private final Clock clock;

    /**
     * {@code locator} gives the broker coordinating a group id (creating the offsets topic on first use),
     * {@code transactionLocator} the one coordinating a transactional id (creating __transaction_state).
     */
    public GroupHandlers(GroupCoordinator coordinator, TopicRegistry registry,
                         java.util.function.Function<String, Optional<BrokerRegistration>> locator,
                         java.util.function.Function<String, Optional<BrokerRegistration>> transactionLocator, Clock clock) {
        this.coordinator = coordinator;
        this.registry = registry;
        this.locator = locator;
        this.transactionLocator = transactionLocator;
        this.clock = clock;
    }

    public void register(ApiRegistry apis) {
        // Everything runs on the connection's request executor: the coordinator's lock may be held by an offset
        // commit that is appending (and with fsync: always, syncing) to __consumer_offsets, and event loops must not
        // wait. OffsetCommit, DeleteGroups and OffsetDelete then answer when their records are replicated, from
        // whichever thread completes them; the request thread is free as soon as the records are appended.
        apis.register(ApiKeys.FIND_COORDINATOR, 0, 6, (ctx, r) -> CompletableFuture.supplyAsync(() -> findCoordinator(ctx, (FindCoordinatorRequestData) r), ctx.executor()));
        apis.register(ApiKeys.JOIN_GROUP, 0, 9, (ctx, r) -> onExecutor(ctx, () -> joinGroup(ctx, (JoinGroupRequestData) r)));
        apis.register(ApiKeys.SYNC_GROUP, 0, 5, (ctx, r) -> onExecutor(ctx, () -> syncGroup((SyncGroupRequestData) r)));
        apis.register(ApiKeys.HEARTBEAT, 0, 4, (ctx, r) -> CompletableFuture.supplyAsync(() -> heartbeat((HeartbeatRequestData) r), ctx.executor()));
        apis.register(ApiKeys.LEAVE_GROUP, 0, 5, (ctx, r) -> CompletableFuture.supplyAsync(() -> leaveGroup(ctx, (LeaveGroupRequestData) r), ctx.executor()));
        apis.register(ApiKeys.OFFSET_COMMIT, 2, 10, (ctx, r) -> onExecutor(ctx, () -> write(ctx, offsetCommit(ctx, (OffsetCommitRequestData) r))));
        apis.register(ApiKeys.OFFSET_FETCH, 1, 10, (ctx, r) -> onExecutor(ctx, () -> afterWrites(ctx, () -> offsetFetch(ctx, (OffsetFetchRequestData) r))));
        apis.register(ApiKeys.LIST_GROUPS, 0, 5, (ctx, r) -> onExecutor(ctx, () -> afterWrites(ctx, () -> listGroups((ListGroupsRequestData) r))));
        apis.register(ApiKeys.DESCRIBE_GROUPS, 0, 6, (ctx, r) -> onExecutor(ctx, () -> afterWrites(ctx, () -> describeGroups(ctx, (DescribeGroupsRequestData) r))));
        apis.register(ApiKeys.DELETE_GROUPS, 0, 2, (ctx, r) -> onExecutor(ctx, () -> write(ctx, deleteGroups((DeleteGroupsRequestData) r))));
        apis.register(ApiKeys.OFFSET_DELETE, 0, 0, (ctx, r) -> onExecutor(ctx, () -> write(ctx, offsetDelete((OffsetDeleteRequestData) r))));
    }

    /**
     * Per connection (keyed by its {@link ClientConnection}), the offset writes it sent that are not answered yet; an entry
     * is removed when they are, and every write is answered within offsets.commit.timeout.ms. Kafka handles one request per connection at a time, so a client that
     * pipelines OffsetCommit and OffsetFetch on one connection reads its own commit. Here the connection's next
     * request starts as soon as the commit is appended, so reads of group state ({@link #afterWrites}) wait for the
     * connection's writes first; other connections read the last replicated state at once.
     */
    private final Map<ClientConnection, CompletableFuture<?>> writesInFlight = new ConcurrentHashMap<>();

    /** Registers {@code answer}, a write's response, as in flight on the connection. Runs on its request executor. */
    private CompletableFuture<ApiMessage> write(RequestContext ctx, CompletableFuture<ApiMessage> answer) {
        if (!answer.isDone()) {
            writesInFlight.merge(ctx.connection(), answer, (earlier, later) -> CompletableFuture.allOf(earlier, later));
            CompletableFuture<?> registered = writesInFlight.get(ctx.connection());
            registered.whenComplete((r, e) -> writesInFlight.remove(ctx.connection(), registered));
        }
        return answer;
    }

    /** Runs {@code read} once the connection's writes in flight are answered (at once without any). */
    private CompletableFuture<ApiMessage> afterWrites(RequestContext ctx, Supplier<ApiMessage> read) {
        CompletableFuture<?> writes = writesInFlight.get(ctx.connection());
        if (writes == null || writes.isDone()) {
            return CompletableFuture.completedFuture(read.get());
        }
        return writes.handle((r, e) -> null).thenApplyAsync(ignored -> read.get(), ctx.executor());
    }

    /** Starts {@code call} on the request executor; its own future (a parked join or sync, a write) completes later. */
    private static CompletableFuture<ApiMessage> onExecutor(RequestContext ctx, Supplier<CompletableFuture<ApiMessage>> call) {
        return CompletableFuture.supplyAsync(call, ctx.executor()).thenCompose(f -> f);
    }

    static Errors errorOf(GroupError e) {
        return e == GroupError.NONE ? Errors.NONE : Errors.valueOf(e.name());
    }

    /**
     * FindCoordinator: a group's coordinator is the leader of its {@code __consumer_offsets} partition, a
     * transactional id's the leader of its {@code __transaction_state} partition (each topic is created on its first
     * lookup); COORDINATOR_NOT_AVAILABLE while that partition has no leader. Runs on the
     * request executor since the first lookup waits for the controller.
     */
    ApiMessage findCoordinator(RequestContext ctx, FindCoordinatorRequestData req) {
        FindCoordinatorResponseData resp = new FindCoordinatorResponseData();
        List<String> keys = ctx.apiVersion() < 4 ? List.of(req.key()) : req.coordinatorKeys();
        for (String key : keys) {
            FindCoordinatorResponseData.Coordinator c = new FindCoordinatorResponseData.Coordinator().setKey(key)
                    .setNodeId(-1).setHost("").setPort(-1);
            if (req.keyType() != KEY_TYPE_GROUP && req.keyType() != KEY_TYPE_TRANSACTION) {
                c.setErrorCode(Errors.INVALID_REQUEST.code()).setErrorMessage("brokerd has no coordinator of key type " + req.keyType());
            } else if (req.keyType() == KEY_TYPE_TRANSACTION && (key == null || key.isEmpty())) {
                c.setErrorCode(Errors.INVALID_REQUEST.code()).setErrorMessage("an empty transactional id has no coordinator");
            } else {
                Optional<BrokerRegistration> node = (req.keyType() == KEY_TYPE_GROUP ? locator : transactionLocator).apply(key);
                // The coordinator's address on the listener this request came in on, as Kafka answers.
                Optional<io.sluice.brokerd.metadata.Endpoint> endpoint = node.flatMap(n -> n.endpoint(ctx.session().listenerName()));
                if (endpoint.isEmpty()) {
                    c.setErrorCode(Errors.COORDINATOR_NOT_AVAILABLE.code()).setErrorMessage(Errors.COORDINATOR_NOT_AVAILABLE.message());
                } else {
                    c.setErrorCode(Errors.NONE.code()).setNodeId(node.get().nodeId()).setHost(endpoint.get().host())
                            .setPort(endpoint.get().port());
                }
            }
            if (ctx.apiVersion() < 4) {
                return resp.setErrorCode(c.errorCode()).setErrorMessage(c.errorMessage()).setNodeId(c.nodeId())
                        .setHost(c.host()).setPort(c.port());
            }
            resp.coordinators().add(c);
        }
        return resp;
    }

    private static String clientHost(RequestContext ctx) {
        return ctx.clientAddress() instanceof InetSocketAddress a && a.getAddress() != null
                ? a.getAddress().toString() : String.valueOf(ctx.clientAddress());
    }

    CompletableFuture<ApiMessage> joinGroup(RequestContext ctx, JoinGroupRequestData req) {
        List<GroupTypes.Protocol> protocols = new ArrayList<>();
        req.protocols().forEach(p -> protocols.add(new GroupTypes.Protocol(p.name(), p.metadata())));
        int rebalanceTimeoutMs = ctx.apiVersion() >= 1 ? req.rebalanceTimeoutMs() : req.sessionTimeoutMs();
        GroupTypes.JoinRequest jr = new GroupTypes.JoinRequest(req.groupId(), req.memberId(), req.groupInstanceId(),
                ctx.clientId(), clientHost(ctx), req.sessionTimeoutMs(), rebalanceTimeoutMs, req.protocolType(), protocols,
                ctx.apiVersion() >= 4);
        return coordinator.join(jr, clock.millis()).thenApply(res -> {
            JoinGroupResponseData resp = new JoinGroupResponseData().setErrorCode(errorOf(res.error()).code())
                    .setGenerationId(res.generationId()).setProtocolType(res.protocolType())
                    .setProtocolName(ctx.apiVersion() >= 7 ? res.protocolName() : (res.protocolName() == null ? "" : res.protocolName()))
                    .setLeader(res.leaderId() == null ? "" : res.leaderId()).setMemberId(res.memberId() == null ? "" : res.memberId());
            for (GroupTypes.JoinedMember m : res.members()) {
                resp.members().add(new JoinGroupResponseData.JoinGroupResponseMember().setMemberId(m.memberId())
                        .setGroupInstanceId(m.groupInstanceId()).setMetadata(m.metadata()));
            }
            return resp;
        });
    }

    CompletableFuture<ApiMessage> syncGroup(SyncGroupRequestData req) {
        List<GroupTypes.Assignment> assignments = new ArrayList<>();
        req.assignments().forEach(a -> assignments.add(new GroupTypes.Assignment(a.memberId(), a.assignment())));
        GroupTypes.SyncRequest sr = new GroupTypes.SyncRequest(req.groupId(), req.generationId(), req.memberId(),
                req.groupInstanceId(), req.protocolType(), req.protocolName(), assignments);
        return coordinator.sync(sr, clock.millis()).thenApply(res -> new SyncGroupResponseData()
                .setErrorCode(errorOf(res.error()).code()).setProtocolType(res.protocolType())
                .setProtocolName(res.protocolName()).setAssignment(res.assignment()));
    }

    ApiMessage heartbeat(HeartbeatRequestData req) {
        GroupError e = coordinator.heartbeat(req.groupId(), req.memberId(), req.groupInstanceId(), req.generationId(), clock.millis());
        return new HeartbeatResponseData().setErrorCode(errorOf(e).code());
    }

    ApiMessage leaveGroup(RequestContext ctx, LeaveGroupRequestData req) {
        List<GroupTypes.Leaving> leaving = new ArrayList<>();
        if (ctx.apiVersion() < 3) {
            leaving.add(new GroupTypes.Leaving(req.memberId(), null));
        } else {
            req.members().forEach(m -> leaving.add(new GroupTypes.Leaving(m.memberId(), m.groupInstanceId())));
        }
        List<GroupTypes.LeaveResult> results = coordinator.leave(req.groupId(), leaving, clock.millis());
        LeaveGroupResponseData resp = new LeaveGroupResponseData().setErrorCode(Errors.NONE.code());
        if (ctx.apiVersion() < 3) {
            return resp.setErrorCode(errorOf(results.get(0).error()).code());
        }
        for (GroupTypes.LeaveResult r : results) {
            resp.members().add(new LeaveGroupResponseData.MemberResponse().setMemberId(r.memberId())
                    .setGroupInstanceId(r.groupInstanceId()).setErrorCode(errorOf(r.error()).code()));
        }
        return resp;
    }

    /** Resolves a topic named in a request: by id from v10 of OffsetCommit/OffsetFetch, by name before. */
    private Optional<TopicInfo> topic(boolean byId, String name, Uuid id) {
        return byId ? registry.topic(Uuids.fromKafka(id)) : registry.topic(name);
    }

    CompletableFuture<ApiMessage> offsetCommit(RequestContext ctx, OffsetCommitRequestData req) {
        boolean byId = ctx.apiVersion() >= 10;
        long now = clock.millis();
        Map<TopicPartition, CommittedOffset> offsets = new LinkedHashMap<>();
        Map<TopicPartition, Errors> unknown = new LinkedHashMap<>();
        for (OffsetCommitRequestData.OffsetCommitRequestTopic t : req.topics()) {
            Optional<TopicInfo> info = topic(byId, t.name(), t.topicId());
            for (OffsetCommitRequestData.OffsetCommitRequestPartition p : t.partitions()) {
                String name = info.map(TopicInfo::name).orElse(byId ? t.topicId().toString() : t.name());
                TopicPartition tp = new TopicPartition(name, p.partitionIndex());
                if (info.isEmpty()) {
                    unknown.put(tp, byId ? Errors.UNKNOWN_TOPIC_ID : Errors.UNKNOWN_TOPIC_OR_PARTITION);
                } else {
                    offsets.put(tp, new CommittedOffset(p.committedOffset(), p.committedLeaderEpoch(), p.committedMetadata(), now));
                }
            }
        }
        return coordinator.commit(req.groupId(), req.memberId(), req.groupInstanceId(), req.generationIdOrMemberEpoch(), offsets,
                        tp -> registry.topic(tp.topic()).map(i -> tp.partition() < i.partitions()).orElse(false), now)
                .thenApply(result -> offsetCommitResponse(req, byId, unknown, result));
    }

    private OffsetCommitResponseData offsetCommitResponse(OffsetCommitRequestData req, boolean byId, Map<TopicPartition, Errors> unknown,
                                                          Map<TopicPartition, GroupError> result) {
        OffsetCommitResponseData resp = new OffsetCommitResponseData();
        for (OffsetCommitRequestData.OffsetCommitRequestTopic t : req.topics()) {
            Optional<TopicInfo> info = topic(byId, t.name(), t.topicId());
            OffsetCommitResponseData.OffsetCommitResponseTopic rt = new OffsetCommitResponseData.OffsetCommitResponseTopic()
                    .setName(t.name()).setTopicId(t.topicId());
            for (OffsetCommitRequestData.OffsetCommitRequestPartition p : t.partitions()) {
                TopicPartition tp = new TopicPartition(info.map(TopicInfo::name).orElse(byId ? t.topicId().toString() : t.name()), p.partitionIndex());
                Errors e = unknown.containsKey(tp) ? unknown.get(tp) : errorOf(result.getOrDefault(tp, GroupError.NONE));
                rt.partitions().add(new OffsetCommitResponseData.OffsetCommitResponsePartition().setPartitionIndex(p.partitionIndex()).setErrorCode(e.code()));
            }
            resp.topics().add(rt);
        }
        return resp;
    }

    ApiMessage offsetFetch(RequestContext ctx, OffsetFetchRequestData req) {
        if (ctx.apiVersion() < 8) {
            OffsetFetchResponseData.OffsetFetchResponseGroup g = fetchGroup(req.groupId(), toGroupTopics(req.topics()), false);
            OffsetFetchResponseData resp = new OffsetFetchResponseData().setErrorCode(g.errorCode());
            for (OffsetFetchResponseData.OffsetFetchResponseTopics t : g.topics()) {
                OffsetFetchResponseData.OffsetFetchResponseTopic rt = new OffsetFetchResponseData.OffsetFetchResponseTopic().setName(t.name());
                t.partitions().forEach(p -> rt.partitions().add(new OffsetFetchResponseData.OffsetFetchResponsePartition()
                        .setPartitionIndex(p.partitionIndex()).setCommittedOffset(p.committedOffset())
                        .setCommittedLeaderEpoch(ctx.apiVersion() >= 5 ? p.committedLeaderEpoch() : -1)
                        .setMetadata(p.metadata()).setErrorCode(p.errorCode())));
                resp.topics().add(rt);
            }
            return resp;
        }
        OffsetFetchResponseData resp = new OffsetFetchResponseData();
        for (OffsetFetchRequestData.OffsetFetchRequestGroup g : req.groups()) {
            resp.groups().add(fetchGroup(g.groupId(), g.topics(), ctx.apiVersion() >= 10));
        }
        return resp;
    }

    private static List<OffsetFetchRequestData.OffsetFetchRequestTopics> toGroupTopics(List<OffsetFetchRequestData.OffsetFetchRequestTopic> topics) {
        if (topics == null) {
            return null;
        }
        List<OffsetFetchRequestData.OffsetFetchRequestTopics> out = new ArrayList<>();
        topics.forEach(t -> out.add(new OffsetFetchRequestData.OffsetFetchRequestTopics().setName(t.name()).setPartitionIndexes(t.partitionIndexes())));
        return out;
    }

    private OffsetFetchResponseData.OffsetFetchResponseGroup fetchGroup(String groupId, List<OffsetFetchRequestData.OffsetFetchRequestTopics> topics, boolean byId) {
        OffsetFetchResponseData.OffsetFetchResponseGroup out = new OffsetFetchResponseData.OffsetFetchResponseGroup()
                .setGroupId(groupId).setErrorCode(Errors.NONE.code());
        GroupError owner = coordinator.coordinatorError(groupId);
        if (owner != GroupError.NONE) {
            return out.setErrorCode(errorOf(owner).code());
        }
        if (topics == null) {
            Map<String, OffsetFetchResponseData.OffsetFetchResponseTopics> byTopic = new LinkedHashMap<>();
            for (GroupTypes.PartitionOffset po : coordinator.fetchOffsets(groupId, null)) {
                Optional<TopicInfo> info = registry.topic(po.partition().topic());
                if (byId && info.isEmpty()) {
                    continue;
                }
                OffsetFetchResponseData.OffsetFetchResponseTopics rt = byTopic.computeIfAbsent(po.partition().topic(),
                        n -> new OffsetFetchResponseData.OffsetFetchResponseTopics().setName(n)
                                .setTopicId(info.map(i -> Uuids.toKafka(i.topicId())).orElse(Uuid.ZERO_UUID)));
                rt.partitions().add(partition(po.partition().partition(), po.offset(), Errors.NONE));
            }
            out.topics().addAll(byTopic.values());
            return out;
        }
        for (OffsetFetchRequestData.OffsetFetchRequestTopics t : topics) {
            Optional<TopicInfo> info = topic(byId, t.name(), t.topicId());
            OffsetFetchResponseData.OffsetFetchResponseTopics rt = new OffsetFetchResponseData.OffsetFetchResponseTopics()
                    .setName(t.name()).setTopicId(t.topicId());
            String name = info.map(TopicInfo::name).orElse(t.name());
            List<TopicPartition> tps = new ArrayList<>();
            t.partitionIndexes().forEach(p -> tps.add(new TopicPartition(name == null ? "" : name, p)));
            Map<TopicPartition, CommittedOffset> found = new LinkedHashMap<>();
            if (info.isPresent() || !byId) {
                coordinator.fetchOffsets(groupId, tps).forEach(po -> found.put(po.partition(), po.offset()));
            }
            for (TopicPartition tp : tps) {
                Errors e = byId && info.isEmpty() ? Errors.UNKNOWN_TOPIC_ID : Errors.NONE;
                rt.partitions().add(partition(tp.partition(), found.get(tp), e));
            }
            out.topics().add(rt);
        }
        return out;
    }

    private static OffsetFetchResponseData.OffsetFetchResponsePartitions partition(int index, CommittedOffset o, Errors e) {
        return new OffsetFetchResponseData.OffsetFetchResponsePartitions().setPartitionIndex(index)
                .setCommittedOffset(o == null ? -1 : o.offset()).setCommittedLeaderEpoch(o == null ? -1 : o.leaderEpoch())
                .setMetadata(o == null ? "" : o.metadata()).setErrorCode(e.code());
    }

    /** ListGroups: the groups of the loaded partitions; COORDINATOR_LOAD_IN_PROGRESS too while one loads (Kafka's answer). */
    ApiMessage listGroups(ListGroupsRequestData req) {
        Set<String> states = new HashSet<>(req.statesFilter());
        Errors loading = coordinator.isLoading() ? Errors.COORDINATOR_LOAD_IN_PROGRESS : Errors.NONE;
        ListGroupsResponseData resp = new ListGroupsResponseData().setErrorCode(loading.code());
        boolean classicWanted = req.typesFilter().isEmpty() || req.typesFilter().stream().anyMatch(t -> t.equalsIgnoreCase("classic"));
        if (!classicWanted) {
            return resp;
        }
        for (GroupTypes.GroupOverview g : coordinator.listGroups(states)) {
            resp.groups().add(new ListGroupsResponseData.ListedGroup().setGroupId(g.groupId()).setProtocolType(g.protocolType())
                    .setGroupState(g.state().kafkaName()).setGroupType("classic"));
        }
        return resp;
    }

    ApiMessage describeGroups(RequestContext ctx, DescribeGroupsRequestData req) {
        DescribeGroupsResponseData resp = new DescribeGroupsResponseData();
        for (String id : req.groups()) {
            DescribeGroupsResponseData.DescribedGroup dg = new DescribeGroupsResponseData.DescribedGroup().setGroupId(id)
                    .setAuthorizedOperations(MetadataHandler.AUTHORIZED_OPERATIONS_OMITTED);
            GroupError owner = coordinator.coordinatorError(id);
            if (owner != GroupError.NONE) {
                resp.groups().add(dg.setErrorCode(errorOf(owner).code()).setGroupState("").setProtocolType("").setProtocolData(""));
                continue;
            }
            Optional<GroupTypes.GroupDescription> d = coordinator.describe(id);
            if (d.isEmpty()) {
                dg.setGroupState("Dead").setProtocolType("").setProtocolData("");
                if (ctx.apiVersion() >= 6) {
                    dg.setErrorCode(Errors.GROUP_ID_NOT_FOUND.code()).setErrorMessage("Group " + id + " not found.");
                }
            } else {
                GroupTypes.GroupDescription g = d.get();
                dg.setErrorCode(Errors.NONE.code()).setGroupState(g.state().kafkaName()).setProtocolType(g.protocolType())
                        .setProtocolData(g.protocolName() == null ? "" : g.protocolName());
                for (GroupTypes.MemberDescription m : g.members()) {
                    dg.members().add(new DescribeGroupsResponseData.DescribedGroupMember().setMemberId(m.memberId())
                            .setGroupInstanceId(m.groupInstanceId()).setClientId(m.clientId()).setClientHost(m.clientHost())
                            .setMemberMetadata(m.metadata()).setMemberAssignment(m.assignment()));
                }
            }
            resp.groups().add(dg);
        }
        return resp;
    }

    CompletableFuture<ApiMessage> deleteGroups(DeleteGroupsRequestData req) {
        return coordinator.deleteGroups(req.groupsNames(), clock.millis()).thenApply(results -> {
            DeleteGroupsResponseData resp = new DeleteGroupsResponseData();
            results.forEach((id, e) -> resp.results()
                    .add(new DeleteGroupsResponseData.DeletableGroupResult().setGroupId(id).setErrorCode(errorOf(e).code())));
            return resp;
        });
    }

    CompletableFuture<ApiMessage> offsetDelete(OffsetDeleteRequestData req) {
        List<TopicPartition> tps = new ArrayList<>();
        req.topics().forEach(t -> t.partitions().forEach(p -> tps.add(new TopicPartition(t.name(), p.partitionIndex()))));
        Set<String> subscribed = subscribedTopics(req.groupId());
        return coordinator.deleteOffsets(req.groupId(), tps, subscribed::contains, clock.millis())
                .thenApply(r -> offsetDeleteResponse(req, r));
    }

    private static OffsetDeleteResponseData offsetDeleteResponse(OffsetDeleteRequestData req, GroupTypes.OffsetDeleteResult r) {
        OffsetDeleteResponseData resp = new OffsetDeleteResponseData();
        if (r.error() != GroupError.NONE) {
            return resp.setErrorCode(errorOf(r.error()).code());
        }
        Map<TopicPartition, GroupError> result = r.partitions();
        for (OffsetDeleteRequestData.OffsetDeleteRequestTopic t : req.topics()) {
            OffsetDeleteResponseData.OffsetDeleteResponseTopic rt = new OffsetDeleteResponseData.OffsetDeleteResponseTopic().setName(t.name());
            t.partitions().forEach(p -> rt.partitions().add(new OffsetDeleteResponseData.OffsetDeleteResponsePartition()
                    .setPartitionIndex(p.partitionIndex())
                    .setErrorCode(errorOf(result.get(new TopicPartition(t.name(), p.partitionIndex()))).code())));
            resp.topics().add(rt);
        }
        return resp.setErrorCode(Errors.NONE.code());
    }

    /** Topics the members of a consumer group subscribe to (from their consumer-protocol metadata). */
    private Set<String> subscribedTopics(String groupId) {
        Set<String> topics = new HashSet<>();
        if (!coordinator.protocolType(groupId).map("consumer"::equals).orElse(false)) {
            return topics;
        }
        for (byte[] metadata : coordinator.memberMetadata(groupId)) {
            try {
                topics.addAll(ConsumerProtocol.deserializeSubscription(ByteBuffer.wrap(metadata)).topics());
            } catch (RuntimeException e) {
                // Metadata that is not a consumer subscription protects nothing; the group is treated as unsubscribed.
                org.slf4j.LoggerFactory.getLogger(GroupHandlers.class).warn("Unreadable subscription in group {}: {}", groupId, e.toString());
            }
        }
        return topics;
    }
}
