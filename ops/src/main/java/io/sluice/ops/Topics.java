package io.sluice.ops;

import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.CreateTopicsOptions;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.LogDirDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.TopicExistsException;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** Topic operations in the operator's terms, over the Admin API. Stateless. */
public final class Topics {

    /** A topic in a listing. JSON field names are a stable interface. */
    public record TopicSummary(String name, int partitions, int replicationFactor, boolean internal) {
    }

    /** One partition with its placement and offsets. */
    public record PartitionDetail(int partition, int leader, List<Integer> replicas, List<Integer> isr,
                                  long logStartOffset, long logEndOffset, long sizeBytes) {
    }

    /** A topic config with where its value comes from (DEFAULT_CONFIG, DYNAMIC_TOPIC_CONFIG, ...). */
    public record ConfigValue(String name, String value, String source) {
    }

    public record TopicDetail(String name, String topicId, boolean internal, List<PartitionDetail> partitions,
                              List<ConfigValue> configs) {
    }

    private Topics() {
    }

    /** Topics whose names match the glob (e.g. {@code orders-*}); null or empty lists all non-internal topics. */
    public static List<TopicSummary> list(ClusterConnection c, String glob, boolean includeInternal) {
        Set<String> names = Futures.get(c.admin().listTopics(new ListTopicsOptions().listInternal(includeInternal)).names(), c, "listing topics");
        Pattern p = glob == null || glob.isEmpty() ? null : globToRegex(glob);
        List<String> selected = names.stream().filter(n -> p == null || p.matcher(n).matches()).sorted().toList();
        if (selected.isEmpty()) {
            return List.of();
        }
        Map<String, TopicDescription> d = Futures.get(c.admin().describeTopics(selected).allTopicNames(), c, "describing topics");
        List<TopicSummary> out = new ArrayList<>();
        for (String n : selected) {
            TopicDescription t = d.get(n);
            int rf = t.partitions().isEmpty() ? 0 : t.partitions().get(0).replicas().size();
            out.add(new TopicSummary(n, t.partitions().size(), rf, t.isInternal()));
        }
        return out;
    }

    static Pattern globToRegex(String glob) {
        StringBuilder re = new StringBuilder();
        for (char ch : glob.toCharArray()) {
            switch (ch) {
                case '*' -> re.append(".*");
                case '?' -> re.append('.');
                default -> re.append(Pattern.quote(String.valueOf(ch)));
            }
        }
        return Pattern.compile(re.toString());
    }

    /** Whether the topic exists; fails like any other request when the cluster does not answer. */
    public static boolean exists(ClusterConnection c, String topic) {
        return partitionCount(c, topic) >= 0;
    }

    /** The topic's partition count; -1 when it does not exist. */
    public static int partitionCount(ClusterConnection c, String topic) {
        try {
            return Futures.get(c.admin().describeTopics(List.of(topic)).allTopicNames(), c, "describing topic " + topic)
                    .get(topic).partitions().size();
        } catch (OpsException e) {
            if (e.getCause() instanceof org.apache.kafka.common.errors.UnknownTopicOrPartitionException) {
                return -1;
            }
            throw e;
        }
    }

    public static TopicDetail describe(ClusterConnection c, String topic) {
        TopicDescription t = Futures.get(c.admin().describeTopics(List.of(topic)).allTopicNames(), c, "describing topic " + topic).get(topic);
        List<TopicPartition> tps = t.partitions().stream().map(p -> new TopicPartition(topic, p.partition())).toList();
        Map<TopicPartition, Long> start = offsets(c, tps, OffsetSpec.earliest());
        Map<TopicPartition, Long> end = offsets(c, tps, OffsetSpec.latest());
        Map<TopicPartition, Long> sizes = sizes(c, t);
        List<PartitionDetail> parts = new ArrayList<>();
        for (TopicPartitionInfo p : t.partitions()) {
            TopicPartition tp = new TopicPartition(topic, p.partition());
            parts.add(new PartitionDetail(p.partition(), p.leader() == null ? -1 : p.leader().id(),
                    p.replicas().stream().map(Node::id).toList(), p.isr().stream().map(Node::id).toList(),
                    start.getOrDefault(tp, -1L), end.getOrDefault(tp, -1L), sizes.getOrDefault(tp, -1L)));
        }
        ConfigResource res = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        Config config = Futures.get(c.admin().describeConfigs(List.of(res)).all(), c, "describing configs of " + topic).get(res);
        List<ConfigValue> configs = config.entries().stream().sorted((a, b) -> a.name().compareTo(b.name()))
                .map(e -> new ConfigValue(e.name(), e.value(), e.source().name())).toList();
        return new TopicDetail(topic, t.topicId().toString(), t.isInternal(), parts, configs);
    }

    static Map<TopicPartition, Long> offsets(ClusterConnection c, List<TopicPartition> tps, OffsetSpec spec) {
        Map<TopicPartition, OffsetSpec> req = new HashMap<>();
        tps.forEach(tp -> req.put(tp, spec));
        Map<TopicPartition, Long> out = new HashMap<>();
        Futures.get(c.admin().listOffsets(req).all(), c, "listing offsets").forEach((tp, r) -> out.put(tp, r.offset()));
        return out;
    }

    /** Partition sizes from the log dirs of the brokers that host the leaders. */
    private static Map<TopicPartition, Long> sizes(ClusterConnection c, TopicDescription t) {
        Set<Integer> brokers = t.partitions().stream().filter(p -> p.leader() != null).map(p -> p.leader().id()).collect(Collectors.toSet());
        Map<TopicPartition, Long> out = new HashMap<>();
        if (brokers.isEmpty()) {
            return out;
        }
        Map<Integer, Map<String, LogDirDescription>> dirs = Futures.get(c.admin().describeLogDirs(brokers).allDescriptions(), c, "describing log dirs");
        Map<Integer, Integer> leaderOf = new HashMap<>();
        t.partitions().forEach(p -> leaderOf.put(p.partition(), p.leader() == null ? -1 : p.leader().id()));
        dirs.forEach((broker, byDir) -> byDir.values().forEach(d -> d.replicaInfos().forEach((tp, info) -> {
            if (tp.topic().equals(t.name()) && leaderOf.getOrDefault(tp.partition(), -2).equals(broker)) {
                out.merge(tp, info.size(), Long::sum);
            }
        })));
        return out;
    }

    /** Creates a topic; with {@code ifNotExists} an existing topic is not an error. Returns false when it existed. */
    public static boolean create(ClusterConnection c, String name, Optional<Integer> partitions, Optional<Short> replicationFactor,
                                 Map<String, String> configs, boolean ifNotExists, boolean validateOnly) {
        NewTopic nt = new NewTopic(name, partitions, replicationFactor).configs(configs);
        try {
            c.admin().createTopics(List.of(nt), new CreateTopicsOptions().validateOnly(validateOnly)).all().get();
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OpsException(OpsException.Kind.ERROR, "creating topic " + name + ": interrupted", e);
        } catch (ExecutionException e) {
            if (ifNotExists && e.getCause() instanceof TopicExistsException) {
                return false;
            }
            throw Futures.translate(e.getCause(), c, "creating topic " + name);
        }
    }

    public static void delete(ClusterConnection c, List<String> names) {
        Futures.get(c.admin().deleteTopics(names).all(), c, "deleting " + String.join(", ", names));
    }

    /** Raises the partition count. */
    public static void addPartitions(ClusterConnection c, String topic, int total) {
        Futures.get(c.admin().createPartitions(Map.of(topic, org.apache.kafka.clients.admin.NewPartitions.increaseTo(total))).all(),
                c, "adding partitions to " + topic);
    }

    /** Sets and removes topic configs in one request; every change is validated by the broker first. */
    public static void alterConfig(ClusterConnection c, String topic, Map<String, String> set, List<String> delete) {
        Configs.alter(c, new ConfigResource(ConfigResource.Type.TOPIC, topic), set, delete);
    }

    /** Earliest and latest offset per partition, and the first offset at or after {@code timestampMs} when given. */
    public record PartitionOffsets(int partition, long earliest, long latest, Long atTimestamp) {
    }

    public static List<PartitionOffsets> offsets(ClusterConnection c, String topic, Long timestampMs) {
        TopicDescription t = Futures.get(c.admin().describeTopics(List.of(topic)).allTopicNames(), c, "describing topic " + topic).get(topic);
        List<TopicPartition> tps = t.partitions().stream().map(p -> new TopicPartition(topic, p.partition())).toList();
        Map<TopicPartition, Long> start = offsets(c, tps, OffsetSpec.earliest());
        Map<TopicPartition, Long> end = offsets(c, tps, OffsetSpec.latest());
        Map<TopicPartition, Long> at = timestampMs == null ? Map.of() : offsets(c, tps, OffsetSpec.forTimestamp(timestampMs));
        List<PartitionOffsets> out = new ArrayList<>();
        for (TopicPartition tp : tps) {
            out.add(new PartitionOffsets(tp.partition(), start.get(tp), end.get(tp), timestampMs == null ? null : at.get(tp)));
        }
        return out;
    }

    /** What deleting a topic removes: its partitions and the records in them now. */
    public record TopicDeletion(String topic, int partitions, int replicationFactor, long records) {
    }

    /** Plans deleting {@code names}; a topic that does not exist fails the plan (NOT_FOUND). */
    public static List<TopicDeletion> deletePlan(ClusterConnection c, List<String> names) {
        Map<String, TopicDescription> d = Futures.get(c.admin().describeTopics(names).allTopicNames(), c, "describing " + String.join(", ", names));
        List<TopicPartition> tps = new ArrayList<>();
        d.values().forEach(t -> t.partitions().forEach(p -> tps.add(new TopicPartition(t.name(), p.partition()))));
        Map<TopicPartition, Long> start = offsets(c, tps, OffsetSpec.earliest());
        Map<TopicPartition, Long> end = offsets(c, tps, OffsetSpec.latest());
        List<TopicDeletion> out = new ArrayList<>();
        for (String n : names) {
            TopicDescription t = d.get(n);
            long records = 0;
            for (TopicPartitionInfo p : t.partitions()) {
                TopicPartition tp = new TopicPartition(n, p.partition());
                records += Math.max(0, end.getOrDefault(tp, 0L) - start.getOrDefault(tp, 0L));
            }
            out.add(new TopicDeletion(n, t.partitions().size(), t.partitions().isEmpty() ? 0 : t.partitions().get(0).replicas().size(), records));
        }
        return out;
    }

    /** One partition of a records deletion: its log start and end now, the new log start and the records removed. */
    public record RecordsDeletion(int partition, long logStartOffset, long logEndOffset, long newLogStartOffset, long records) {
    }

    /**
     * Plans deleting the records below {@code offset} in each partition, at most up to that partition's end (-1:
     * everything up to the end). A partition whose log already starts at or past the offset loses nothing.
     */
    public static List<RecordsDeletion> deleteRecordsPlan(ClusterConnection c, String topic, long offset) {
        TopicDescription t = Futures.get(c.admin().describeTopics(List.of(topic)).allTopicNames(), c, "describing topic " + topic).get(topic);
        List<TopicPartition> tps = t.partitions().stream().map(p -> new TopicPartition(topic, p.partition())).toList();
        Map<TopicPartition, Long> start = offsets(c, tps, OffsetSpec.earliest());
        Map<TopicPartition, Long> end = offsets(c, tps, OffsetSpec.latest());
        List<RecordsDeletion> out = new ArrayList<>();
        for (TopicPartition tp : tps) {
            long lo = start.get(tp);
            long hi = end.get(tp);
            long to = Math.max(lo, offset < 0 ? hi : Math.min(offset, hi));
            out.add(new RecordsDeletion(tp.partition(), lo, hi, to, to - lo));
        }
        return out;
    }

    /** Deletes the planned records; returns the new log start offsets by partition. */
    public static Map<Integer, Long> deleteRecords(ClusterConnection c, String topic, List<RecordsDeletion> plan) {
        Map<TopicPartition, org.apache.kafka.clients.admin.RecordsToDelete> req = new HashMap<>();
        plan.forEach(d -> req.put(new TopicPartition(topic, d.partition()), org.apache.kafka.clients.admin.RecordsToDelete.beforeOffset(d.newLogStartOffset())));
        Map<Integer, Long> out = new java.util.TreeMap<>();
        var lows = c.admin().deleteRecords(req).lowWatermarks();
        for (var e : lows.entrySet()) {
            out.put(e.getKey().partition(), Futures.get(e.getValue(), c, "deleting records of " + e.getKey()).lowWatermark());
        }
        return out;
    }
}
