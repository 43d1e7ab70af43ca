package io.sluice.brokerd.api;

import io.sluice.brokerd.auth.AclOperation;
import io.sluice.brokerd.auth.ResourceType;
import io.sluice.brokerd.metadata.TopicInfo;
import io.sluice.brokerd.metadata.TopicRegistry;
import io.sluice.brokerd.network.ApiHandler;
import io.sluice.brokerd.network.ApiRegistry;
import io.sluice.brokerd.network.RequestContext;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.AlterConfigsRequestData;
import org.apache.kafka.common.message.AlterConfigsResponseData;
import org.apache.kafka.common.message.CreatePartitionsRequestData;
import org.apache.kafka.common.message.CreatePartitionsResponseData;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsResponseData;
import org.apache.kafka.common.message.DeleteGroupsRequestData;
import org.apache.kafka.common.message.DeleteGroupsResponseData;
import org.apache.kafka.common.message.DeleteRecordsRequestData;
import org.apache.kafka.common.message.DeleteRecordsResponseData;
import org.apache.kafka.common.message.DeleteTopicsRequestData;
import org.apache.kafka.common.message.DeleteTopicsResponseData;
import org.apache.kafka.common.message.DescribeClusterRequestData;
import org.apache.kafka.common.message.DescribeClusterResponseData;
import org.apache.kafka.common.message.DescribeConfigsRequestData;
import org.apache.kafka.common.message.DescribeConfigsResponseData;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.message.DescribeProducersResponseData;
import org.apache.kafka.common.message.DescribeTopicPartitionsRequestData;
import org.apache.kafka.common.message.DescribeTopicPartitionsResponseData;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData;
import org.apache.kafka.common.message.IncrementalAlterConfigsResponseData;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.ListGroupsResponseData;
import org.apache.kafka.common.message.ListOffsetsResponseData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetDeleteRequestData;
import org.apache.kafka.common.message.OffsetDeleteResponseData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.protocol.ObjectSerializationCache;
import org.apache.kafka.common.requests.AbstractRequest;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import static io.sluice.brokerd.auth.AclOperation.ALTER;
import static io.sluice.brokerd.auth.AclOperation.ALTER_CONFIGS;
import static io.sluice.brokerd.auth.AclOperation.CLUSTER_ACTION;
import static io.sluice.brokerd.auth.AclOperation.CREATE;
import static io.sluice.brokerd.auth.AclOperation.DELETE;
import static io.sluice.brokerd.auth.AclOperation.DESCRIBE;
import static io.sluice.brokerd.auth.AclOperation.DESCRIBE_CONFIGS;
import static io.sluice.brokerd.auth.AclOperation.IDEMPOTENT_WRITE;
import static io.sluice.brokerd.auth.AclOperation.READ;
import static io.sluice.brokerd.auth.AclOperation.WRITE;
import static io.sluice.brokerd.auth.ResourceType.CLUSTER;
import static io.sluice.brokerd.auth.ResourceType.CLUSTER_NAME;
import static io.sluice.brokerd.auth.ResourceType.GROUP;
import static io.sluice.brokerd.auth.ResourceType.TOPIC;
import static io.sluice.brokerd.auth.ResourceType.TRANSACTIONAL_ID;

/**
 * Authorization of every API, as Kafka's KafkaApis checks it: wraps each registered handler (when
 * {@code authorizer.enabled}; with it off nothing is wrapped and nothing changes). The table of what each API needs:
 * <pre>
 * Produce                      WRITE topic; transactional: WRITE transactional id (TRANSACTIONAL_ID_AUTHORIZATION_FAILED)
 * Fetch                        consumer: READ topic; follower (replica id set): CLUSTER_ACTION cluster
 * DescribeQuorum               DESCRIBE cluster
 * ListOffsets, OffsetForLeaderEpoch  DESCRIBE topic (OffsetForLeaderEpoch from a replica: CLUSTER_ACTION)
 * Metadata, DescribeTopicPartitions  DESCRIBE topic (all topics: only describable ones listed); auto-create: CREATE cluster or topic
 * OffsetCommit                 READ group, READ topic
 * OffsetFetch                  DESCRIBE group, DESCRIBE topic (all topics: only describable ones listed)
 * Join/Sync/Heartbeat/LeaveGroup  READ group
 * FindCoordinator              DESCRIBE group or transactional id
 * ListGroups                   DESCRIBE cluster, else only describable groups listed
 * DescribeGroups / DeleteGroups  DESCRIBE / DELETE group
 * OffsetDelete                 DELETE group, READ topic
 * CreateTopics                 CREATE cluster or CREATE topic
 * DeleteTopics / DeleteRecords / CreatePartitions  DELETE / DELETE / ALTER topic
 * DescribeConfigs              DESCRIBE_CONFIGS topic or cluster (brokers, loggers)
 * AlterConfigs, IncrementalAlterConfigs  ALTER_CONFIGS topic or cluster
 * DescribeProducers            READ topic
 * InitProducerId               transactional: WRITE transactional id; idempotent: IDEMPOTENT_WRITE cluster or WRITE on some topic
 * ElectLeaders, AlterPartitionReassignments  ALTER cluster; ListPartitionReassignments, DescribeLogDirs: DESCRIBE cluster
 * Describe/AlterUserScramCredentials  DESCRIBE / ALTER cluster
 * EndTxn                       WRITE transactional id; AddOffsetsToTxn: WRITE transactional id and READ group
 * AddPartitionsToTxn           v0-3: WRITE transactional id, WRITE topic; v4+ (from brokers): CLUSTER_ACTION cluster
 * DescribeTransactions         DESCRIBE transactional id; ListTransactions: only describable ids listed
 * WriteTxnMarkers              CLUSTER_ACTION cluster (brokers only)
 * DescribeCluster              none (authorized operations filled when asked)
 * ACL APIs                     checked by {@link AclHandlers} (DESCRIBE / ALTER cluster)
 * ApiVersions, SASL            none (they run before or during authentication)
 * anything else                super users only (CLUSTER_AUTHORIZATION_FAILED): an API added later is closed until
 *                              its rule is written here, never open by omission
 * </pre>
 * Denied topics get TOPIC_AUTHORIZATION_FAILED, groups GROUP_AUTHORIZATION_FAILED, the cluster
 * CLUSTER_AUTHORIZATION_FAILED, transactional ids TRANSACTIONAL_ID_AUTHORIZATION_FAILED. Requests that change
 * something are cut to the authorized part before the handler sees them, and the refused entries are added to its
 * response; read-only answers are filtered afterwards. When everything is allowed (the common case) the request
 * passes through untouched.
 */
public final class ApiAuthorization {
    private final RequestAuthorizer auth;
    private final TopicRegistry registry;
    private final boolean autoCreateTopics;

    public ApiAuthorization(RequestAuthorizer auth, TopicRegistry registry, boolean autoCreateTopics) {
        this.auth = auth;
        this.registry = registry;
        this.autoCreateTopics = autoCreateTopics;
    }

    /** Wraps every handler of {@code apis} with its API's checks; does nothing when authorization is off. */
    public void wrap(ApiRegistry apis) {
        if (auth.enabled()) {
            apis.wrapHandlers(this::guard);
        }
    }

    /** The follower check of {@link FetchHandler} (its CLUSTER_ACTION; refusals are logged by the Fetch rule). */
    public ClusterActionCheck clusterActionCheck() {
        return ctx -> auth.isAllowed(ctx, CLUSTER_ACTION, CLUSTER, CLUSTER_NAME);
    }

    ApiHandler guard(ApiKeys key, ApiHandler h) {
        return switch (key) {
            case API_VERSIONS, SASL_HANDSHAKE, SASL_AUTHENTICATE, CREATE_ACLS, DESCRIBE_ACLS, DELETE_ACLS -> h;
            case PRODUCE -> (ctx, r) -> produce(ctx, (ProduceRequestData) r, h);
            case FETCH -> (ctx, r) -> fetch(ctx, (FetchRequestData) r, h);
            case LIST_OFFSETS -> (ctx, r) -> h.handle(ctx, r).thenApply(resp -> listOffsets(ctx, (ListOffsetsResponseData) resp));
            case OFFSET_FOR_LEADER_EPOCH -> (ctx, r) -> offsetForLeaderEpoch(ctx, (OffsetForLeaderEpochRequestData) r, h);
            case METADATA -> (ctx, r) -> metadata(ctx, (MetadataRequestData) r, h);
            case DESCRIBE_TOPIC_PARTITIONS -> (ctx, r) -> h.handle(ctx, r).thenApply(resp ->
                    describeTopicPartitions(ctx, (DescribeTopicPartitionsRequestData) r, (DescribeTopicPartitionsResponseData) resp));
            case DESCRIBE_CLUSTER -> (ctx, r) -> h.handle(ctx, r).thenApply(resp -> describeCluster(ctx, (DescribeClusterRequestData) r, (DescribeClusterResponseData) resp));
            case OFFSET_COMMIT -> (ctx, r) -> offsetCommit(ctx, (OffsetCommitRequestData) r, h);
            case OFFSET_FETCH -> (ctx, r) -> offsetFetch(ctx, (OffsetFetchRequestData) r, h);
            case JOIN_GROUP, SYNC_GROUP, HEARTBEAT, LEAVE_GROUP -> (ctx, r) -> wholeGroup(ctx, r, h, READ);
            case FIND_COORDINATOR -> (ctx, r) -> findCoordinator(ctx, (FindCoordinatorRequestData) r, h);
            case LIST_GROUPS -> (ctx, r) -> h.handle(ctx, r).thenApply(resp -> listGroups(ctx, (ListGroupsResponseData) resp));
            case DESCRIBE_GROUPS -> (ctx, r) -> h.handle(ctx, r).thenApply(resp -> describeGroups(ctx, (DescribeGroupsRequestData) r, (DescribeGroupsResponseData) resp));
            case DELETE_GROUPS -> (ctx, r) -> deleteGroups(ctx, (DeleteGroupsRequestData) r, h);
            case OFFSET_DELETE -> (ctx, r) -> offsetDelete(ctx, (OffsetDeleteRequestData) r, h);
            case CREATE_TOPICS -> (ctx, r) -> createTopics(ctx, (CreateTopicsRequestData) r, h);
            case DELETE_TOPICS -> (ctx, r) -> deleteTopics(ctx, (DeleteTopicsRequestData) r, h);
            case CREATE_PARTITIONS -> (ctx, r) -> createPartitions(ctx, (CreatePartitionsRequestData) r, h);
            case DELETE_RECORDS -> (ctx, r) -> deleteRecords(ctx, (DeleteRecordsRequestData) r, h);
            case DESCRIBE_CONFIGS -> (ctx, r) -> describeConfigs(ctx, (DescribeConfigsRequestData) r, h);
            case ALTER_CONFIGS -> (ctx, r) -> alterConfigs(ctx, (AlterConfigsRequestData) r, h);
            case INCREMENTAL_ALTER_CONFIGS -> (ctx, r) -> incrementalAlterConfigs(ctx, (IncrementalAlterConfigsRequestData) r, h);
            case DESCRIBE_PRODUCERS -> (ctx, r) -> h.handle(ctx, r).thenApply(resp -> describeProducers(ctx, (DescribeProducersResponseData) resp));
            case INIT_PRODUCER_ID -> (ctx, r) -> initProducerId(ctx, (InitProducerIdRequestData) r, h);
            case ELECT_LEADERS, ALTER_PARTITION_REASSIGNMENTS -> (ctx, r) -> wholeCluster(ctx, r, h, ALTER);
            case LIST_PARTITION_REASSIGNMENTS, DESCRIBE_LOG_DIRS, DESCRIBE_USER_SCRAM_CREDENTIALS, DESCRIBE_QUORUM ->
                    (ctx, r) -> wholeCluster(ctx, r, h, DESCRIBE);
            case ALTER_USER_SCRAM_CREDENTIALS -> (ctx, r) -> wholeCluster(ctx, r, h, ALTER);
            case WRITE_TXN_MARKERS -> (ctx, r) -> wholeCluster(ctx, r, h, CLUSTER_ACTION);
            case END_TXN -> (ctx, r) -> wholeTransaction(ctx, r, ((org.apache.kafka.common.message.EndTxnRequestData) r).transactionalId(), h);
            case ADD_OFFSETS_TO_TXN -> (ctx, r) -> addOffsetsToTxn(ctx, (org.apache.kafka.common.message.AddOffsetsToTxnRequestData) r, h);
            case ADD_PARTITIONS_TO_TXN -> (ctx, r) -> addPartitionsToTxn(ctx, (org.apache.kafka.common.message.AddPartitionsToTxnRequestData) r, h);
            case DESCRIBE_TRANSACTIONS -> (ctx, r) -> h.handle(ctx, r).thenApply(resp -> describeTransactions(ctx,
                    (org.apache.kafka.common.message.DescribeTransactionsResponseData) resp));
            case LIST_TRANSACTIONS -> (ctx, r) -> h.handle(ctx, r).thenApply(resp -> listTransactions(ctx,
                    (org.apache.kafka.common.message.ListTransactionsResponseData) resp));
            default -> (ctx, r) -> wholeCluster(ctx, r, h, AclOperation.ALL);
        };
    }

    // ---- whole-request rules

    private CompletableFuture<ApiMessage> wholeCluster(RequestContext ctx, ApiMessage r, ApiHandler h, AclOperation op) {
        return auth.authorize(ctx, op, CLUSTER, CLUSTER_NAME) ? h.handle(ctx, r) : refuse(ctx, r, Errors.CLUSTER_AUTHORIZATION_FAILED);
    }

    private CompletableFuture<ApiMessage> wholeGroup(RequestContext ctx, ApiMessage r, ApiHandler h, AclOperation op) {
        String group;
        if (r instanceof org.apache.kafka.common.message.JoinGroupRequestData j) {
            group = j.groupId();
        } else if (r instanceof org.apache.kafka.common.message.SyncGroupRequestData s) {
            group = s.groupId();
        } else if (r instanceof org.apache.kafka.common.message.HeartbeatRequestData b) {
            group = b.groupId();
        } else if (r instanceof org.apache.kafka.common.message.LeaveGroupRequestData l) {
            group = l.groupId();
        } else {
            throw new IllegalArgumentException("no group in " + r.getClass().getSimpleName());
        }
        return auth.authorize(ctx, op, GROUP, group) ? h.handle(ctx, r) : refuse(ctx, r, Errors.GROUP_AUTHORIZATION_FAILED);
    }

    private CompletableFuture<ApiMessage> wholeTransaction(RequestContext ctx, ApiMessage r, String transactionalId, ApiHandler h) {
        return auth.authorize(ctx, WRITE, TRANSACTIONAL_ID, transactionalId) ? h.handle(ctx, r)
                : refuse(ctx, r, Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    }

    private CompletableFuture<ApiMessage> addOffsetsToTxn(RequestContext ctx, org.apache.kafka.common.message.AddOffsetsToTxnRequestData r, ApiHandler h) {
        if (!auth.authorize(ctx, WRITE, TRANSACTIONAL_ID, r.transactionalId())) {
            return refuse(ctx, r, Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
        }
        return auth.authorize(ctx, READ, GROUP, r.groupId()) ? h.handle(ctx, r) : refuse(ctx, r, Errors.GROUP_AUTHORIZATION_FAILED);
    }

    /**
     * AddPartitionsToTxn: v4+ (batched, verifyOnly) comes from partition leaders and needs CLUSTER_ACTION; v0-3 needs
     * WRITE on the transactional id and on every topic. When a topic is refused nothing is added: refused partitions
     * get TOPIC_AUTHORIZATION_FAILED, the others OPERATION_NOT_ATTEMPTED (Kafka's answer).
     */
    private CompletableFuture<ApiMessage> addPartitionsToTxn(RequestContext ctx, org.apache.kafka.common.message.AddPartitionsToTxnRequestData r,
                                                             ApiHandler h) {
        if (ctx.apiVersion() >= 4) {
            return wholeCluster(ctx, r, h, CLUSTER_ACTION);
        }
        if (!auth.authorize(ctx, WRITE, TRANSACTIONAL_ID, r.v3AndBelowTransactionalId())) {
            return refuse(ctx, r, Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
        }
        Set<String> refused = new HashSet<>();
        for (org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTopic t : r.v3AndBelowTopics()) {
            if (!topicAllowed(ctx, WRITE, t.name())) {
                refused.add(t.name());
            }
        }
        if (refused.isEmpty()) {
            return h.handle(ctx, r);
        }
        org.apache.kafka.common.message.AddPartitionsToTxnResponseData resp = new org.apache.kafka.common.message.AddPartitionsToTxnResponseData();
        for (org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTopic t : r.v3AndBelowTopics()) {
            org.apache.kafka.common.message.AddPartitionsToTxnResponseData.AddPartitionsToTxnTopicResult tr =
                    new org.apache.kafka.common.message.AddPartitionsToTxnResponseData.AddPartitionsToTxnTopicResult().setName(t.name());
            Errors e = refused.contains(t.name()) ? Errors.TOPIC_AUTHORIZATION_FAILED : Errors.OPERATION_NOT_ATTEMPTED;
            for (int p : t.partitions()) {
                tr.resultsByPartition().add(new org.apache.kafka.common.message.AddPartitionsToTxnResponseData.AddPartitionsToTxnPartitionResult()
                        .setPartitionIndex(p).setPartitionErrorCode(e.code()));
            }
            resp.resultsByTopicV3AndBelow().add(tr);
        }
        return CompletableFuture.completedFuture(resp);
    }

    /** DescribeTransactions: ids without DESCRIBE get TRANSACTIONAL_ID_AUTHORIZATION_FAILED and nothing else. */
    private ApiMessage describeTransactions(RequestContext ctx, org.apache.kafka.common.message.DescribeTransactionsResponseData resp) {
        for (org.apache.kafka.common.message.DescribeTransactionsResponseData.TransactionState s : resp.transactionStates()) {
            if (!auth.authorize(ctx, DESCRIBE, TRANSACTIONAL_ID, s.transactionalId())) {
                s.setErrorCode(Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED.code()).setTransactionState("").setProducerId(-1)
                        .setProducerEpoch((short) -1).setTransactionStartTimeMs(-1).setTransactionTimeoutMs(0).topics().clear();
            }
        }
        return resp;
    }

    /** ListTransactions: only ids the principal may DESCRIBE are listed. */
    private ApiMessage listTransactions(RequestContext ctx, org.apache.kafka.common.message.ListTransactionsResponseData resp) {
        resp.transactionStates().removeIf(s -> !auth.isAllowed(ctx, DESCRIBE, TRANSACTIONAL_ID, s.transactionalId()));
        return resp;
    }

    /** The request's own error response with {@code error} everywhere (Kafka's {@code getErrorResponse}). */
    static CompletableFuture<ApiMessage> refuse(RequestContext ctx, ApiMessage request, Errors error) {
        ObjectSerializationCache cache = new ObjectSerializationCache();
        ByteBuffer buf = ByteBuffer.allocate(request.size(cache, ctx.apiVersion()));
        request.write(new ByteBufferAccessor(buf), cache, ctx.apiVersion());
        buf.flip();
        AbstractRequest parsed = AbstractRequest.parseRequest(ctx.apiKey(), ctx.apiVersion(), new ByteBufferAccessor(buf)).request;
        return CompletableFuture.completedFuture(parsed.getErrorResponse(0, error.exception()).data());
    }

    // ---- topics

    private boolean topicAllowed(RequestContext ctx, AclOperation op, String topic) {
        return topic != null && auth.authorize(ctx, op, TOPIC, topic);
    }

    /** Topic names by id of one image: built once per metadata change, not per request (Fetch v13+ names ids). */
    private record NamesById(io.sluice.brokerd.metadata.MetadataImage image, Map<Uuid, String> names) {
    }

    private volatile NamesById namesById = new NamesById(null, Map.of());

    private Map<Uuid, String> namesById() {
        io.sluice.brokerd.metadata.MetadataImage image = registry.image();
        NamesById cached = namesById;
        if (cached.image() != image) {
            Map<Uuid, String> out = new HashMap<>();
            for (TopicInfo t : image.topics().values()) {
                out.put(Uuids.toKafka(t.topicId()), t.name());
            }
            cached = new NamesById(image, out);
            namesById = cached;
        }
        return cached.names();
    }

    private static String nameOf(String name, Uuid id, Map<Uuid, String> byId) {
        if (name != null && !name.isEmpty()) {
            return name;
        }
        return id == null || Uuid.ZERO_UUID.equals(id) ? name : byId.get(id);
    }

    private CompletableFuture<ApiMessage> produce(RequestContext ctx, ProduceRequestData req, ApiHandler h) {
        if (req.transactionalId() != null && !auth.authorize(ctx, WRITE, TRANSACTIONAL_ID, req.transactionalId())) {
            return refuse(ctx, req, Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
        }
        Map<Uuid, String> byId = ctx.apiVersion() >= 13 ? namesById() : Map.of();
        List<ProduceRequestData.TopicProduceData> denied = new ArrayList<>();
        for (ProduceRequestData.TopicProduceData t : req.topicData()) {
            String name = nameOf(t.name(), t.topicId(), byId);
            // A topic id this broker does not know goes to the handler: UNKNOWN_TOPIC_ID is its answer.
            if (name != null && !topicAllowed(ctx, WRITE, name)) {
                denied.add(t);
            }
        }
        if (denied.isEmpty()) {
            return h.handle(ctx, req);
        }
        ProduceRequestData.TopicProduceDataCollection kept = new ProduceRequestData.TopicProduceDataCollection();
        for (ProduceRequestData.TopicProduceData t : req.topicData()) {
            if (!denied.contains(t)) {
                kept.add(t.duplicate());
            }
        }
        CompletableFuture<ApiMessage> answer = kept.isEmpty()
                ? CompletableFuture.completedFuture(req.acks() == 0 ? null : new ProduceResponseData())
                : h.handle(ctx, req.duplicate().setTopicData(kept));
        return answer.thenApply(resp -> {
            if (resp == null) {
                return null; // acks=0: no response
            }
            ProduceResponseData out = (ProduceResponseData) resp;
            for (ProduceRequestData.TopicProduceData t : denied) {
                ProduceResponseData.TopicProduceResponse tr = new ProduceResponseData.TopicProduceResponse().setName(t.name()).setTopicId(t.topicId());
                for (ProduceRequestData.PartitionProduceData p : t.partitionData()) {
                    tr.partitionResponses().add(new ProduceResponseData.PartitionProduceResponse().setIndex(p.index())
                            .setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code()).setBaseOffset(-1).setLogAppendTimeMs(-1).setLogStartOffset(-1));
                }
                out.responses().add(tr);
            }
            return out;
        });
    }

    private CompletableFuture<ApiMessage> fetch(RequestContext ctx, FetchRequestData req, ApiHandler h) {
        int replicaId = ctx.apiVersion() >= 15 ? req.replicaState().replicaId() : req.replicaId();
        if (replicaId >= 0) {
            // The handler answers a follower without CLUSTER_ACTION with TOPIC_AUTHORIZATION_FAILED (its check);
            // this logs and counts the refusal.
            auth.authorize(ctx, CLUSTER_ACTION, CLUSTER, CLUSTER_NAME);
            return h.handle(ctx, req);
        }
        Map<Uuid, String> byId = ctx.apiVersion() >= 13 ? namesById() : Map.of();
        List<FetchRequestData.FetchTopic> denied = new ArrayList<>();
        for (FetchRequestData.FetchTopic t : req.topics()) {
            String name = nameOf(t.topic(), t.topicId(), byId);
            if (name != null && !topicAllowed(ctx, READ, name)) {
                denied.add(t);
            }
        }
        if (denied.isEmpty()) {
            return h.handle(ctx, req);
        }
        List<FetchRequestData.FetchTopic> kept = new ArrayList<>(req.topics());
        kept.removeAll(denied);
        CompletableFuture<ApiMessage> answer = kept.isEmpty()
                ? CompletableFuture.completedFuture(new FetchResponseData().setErrorCode(Errors.NONE.code()).setSessionId(0))
                : h.handle(ctx, req.duplicate().setTopics(kept));
        return answer.thenApply(resp -> {
            if (resp == null) {
                return null; // the connection closed while the fetch waited
            }
            FetchResponseData out = (FetchResponseData) resp;
            if (out.errorCode() != Errors.NONE.code()) {
                return out;
            }
            for (FetchRequestData.FetchTopic t : denied) {
                FetchResponseData.FetchableTopicResponse tr = new FetchResponseData.FetchableTopicResponse().setTopic(t.topic()).setTopicId(t.topicId());
                for (FetchRequestData.FetchPartition p : t.partitions()) {
                    tr.partitions().add(new FetchResponseData.PartitionData().setPartitionIndex(p.partition())
                            .setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code()).setHighWatermark(-1).setLastStableOffset(-1)
                            .setLogStartOffset(-1));
                }
                out.responses().add(tr);
            }
            return out;
        });
    }

    private ApiMessage listOffsets(RequestContext ctx, ListOffsetsResponseData resp) {
        for (ListOffsetsResponseData.ListOffsetsTopicResponse t : resp.topics()) {
            if (!topicAllowed(ctx, DESCRIBE, t.name())) {
                for (ListOffsetsResponseData.ListOffsetsPartitionResponse p : t.partitions()) {
                    p.setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code()).setTimestamp(-1).setOffset(-1).setLeaderEpoch(-1);
                }
            }
        }
        return resp;
    }

    private CompletableFuture<ApiMessage> offsetForLeaderEpoch(RequestContext ctx, OffsetForLeaderEpochRequestData req, ApiHandler h) {
        if (req.replicaId() >= 0) {
            return auth.authorize(ctx, CLUSTER_ACTION, CLUSTER, CLUSTER_NAME) ? h.handle(ctx, req)
                    : refuse(ctx, req, Errors.CLUSTER_AUTHORIZATION_FAILED);
        }
        return h.handle(ctx, req).thenApply(resp -> {
            OffsetForLeaderEpochResponseData out = (OffsetForLeaderEpochResponseData) resp;
            for (OffsetForLeaderEpochResponseData.OffsetForLeaderTopicResult t : out.topics()) {
                if (!topicAllowed(ctx, DESCRIBE, t.topic())) {
                    t.partitions().forEach(p -> p.setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code()).setLeaderEpoch(-1).setEndOffset(-1));
                }
            }
            return out;
        });
    }

    private CompletableFuture<ApiMessage> metadata(RequestContext ctx, MetadataRequestData req, ApiHandler h) {
        boolean allTopics = req.topics() == null || (ctx.apiVersion() == 0 && req.topics().isEmpty());
        List<MetadataResponseData.MetadataResponseTopic> refused = new ArrayList<>();
        MetadataRequestData forward = req;
        if (!allTopics) {
            Map<Uuid, String> byId = null;
            List<MetadataRequestData.MetadataRequestTopic> kept = new ArrayList<>();
            boolean mayCreate = autoCreateTopics && req.allowAutoTopicCreation()
                    && auth.isAllowed(ctx, CREATE, CLUSTER, CLUSTER_NAME);
            for (MetadataRequestData.MetadataRequestTopic t : req.topics()) {
                String name = t.name();
                if (name == null && t.topicId() != null && !Uuid.ZERO_UUID.equals(t.topicId())) {
                    byId = byId == null ? namesById() : byId;
                    name = byId.get(t.topicId());
                }
                if (name == null) {
                    kept.add(t); // an unknown id: the handler answers it
                } else if (!topicAllowed(ctx, DESCRIBE, name)) {
                    refused.add(refusedTopic(t.name(), t.topicId()));
                } else if (autoCreateTopics && req.allowAutoTopicCreation() && !mayCreate
                        && registry.image().topic(name).isEmpty() && !topicAllowed(ctx, CREATE, name)) {
                    refused.add(refusedTopic(t.name(), t.topicId()));
                } else {
                    kept.add(t);
                }
            }
            if (!refused.isEmpty()) {
                forward = req.duplicate().setTopics(kept);
            }
        }
        return h.handle(ctx, forward).thenApply(resp -> {
            MetadataResponseData out = (MetadataResponseData) resp;
            if (allTopics) {
                out.topics().removeIf(t -> !auth.isAllowed(ctx, DESCRIBE, TOPIC, t.name()));
            }
            refused.forEach(t -> out.topics().add(t));
            if (req.includeTopicAuthorizedOperations()) {
                for (MetadataResponseData.MetadataResponseTopic t : out.topics()) {
                    if (t.errorCode() != Errors.TOPIC_AUTHORIZATION_FAILED.code() && t.name() != null) {
                        t.setTopicAuthorizedOperations(auth.authorizedOperations(ctx, TOPIC, t.name()));
                    }
                }
            }
            if (ctx.apiVersion() >= 8 && ctx.apiVersion() <= 10 && req.includeClusterAuthorizedOperations()) {
                out.setClusterAuthorizedOperations(auth.authorizedOperations(ctx, CLUSTER, CLUSTER_NAME));
            }
            return out;
        });
    }

    private static MetadataResponseData.MetadataResponseTopic refusedTopic(String name, Uuid id) {
        return new MetadataResponseData.MetadataResponseTopic().setName(name).setTopicId(id == null ? Uuid.ZERO_UUID : id)
                .setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code()).setIsInternal(false)
                .setTopicAuthorizedOperations(MetadataHandler.AUTHORIZED_OPERATIONS_OMITTED);
    }

    private ApiMessage describeTopicPartitions(RequestContext ctx, DescribeTopicPartitionsRequestData req, DescribeTopicPartitionsResponseData resp) {
        boolean named = !req.topics().isEmpty();
        Iterator<DescribeTopicPartitionsResponseData.DescribeTopicPartitionsResponseTopic> it = resp.topics().iterator();
        List<DescribeTopicPartitionsResponseData.DescribeTopicPartitionsResponseTopic> refused = new ArrayList<>();
        while (it.hasNext()) {
            DescribeTopicPartitionsResponseData.DescribeTopicPartitionsResponseTopic t = it.next();
            if (t.name() != null && !(named ? topicAllowed(ctx, DESCRIBE, t.name()) : auth.isAllowed(ctx, DESCRIBE, TOPIC, t.name()))) {
                it.remove();
                if (named) {
                    refused.add(new DescribeTopicPartitionsResponseData.DescribeTopicPartitionsResponseTopic().setName(t.name())
                            .setTopicId(Uuid.ZERO_UUID).setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code()).setIsInternal(false)
                            .setTopicAuthorizedOperations(MetadataHandler.AUTHORIZED_OPERATIONS_OMITTED));
                }
            } else if (t.name() != null) {
                t.setTopicAuthorizedOperations(auth.authorizedOperations(ctx, TOPIC, t.name()));
            }
        }
        refused.forEach(t -> resp.topics().add(t));
        return resp;
    }

    private ApiMessage describeCluster(RequestContext ctx, DescribeClusterRequestData req, DescribeClusterResponseData resp) {
        if (req.includeClusterAuthorizedOperations()) {
            resp.setClusterAuthorizedOperations(auth.authorizedOperations(ctx, CLUSTER, CLUSTER_NAME));
        }
        return resp;
    }

    private CompletableFuture<ApiMessage> createTopics(RequestContext ctx, CreateTopicsRequestData req, ApiHandler h) {
        if (auth.isAllowed(ctx, CREATE, CLUSTER, CLUSTER_NAME)) {
            return h.handle(ctx, req);
        }
        List<CreateTopicsRequestData.CreatableTopic> denied = new ArrayList<>();
        for (CreateTopicsRequestData.CreatableTopic t : req.topics()) {
            if (!topicAllowed(ctx, CREATE, t.name())) {
                denied.add(t);
            }
        }
        if (denied.isEmpty()) {
            return h.handle(ctx, req);
        }
        CreateTopicsRequestData.CreatableTopicCollection kept = new CreateTopicsRequestData.CreatableTopicCollection();
        for (CreateTopicsRequestData.CreatableTopic t : req.topics()) {
            if (!denied.contains(t)) {
                kept.add(t.duplicate());
            }
        }
        CompletableFuture<ApiMessage> answer = kept.isEmpty() ? CompletableFuture.completedFuture(new CreateTopicsResponseData())
                : h.handle(ctx, req.duplicate().setTopics(kept));
        return answer.thenApply(resp -> {
            CreateTopicsResponseData out = (CreateTopicsResponseData) resp;
            for (CreateTopicsRequestData.CreatableTopic t : denied) {
                out.topics().add(new CreateTopicsResponseData.CreatableTopicResult().setName(t.name())
                        .setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code()).setErrorMessage("CREATE on the topic or the cluster is needed")
                        .setNumPartitions(-1).setReplicationFactor((short) -1));
            }
            return out;
        });
    }

    private CompletableFuture<ApiMessage> deleteTopics(RequestContext ctx, DeleteTopicsRequestData req, ApiHandler h) {
        List<DeleteTopicsResponseData.DeletableTopicResult> refused = new ArrayList<>();
        DeleteTopicsRequestData forward = req;
        if (ctx.apiVersion() >= 6) {
            Map<Uuid, String> byId = namesById();
            List<DeleteTopicsRequestData.DeleteTopicState> kept = new ArrayList<>();
            for (DeleteTopicsRequestData.DeleteTopicState t : req.topics()) {
                String name = nameOf(t.name(), t.topicId(), byId);
                if (name != null && !topicAllowed(ctx, DELETE, name)) {
                    refused.add(new DeleteTopicsResponseData.DeletableTopicResult().setName(t.name()).setTopicId(t.topicId())
                            .setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code()));
                } else {
                    kept.add(t);
                }
            }
            if (!refused.isEmpty()) {
                forward = req.duplicate().setTopics(kept);
            }
        } else {
            List<String> kept = new ArrayList<>();
            for (String name : req.topicNames()) {
                if (!topicAllowed(ctx, DELETE, name)) {
                    refused.add(new DeleteTopicsResponseData.DeletableTopicResult().setName(name).setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code()));
                } else {
                    kept.add(name);
                }
            }
            if (!refused.isEmpty()) {
                forward = req.duplicate().setTopicNames(kept);
            }
        }
        if (refused.isEmpty()) {
            return h.handle(ctx, req);
        }
        boolean nothingLeft = ctx.apiVersion() >= 6 ? forward.topics().isEmpty() : forward.topicNames().isEmpty();
        CompletableFuture<ApiMessage> answer = nothingLeft ? CompletableFuture.completedFuture(new DeleteTopicsResponseData()) : h.handle(ctx, forward);
        return answer.thenApply(resp -> {
            DeleteTopicsResponseData out = (DeleteTopicsResponseData) resp;
            refused.forEach(t -> out.responses().add(t));
            return out;
        });
    }

    private CompletableFuture<ApiMessage> createPartitions(RequestContext ctx, CreatePartitionsRequestData req, ApiHandler h) {
        List<CreatePartitionsRequestData.CreatePartitionsTopic> denied = new ArrayList<>();
        for (CreatePartitionsRequestData.CreatePartitionsTopic t : req.topics()) {
            if (!topicAllowed(ctx, ALTER, t.name())) {
                denied.add(t);
            }
        }
        if (denied.isEmpty()) {
            return h.handle(ctx, req);
        }
        CreatePartitionsRequestData.CreatePartitionsTopicCollection kept = new CreatePartitionsRequestData.CreatePartitionsTopicCollection();
        for (CreatePartitionsRequestData.CreatePartitionsTopic t : req.topics()) {
            if (!denied.contains(t)) {
                kept.add(t.duplicate());
            }
        }
        CompletableFuture<ApiMessage> answer = kept.isEmpty() ? CompletableFuture.completedFuture(new CreatePartitionsResponseData())
                : h.handle(ctx, req.duplicate().setTopics(kept));
        return answer.thenApply(resp -> {
            CreatePartitionsResponseData out = (CreatePartitionsResponseData) resp;
            denied.forEach(t -> out.results().add(new CreatePartitionsResponseData.CreatePartitionsTopicResult().setName(t.name())
                    .setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code())));
            return out;
        });
    }

    private CompletableFuture<ApiMessage> deleteRecords(RequestContext ctx, DeleteRecordsRequestData req, ApiHandler h) {
        List<DeleteRecordsRequestData.DeleteRecordsTopic> denied = new ArrayList<>();
        for (DeleteRecordsRequestData.DeleteRecordsTopic t : req.topics()) {
            if (!topicAllowed(ctx, DELETE, t.name())) {
                denied.add(t);
            }
        }
        if (denied.isEmpty()) {
            return h.handle(ctx, req);
        }
        List<DeleteRecordsRequestData.DeleteRecordsTopic> kept = new ArrayList<>(req.topics());
        kept.removeAll(denied);
        CompletableFuture<ApiMessage> answer = kept.isEmpty() ? CompletableFuture.completedFuture(new DeleteRecordsResponseData())
                : h.handle(ctx, req.duplicate().setTopics(kept));
        return answer.thenApply(resp -> {
            DeleteRecordsResponseData out = (DeleteRecordsResponseData) resp;
            for (DeleteRecordsRequestData.DeleteRecordsTopic t : denied) {
                DeleteRecordsResponseData.DeleteRecordsTopicResult tr = new DeleteRecordsResponseData.DeleteRecordsTopicResult().setName(t.name());
                t.partitions().forEach(p -> tr.partitions().add(new DeleteRecordsResponseData.DeleteRecordsPartitionResult()
                        .setPartitionIndex(p.partitionIndex()).setLowWatermark(-1).setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code())));
                out.topics().add(tr);
            }
            return out;
        });
    }

    // ---- configs

    /** Kafka's ConfigResource types: 2 topic, 4 broker, 8 broker logger, 16 client metrics, 32 group. */
    private static final byte TOPIC_CONFIG = 2;

    private boolean configAllowed(RequestContext ctx, AclOperation op, byte resourceType, String name) {
        return resourceType == TOPIC_CONFIG ? topicAllowed(ctx, op, name) : auth.authorize(ctx, op, CLUSTER, CLUSTER_NAME);
    }

    private static Errors configDenial(byte resourceType) {
        return resourceType == TOPIC_CONFIG ? Errors.TOPIC_AUTHORIZATION_FAILED : Errors.CLUSTER_AUTHORIZATION_FAILED;
    }

    private CompletableFuture<ApiMessage> describeConfigs(RequestContext ctx, DescribeConfigsRequestData req, ApiHandler h) {
        List<DescribeConfigsRequestData.DescribeConfigsResource> kept = new ArrayList<>();
        List<DescribeConfigsResponseData.DescribeConfigsResult> refused = new ArrayList<>();
        for (DescribeConfigsRequestData.DescribeConfigsResource r : req.resources()) {
            if (configAllowed(ctx, DESCRIBE_CONFIGS, r.resourceType(), r.resourceName())) {
                kept.add(r);
            } else {
                Errors e = configDenial(r.resourceType());
                refused.add(new DescribeConfigsResponseData.DescribeConfigsResult().setResourceType(r.resourceType())
                        .setResourceName(r.resourceName()).setErrorCode(e.code()).setErrorMessage(e.message()));
            }
        }
        if (refused.isEmpty()) {
            return h.handle(ctx, req);
        }
        CompletableFuture<ApiMessage> answer = kept.isEmpty() ? CompletableFuture.completedFuture(new DescribeConfigsResponseData())
                : h.handle(ctx, req.duplicate().setResources(kept));
        return answer.thenApply(resp -> {
            DescribeConfigsResponseData out = (DescribeConfigsResponseData) resp;
            out.results().addAll(refused);
            return out;
        });
    }

    private CompletableFuture<ApiMessage> alterConfigs(RequestContext ctx, AlterConfigsRequestData req, ApiHandler h) {
        AlterConfigsRequestData.AlterConfigsResourceCollection kept = new AlterConfigsRequestData.AlterConfigsResourceCollection();
        List<AlterConfigsResponseData.AlterConfigsResourceResponse> refused = new ArrayList<>();
        for (AlterConfigsRequestData.AlterConfigsResource r : req.resources()) {
            if (configAllowed(ctx, ALTER_CONFIGS, r.resourceType(), r.resourceName())) {
                kept.add(r.duplicate());
            } else {
                Errors e = configDenial(r.resourceType());
                refused.add(new AlterConfigsResponseData.AlterConfigsResourceResponse().setResourceType(r.resourceType())
                        .setResourceName(r.resourceName()).setErrorCode(e.code()).setErrorMessage(e.message()));
            }
        }
        if (refused.isEmpty()) {
            return h.handle(ctx, req);
        }
        CompletableFuture<ApiMessage> answer = kept.isEmpty() ? CompletableFuture.completedFuture(new AlterConfigsResponseData())
                : h.handle(ctx, req.duplicate().setResources(kept));
        return answer.thenApply(resp -> {
            AlterConfigsResponseData out = (AlterConfigsResponseData) resp;
            out.responses().addAll(refused);
            return out;
        });
    }

    private CompletableFuture<ApiMessage> incrementalAlterConfigs(RequestContext ctx, IncrementalAlterConfigsRequestData req, ApiHandler h) {
        IncrementalAlterConfigsRequestData.AlterConfigsResourceCollection kept = new IncrementalAlterConfigsRequestData.AlterConfigsResourceCollection();
        List<IncrementalAlterConfigsResponseData.AlterConfigsResourceResponse> refused = new ArrayList<>();
        for (IncrementalAlterConfigsRequestData.AlterConfigsResource r : req.resources()) {
            if (configAllowed(ctx, ALTER_CONFIGS, r.resourceType(), r.resourceName())) {
                kept.add(r.duplicate());
            } else {
                Errors e = configDenial(r.resourceType());
                refused.add(new IncrementalAlterConfigsResponseData.AlterConfigsResourceResponse().setResourceType(r.resourceType())
                        .setResourceName(r.resourceName()).setErrorCode(e.code()).setErrorMessage(e.message()));
            }
        }
        if (refused.isEmpty()) {
            return h.handle(ctx, req);
        }
        CompletableFuture<ApiMessage> answer = kept.isEmpty() ? CompletableFuture.completedFuture(new IncrementalAlterConfigsResponseData())
                : h.handle(ctx, req.duplicate().setResources(kept));
        return answer.thenApply(resp -> {
            IncrementalAlterConfigsResponseData out = (IncrementalAlterConfigsResponseData) resp;
            out.responses().addAll(refused);
            return out;
        });
    }

    // ---- groups

    private CompletableFuture<ApiMessage> offsetCommit(RequestContext ctx, OffsetCommitRequestData req, ApiHandler h) {
        if (!auth.authorize(ctx, READ, GROUP, req.groupId())) {
            return refuse(ctx, req, Errors.GROUP_AUTHORIZATION_FAILED);
        }
        Map<Uuid, String> byId = ctx.apiVersion() >= 10 ? namesById() : Map.of();
        List<OffsetCommitRequestData.OffsetCommitRequestTopic> denied = new ArrayList<>();
        for (OffsetCommitRequestData.OffsetCommitRequestTopic t : req.topics()) {
            String name = nameOf(t.name(), t.topicId(), byId);
            if (name != null && !topicAllowed(ctx, READ, name)) {
                denied.add(t);
            }
        }
        if (denied.isEmpty()) {
            return h.handle(ctx, req);
        }
        List<OffsetCommitRequestData.OffsetCommitRequestTopic> kept = new ArrayList<>(req.topics());
        kept.removeAll(denied);
        CompletableFuture<ApiMessage> answer = kept.isEmpty() ? CompletableFuture.completedFuture(new OffsetCommitResponseData())
                : h.handle(ctx, req.duplicate().setTopics(kept));
        return answer.thenApply(resp -> {
            OffsetCommitResponseData out = (OffsetCommitResponseData) resp;
            for (OffsetCommitRequestData.OffsetCommitRequestTopic t : denied) {
                OffsetCommitResponseData.OffsetCommitResponseTopic tr = new OffsetCommitResponseData.OffsetCommitResponseTopic()
                        .setName(t.name()).setTopicId(t.topicId());
                t.partitions().forEach(p -> tr.partitions().add(new OffsetCommitResponseData.OffsetCommitResponsePartition()
                        .setPartitionIndex(p.partitionIndex()).setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code())));
                out.topics().add(tr);
            }
            return out;
        });
    }

    private CompletableFuture<ApiMessage> offsetFetch(RequestContext ctx, OffsetFetchRequestData req, ApiHandler h) {
        if (ctx.apiVersion() < 8) {
            if (!auth.authorize(ctx, DESCRIBE, GROUP, req.groupId())) {
                return refuse(ctx, req, Errors.GROUP_AUTHORIZATION_FAILED);
            }
            boolean named = req.topics() != null;
            return h.handle(ctx, req).thenApply(resp -> {
                OffsetFetchResponseData out = (OffsetFetchResponseData) resp;
                filterOffsetTopics(ctx, named, out.topics(), t -> t.name(),
                        t -> t.partitions().forEach(p -> p.setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code()).setCommittedOffset(-1)
                                .setCommittedLeaderEpoch(-1).setMetadata("")));
                return out;
            });
        }
        Map<String, Boolean> groupAllowed = new HashMap<>();
        for (OffsetFetchRequestData.OffsetFetchRequestGroup g : req.groups()) {
            groupAllowed.put(g.groupId(), auth.authorize(ctx, DESCRIBE, GROUP, g.groupId()));
        }
        Map<String, Boolean> namedTopics = new HashMap<>();
        req.groups().forEach(g -> namedTopics.put(g.groupId(), g.topics() != null));
        Map<Uuid, String> byId = ctx.apiVersion() >= 10 ? namesById() : Map.of();
        return h.handle(ctx, req).thenApply(resp -> {
            OffsetFetchResponseData out = (OffsetFetchResponseData) resp;
            for (OffsetFetchResponseData.OffsetFetchResponseGroup g : out.groups()) {
                if (!groupAllowed.getOrDefault(g.groupId(), false)) {
                    g.setErrorCode(Errors.GROUP_AUTHORIZATION_FAILED.code()).setTopics(new ArrayList<>());
                    continue;
                }
                filterOffsetTopics(ctx, namedTopics.getOrDefault(g.groupId(), true), g.topics(), t -> nameOf(t.name(), t.topicId(), byId),
                        t -> t.partitions().forEach(p -> p.setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code()).setCommittedOffset(-1)
                                .setCommittedLeaderEpoch(-1).setMetadata("")));
            }
            return out;
        });
    }

    /** Named topics the principal may not describe get {@code refuse}; unnamed ones (all topics) are dropped. */
    private <T> void filterOffsetTopics(RequestContext ctx, boolean named, List<T> topics, java.util.function.Function<T, String> name,
                                        java.util.function.Consumer<T> refuse) {
        Iterator<T> it = topics.iterator();
        while (it.hasNext()) {
            T t = it.next();
            String n = name.apply(t);
            if (n == null) {
                continue;
            }
            if (named) {
                if (!topicAllowed(ctx, DESCRIBE, n)) {
                    refuse.accept(t);
                }
            } else if (!auth.isAllowed(ctx, DESCRIBE, TOPIC, n)) {
                it.remove();
            }
        }
    }

    /** Kafka's coordinator key types: 0 group, 1 transaction. */
    private CompletableFuture<ApiMessage> findCoordinator(RequestContext ctx, FindCoordinatorRequestData req, ApiHandler h) {
        boolean txn = req.keyType() == 1;
        ResourceType type = txn ? TRANSACTIONAL_ID : GROUP;
        Errors denial = txn ? Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED : Errors.GROUP_AUTHORIZATION_FAILED;
        if (ctx.apiVersion() < 4) {
            return auth.authorize(ctx, DESCRIBE, type, req.key()) ? h.handle(ctx, req) : refuse(ctx, req, denial);
        }
        List<String> denied = new ArrayList<>();
        List<String> kept = new ArrayList<>();
        for (String key : req.coordinatorKeys()) {
            (auth.authorize(ctx, DESCRIBE, type, key) ? kept : denied).add(key);
        }
        if (denied.isEmpty()) {
            return h.handle(ctx, req);
        }
        CompletableFuture<ApiMessage> answer = kept.isEmpty() ? CompletableFuture.completedFuture(new FindCoordinatorResponseData())
                : h.handle(ctx, req.duplicate().setCoordinatorKeys(kept));
        return answer.thenApply(resp -> {
            FindCoordinatorResponseData out = (FindCoordinatorResponseData) resp;
            denied.forEach(k -> out.coordinators().add(new FindCoordinatorResponseData.Coordinator().setKey(k).setNodeId(-1)
                    .setHost("").setPort(-1).setErrorCode(denial.code()).setErrorMessage(denial.message())));
            return out;
        });
    }

    private ApiMessage listGroups(RequestContext ctx, ListGroupsResponseData resp) {
        if (!auth.isAllowed(ctx, DESCRIBE, CLUSTER, CLUSTER_NAME)) {
            resp.groups().removeIf(g -> !auth.isAllowed(ctx, DESCRIBE, GROUP, g.groupId()));
        }
        return resp;
    }

    private ApiMessage describeGroups(RequestContext ctx, DescribeGroupsRequestData req, DescribeGroupsResponseData resp) {
        for (DescribeGroupsResponseData.DescribedGroup g : resp.groups()) {
            if (!auth.authorize(ctx, DESCRIBE, GROUP, g.groupId())) {
                g.setErrorCode(Errors.GROUP_AUTHORIZATION_FAILED.code()).setErrorMessage(null).setGroupState("").setProtocolType("")
                        .setProtocolData("").setMembers(new ArrayList<>()).setAuthorizedOperations(MetadataHandler.AUTHORIZED_OPERATIONS_OMITTED);
            } else if (ctx.apiVersion() >= 3 && req.includeAuthorizedOperations()) {
                g.setAuthorizedOperations(auth.authorizedOperations(ctx, GROUP, g.groupId()));
            }
        }
        return resp;
    }

    private CompletableFuture<ApiMessage> deleteGroups(RequestContext ctx, DeleteGroupsRequestData req, ApiHandler h) {
        List<String> kept = new ArrayList<>();
        List<String> denied = new ArrayList<>();
        for (String g : req.groupsNames()) {
            (auth.authorize(ctx, DELETE, GROUP, g) ? kept : denied).add(g);
        }
        if (denied.isEmpty()) {
            return h.handle(ctx, req);
        }
        CompletableFuture<ApiMessage> answer = kept.isEmpty() ? CompletableFuture.completedFuture(new DeleteGroupsResponseData())
                : h.handle(ctx, req.duplicate().setGroupsNames(kept));
        return answer.thenApply(resp -> {
            DeleteGroupsResponseData out = (DeleteGroupsResponseData) resp;
            denied.forEach(g -> out.results().add(new DeleteGroupsResponseData.DeletableGroupResult().setGroupId(g)
                    .setErrorCode(Errors.GROUP_AUTHORIZATION_FAILED.code())));
            return out;
        });
    }

    private CompletableFuture<ApiMessage> offsetDelete(RequestContext ctx, OffsetDeleteRequestData req, ApiHandler h) {
        if (!auth.authorize(ctx, DELETE, GROUP, req.groupId())) {
            return refuse(ctx, req, Errors.GROUP_AUTHORIZATION_FAILED);
        }
        List<OffsetDeleteRequestData.OffsetDeleteRequestTopic> denied = new ArrayList<>();
        for (OffsetDeleteRequestData.OffsetDeleteRequestTopic t : req.topics()) {
            if (!topicAllowed(ctx, READ, t.name())) {
                denied.add(t);
            }
        }
        if (denied.isEmpty()) {
            return h.handle(ctx, req);
        }
        OffsetDeleteRequestData.OffsetDeleteRequestTopicCollection kept = new OffsetDeleteRequestData.OffsetDeleteRequestTopicCollection();
        for (OffsetDeleteRequestData.OffsetDeleteRequestTopic t : req.topics()) {
            if (!denied.contains(t)) {
                kept.add(t.duplicate());
            }
        }
        CompletableFuture<ApiMessage> answer = kept.isEmpty() ? CompletableFuture.completedFuture(new OffsetDeleteResponseData())
                : h.handle(ctx, req.duplicate().setTopics(kept));
        return answer.thenApply(resp -> {
            OffsetDeleteResponseData out = (OffsetDeleteResponseData) resp;
            for (OffsetDeleteRequestData.OffsetDeleteRequestTopic t : denied) {
                OffsetDeleteResponseData.OffsetDeleteResponseTopic tr = new OffsetDeleteResponseData.OffsetDeleteResponseTopic().setName(t.name());
                t.partitions().forEach(p -> tr.partitions().add(new OffsetDeleteResponseData.OffsetDeleteResponsePartition()
                        .setPartitionIndex(p.partitionIndex()).setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code())));
                out.topics().add(tr);
            }
            return out;
        });
    }

    // ---- producers

    private ApiMessage describeProducers(RequestContext ctx, DescribeProducersResponseData resp) {
        for (DescribeProducersResponseData.TopicResponse t : resp.topics()) {
            if (!topicAllowed(ctx, READ, t.name())) {
                t.partitions().forEach(p -> p.setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code()).setErrorMessage(null)
                        .setActiveProducers(new ArrayList<>()));
            }
        }
        return resp;
    }

    private CompletableFuture<ApiMessage> initProducerId(RequestContext ctx, InitProducerIdRequestData req, ApiHandler h) {
        if (req.transactionalId() != null) {
            return auth.authorize(ctx, WRITE, TRANSACTIONAL_ID, req.transactionalId()) ? h.handle(ctx, req)
                    : refuse(ctx, req, Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
        }
        boolean allowed = auth.isAllowed(ctx, IDEMPOTENT_WRITE, CLUSTER, CLUSTER_NAME) || auth.authorizeAny(ctx, WRITE, TOPIC);
        return allowed ? h.handle(ctx, req) : refuse(ctx, req, Errors.CLUSTER_AUTHORIZATION_FAILED);
    }
}
