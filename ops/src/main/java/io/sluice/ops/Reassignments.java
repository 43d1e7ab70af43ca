package io.sluice.ops;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.LogDirDescription;
import org.apache.kafka.clients.admin.PartitionReassignment;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.config.ConfigResource;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Partition moves as plans (sluice partition move and balance): what each partition's replicas become, which brokers
 * join and leave, how many bytes the new replicas copy; the plan as Kafka's reassignment JSON (what
 * {@code kafka-reassign-partitions.sh} reads and writes, so its files and ours are interchangeable, and the rollback
 * file of a move is the previous assignment in that format); replication throttles; and the progress of moves in
 * flight (bytes left, ETA).
 * <p>
 * Throttles work as Kafka's tool sets them: a topic's {@code leader.replication.throttled.replicas} lists
 * {@code partition:broker} for every current replica of a moving partition (any may lead and so send), its
 * {@code follower.replication.throttled.replicas} the replicas being added (they fetch), and every broker involved
 * gets {@code leader.replication.throttled.rate} and {@code follower.replication.throttled.rate}. They come off when
 * the moves are done ({@link #clearFinishedThrottles}), as {@code kafka-reassign-partitions.sh --verify} removes them.
 * Stateless.
 */
public final class Reassignments {
    public static final String LEADER_RATE = "leader.replication.throttled.rate";
    public static final String FOLLOWER_RATE = "follower.replication.throttled.rate";
    public static final String LEADER_REPLICAS = "leader.replication.throttled.replicas";
    public static final String FOLLOWER_REPLICAS = "follower.replication.throttled.replicas";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * One partition of a plan: its replicas now and after, the brokers that join and leave, and the bytes the joining
     * replicas copy (the leader's log size for each; -1 when unknown). For a cancel, {@code to} is the replica set the
     * partition goes back to.
     */
    public record Move(String topic, int partition, List<Integer> from, List<Integer> to, List<Integer> adding,
                       List<Integer> removing, long bytesToCopy) {
    }

    private Reassignments() {
    }

    /** Plans moving each partition to its target replicas (first: the preferred leader). */
    public static List<Move> plan(ClusterConnection c, Map<TopicPartition, List<Integer>> targets) {
        if (targets.isEmpty()) {
            throw new OpsException(OpsException.Kind.USAGE, "nothing to move");
        }
        Map<TopicPartition, TopicPartitionInfo> info = describe(c, targets.keySet());
        Map<TopicPartition, Long> sizes = leaderSizes(c, info);
        List<Move> moves = new ArrayList<>();
        for (Map.Entry<TopicPartition, List<Integer>> e : sorted(targets)) {
            TopicPartition tp = e.getKey();
            List<Integer> from = info.get(tp).replicas().stream().map(Node::id).toList();
            List<Integer> to = List.copyOf(e.getValue());
            if (new HashSet<>(to).size() != to.size() || to.isEmpty()) {
                throw new OpsException(OpsException.Kind.USAGE, tp.topic() + ":" + tp.partition() + ": replicas " + to
                        + " must name each broker once");
            }
            List<Integer> adding = to.stream().filter(b -> !from.contains(b)).toList();
            List<Integer> removing = from.stream().filter(b -> !to.contains(b)).toList();
            long size = sizes.getOrDefault(tp, -1L);
            moves.add(new Move(tp.topic(), tp.partition(), from, to, adding, removing, size < 0 ? -1 : size * adding.size()));
        }
        return moves;
    }

    /** Plans cancelling the moves in flight of {@code partitions}: each goes back to its replicas before the move. */
    public static List<Move> cancelPlan(ClusterConnection c, Collection<TopicPartition> partitions) {
        Map<TopicPartition, PartitionReassignment> ongoing = Futures.get(c.admin().listPartitionReassignments(new HashSet<>(partitions))
                .reassignments(), c, "listing partition reassignments");
        List<Move> moves = new ArrayList<>();
        for (TopicPartition tp : partitions) {
            PartitionReassignment r = ongoing.get(tp);
            if (r == null) {
                throw new OpsException(OpsException.Kind.NOT_FOUND, tp.topic() + ":" + tp.partition() + " is not being moved "
                        + "(sluice partition reassign-status lists the moves in flight)");
            }
            List<Integer> back = r.replicas().stream().filter(b -> !r.addingReplicas().contains(b)).toList();
            moves.add(new Move(tp.topic(), tp.partition(), r.replicas(), back, List.of(), r.addingReplicas(), 0));
        }
        return moves;
    }

    /**
     * Starts the moves (throttled first when {@code throttleBytesPerSec} is set, so no byte is copied unthrottled), or
     * with {@code cancel} cancels them. Returns, per partition, null when accepted or the refusal.
     */
    public static Map<TopicPartition, String> execute(ClusterConnection c, List<Move> moves, Long throttleBytesPerSec, boolean cancel) {
        if (throttleBytesPerSec != null && !cancel) {
            setThrottles(c, moves, throttleBytesPerSec);
        }
        Map<TopicPartition, List<Integer>> targets = new LinkedHashMap<>();
        moves.forEach(m -> targets.put(new TopicPartition(m.topic(), m.partition()), cancel ? List.of() : m.to()));
        Map<TopicPartition, String> result = Partitions.reassign(c, targets);
        if (cancel) {
            // A cancelled move stops at once: its topics' throttles (and the rates, when no other throttled move is
            // left) are no longer needed.
            clearFinishedThrottles(c);
        }
        return result;
    }

    /** The assignment before the moves ({@code previous}) or after them, as Kafka's reassignment JSON. */
    public static String toJson(List<Move> moves, boolean previous) {
        ObjectNode root = JSON.createObjectNode();
        root.put("version", 1);
        ArrayNode partitions = root.putArray("partitions");
        for (Move m : moves) {
            ObjectNode p = partitions.addObject();
            p.put("topic", m.topic());
            p.put("partition", m.partition());
            ArrayNode replicas = p.putArray("replicas");
            ArrayNode dirs = p.putArray("log_dirs");
            for (int b : previous ? m.from() : m.to()) {
                replicas.add(b);
                dirs.add("any");
            }
        }
        try {
            return JSON.writeValueAsString(root) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree did not serialise", e);
        }
    }

    /** The targets of a reassignment JSON file (ours or kafka-reassign-partitions.sh's); log_dirs are ignored. */
    public static Map<TopicPartition, List<Integer>> fromJson(String json, String where) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new OpsException(OpsException.Kind.USAGE, where + ": not JSON: " + e.getOriginalMessage());
        }
        JsonNode partitions = root == null ? null : root.get("partitions");
        if (partitions == null || !partitions.isArray()) {
            throw new OpsException(OpsException.Kind.USAGE, where + ": expected {\"version\": 1, \"partitions\": [{\"topic\", "
                    + "\"partition\", \"replicas\"}]} (Kafka's reassignment JSON)");
        }
        Map<TopicPartition, List<Integer>> out = new LinkedHashMap<>();
        int i = 0;
        for (JsonNode p : partitions) {
            String at = where + " partitions[" + i++ + "]";
            JsonNode topic = p.get("topic");
            JsonNode partition = p.get("partition");
            JsonNode replicas = p.get("replicas");
            if (topic == null || !topic.isTextual() || partition == null || !partition.canConvertToInt() || replicas == null
                    || !replicas.isArray() || replicas.isEmpty()) {
                throw new OpsException(OpsException.Kind.USAGE, at + ": needs \"topic\", \"partition\" and a non-empty \"replicas\" array");
            }
            List<Integer> ids = new ArrayList<>();
            for (JsonNode r : replicas) {
                if (!r.canConvertToInt()) {
                    throw new OpsException(OpsException.Kind.USAGE, at + ": replicas must be broker ids, not " + r);
                }
                ids.add(r.intValue());
            }
            out.put(new TopicPartition(topic.textValue(), partition.intValue()), ids);
        }
        if (out.isEmpty()) {
            throw new OpsException(OpsException.Kind.USAGE, where + ": no partitions in it");
        }
        return out;
    }

    /** Throttles the replication of {@code moves} to {@code bytesPerSec} on every broker involved. */
    static void setThrottles(ClusterConnection c, List<Move> moves, long bytesPerSec) {
        Map<String, Set<String>> leaders = new LinkedHashMap<>();
        Map<String, Set<String>> followers = new LinkedHashMap<>();
        Set<Integer> brokers = new TreeSet<>();
        for (Move m : moves) {
            m.from().forEach(b -> leaders.computeIfAbsent(m.topic(), t -> new TreeSet<>()).add(m.partition() + ":" + b));
            m.adding().forEach(b -> followers.computeIfAbsent(m.topic(), t -> new TreeSet<>()).add(m.partition() + ":" + b));
            brokers.addAll(m.from());
            brokers.addAll(m.to());
        }
        Map<String, Map<String, String>> current = topicConfigs(c, leaders.keySet());
        Map<ConfigResource, Collection<AlterConfigOp>> ops = new LinkedHashMap<>();
        for (String topic : leaders.keySet()) {
            List<AlterConfigOp> t = new ArrayList<>();
            t.add(set(LEADER_REPLICAS, merge(current.get(topic).get(LEADER_REPLICAS), leaders.get(topic))));
            if (followers.containsKey(topic)) {
                t.add(set(FOLLOWER_REPLICAS, merge(current.get(topic).get(FOLLOWER_REPLICAS), followers.get(topic))));
            }
            ops.put(new ConfigResource(ConfigResource.Type.TOPIC, topic), t);
        }
        for (int b : brokers) {
            ops.put(new ConfigResource(ConfigResource.Type.BROKER, String.valueOf(b)),
                    List.of(set(LEADER_RATE, String.valueOf(bytesPerSec)), set(FOLLOWER_RATE, String.valueOf(bytesPerSec))));
        }
        Futures.get(c.admin().incrementalAlterConfigs(ops).all(), c, "setting the replication throttle");
    }

    private static AlterConfigOp set(String key, String value) {
        return new AlterConfigOp(new ConfigEntry(key, value), AlterConfigOp.OpType.SET);
    }

    private static String merge(String existing, Set<String> add) {
        if ("*".equals(existing == null ? null : existing.trim())) {
            return "*";
        }
        Set<String> all = new TreeSet<>(add);
        if (existing != null) {
            for (String e : existing.split(",")) {
                if (!e.isBlank()) {
                    all.add(e.trim());
                }
            }
        }
        return String.join(",", all);
    }

    /**
     * Removes the replication throttle from every topic that has one and no longer moves a partition, and the rates
     * from the brokers when no throttled topic moves any more. Returns what it removed, e.g. "topic orders",
     * "broker 2"; empty when nothing.
     */
    public static List<String> clearFinishedThrottles(ClusterConnection c) {
        Set<String> moving = new HashSet<>();
        Futures.get(c.admin().listPartitionReassignments().reassignments(), c, "listing partition reassignments")
                .keySet().forEach(tp -> moving.add(tp.topic()));
        Set<String> topics = Futures.get(c.admin().listTopics(new org.apache.kafka.clients.admin.ListTopicsOptions().listInternal(true)).names(),
                c, "listing topics");
        Map<String, Map<String, String>> configs = topicConfigs(c, topics);
        Map<ConfigResource, Collection<AlterConfigOp>> ops = new LinkedHashMap<>();
        List<String> removed = new ArrayList<>();
        boolean throttledStillMoving = false;
        for (String topic : new TreeSet<>(configs.keySet())) {
            Map<String, String> cfg = configs.get(topic);
            boolean throttled = !cfg.getOrDefault(LEADER_REPLICAS, "").isBlank() || !cfg.getOrDefault(FOLLOWER_REPLICAS, "").isBlank();
            if (!throttled) {
                continue;
            }
            if (moving.contains(topic)) {
                throttledStillMoving = true;
                continue;
            }
            ops.put(new ConfigResource(ConfigResource.Type.TOPIC, topic), List.of(delete(LEADER_REPLICAS), delete(FOLLOWER_REPLICAS)));
            removed.add("topic " + topic);
        }
        if (!throttledStillMoving) {
            for (Map.Entry<Integer, Map<String, String>> b : brokerRates(c).entrySet()) {
                ops.put(new ConfigResource(ConfigResource.Type.BROKER, String.valueOf(b.getKey())),
                        List.of(delete(LEADER_RATE), delete(FOLLOWER_RATE)));
                removed.add("broker " + b.getKey());
            }
        }
        if (!ops.isEmpty()) {
            Futures.get(c.admin().incrementalAlterConfigs(ops).all(), c, "removing the replication throttle");
        }
        return removed;
    }

    private static AlterConfigOp delete(String key) {
        return new AlterConfigOp(new ConfigEntry(key, ""), AlterConfigOp.OpType.DELETE);
    }

    /** The throttle-related configs each topic sets (as overrides), by topic. */
    private static Map<String, Map<String, String>> topicConfigs(ClusterConnection c, Set<String> topics) {
        Map<String, Map<String, String>> out = new HashMap<>();
        if (topics.isEmpty()) {
            return out;
        }
        List<ConfigResource> res = topics.stream().map(t -> new ConfigResource(ConfigResource.Type.TOPIC, t)).toList();
        Map<ConfigResource, Config> configs = Futures.get(c.admin().describeConfigs(res).all(), c, "describing topic configs");
        configs.forEach((r, cfg) -> {
            Map<String, String> m = new HashMap<>();
            for (String key : List.of(LEADER_REPLICAS, FOLLOWER_REPLICAS)) {
                ConfigEntry e = cfg.get(key);
                if (e != null && e.source() == ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG && e.value() != null) {
                    m.put(key, e.value());
                }
            }
            out.put(r.name(), m);
        });
        return out;
    }

    /** The brokers that have a throttle rate set dynamically, with the rates. */
    public static Map<Integer, Map<String, String>> brokerRates(ClusterConnection c) {
        List<ConfigResource> res = Futures.get(c.admin().describeCluster().nodes(), c, "describing the cluster").stream()
                .map(n -> new ConfigResource(ConfigResource.Type.BROKER, String.valueOf(n.id()))).toList();
        Map<ConfigResource, Config> configs = Futures.get(c.admin().describeConfigs(res).all(), c, "describing broker configs");
        Map<Integer, Map<String, String>> out = new java.util.TreeMap<>();
        configs.forEach((r, cfg) -> {
            Map<String, String> m = new HashMap<>();
            for (String key : List.of(LEADER_RATE, FOLLOWER_RATE)) {
                ConfigEntry e = cfg.get(key);
                if (e != null && e.source() == ConfigEntry.ConfigSource.DYNAMIC_BROKER_CONFIG && e.value() != null) {
                    m.put(key, e.value());
                }
            }
            if (!m.isEmpty()) {
                out.put(Integer.valueOf(r.name()), m);
            }
        });
        return out;
    }

    /**
     * A move in flight: the full replica set, the replicas being added and removed, the bytes the added replicas still
     * lack (the leader's log size minus theirs) and, when measured, the copy rate and the time left.
     */
    public record InFlight(String topic, int partition, List<Integer> replicas, List<Integer> adding, List<Integer> removing,
                           long bytesLeft, Long bytesPerSec, Long etaSeconds) {
    }

    /**
     * The moves in flight. With {@code sampleMs} > 0 the copied bytes are measured twice that far apart, giving a rate
     * and an ETA per move (null when nothing was copied in between).
     */
    public static List<InFlight> inFlight(ClusterConnection c, long sampleMs) {
        Map<TopicPartition, PartitionReassignment> ongoing = Futures.get(c.admin().listPartitionReassignments().reassignments(), c,
                "listing partition reassignments");
        if (ongoing.isEmpty()) {
            return List.of();
        }
        Map<TopicPartition, TopicPartitionInfo> info = describe(c, ongoing.keySet());
        Map<TopicPartition, Long> before = bytesLeft(c, ongoing, info);
        Map<TopicPartition, Long> after = before;
        if (sampleMs > 0) {
            try {
                Thread.sleep(sampleMs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new OpsException(OpsException.Kind.ERROR, "interrupted while measuring the copy rate", e);
            }
            after = bytesLeft(c, ongoing, info);
        }
        List<InFlight> out = new ArrayList<>();
        for (Map.Entry<TopicPartition, PartitionReassignment> e : sorted(ongoing)) {
            TopicPartition tp = e.getKey();
            PartitionReassignment r = e.getValue();
            long left = after.getOrDefault(tp, -1L);
            Long rate = null;
            Long eta = null;
            if (sampleMs > 0 && left >= 0 && before.getOrDefault(tp, -1L) >= left) {
                long copied = before.get(tp) - left;
                if (copied > 0) {
                    rate = copied * 1000 / sampleMs;
                    eta = (left + rate - 1) / Math.max(1, rate);
                } else if (left == 0) {
                    eta = 0L;
                }
            }
            out.add(new InFlight(tp.topic(), tp.partition(), r.replicas(), r.addingReplicas(), r.removingReplicas(), left, rate, eta));
        }
        return out;
    }

    /** Bytes the adding replicas of each move still lack; -1 when the leader's size is unknown. */
    private static Map<TopicPartition, Long> bytesLeft(ClusterConnection c, Map<TopicPartition, PartitionReassignment> ongoing,
                                                       Map<TopicPartition, TopicPartitionInfo> info) {
        Set<Integer> brokers = new TreeSet<>();
        ongoing.forEach((tp, r) -> {
            brokers.addAll(r.addingReplicas());
            TopicPartitionInfo p = info.get(tp);
            if (p != null && p.leader() != null && !p.leader().isEmpty()) {
                brokers.add(p.leader().id());
            }
        });
        Map<Integer, Map<TopicPartition, Long>> sizes = replicaSizes(c, brokers);
        Map<TopicPartition, Long> out = new HashMap<>();
        ongoing.forEach((tp, r) -> {
            TopicPartitionInfo p = info.get(tp);
            if (p == null || p.leader() == null || p.leader().isEmpty() || !sizes.getOrDefault(p.leader().id(), Map.of()).containsKey(tp)) {
                out.put(tp, -1L);
                return;
            }
            long leaderSize = sizes.get(p.leader().id()).get(tp);
            long left = 0;
            for (int b : r.addingReplicas()) {
                left += Math.max(0, leaderSize - sizes.getOrDefault(b, Map.of()).getOrDefault(tp, 0L));
            }
            out.put(tp, left);
        });
        return out;
    }

    /** Per broker, the size of each replica it holds (DescribeLogDirs; a broker that does not answer holds none). */
    private static Map<Integer, Map<TopicPartition, Long>> replicaSizes(ClusterConnection c, Set<Integer> brokers) {
        Map<Integer, Map<TopicPartition, Long>> out = new HashMap<>();
        if (brokers.isEmpty()) {
            return out;
        }
        var result = c.admin().describeLogDirs(brokers).descriptions();
        for (Map.Entry<Integer, org.apache.kafka.common.KafkaFuture<Map<String, LogDirDescription>>> e : result.entrySet()) {
            Map<String, LogDirDescription> dirs;
            try {
                dirs = Futures.get(e.getValue(), c, "describing the log dirs of broker " + e.getKey());
            } catch (OpsException down) {
                continue; // a broker that is down has nothing to report; its moves show no size
            }
            Map<TopicPartition, Long> sizes = new HashMap<>();
            dirs.values().forEach(d -> d.replicaInfos().forEach((tp, ri) -> sizes.merge(tp, ri.size(), Long::sum)));
            out.put(e.getKey(), sizes);
        }
        return out;
    }

    private static Map<TopicPartition, Long> leaderSizes(ClusterConnection c, Map<TopicPartition, TopicPartitionInfo> info) {
        Set<Integer> leaders = new LinkedHashSet<>();
        info.values().forEach(p -> {
            if (p.leader() != null && !p.leader().isEmpty()) {
                leaders.add(p.leader().id());
            }
        });
        Map<Integer, Map<TopicPartition, Long>> sizes = replicaSizes(c, leaders);
        Map<TopicPartition, Long> out = new HashMap<>();
        info.forEach((tp, p) -> {
            if (p.leader() != null && !p.leader().isEmpty()) {
                Long s = sizes.getOrDefault(p.leader().id(), Map.of()).get(tp);
                if (s != null) {
                    out.put(tp, s);
                }
            }
        });
        return out;
    }

    private static Map<TopicPartition, TopicPartitionInfo> describe(ClusterConnection c, Collection<TopicPartition> tps) {
        Set<String> topics = new TreeSet<>();
        tps.forEach(tp -> topics.add(tp.topic()));
        Map<String, TopicDescription> d = Futures.get(c.admin().describeTopics(topics).allTopicNames(), c,
                "describing " + String.join(", ", topics));
        Map<TopicPartition, TopicPartitionInfo> out = new HashMap<>();
        for (TopicPartition tp : tps) {
            TopicPartitionInfo p = d.get(tp.topic()).partitions().stream().filter(i -> i.partition() == tp.partition()).findFirst()
                    .orElseThrow(() -> new OpsException(OpsException.Kind.NOT_FOUND, "topic " + tp.topic() + " has no partition "
                            + tp.partition() + " (it has " + d.get(tp.topic()).partitions().size() + ")"));
            out.put(tp, p);
        }
        return out;
    }

    private static <V> List<Map.Entry<TopicPartition, V>> sorted(Map<TopicPartition, V> m) {
        List<Map.Entry<TopicPartition, V>> out = new ArrayList<>(m.entrySet());
        out.sort(Map.Entry.comparingByKey(Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition)));
        return out;
    }
}
