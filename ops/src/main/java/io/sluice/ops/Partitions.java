package io.sluice.ops;

import org.apache.kafka.clients.admin.NewPartitionReassignment;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.ElectionType;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.ElectionNotNeededException;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Partitions across topics (placement, leaders, ISR) and leader elections. */
public final class Partitions {
    private Partitions() {
    }

    /**
     * One partition. {@code leader} -1 when offline; {@code outOfSync} the replicas not in the ISR;
     * {@code preferredLeader} whether the first replica leads.
     */
    public record PartitionRow(String topic, int partition, int leader, List<Integer> replicas, List<Integer> isr,
                               List<Integer> outOfSync, boolean preferredLeader, boolean underReplicated, boolean offline) {
    }

    /** Partitions of the topics matching {@code glob} (all when null); with {@code problemsOnly}, only those not fully in sync or led by a non-preferred replica. */
    public static List<PartitionRow> list(ClusterConnection c, String glob, boolean includeInternal, boolean problemsOnly) {
        List<String> names = Topics.list(c, glob, includeInternal).stream().map(Topics.TopicSummary::name).toList();
        if (names.isEmpty()) {
            return List.of();
        }
        Map<String, TopicDescription> d = Futures.get(c.admin().describeTopics(names).allTopicNames(), c, "describing topics");
        List<PartitionRow> out = new ArrayList<>();
        for (String n : names) {
            for (TopicPartitionInfo p : d.get(n).partitions()) {
                List<Integer> replicas = p.replicas().stream().map(Node::id).toList();
                List<Integer> isr = p.isr().stream().map(Node::id).toList();
                List<Integer> outOfSync = replicas.stream().filter(r -> !isr.contains(r)).toList();
                int leader = p.leader() == null || p.leader().isEmpty() ? -1 : p.leader().id();
                boolean preferred = !replicas.isEmpty() && replicas.get(0) == leader;
                PartitionRow row = new PartitionRow(n, p.partition(), leader, replicas, isr, outOfSync, preferred,
                        leader >= 0 && !outOfSync.isEmpty(), leader < 0);
                if (!problemsOnly || row.offline() || row.underReplicated() || !row.preferredLeader()) {
                    out.add(row);
                }
            }
        }
        return out;
    }

    /**
     * A partition that a preferred election would hand back to its preferred (first) replica: led by another replica
     * while the preferred one is up and in the ISR (an out-of-sync or down preferred replica cannot take over).
     */
    public record PreferredElection(String topic, boolean internal, int partition, int leader, int preferred) {
    }

    /** The partitions of {@code s} a preferred election would move, user topics first; {@code up}: the live brokers. */
    public static List<PreferredElection> preferredElections(ClusterSnapshot s, Set<Integer> up) {
        List<PreferredElection> out = new ArrayList<>();
        for (ClusterSnapshot.Topic t : s.topics().stream().sorted(java.util.Comparator.comparing(ClusterSnapshot.Topic::internal)
                .thenComparing(ClusterSnapshot.Topic::name)).toList()) {
            for (ClusterSnapshot.Partition p : t.partitions()) {
                if (p.offline() || p.replicas().isEmpty()) {
                    continue;
                }
                int preferred = p.replicas().get(0);
                if (p.leader() != preferred && up.contains(preferred) && p.isr().contains(preferred)) {
                    out.add(new PreferredElection(t.name(), t.internal(), p.partition(), p.leader(), preferred));
                }
            }
        }
        return out;
    }

    /** The outcome of one election: {@code error} null when the leader changed, else why not. */
    public record ElectionResult(String topic, int partition, String error) {
    }

    /**
     * Runs a preferred or unclean election for {@code partitions} (all partitions that need one when empty).
     * Partitions whose leader is already the one the election would pick are reported with error "not needed".
     */
    public static List<ElectionResult> electLeaders(ClusterConnection c, boolean unclean, List<TopicPartition> partitions) {
        Set<TopicPartition> wanted = partitions.isEmpty() ? null : new HashSet<>(partitions);
        Map<TopicPartition, Optional<Throwable>> result = Futures.get(c.admin()
                .electLeaders(unclean ? ElectionType.UNCLEAN : ElectionType.PREFERRED, wanted).partitions(), c, "electing leaders");
        List<ElectionResult> out = new ArrayList<>();
        result.forEach((tp, error) -> out.add(new ElectionResult(tp.topic(), tp.partition(), error.map(e ->
                e instanceof ElectionNotNeededException ? "not needed" : e.getMessage()).orElse(null))));
        out.sort((a, b) -> a.topic().equals(b.topic()) ? Integer.compare(a.partition(), b.partition()) : a.topic().compareTo(b.topic()));
        return out;
    }

    /**
     * Starts moving each partition to its replica list (first: preferred leader), or cancels its reassignment when
     * the list is empty. Returns, per partition, null when accepted or the refusal.
     */
    public static Map<TopicPartition, String> reassign(ClusterConnection c, Map<TopicPartition, List<Integer>> targets) {
        Map<TopicPartition, Optional<NewPartitionReassignment>> req = new HashMap<>();
        targets.forEach((tp, r) -> req.put(tp, r.isEmpty() ? Optional.empty() : Optional.of(new NewPartitionReassignment(r))));
        Map<TopicPartition, String> out = new HashMap<>();
        c.admin().alterPartitionReassignments(req).values().forEach((tp, f) -> {
            try {
                f.get(c.timeout().toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
                out.put(tp, null);
            } catch (java.util.concurrent.ExecutionException e) {
                out.put(tp, e.getCause() == null ? e.toString() : e.getCause().getMessage());
            } catch (java.util.concurrent.TimeoutException e) {
                throw new OpsException(OpsException.Kind.ERROR, "no answer from " + c.bootstrap() + " within " + c.timeout().toSeconds()
                        + " s while reassigning partitions", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new OpsException(OpsException.Kind.ERROR, "interrupted while reassigning partitions", e);
            }
        });
        return out;
    }

    /** The balancer's plan for the topics matching {@code glob} (all, internal ones included, when null) over the live brokers. */
    public static List<PartitionBalancer.Move> balancePlan(ClusterConnection c, String glob) {
        List<Integer> brokers = Futures.get(c.admin().describeCluster().nodes(), c, "describing the cluster").stream()
                .map(Node::id).sorted().toList();
        List<PartitionBalancer.Assignment> current = new ArrayList<>();
        for (PartitionRow r : list(c, glob, glob == null, false)) {
            current.add(new PartitionBalancer.Assignment(r.topic(), r.partition(), r.replicas()));
        }
        return PartitionBalancer.plan(brokers, current);
    }
}
