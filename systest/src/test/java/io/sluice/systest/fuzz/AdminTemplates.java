package io.sluice.systest.fuzz;

import org.apache.kafka.common.message.AlterConfigsRequestData;
import org.apache.kafka.common.message.AlterPartitionReassignmentsRequestData;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.CreatePartitionsRequestData;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.DeleteTopicsRequestData;
import org.apache.kafka.common.message.DescribeClusterRequestData;
import org.apache.kafka.common.message.DescribeConfigsRequestData;
import org.apache.kafka.common.message.DescribeLogDirsRequestData;
import org.apache.kafka.common.message.DescribeTopicPartitionsRequestData;
import org.apache.kafka.common.message.ElectLeadersRequestData;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData;
import org.apache.kafka.common.message.ListPartitionReassignmentsRequestData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Valid requests of the admin and metadata APIs, as the admin client and kcat send them. Topic creation, deletion
 * and config changes name only the pool topics (and, now and then, a missing, invalid or internal topic), so the
 * oracle topics keep their configs and the number of topics stays bounded.
 */
final class AdminTemplates {
    /** Topic configs a generated request sets, with values valid and not. */
    private static final List<String[]> CONFIGS = List.of(
            new String[]{"retention.ms", "60000", "-1", "86400000", "abc"},
            new String[]{"retention.bytes", "1048576", "-1", "x"},
            new String[]{"segment.bytes", "1048576", "14", "0"},
            new String[]{"segment.ms", "60000", "1"},
            new String[]{"cleanup.policy", "compact", "delete", "compact,delete", "bogus"},
            new String[]{"compression.type", "producer", "zstd", "gzip", "brotli"},
            new String[]{"max.message.bytes", "1048588", "100", "-5"},
            new String[]{"min.insync.replicas", "1", "2", "0"},
            new String[]{"message.timestamp.type", "CreateTime", "LogAppendTime", "Sometime"},
            new String[]{"message.timestamp.after.max.ms", "3600000", "0"},
            new String[]{"no.such.config", "1"});

    private AdminTemplates() {
    }

    static void register(Map<ApiKeys, RequestGenerator.Template> out) {
        out.put(ApiKeys.API_VERSIONS, AdminTemplates::apiVersions);
        out.put(ApiKeys.METADATA, AdminTemplates::metadata);
        out.put(ApiKeys.CREATE_TOPICS, AdminTemplates::createTopics);
        out.put(ApiKeys.DELETE_TOPICS, AdminTemplates::deleteTopics);
        out.put(ApiKeys.CREATE_PARTITIONS, AdminTemplates::createPartitions);
        out.put(ApiKeys.DESCRIBE_CONFIGS, AdminTemplates::describeConfigs);
        out.put(ApiKeys.INCREMENTAL_ALTER_CONFIGS, AdminTemplates::incrementalAlterConfigs);
        out.put(ApiKeys.ALTER_CONFIGS, AdminTemplates::alterConfigs);
        out.put(ApiKeys.DESCRIBE_CLUSTER, AdminTemplates::describeCluster);
        out.put(ApiKeys.DESCRIBE_TOPIC_PARTITIONS, AdminTemplates::describeTopicPartitions);
        out.put(ApiKeys.DESCRIBE_LOG_DIRS, AdminTemplates::describeLogDirs);
        out.put(ApiKeys.ELECT_LEADERS, AdminTemplates::electLeaders);
        out.put(ApiKeys.ALTER_PARTITION_REASSIGNMENTS, AdminTemplates::alterPartitionReassignments);
        out.put(ApiKeys.LIST_PARTITION_REASSIGNMENTS, AdminTemplates::listPartitionReassignments);
        out.put(ApiKeys.DESCRIBE_QUORUM, AdminTemplates::describeQuorum);
    }

    static ApiMessage apiVersions(short version, Plausible p) {
        return new ApiVersionsRequestData().setClientSoftwareName(p.oneOf("apache-kafka-java", "librdkafka", "sluice-fuzz"))
                .setClientSoftwareVersion(p.oneOf("4.2.1", "2.3.0", "1"));
    }

    static ApiMessage metadata(short version, Plausible p) {
        MetadataRequestData req = new MetadataRequestData();
        if (version >= 1 && p.chance(30)) {
            req.setTopics(null);
        } else {
            int n = p.between(0, 2);
            for (int i = 0; i < n; i++) {
                String topic = p.chance(50) ? p.topic() : p.poolTopic();
                MetadataRequestData.MetadataRequestTopic t = new MetadataRequestData.MetadataRequestTopic().setName(topic);
                if (version >= 10 && p.chance(30)) {
                    t.setName(null).setTopicId(p.topicId(topic));
                }
                req.topics().add(t);
            }
        }
        if (version >= 4) {
            req.setAllowAutoTopicCreation(p.chance(30));
        }
        if (version >= 8 && version <= 10) {
            req.setIncludeClusterAuthorizedOperations(p.chance(50));
        }
        if (version >= 8) {
            req.setIncludeTopicAuthorizedOperations(p.chance(50));
        }
        return req;
    }

    /** One to two configs of {@link #CONFIGS}, each with one of its values. */
    private static List<String[]> configs(Plausible p) {
        List<String[]> out = new ArrayList<>();
        int n = p.between(0, 2);
        for (int i = 0; i < n; i++) {
            String[] c = p.oneOf(CONFIGS);
            out.add(new String[]{c[0], p.chance(10) ? null : c[1 + p.rnd.nextInt(c.length - 1)]});
        }
        return out;
    }

    static ApiMessage createTopics(short version, Plausible p) {
        CreateTopicsRequestData req = new CreateTopicsRequestData().setTimeoutMs(p.timeoutMs());
        if (version >= 1) {
            req.setValidateOnly(p.chance(30));
        }
        int n = p.chance(80) ? 1 : 2;
        for (int i = 0; i < n; i++) {
            CreateTopicsRequestData.CreatableTopic t = new CreateTopicsRequestData.CreatableTopic().setName(p.poolTopic());
            if (req.topics().find(t.name()) != null) {
                continue;
            }
            if (p.chance(15)) {
                t.setNumPartitions(-1).setReplicationFactor((short) -1);
                int partitions = p.between(1, 2);
                for (int part = 0; part < partitions; part++) {
                    t.assignments().add(new CreateTopicsRequestData.CreatableReplicaAssignment().setPartitionIndex(part)
                            .setBrokerIds(new ArrayList<>(List.of(p.chance(90) ? p.view.nodeId() : p.view.nodeId() + 1))));
                }
            } else {
                t.setNumPartitions(p.oneOf(1, 1, 2, 3, -1)).setReplicationFactor(p.oneOf((short) 1, (short) 1, (short) -1, (short) 2));
            }
            for (String[] c : configs(p)) {
                if (t.configs().find(c[0]) == null) {
                    t.configs().add(new CreateTopicsRequestData.CreatableTopicConfig().setName(c[0]).setValue(c[1]));
                }
            }
            req.topics().add(t);
        }
        return req;
    }

    static ApiMessage deleteTopics(short version, Plausible p) {
        DeleteTopicsRequestData req = new DeleteTopicsRequestData().setTimeoutMs(p.timeoutMs());
        int n = p.chance(80) ? 1 : 2;
        for (int i = 0; i < n; i++) {
            String topic = p.poolTopic();
            if (version >= 6) {
                DeleteTopicsRequestData.DeleteTopicState s = new DeleteTopicsRequestData.DeleteTopicState();
                boolean byId = p.chance(40);
                org.apache.kafka.common.Uuid id = p.topicId(topic);
                if (byId) {
                    s.setName(null).setTopicId(id);
                } else {
                    s.setName(topic);
                }
                req.topics().add(s);
            } else {
                req.topicNames().add(topic);
            }
        }
        return req;
    }

    static ApiMessage createPartitions(short version, Plausible p) {
        CreatePartitionsRequestData req = new CreatePartitionsRequestData().setTimeoutMs(p.timeoutMs()).setValidateOnly(p.chance(40));
        String topic = p.poolTopic();
        int count = p.oneOf(2, 2, 3, 4, 1);
        CreatePartitionsRequestData.CreatePartitionsTopic t = new CreatePartitionsRequestData.CreatePartitionsTopic().setName(topic).setCount(count);
        if (p.chance(30)) {
            List<CreatePartitionsRequestData.CreatePartitionsAssignment> assignments = new ArrayList<>();
            int added = p.between(1, 2);
            for (int i = 0; i < added; i++) {
                assignments.add(new CreatePartitionsRequestData.CreatePartitionsAssignment()
                        .setBrokerIds(new ArrayList<>(List.of(p.chance(90) ? p.view.nodeId() : p.view.nodeId() + 1))));
            }
            t.setAssignments(assignments);
        } else {
            t.setAssignments(null);
        }
        req.topics().add(t);
        return req;
    }

    static ApiMessage describeConfigs(short version, Plausible p) {
        DescribeConfigsRequestData req = new DescribeConfigsRequestData().setIncludeSynonyms(p.chance(50));
        if (version >= 3) {
            req.setIncludeDocumentation(p.chance(30));
        }
        DescribeConfigsRequestData.DescribeConfigsResource r = new DescribeConfigsRequestData.DescribeConfigsResource();
        if (p.chance(70)) {
            r.setResourceType((byte) 2).setResourceName(p.topic());
        } else {
            r.setResourceType(p.oneOf((byte) 4, (byte) 4, (byte) 8, (byte) 16)).setResourceName(p.oneOf(Integer.toString(p.view.nodeId()), "", "7"));
        }
        r.setConfigurationKeys(p.chance(60) ? null : new ArrayList<>(List.of(p.oneOf(CONFIGS)[0])));
        req.resources().add(r);
        return req;
    }

    static ApiMessage incrementalAlterConfigs(short version, Plausible p) {
        IncrementalAlterConfigsRequestData req = new IncrementalAlterConfigsRequestData().setValidateOnly(p.chance(40));
        IncrementalAlterConfigsRequestData.AlterConfigsResource r = new IncrementalAlterConfigsRequestData.AlterConfigsResource()
                .setResourceType(p.chance(90) ? (byte) 2 : (byte) 4).setResourceName(p.alterableTopic());
        for (String[] c : configs(p)) {
            byte op = p.oneOf((byte) 0, (byte) 0, (byte) 1, (byte) 2, (byte) 3);
            if (r.configs().find(c[0], op) == null) {
                r.configs().add(new IncrementalAlterConfigsRequestData.AlterableConfig().setName(c[0]).setConfigOperation(op).setValue(c[1]));
            }
        }
        req.resources().add(r);
        return req;
    }

    static ApiMessage alterConfigs(short version, Plausible p) {
        AlterConfigsRequestData req = new AlterConfigsRequestData().setValidateOnly(p.chance(40));
        AlterConfigsRequestData.AlterConfigsResource r = new AlterConfigsRequestData.AlterConfigsResource()
                .setResourceType(p.chance(90) ? (byte) 2 : (byte) 4).setResourceName(p.alterableTopic());
        for (String[] c : configs(p)) {
            if (r.configs().find(c[0]) == null) {
                r.configs().add(new AlterConfigsRequestData.AlterableConfig().setName(c[0]).setValue(c[1]));
            }
        }
        req.resources().add(r);
        return req;
    }

    static ApiMessage describeCluster(short version, Plausible p) {
        DescribeClusterRequestData req = new DescribeClusterRequestData().setIncludeClusterAuthorizedOperations(p.chance(50));
        if (version >= 1) {
            req.setEndpointType(p.chance(90) ? (byte) 1 : (byte) 2);
        }
        if (version >= 2) {
            req.setIncludeFencedBrokers(p.chance(50));
        }
        return req;
    }

    static ApiMessage describeTopicPartitions(short version, Plausible p) {
        DescribeTopicPartitionsRequestData req = new DescribeTopicPartitionsRequestData().setResponsePartitionLimit(p.oneOf(2000, 1, 3));
        int n = p.between(0, 2);
        for (int i = 0; i < n; i++) {
            String topic = p.topic();
            if (req.topics().stream().noneMatch(t -> t.name().equals(topic))) {
                req.topics().add(new DescribeTopicPartitionsRequestData.TopicRequest().setName(topic));
            }
        }
        if (p.chance(20)) {
            req.setCursor(new DescribeTopicPartitionsRequestData.Cursor().setTopicName(p.topic()).setPartitionIndex(p.between(0, 2)));
        }
        return req;
    }

    static ApiMessage describeLogDirs(short version, Plausible p) {
        DescribeLogDirsRequestData req = new DescribeLogDirsRequestData();
        if (p.chance(40)) {
            return req.setTopics(null);
        }
        String topic = p.topic();
        req.topics().add(new DescribeLogDirsRequestData.DescribableLogDirTopic().setTopic(topic).setPartitions(p.partitions(topic)));
        return req;
    }

    /** Mostly the quorum's own log, __cluster_metadata-0 (what kafka-metadata-quorum.sh asks); sometimes another one. */
    static ApiMessage describeQuorum(short version, Plausible p) {
        org.apache.kafka.common.message.DescribeQuorumRequestData req = new org.apache.kafka.common.message.DescribeQuorumRequestData();
        int topics = p.chance(90) ? 1 : p.oneOf(0, 2);
        for (int i = 0; i < topics; i++) {
            String topic = p.chance(80) ? "__cluster_metadata" : p.topic();
            org.apache.kafka.common.message.DescribeQuorumRequestData.TopicData t =
                    new org.apache.kafka.common.message.DescribeQuorumRequestData.TopicData().setTopicName(topic);
            int partitions = p.chance(90) ? 1 : p.oneOf(0, 2);
            for (int j = 0; j < partitions; j++) {
                t.partitions().add(new org.apache.kafka.common.message.DescribeQuorumRequestData.PartitionData()
                        .setPartitionIndex(p.chance(80) ? 0 : p.oneOf(1, -1)));
            }
            req.topics().add(t);
        }
        return req;
    }

    static ApiMessage electLeaders(short version, Plausible p) {
        ElectLeadersRequestData req = new ElectLeadersRequestData().setTimeoutMs(p.timeoutMs());
        if (version >= 1) {
            req.setElectionType(p.chance(80) ? (byte) 0 : (byte) 1);
        }
        if (p.chance(30)) {
            return req.setTopicPartitions(null);
        }
        String topic = p.topic();
        req.topicPartitions().add(new ElectLeadersRequestData.TopicPartitions().setTopic(topic).setPartitions(p.partitions(topic)));
        return req;
    }

    static ApiMessage alterPartitionReassignments(short version, Plausible p) {
        AlterPartitionReassignmentsRequestData req = new AlterPartitionReassignmentsRequestData().setTimeoutMs(p.timeoutMs());
        if (version >= 1) {
            req.setAllowReplicationFactorChange(p.chance(50));
        }
        String topic = p.chance(70) ? p.poolTopic() : p.topic();
        AlterPartitionReassignmentsRequestData.ReassignableTopic t = new AlterPartitionReassignmentsRequestData.ReassignableTopic().setName(topic);
        for (int partition : p.partitions(topic)) {
            List<Integer> replicas = p.chance(30) ? null : new ArrayList<>(List.of(p.chance(80) ? p.view.nodeId() : p.view.nodeId() + 1));
            t.partitions().add(new AlterPartitionReassignmentsRequestData.ReassignablePartition().setPartitionIndex(partition).setReplicas(replicas));
        }
        req.topics().add(t);
        return req;
    }

    static ApiMessage listPartitionReassignments(short version, Plausible p) {
        ListPartitionReassignmentsRequestData req = new ListPartitionReassignmentsRequestData().setTimeoutMs(p.timeoutMs());
        if (p.chance(50)) {
            return req.setTopics(null);
        }
        String topic = p.topic();
        req.setTopics(new ArrayList<>(List.of(new ListPartitionReassignmentsRequestData.ListPartitionReassignmentsTopics()
                .setName(topic).setPartitionIndexes(p.partitions(topic)))));
        return req;
    }
}
