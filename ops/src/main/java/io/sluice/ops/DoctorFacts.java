package io.sluice.ops;

import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.LogDirDescription;
import org.apache.kafka.clients.admin.QuorumInfo;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.UnsupportedVersionException;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Gathers {@link Doctor.Facts} through the Admin API: the cluster snapshot ({@link SnapshotCollector}), DescribeCluster
 * with fenced brokers, DescribeLogDirs (sizes, total and usable bytes), DescribeQuorum, DescribeConfigs of every live
 * broker, and the consumer groups' lag over a sampled window ({@link LagSampler}). A part one broker does not answer
 * (its log dirs, its configs) or the cluster does not support (DescribeQuorum, fenced brokers) becomes a note, and the
 * checks that need it skip it; a cluster-wide failure (no metadata) fails the whole report. Stateless.
 */
public final class DoctorFacts {
    private DoctorFacts() {
    }

    public static Doctor.Facts gather(ClusterConnection c, LagSampler.Plan plan, LagSampler.Clock clock, Consumer<String> step) {
        List<String> notes = new ArrayList<>();
        step.accept("reading brokers, topics, partitions and log dirs");
        ClusterSnapshot snapshot = new SnapshotCollector(c, null).collect(clock.nowMs());
        notes.addAll(snapshot.warnings());
        List<Integer> live = snapshot.brokers().stream().filter(ClusterSnapshot.Broker::up).map(ClusterSnapshot.Broker::id).toList();
        Set<Integer> fenced = fenced(c, notes);
        step.accept("reading the log dirs' disk space");
        List<Doctor.LogDir> logDirs = logDirs(c, live, notes);
        step.accept("asking the controller quorum");
        Doctor.Quorum quorum = quorum(c);
        step.accept("reading the brokers' configs");
        Map<Integer, List<Configs.Entry>> configs = brokerConfigs(c, live, notes);
        List<Groups.GroupDetail> groups = Groups.describeAll(c, plan, clock, step);
        return new Doctor.Facts(clock.nowMs(), snapshot, fenced, logDirs, quorum, configs, groups, notes);
    }

    private static Set<Integer> fenced(ClusterConnection c, List<String> notes) {
        Set<Integer> out = new HashSet<>();
        try {
            for (Node n : Futures.get(c.admin().describeCluster(new DescribeClusterOptions().includeFencedBrokers(true)).nodes(), c,
                    "describing the cluster with fenced brokers")) {
                if (n.isFenced()) {
                    out.add(n.id());
                }
            }
        } catch (OpsException e) {
            if (!(e.getCause() instanceof UnsupportedVersionException)) {
                throw e;
            }
            notes.add("fenced brokers not known: the cluster does not list them (DescribeCluster v2)");
        }
        return out;
    }

    private static List<Doctor.LogDir> logDirs(ClusterConnection c, List<Integer> brokers, List<String> notes) {
        List<Doctor.LogDir> out = new ArrayList<>();
        if (brokers.isEmpty()) {
            return out;
        }
        Map<Integer, KafkaFuture<Map<String, LogDirDescription>>> pending = c.admin().describeLogDirs(brokers).descriptions();
        for (int broker : new TreeMap<>(pending).keySet()) {
            Map<String, LogDirDescription> dirs;
            try {
                dirs = Futures.get(pending.get(broker), c, "describing the log dirs of broker " + broker);
            } catch (OpsException e) {
                notes.add(e.getMessage());
                continue;
            }
            new TreeMap<>(dirs).forEach((path, d) -> {
                Map<String, Long> topicBytes = new TreeMap<>();
                d.replicaInfos().forEach((tp, info) -> topicBytes.merge(tp.topic(), info.size(), Long::sum));
                out.add(new Doctor.LogDir(broker, path, d.error() == null ? null : d.error().getMessage(), d.totalBytes().orElse(-1),
                        d.usableBytes().orElse(-1), topicBytes));
            });
        }
        return out;
    }

    private static Doctor.Quorum quorum(ClusterConnection c) {
        QuorumInfo q;
        try {
            q = Futures.get(c.admin().describeMetadataQuorum().quorumInfo(), c, "describing the controller quorum");
        } catch (OpsException e) {
            if (e.getCause() instanceof UnsupportedVersionException) {
                return Doctor.Quorum.unknown("the cluster does not answer DescribeQuorum");
            }
            return Doctor.Quorum.unknown(e.getMessage());
        }
        List<Doctor.Voter> voters = new ArrayList<>();
        q.voters().forEach(v -> voters.add(new Doctor.Voter(v.replicaId(), v.logEndOffset(), v.lastCaughtUpTimestamp().orElse(-1))));
        return new Doctor.Quorum(true, null, q.leaderId(), q.leaderEpoch(), q.highWatermark(), voters);
    }

    private static Map<Integer, List<Configs.Entry>> brokerConfigs(ClusterConnection c, List<Integer> brokers, List<String> notes) {
        Map<Integer, List<Configs.Entry>> out = new TreeMap<>();
        if (brokers.isEmpty()) {
            return out;
        }
        Map<ConfigResource, KafkaFuture<Config>> pending = c.admin().describeConfigs(brokers.stream()
                .map(b -> new ConfigResource(ConfigResource.Type.BROKER, String.valueOf(b))).toList()).values();
        Map<Integer, List<Configs.Entry>> got = new HashMap<>();
        pending.forEach((res, f) -> {
            try {
                List<Configs.Entry> entries = new ArrayList<>();
                for (ConfigEntry e : Futures.get(f, c, "describing the configs of broker " + res.name()).entries()) {
                    entries.add(new Configs.Entry(e.name(), e.isSensitive() ? null : e.value(), e.source().name(), e.isReadOnly(), e.isSensitive()));
                }
                got.put(Integer.parseInt(res.name()), entries);
            } catch (OpsException e) {
                notes.add(e.getMessage());
            }
        });
        out.putAll(got);
        return out;
    }
}
