package io.sluice.ops;

import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.config.ConfigResource;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The cluster at a glance: brokers, controller, partition counts and the partitions that need attention. Stateless. */
public final class ClusterHealth {

    public record Broker(int id, String host, int port, String rack) {
    }

    /** A partition needing attention: offline (no leader), under-replicated (ISR < replicas) or under min ISR. */
    public record Problem(String topic, int partition, String problem) {
    }

    /**
     * {@code problems}: one row per partition and problem, user topics first; {@code causes}: the same partitions
     * grouped by what caused them (see {@link ProblemCauses}); {@code quorum}: the controller quorum, null when the
     * cluster does not describe it.
     */
    public record Info(String clusterId, int controller, List<Broker> brokers, int topics, int partitions,
                       int offlinePartitions, int underReplicatedPartitions, int underMinIsrPartitions,
                       List<Problem> problems, boolean healthy, List<ProblemCauses.Cause> causes, Quorum quorum) {
    }

    /** Who the cluster is, without looking at topics: one DescribeCluster round trip. */
    public record Identity(String clusterId, int controller, List<Broker> brokers) {
    }

    private ClusterHealth() {
    }

    /** The cluster id, controller and brokers; cheaper than {@link #info} (no topic or config requests). */
    public static Identity identity(ClusterConnection c) {
        DescribeClusterResult dc = c.admin().describeCluster();
        String id = Futures.get(dc.clusterId(), c, "describing the cluster");
        Node controller = Futures.get(dc.controller(), c, "describing the cluster");
        List<Broker> brokers = new ArrayList<>();
        for (Node n : Futures.get(dc.nodes(), c, "describing the cluster")) {
            brokers.add(new Broker(n.id(), n.host(), n.port(), n.rack()));
        }
        brokers.sort(Comparator.comparingInt(Broker::id));
        return new Identity(id, controller == null ? -1 : controller.id(), brokers);
    }

    public static Info info(ClusterConnection c) {
        Identity identity = identity(c);
        Set<String> names = Futures.get(c.admin().listTopics(new ListTopicsOptions().listInternal(true)).names(), c, "listing topics");
        Map<String, TopicDescription> topics = names.isEmpty() ? Map.of()
                : Futures.get(c.admin().describeTopics(names).allTopicNames(), c, "describing topics");
        Map<ConfigResource, Config> configs = names.isEmpty() ? Map.of() : Futures.get(c.admin().describeConfigs(
                names.stream().map(n -> new ConfigResource(ConfigResource.Type.TOPIC, n)).toList()).all(), c, "describing topic configs");
        int partitions = 0;
        int offline = 0;
        int under = 0;
        int underMin = 0;
        List<Problem> problems = new ArrayList<>();
        List<ClusterSnapshot.Topic> asSnapshot = new ArrayList<>();
        for (TopicDescription t : topics.values()) {
            Config cfg = configs.get(new ConfigResource(ConfigResource.Type.TOPIC, t.name()));
            int minIsr = cfg == null || cfg.get("min.insync.replicas") == null ? 1 : Integer.parseInt(cfg.get("min.insync.replicas").value());
            List<ClusterSnapshot.Partition> parts = new ArrayList<>();
            for (TopicPartitionInfo p : t.partitions()) {
                partitions++;
                int leader = p.leader() == null || p.leader().isEmpty() ? -1 : p.leader().id();
                parts.add(ClusterSnapshot.Partition.of(p.partition(), leader, p.replicas().stream().map(Node::id).toList(),
                        p.isr().stream().map(Node::id).toList(), minIsr, -1, -1, -1));
                if (leader < 0) {
                    offline++;
                    problems.add(new Problem(t.name(), p.partition(), "offline"));
                } else if (p.isr().size() < p.replicas().size()) {
                    under++;
                    problems.add(new Problem(t.name(), p.partition(), "under-replicated"));
                }
                if (p.isr().size() < minIsr) {
                    underMin++;
                    problems.add(new Problem(t.name(), p.partition(), "under-min-isr"));
                }
            }
            asSnapshot.add(ClusterSnapshot.Topic.of(t.name(), t.isInternal(), minIsr, parts));
        }
        problems.sort(Comparator.comparing((Problem p) -> topics.get(p.topic()).isInternal()).thenComparing(Problem::topic)
                .thenComparingInt(Problem::partition));
        Set<Integer> up = new java.util.HashSet<>();
        identity.brokers().forEach(b -> up.add(b.id()));
        return new Info(identity.clusterId(), identity.controller(), identity.brokers(), names.size(), partitions, offline, under, underMin,
                problems, problems.isEmpty(), ProblemCauses.group(asSnapshot, up), Quorum.describe(c));
    }
}
