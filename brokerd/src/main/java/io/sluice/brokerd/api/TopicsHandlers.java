package io.sluice.brokerd.api;

import io.sluice.brokerd.config.TopicConfigDef;
import io.sluice.brokerd.metadata.TopicInfo;
import io.sluice.brokerd.metadata.TopicRegistry;
import io.sluice.brokerd.metadata.TopicValidation;
import io.sluice.brokerd.network.ApiRegistry;
import io.sluice.brokerd.network.RequestContext;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.CreatePartitionsRequestData;
import org.apache.kafka.common.message.CreatePartitionsResponseData;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsResponseData;
import org.apache.kafka.common.message.DeleteTopicsRequestData;
import org.apache.kafka.common.message.DeleteTopicsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * The topic family: CreateTopics (key 19, v2-7), DeleteTopics (key 20, v1-6), CreatePartitions (key 37, v0-3).
 * Changes go through the {@link TopicRegistry}, which persists them before logs are created or removed; they run on
 * the request executor because they fsync.
 */
public final class TopicsHandlers {
    private final TopicRegistry registry;
    private final int defaultPartitions;
    private final short defaultReplicationFactor;

    public TopicsHandlers(TopicRegistry registry, int defaultPartitions, short defaultReplicationFactor) {
        this.registry = registry;
        this.defaultPartitions = defaultPartitions;
        this.defaultReplicationFactor = defaultReplicationFactor;
    }

    public void register(ApiRegistry apis) {
        apis.register(ApiKeys.CREATE_TOPICS, 2, 7, (ctx, r) -> CompletableFuture.supplyAsync(() -> createTopics(ctx, (CreateTopicsRequestData) r), ctx.executor()));
        apis.register(ApiKeys.DELETE_TOPICS, 1, 6, (ctx, r) -> CompletableFuture.supplyAsync(() -> deleteTopics(ctx, (DeleteTopicsRequestData) r), ctx.executor()));
        apis.register(ApiKeys.CREATE_PARTITIONS, 0, 3, (ctx, r) -> CompletableFuture.supplyAsync(() -> createPartitions((CreatePartitionsRequestData) r), ctx.executor()));
    }

    static Errors errorOf(TopicRegistry.Error e) {
        return switch (e) {
            case INVALID_TOPIC -> Errors.INVALID_TOPIC_EXCEPTION;
            case TOPIC_EXISTS -> Errors.TOPIC_ALREADY_EXISTS;
            case UNKNOWN_TOPIC -> Errors.UNKNOWN_TOPIC_OR_PARTITION;
            case INVALID_PARTITIONS -> Errors.INVALID_PARTITIONS;
            case INVALID_REPLICATION_FACTOR -> Errors.INVALID_REPLICATION_FACTOR;
            case INVALID_CONFIG -> Errors.INVALID_CONFIG;
            case INVALID_REPLICA_ASSIGNMENT -> Errors.INVALID_REPLICA_ASSIGNMENT;
            case TIMED_OUT -> Errors.REQUEST_TIMED_OUT;
        };
    }

    ApiMessage createTopics(RequestContext ctx, CreateTopicsRequestData req) {
        CreateTopicsResponseData resp = new CreateTopicsResponseData();
        Set<String> seen = new HashSet<>();
        Set<String> duplicated = new HashSet<>();
        for (CreateTopicsRequestData.CreatableTopic t : req.topics()) {
            if (!seen.add(t.name())) {
                duplicated.add(t.name());
            }
        }
        boolean tooManyPartitions = newPartitions(req) > TopicValidation.MAX_NEW_PARTITIONS_PER_REQUEST;
        for (CreateTopicsRequestData.CreatableTopic t : req.topics()) {
            CreateTopicsResponseData.CreatableTopicResult r = new CreateTopicsResponseData.CreatableTopicResult()
                    .setName(t.name()).setTopicId(Uuid.ZERO_UUID).setNumPartitions(-1).setReplicationFactor((short) -1);
            if (resp.topics().find(t.name()) != null) {
                continue;
            }
            if (tooManyPartitions) {
                resp.topics().add(r.setErrorCode(Errors.POLICY_VIOLATION.code()).setErrorMessage(TopicValidation.TOO_MANY_PARTITIONS));
                continue;
            }
            if (duplicated.contains(t.name())) {
                resp.topics().add(r.setErrorCode(Errors.INVALID_REQUEST.code())
                        .setErrorMessage("Create topics request from client contains duplicate topic name " + t.name()));
                continue;
            }
            int partitions = t.numPartitions() == -1 ? defaultPartitions : t.numPartitions();
            short rf = t.replicationFactor() == -1 ? defaultReplicationFactor : t.replicationFactor();
            List<List<Integer>> assignments = null;
            if (!t.assignments().isEmpty()) {
                if (t.numPartitions() != -1 || t.replicationFactor() != -1) {
                    resp.topics().add(r.setErrorCode(Errors.INVALID_REQUEST.code()).setErrorMessage(
                            "Both numPartitions or replicationFactor and replicasAssignments were set. Both cannot be used at the same time."));
                    continue;
                }
                String bad = partitionIndexError(t.assignments());
                if (bad != null) {
                    resp.topics().add(r.setErrorCode(Errors.INVALID_REPLICA_ASSIGNMENT.code()).setErrorMessage(bad));
                    continue;
                }
                assignments = new ArrayList<>(Collections.nCopies(t.assignments().size(), null));
                for (CreateTopicsRequestData.CreatableReplicaAssignment a : t.assignments()) {
                    assignments.set(a.partitionIndex(), a.brokerIds());
                }
                partitions = assignments.size();
                rf = (short) assignments.get(0).size();
            }
            Map<String, String> configs = new HashMap<>();
            for (CreateTopicsRequestData.CreatableTopicConfig c : t.configs()) {
                configs.put(c.name(), c.value());
            }
            TopicRegistry.Result res = req.validateOnly()
                    ? registry.validateCreate(t.name(), partitions, rf, configs, assignments)
                    : registry.create(t.name(), partitions, rf, configs, assignments);
            if (!res.isOk()) {
                resp.topics().add(r.setErrorCode(errorOf(res.error()).code()).setErrorMessage(res.message()));
                continue;
            }
            TopicInfo info = res.topic();
            r.setErrorCode(Errors.NONE.code()).setNumPartitions(info.partitions()).setReplicationFactor(info.replicationFactor());
            if (!req.validateOnly()) {
                r.setTopicId(Uuids.toKafka(info.topicId()));
            }
            if (ctx.apiVersion() >= 5) {
                Map<String, String> effective = registry.effectiveConfig(info.name());
                for (TopicConfigDef.Entry e : TopicConfigDef.entries().values()) {
                    boolean override = info.configOverrides().containsKey(e.key());
                    r.configs().add(new CreateTopicsResponseData.CreatableTopicConfigs().setName(e.key())
                            .setValue(override ? info.configOverrides().get(e.key()) : effective.get(e.key()))
                            .setReadOnly(false).setIsSensitive(false)
                            .setConfigSource((byte) (override ? 1 : ConfigsHandlers.sourceCode(registry.sourceOf(info.name(), e.key())))));
                }
            }
            resp.topics().add(r);
        }
        return resp;
    }

    /** Null when the assignments name partitions 0, 1, ..., n-1, each once (in any order), else Kafka's message. */
    private static String partitionIndexError(CreateTopicsRequestData.CreatableReplicaAssignmentCollection assignments) {
        Set<Integer> indexes = new HashSet<>();
        for (CreateTopicsRequestData.CreatableReplicaAssignment a : assignments) {
            if (!indexes.add(a.partitionIndex())) {
                return "Found multiple manual partition assignments for partition " + a.partitionIndex();
            }
        }
        for (int i = 0; i < indexes.size(); i++) {
            if (!indexes.contains(i)) {
                return "partitions should be a consecutive 0-based integer sequence";
            }
        }
        return null;
    }

    /** The partitions {@code req} would create, all topics together, counted as Kafka counts them. */
    private long newPartitions(CreateTopicsRequestData req) {
        long total = 0;
        for (CreateTopicsRequestData.CreatableTopic t : req.topics()) {
            if (!t.assignments().isEmpty()) {
                total += t.assignments().size();
            } else if (t.numPartitions() == -1) {
                total += defaultPartitions;
            } else if (t.numPartitions() > 0) {
                total += t.numPartitions();
            }
        }
        return total;
    }

    /** The partitions {@code req} would add to existing topics, all topics together. */
    private long newPartitions(CreatePartitionsRequestData req) {
        long total = 0;
        for (CreatePartitionsRequestData.CreatePartitionsTopic t : req.topics()) {
            Optional<TopicInfo> existing = registry.topic(t.name());
            if (existing.isPresent()) {
                total += Math.max(0, (long) t.count() - existing.get().partitions());
            }
        }
        return total;
    }

    ApiMessage deleteTopics(RequestContext ctx, DeleteTopicsRequestData req) {
        DeleteTopicsResponseData resp = new DeleteTopicsResponseData();
        if (ctx.apiVersion() >= 6) {
            for (DeleteTopicsRequestData.DeleteTopicState s : req.topics()) {
                Optional<TopicInfo> t = s.name() != null ? registry.topic(s.name())
                        : registry.topic(Uuids.fromKafka(s.topicId()));
                DeleteTopicsResponseData.DeletableTopicResult r = new DeleteTopicsResponseData.DeletableTopicResult()
                        .setName(s.name()).setTopicId(s.topicId());
                if (t.isEmpty()) {
                    Errors e = s.name() != null ? Errors.UNKNOWN_TOPIC_OR_PARTITION : Errors.UNKNOWN_TOPIC_ID;
                    resp.responses().add(r.setErrorCode(e.code()).setErrorMessage(e.message()));
                } else {
                    resp.responses().add(delete(t.get(), r));
                }
            }
        } else {
            for (String name : req.topicNames()) {
                DeleteTopicsResponseData.DeletableTopicResult r = new DeleteTopicsResponseData.DeletableTopicResult().setName(name);
                Optional<TopicInfo> t = registry.topic(name);
                resp.responses().add(t.isEmpty()
                        ? r.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code()).setErrorMessage(Errors.UNKNOWN_TOPIC_OR_PARTITION.message())
                        : delete(t.get(), r));
            }
        }
        return resp;
    }

    private DeleteTopicsResponseData.DeletableTopicResult delete(TopicInfo t, DeleteTopicsResponseData.DeletableTopicResult r) {
        TopicRegistry.Result res = registry.delete(t.name());
        r.setName(t.name()).setTopicId(Uuids.toKafka(t.topicId()));
        return res.isOk() ? r.setErrorCode(Errors.NONE.code())
                : r.setErrorCode(errorOf(res.error()).code()).setErrorMessage(res.message());
    }

    ApiMessage createPartitions(CreatePartitionsRequestData req) {
        CreatePartitionsResponseData resp = new CreatePartitionsResponseData();
        boolean tooManyPartitions = newPartitions(req) > TopicValidation.MAX_NEW_PARTITIONS_PER_REQUEST;
        for (CreatePartitionsRequestData.CreatePartitionsTopic t : req.topics()) {
            CreatePartitionsResponseData.CreatePartitionsTopicResult r = new CreatePartitionsResponseData.CreatePartitionsTopicResult().setName(t.name());
            if (tooManyPartitions) {
                resp.results().add(r.setErrorCode(Errors.POLICY_VIOLATION.code()).setErrorMessage(TopicValidation.TOO_MANY_PARTITIONS));
                continue;
            }
            List<List<Integer>> assignments = t.assignments() == null ? null
                    : t.assignments().stream().map(CreatePartitionsRequestData.CreatePartitionsAssignment::brokerIds).toList();
            TopicRegistry.Result res = registry.addPartitions(t.name(), t.count(), assignments, req.validateOnly());
            if (!res.isOk()) {
                r.setErrorCode(errorOf(res.error()).code()).setErrorMessage(res.message());
            }
            resp.results().add(r);
        }
        return resp;
    }

}
