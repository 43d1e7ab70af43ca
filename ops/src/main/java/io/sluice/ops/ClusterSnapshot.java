package io.sluice.ops;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The whole cluster at one instant, as an operator sees it: brokers, topics with their partitions (leader, replicas,
 * ISR, offsets, sizes) and consumer groups with their lag. Immutable; built by {@link SnapshotCollector} from the Admin
 * API, or by hand in tests through the same factories ({@link Partition#of}, {@link Topic#of}, {@link #of}), so the
 * derived fields (under-replicated, out-of-sync replicas, per-broker totals) always follow the same rules.
 *
 * <p>Record component names are the JSON field names of {@code sluice top --once -o json}: a stable interface,
 * listed in sluice-top(1). Offsets and sizes the cluster did not report are -1; a broker id -1 means none.
 * {@code warnings} are the parts that could not be read this time (a broker's log dirs, some partitions' offsets, a
 * group), one line each: the rest of the snapshot is still good, as when one broker of several is dying.
 * {@code denied} are the parts the cluster's ACLs do not let this principal read (a group it may not DESCRIBE, the
 * brokers' log dirs without DESCRIBE on the cluster): lasting, so kept apart from the passing {@code warnings} and shown
 * on the view they belong to. {@code quorum} is the controller quorum (null when the cluster does not answer
 * DescribeQuorum).
 */
public record ClusterSnapshot(long takenAtMs, String clusterId, int controllerId, Summary summary, List<Broker> brokers,
                              List<Topic> topics, List<Group> groups, List<String> warnings, List<Denied> denied, Quorum quorum) {

    public ClusterSnapshot {
        brokers = List.copyOf(brokers);
        topics = List.copyOf(topics);
        groups = List.copyOf(groups);
        warnings = List.copyOf(warnings);
        denied = List.copyOf(denied);
    }

    /**
     * A part the ACLs hide: {@code view} is where it would show ({@code brokers}: log dir sizes, {@code topics}: topic
     * configs, {@code groups}: a group's members and lag), {@code message} says which operation on which resource.
     */
    public record Denied(String view, String message) {
        /** "not allowed to DESCRIBE the cluster": the operation and resource alone, for a title line. */
        public String brief() {
            int from = message.indexOf("not allowed to ");
            if (from < 0) {
                return message;
            }
            int to = message.indexOf(" (ACLs", from);
            return message.substring(from, to < 0 ? message.length() : to);
        }
    }

    /** This snapshot with {@code more} denied parts added. */
    public ClusterSnapshot withDenied(List<Denied> more) {
        List<Denied> all = new ArrayList<>(denied);
        all.addAll(more);
        return new ClusterSnapshot(takenAtMs, clusterId, controllerId, summary, brokers, topics, groups, warnings, all, quorum);
    }

    /** The denied parts of {@code view}. */
    public List<Denied> denied(String view) {
        return denied.stream().filter(d -> d.view().equals(view)).toList();
    }

    /** This snapshot with {@code more} warnings added. */
    public ClusterSnapshot withWarnings(List<String> more) {
        List<String> all = new ArrayList<>(warnings);
        all.addAll(more);
        return new ClusterSnapshot(takenAtMs, clusterId, controllerId, summary, brokers, topics, groups, all, denied, quorum);
    }

    /** This snapshot with the controller quorum (null: the cluster did not describe it). */
    public ClusterSnapshot withQuorum(Quorum q) {
        return new ClusterSnapshot(takenAtMs, clusterId, controllerId, summary, brokers, topics, groups, warnings, denied, q);
    }

    /** Counts for the overview. */
    public record Summary(int brokersUp, int brokersDown, int topics, int partitions, int offlinePartitions,
                          int underReplicatedPartitions, int underMinIsrPartitions, long totalLag) {
    }

    /**
     * A broker the cluster reports as live ({@code up}), or one that partitions name as a replica but the cluster does
     * not list (down: host "" and port -1). Totals count the replicas placed on it by the partition metadata;
     * {@code logDirPartitions} and {@code logSizeBytes} come from its log dirs (-1 when it did not answer).
     */
    public record Broker(int id, String host, int port, String rack, boolean up, int leaders, int replicas,
                         int outOfSyncReplicas, int logDirPartitions, long logSizeBytes) {
    }

    /** What one broker's log dirs hold: replica count and bytes over all its dirs. */
    public record LogDirUsage(int partitions, long sizeBytes) {
    }

    /** A live broker as the cluster describes it. */
    public record Node(int id, String host, int port, String rack) {
    }

    /**
     * One partition. {@code outOfSync} lists the replicas not in the ISR (in replica order); {@code offline} means no
     * leader; {@code underReplicated} means a leader but an ISR smaller than the replica set (an offline partition
     * counts as offline only, as in {@link ClusterHealth}); {@code underMinIsr} means ISR smaller
     * than the topic's min.insync.replicas. {@code sizeBytes} is the leader replica's size.
     */
    public record Partition(int partition, int leader, List<Integer> replicas, List<Integer> isr, List<Integer> outOfSync,
                            boolean offline, boolean underReplicated, boolean underMinIsr, long logStartOffset,
                            long logEndOffset, long sizeBytes) {
        public Partition {
            replicas = List.copyOf(replicas);
            isr = List.copyOf(isr);
            outOfSync = List.copyOf(outOfSync);
        }

        public static Partition of(int partition, int leader, List<Integer> replicas, List<Integer> isr, int minInsyncReplicas,
                                   long logStartOffset, long logEndOffset, long sizeBytes) {
            List<Integer> outOfSync = replicas.stream().filter(r -> !isr.contains(r)).toList();
            return new Partition(partition, leader, replicas, isr, outOfSync, leader < 0, leader >= 0 && isr.size() < replicas.size(),
                    isr.size() < minInsyncReplicas, logStartOffset, logEndOffset, sizeBytes);
        }

        /** Records held: end - start, or -1 when either is unknown. */
        public long records() {
            return logStartOffset < 0 || logEndOffset < 0 ? -1 : logEndOffset - logStartOffset;
        }

        /** Offline, under-replicated or under min ISR. */
        public boolean needsAttention() {
            return offline || underReplicated || underMinIsr;
        }
    }

    /** A topic; {@code replicationFactor} is the largest replica set of its partitions. */
    public record Topic(String name, boolean internal, int replicationFactor, int minInsyncReplicas, long sizeBytes,
                        int offlinePartitions, int underReplicatedPartitions, int underMinIsrPartitions,
                        List<Partition> partitions) {
        public Topic {
            partitions = List.copyOf(partitions);
        }

        public static Topic of(String name, boolean internal, int minInsyncReplicas, List<Partition> partitions) {
            List<Partition> sorted = new ArrayList<>(partitions);
            sorted.sort(Comparator.comparingInt(Partition::partition));
            int rf = sorted.stream().mapToInt(p -> p.replicas().size()).max().orElse(0);
            long size = sorted.stream().mapToLong(Partition::sizeBytes).filter(s -> s >= 0).sum();
            return new Topic(name, internal, rf, minInsyncReplicas, size,
                    (int) sorted.stream().filter(Partition::offline).count(),
                    (int) sorted.stream().filter(Partition::underReplicated).count(),
                    (int) sorted.stream().filter(Partition::underMinIsr).count(), sorted);
        }

        /** Partition {@code id}, or null. */
        public Partition partition(int id) {
            return partitions.stream().filter(p -> p.partition() == id).findFirst().orElse(null);
        }
    }

    /**
     * A consumer group. {@code partitions} are those it committed or is assigned; lag per partition as computed by
     * {@link Groups}; {@code timeLagMs} is how old the next record it would read is (0 when caught up, -1 unknown).
     */
    public record Group(String group, String state, int members, long totalLag, long maxTimeLagMs, List<GroupPartition> partitions) {
        public Group {
            partitions = List.copyOf(partitions);
        }

        public static Group of(String group, String state, int members, List<GroupPartition> partitions) {
            long lag = partitions.stream().mapToLong(GroupPartition::lag).filter(l -> l > 0).sum();
            long timeLag = partitions.stream().mapToLong(GroupPartition::timeLagMs).max().orElse(-1);
            return new Group(group, state, members, lag, timeLag, partitions);
        }
    }

    /** One partition of a group: committed offset (-1 none), end offset, lag (-1 unknown), time lag, owning member id. */
    public record GroupPartition(String topic, int partition, long committed, long end, long lag, long timeLagMs, String memberId) {
        static GroupPartition of(Groups.PartitionLag l, long timeLagMs) {
            return new GroupPartition(l.topic(), l.partition(), l.committed(), l.end(), l.lag(), timeLagMs, l.memberId());
        }
    }

    /**
     * Assembles a snapshot: live nodes plus brokers that only appear as replicas (down), per-broker totals from the
     * partition metadata, and the summary counts.
     */
    public static ClusterSnapshot of(long takenAtMs, String clusterId, int controllerId, Collection<Node> liveNodes,
                                     Map<Integer, LogDirUsage> logDirs, List<Topic> topics, List<Group> groups) {
        Map<Integer, int[]> totals = new HashMap<>(); // broker -> {leaders, replicas, outOfSync}
        liveNodes.forEach(n -> totals.put(n.id(), new int[3]));
        int partitions = 0;
        int offline = 0;
        int under = 0;
        int underMin = 0;
        for (Topic t : topics) {
            for (Partition p : t.partitions()) {
                partitions++;
                offline += p.offline() ? 1 : 0;
                under += p.underReplicated() ? 1 : 0;
                underMin += p.underMinIsr() ? 1 : 0;
                for (int r : p.replicas()) {
                    int[] c = totals.computeIfAbsent(r, k -> new int[3]);
                    c[1]++;
                    if (r == p.leader()) {
                        c[0]++;
                    }
                    if (p.outOfSync().contains(r)) {
                        c[2]++;
                    }
                }
            }
        }
        Map<Integer, Node> live = new HashMap<>();
        liveNodes.forEach(n -> live.put(n.id(), n));
        List<Broker> brokers = new ArrayList<>();
        for (Map.Entry<Integer, int[]> e : new TreeMap<>(totals).entrySet()) {
            Node n = live.get(e.getKey());
            LogDirUsage u = logDirs.get(e.getKey());
            int[] c = e.getValue();
            brokers.add(new Broker(e.getKey(), n == null ? "" : n.host(), n == null ? -1 : n.port(), n == null ? null : n.rack(),
                    n != null, c[0], c[1], c[2], u == null ? -1 : u.partitions(), u == null ? -1 : u.sizeBytes()));
        }
        List<Topic> sortedTopics = new ArrayList<>(topics);
        sortedTopics.sort(Comparator.comparing(Topic::name));
        List<Group> sortedGroups = new ArrayList<>(groups);
        sortedGroups.sort(Comparator.comparing(Group::group));
        long totalLag = groups.stream().mapToLong(Group::totalLag).sum();
        int down = (int) brokers.stream().filter(b -> !b.up()).count();
        Summary s = new Summary(brokers.size() - down, down, topics.size(), partitions, offline, under, underMin, totalLag);
        return new ClusterSnapshot(takenAtMs, clusterId, controllerId, s, brokers, sortedTopics, sortedGroups, List.of(), List.of(), null);
    }

    /** The topic named {@code name}, or null. */
    public Topic topic(String name) {
        return topics.stream().filter(t -> t.name().equals(name)).findFirst().orElse(null);
    }

    /** The group named {@code name}, or null. */
    public Group group(String name) {
        return groups.stream().filter(g -> g.group().equals(name)).findFirst().orElse(null);
    }
}
