package io.sluice.ops;

import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.ConsumerGroupListing;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.LogDirDescription;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.config.ConfigResource;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Builds a {@link ClusterSnapshot} through the Admin API: DescribeCluster, Metadata, DescribeConfigs
 * (min.insync.replicas), ListOffsets (earliest and latest of every partition that has a leader), DescribeLogDirs of the
 * live brokers, ListGroups, DescribeGroups and OffsetFetch; then, when a {@link RecordProbe} is given, the timestamps
 * of the next record each lagging group would read (time lag), at most {@link #MAX_TIME_LAG_PROBES} per snapshot.
 *
 * <p>A failed cluster-wide call (DescribeCluster, Metadata, DescribeConfigs, ListGroups) fails the whole snapshot
 * with an {@link OpsException} (one line); the poller shows it and tries again next round. Calls that go to one broker
 * (log dirs, a partition leader's offsets, a group coordinator) fail alone: the snapshot leaves that part out (-1 or no
 * group) and says so in its warnings, so a dying broker among live ones does not blank the dashboard.
 * Not thread-safe: one poller thread uses it.
 */
public final class SnapshotCollector {
    static final int MAX_TIME_LAG_PROBES = 64;
    static final long PROBE_TIMEOUT_MS = 1000;

    private final ClusterConnection connection;
    private final RecordProbe probe;

    /** {@code probe} may be null: time lag is then -1 (unknown) wherever lag is above 0. */
    public SnapshotCollector(ClusterConnection connection, RecordProbe probe) {
        this.connection = connection;
        this.probe = probe;
    }

    public ClusterSnapshot collect(long nowMs) {
        ClusterConnection c = connection;
        DescribeClusterResult dc = c.admin().describeCluster();
        KafkaFuture<Set<String>> names = c.admin().listTopics(new ListTopicsOptions().listInternal(true)).names();
        KafkaFuture<java.util.Collection<ConsumerGroupListing>> groupListing = c.admin().listConsumerGroups().all();
        String clusterId = Futures.get(dc.clusterId(), c, "describing the cluster");
        Node controller = Futures.get(dc.controller(), c, "describing the cluster");
        List<ClusterSnapshot.Node> nodes = new ArrayList<>();
        for (Node n : Futures.get(dc.nodes(), c, "describing the cluster")) {
            nodes.add(new ClusterSnapshot.Node(n.id(), n.host(), n.port(), n.rack()));
        }
        Set<String> topicNames = Futures.get(names, c, "listing topics");
        Map<String, TopicDescription> described = topicNames.isEmpty() ? Map.of()
                : Futures.get(c.admin().describeTopics(topicNames).allTopicNames(), c, "describing topics");
        List<ClusterSnapshot.Denied> denied = new ArrayList<>();
        Map<String, Integer> minIsr = minInsyncReplicas(topicNames, denied);

        List<TopicPartition> led = new ArrayList<>();
        described.values().forEach(t -> t.partitions().stream().filter(p -> p.leader() != null && !p.leader().isEmpty())
                .forEach(p -> led.add(new TopicPartition(t.name(), p.partition()))));
        List<String> warnings = new ArrayList<>();
        Map<TopicPartition, Long> start = offsets(led, OffsetSpec.earliest(), "log start", warnings);
        Map<TopicPartition, Long> end = offsets(led, OffsetSpec.latest(), "log end", warnings);

        Map<Integer, ClusterSnapshot.LogDirUsage> usage = new HashMap<>();
        Map<TopicPartition, Map<Integer, Long>> replicaSizes = new HashMap<>();
        logDirs(nodes, usage, replicaSizes, warnings, denied);

        List<ClusterSnapshot.Topic> topics = new ArrayList<>();
        for (TopicDescription t : described.values()) {
            int min = minIsr.getOrDefault(t.name(), 1);
            List<ClusterSnapshot.Partition> parts = new ArrayList<>();
            for (TopicPartitionInfo p : t.partitions()) {
                TopicPartition tp = new TopicPartition(t.name(), p.partition());
                int leader = p.leader() == null || p.leader().isEmpty() ? -1 : p.leader().id();
                long size = replicaSizes.getOrDefault(tp, Map.of()).getOrDefault(leader, -1L);
                parts.add(ClusterSnapshot.Partition.of(p.partition(), leader, p.replicas().stream().map(Node::id).toList(),
                        p.isr().stream().map(Node::id).toList(), min, start.getOrDefault(tp, -1L), end.getOrDefault(tp, -1L), size));
            }
            topics.add(ClusterSnapshot.Topic.of(t.name(), t.isInternal(), min, parts));
        }
        List<ClusterSnapshot.Group> groups = groups(Futures.get(groupListing, c, "listing groups"), end, nowMs, warnings, denied);
        int controllerId = controller == null || controller.isEmpty() ? -1 : controller.id();
        Quorum quorum = null;
        try {
            quorum = Quorum.describe(c);
        } catch (OpsException e) {
            warnings.add(e.getMessage());
        }
        return ClusterSnapshot.of(nowMs, clusterId, controllerId, nodes, usage, topics, groups).withWarnings(warnings).withDenied(denied)
                .withQuorum(quorum);
    }

    /** Offsets per partition; partitions whose leader did not answer are left out, with one warning for all of them. */
    private Map<TopicPartition, Long> offsets(List<TopicPartition> tps, OffsetSpec spec, String what, List<String> warnings) {
        Map<TopicPartition, Long> out = new HashMap<>();
        if (tps.isEmpty()) {
            return out;
        }
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        tps.forEach(tp -> request.put(tp, spec));
        ListOffsetsResult result = connection.admin().listOffsets(request);
        List<TopicPartition> failed = new ArrayList<>();
        OpsException last = null;
        for (TopicPartition tp : tps) {
            try {
                out.put(tp, Futures.get(result.partitionResult(tp), connection, "listing " + what + " offsets").offset());
            } catch (OpsException e) {
                failed.add(tp);
                last = e;
            }
        }
        if (last != null) {
            warnings.add(failed.size() + " partition(s) without " + what + " offsets (first " + failed.get(0) + "): " + last.getMessage());
        }
        return out;
    }

    /**
     * min.insync.replicas per topic; a topic whose configs the ACLs hide (no DESCRIBE_CONFIGS) is left out (1 is
     * assumed) and said in {@code denied}, once for all such topics.
     */
    private Map<String, Integer> minInsyncReplicas(Set<String> topicNames, List<ClusterSnapshot.Denied> denied) {
        Map<String, Integer> out = new HashMap<>();
        if (topicNames.isEmpty()) {
            return out;
        }
        Map<ConfigResource, KafkaFuture<Config>> pending = connection.admin().describeConfigs(topicNames.stream()
                .map(n -> new ConfigResource(ConfigResource.Type.TOPIC, n)).toList()).values();
        List<String> hidden = new ArrayList<>();
        OpsException firstDenial = null;
        List<Map.Entry<ConfigResource, KafkaFuture<Config>>> byName = new ArrayList<>(pending.entrySet());
        byName.sort(Map.Entry.comparingByKey(java.util.Comparator.comparing(ConfigResource::name)));
        for (Map.Entry<ConfigResource, KafkaFuture<Config>> f : byName) {
            Config cfg;
            try {
                cfg = Futures.get(f.getValue(), connection, "describing the configs of topic " + f.getKey().name());
            } catch (OpsException e) {
                if (e.kind() != OpsException.Kind.DENIED) {
                    throw e;
                }
                hidden.add(f.getKey().name());
                firstDenial = firstDenial == null ? e : firstDenial;
                continue;
            }
            ConfigEntry e = cfg.get("min.insync.replicas");
            if (e != null && e.value() != null) {
                out.put(f.getKey().name(), Integer.parseInt(e.value()));
            }
        }
        if (firstDenial != null) {
            denied.add(new ClusterSnapshot.Denied("topics", firstDenial.getMessage()
                    + (hidden.size() > 1 ? " (and " + (hidden.size() - 1) + " more topics)" : "") + "; min.insync.replicas taken as 1"));
        }
        return out;
    }

    /** Fills per-broker usage and per-replica sizes from the live brokers' log dirs. */
    private void logDirs(List<ClusterSnapshot.Node> nodes, Map<Integer, ClusterSnapshot.LogDirUsage> usage,
                         Map<TopicPartition, Map<Integer, Long>> replicaSizes, List<String> warnings,
                         List<ClusterSnapshot.Denied> denied) {
        if (nodes.isEmpty()) {
            return;
        }
        Map<Integer, KafkaFuture<Map<String, LogDirDescription>>> pending = connection.admin()
                .describeLogDirs(nodes.stream().map(ClusterSnapshot.Node::id).toList()).descriptions();
        Map<Integer, Map<String, LogDirDescription>> dirs = new HashMap<>();
        for (Map.Entry<Integer, KafkaFuture<Map<String, LogDirDescription>>> e : pending.entrySet()) {
            try {
                dirs.put(e.getKey(), Futures.get(e.getValue(), connection, "describing the log dirs of broker " + e.getKey()));
            } catch (OpsException failed) {
                if (failed.kind() != OpsException.Kind.DENIED) {
                    warnings.add(failed.getMessage());
                } else if (denied.stream().noneMatch(d -> d.view().equals("brokers"))) {
                    denied.add(new ClusterSnapshot.Denied("brokers", failed.getMessage() + "; log sizes not shown"));
                }
            }
        }
        dirs.forEach((broker, byDir) -> {
            int partitions = 0;
            long bytes = 0;
            for (LogDirDescription d : byDir.values()) {
                for (var e : d.replicaInfos().entrySet()) {
                    partitions++;
                    bytes += e.getValue().size();
                    replicaSizes.computeIfAbsent(e.getKey(), k -> new HashMap<>()).merge(broker, e.getValue().size(), Long::sum);
                }
            }
            usage.put(broker, new ClusterSnapshot.LogDirUsage(partitions, bytes));
        });
    }

    /** Record timestamps by partition and offset, bounded (oldest entries go first); only the collector's thread uses it. */
    private final java.util.LinkedHashMap<String, Long> timestampCache = new java.util.LinkedHashMap<>(256, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
            return size() > 10_000;
        }
    };

    private Long cachedTimestamp(Groups.PartitionLag l) {
        return timestampCache.get(l.topic() + "\u0000" + l.partition() + "\u0000" + l.committed());
    }

    private void rememberTimestamp(TopicPartition tp, long offset, long timestampMs) {
        timestampCache.put(tp.topic() + "\u0000" + tp.partition() + "\u0000" + offset, timestampMs);
    }

    private List<ClusterSnapshot.Group> groups(java.util.Collection<ConsumerGroupListing> listing, Map<TopicPartition, Long> end, long nowMs,
                                               List<String> warnings, List<ClusterSnapshot.Denied> denied) {
        ClusterConnection c = connection;
        List<String> ids = listing.stream().map(ConsumerGroupListing::groupId).sorted().toList();
        if (ids.isEmpty()) {
            return List.of();
        }
        Map<String, KafkaFuture<ConsumerGroupDescription>> described = c.admin().describeConsumerGroups(ids).describedGroups();
        Map<String, KafkaFuture<Map<TopicPartition, OffsetAndMetadata>>> pending = new HashMap<>();
        ids.forEach(g -> pending.put(g, c.admin().listConsumerGroupOffsets(g).partitionsToOffsetAndMetadata()));
        Map<String, ConsumerGroupDescription> descriptions = new HashMap<>();
        Map<String, List<Groups.PartitionLag>> lags = new HashMap<>();
        Map<TopicPartition, Long> probeAt = new HashMap<>();
        List<Groups.PartitionLag> unknown = new ArrayList<>();
        for (String g : ids) {
            Map<TopicPartition, OffsetAndMetadata> committed;
            try {
                descriptions.put(g, Futures.get(described.get(g), c, "describing group " + g));
                committed = Futures.get(pending.get(g), c, "listing offsets of group " + g);
            } catch (OpsException failed) {
                if (failed.kind() == OpsException.Kind.DENIED) {
                    denied.add(new ClusterSnapshot.Denied("groups", failed.getMessage() + " (group not shown)"));
                } else {
                    warnings.add(failed.getMessage() + " (group not shown)");
                }
                continue;
            }
            List<Groups.PartitionLag> lag = Groups.lag(committed, Groups.owners(descriptions.get(g)), end);
            lags.put(g, lag);
            for (Groups.PartitionLag l : lag) {
                if (l.lag() > 0 && cachedTimestamp(l) == null) {
                    unknown.add(l);
                }
            }
        }
        // At most one offset per partition and MAX_TIME_LAG_PROBES partitions per round, the furthest-behind first;
        // timestamps are cached (the record at an offset never changes), so every group's positions fill in over rounds.
        unknown.sort(java.util.Comparator.comparingLong(Groups.PartitionLag::lag).reversed());
        for (Groups.PartitionLag l : unknown) {
            TopicPartition tp = new TopicPartition(l.topic(), l.partition());
            if (probeAt.size() >= MAX_TIME_LAG_PROBES && !probeAt.containsKey(tp)) {
                break;
            }
            probeAt.putIfAbsent(tp, l.committed());
        }
        Map<TopicPartition, Long> probed = probe == null || probeAt.isEmpty() ? Map.of() : probe.timestampsAt(probeAt, PROBE_TIMEOUT_MS);
        probed.forEach((tp, ts) -> rememberTimestamp(tp, probeAt.get(tp), ts));
        List<ClusterSnapshot.Group> out = new ArrayList<>();
        for (String g : lags.keySet().stream().sorted().toList()) {
            ConsumerGroupDescription d = descriptions.get(g);
            List<ClusterSnapshot.GroupPartition> parts = new ArrayList<>();
            for (Groups.PartitionLag l : lags.get(g)) {
                Long ts = cachedTimestamp(l);
                long timeLag = l.lag() == 0 ? 0 : ts == null ? -1 : Math.max(0, nowMs - ts);
                parts.add(ClusterSnapshot.GroupPartition.of(l, timeLag));
            }
            out.add(ClusterSnapshot.Group.of(g, d.groupState().toString(), d.members().size(), parts));
        }
        return out;
    }
}
