package io.sluice.ops;

import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Consumer groups and their lag in the operator's terms. Lag = end offset - committed offset; the status of each
 * partition and group comes from {@link LagEvaluator} over a window of looks taken by {@link LagSampler}. Stateless.
 */
public final class Groups {

    /**
     * {@code type}: Classic or Consumer (KIP-848); {@code protocolType}: the classic protocol type, e.g. "consumer";
     * {@code status} and {@code totalLag} (-1 unknown) as {@link GroupDetail}'s.
     */
    public record GroupSummary(String group, String state, String type, String protocolType, LagEvaluator.Status status, long totalLag) {
    }

    public record Member(String memberId, String clientId, String host, List<String> assignment) {
    }

    /** One partition the group committed or is assigned; committed -1 when nothing was committed; its lag status. */
    public record PartitionLag(String topic, int partition, long committed, long end, long lag, String memberId,
                               LagEvaluator.Status status) {
        PartitionLag withStatus(LagEvaluator.Status s) {
            return new PartitionLag(topic, partition, committed, end, lag, memberId, s);
        }
    }

    /** A group as seen at the last look of the window, with its status over the window (its worst partition's). */
    public record GroupDetail(String group, String state, String coordinator, List<Member> members, List<PartitionLag> partitions,
                              long totalLag, LagEvaluator.Status status) {
    }

    /**
     * The verdict of {@code sluice group check} on one group: {@code healthy} when its status is OK and it is within
     * the thresholds, else {@code reasons} says why (one line each); {@code problems} are its partitions that are not
     * OK (UNKNOWN ones too: nothing committed, offline). {@code state} is null for a group that does not exist;
     * {@code maxTimeLagMs} is -1 when not measured.
     */
    public record CheckResult(String group, String state, LagEvaluator.Status status, long totalLag, long maxTimeLagMs,
                              boolean healthy, List<String> reasons, List<PartitionLag> problems) {
    }

    private Groups() {
    }

    /** The consumer groups' names, sorted; one request (for completion). */
    public static List<String> names(ClusterConnection c) {
        return listings(c).stream().map(org.apache.kafka.clients.admin.GroupListing::groupId).sorted().toList();
    }

    private static java.util.Collection<org.apache.kafka.clients.admin.GroupListing> listings(ClusterConnection c) {
        return Futures.get(c.admin().listGroups(org.apache.kafka.clients.admin.ListGroupsOptions.forConsumerGroups()).all(), c,
                "listing groups");
    }

    /** Every consumer group with its state and, watched over {@code plan}'s window, its status and total lag. */
    public static List<GroupSummary> list(ClusterConnection c, LagSampler.Plan plan, LagSampler.Clock clock, Consumer<String> step) {
        step.accept("listing groups");
        java.util.Collection<org.apache.kafka.clients.admin.GroupListing> listed = listings(c);
        if (listed.isEmpty()) {
            return List.of();
        }
        LagSampler.Sampled sampled = LagSampler.sample(c, listed.stream().map(org.apache.kafka.clients.admin.GroupListing::groupId).toList(),
                plan, clock, step);
        List<GroupSummary> out = new ArrayList<>();
        for (org.apache.kafka.clients.admin.GroupListing g : listed) {
            ConsumerGroupDescription d = sampled.last().described().get(g.groupId());
            String state = d != null ? d.groupState().toString() : g.groupState().map(Enum::toString).orElse("Unknown");
            long lag = d == null ? -1 : totalLag(partitions(sampled, g.groupId()));
            out.add(new GroupSummary(g.groupId(), state, g.type().map(Enum::toString).orElse(""), g.protocol(),
                    sampled.window().status(g.groupId()), lag));
        }
        out.sort(Comparator.comparing(GroupSummary::group));
        return out;
    }

    /** One group, watched over {@code plan}'s window: members and lag at the last look, statuses over the window. */
    public static GroupDetail describe(ClusterConnection c, String group, LagSampler.Plan plan, LagSampler.Clock clock, Consumer<String> step) {
        LagSampler.Sampled sampled = LagSampler.sample(c, List.of(group), plan, clock, step);
        GroupDetail d = detail(sampled, group);
        if (d == null) {
            throw new OpsException(OpsException.Kind.NOT_FOUND, "group " + group + " does not exist (sluice group list shows the groups)");
        }
        return d;
    }

    /** Every consumer group, watched over {@code plan}'s window, as {@link #describe} shows one (for doctor). */
    public static List<GroupDetail> describeAll(ClusterConnection c, LagSampler.Plan plan, LagSampler.Clock clock, Consumer<String> step) {
        List<String> names = names(c);
        if (names.isEmpty()) {
            return List.of();
        }
        LagSampler.Sampled sampled = LagSampler.sample(c, names, plan, clock, step);
        return names.stream().map(g -> detail(sampled, g)).filter(java.util.Objects::nonNull).toList();
    }

    /** The group at the last look with its statuses; null when it does not exist. */
    private static GroupDetail detail(LagSampler.Sampled sampled, String group) {
        ConsumerGroupDescription d = sampled.last().described().get(group);
        if (d == null) {
            return null;
        }
        List<Member> members = new ArrayList<>();
        for (MemberDescription m : d.members()) {
            List<String> assigned = new ArrayList<>();
            m.assignment().topicPartitions().forEach(tp -> assigned.add(tp.toString()));
            assigned.sort(null);
            members.add(new Member(m.consumerId(), m.clientId(), m.host(), assigned));
        }
        List<PartitionLag> lags = partitions(sampled, group);
        String coordinator = d.coordinator() == null ? "" : String.valueOf(d.coordinator().id());
        return new GroupDetail(group, d.groupState().toString(), coordinator, members, lags, totalLag(lags), sampled.window().status(group));
    }

    /**
     * Checks each group over {@code plan}'s window: healthy when its status is OK, its total lag at the last look is at
     * most {@code maxLag} (-1: no limit) and the age of the oldest record it has yet to read at most {@code maxTimeLagMs}
     * (-1: no limit; measured with {@code probe}, which may then not be null). A group that does not exist is not
     * healthy.
     */
    public static List<CheckResult> check(ClusterConnection c, List<String> groups, LagSampler.Plan plan, long maxLag, long maxTimeLagMs,
                                          RecordProbe probe, LagSampler.Clock clock, Consumer<String> step) {
        LagSampler.Sampled sampled = LagSampler.sample(c, new java.util.LinkedHashSet<>(groups), plan, clock, step);
        Map<TopicPartition, Long> timestamps = Map.of();
        if (maxTimeLagMs >= 0) {
            Map<TopicPartition, Long> at = new HashMap<>();
            for (String g : groups) {
                partitions(sampled, g).stream().filter(p -> p.lag() > 0)
                        .forEach(p -> at.merge(new TopicPartition(p.topic(), p.partition()), p.committed(), Math::min));
            }
            step.accept("reading the timestamps of " + at.size() + " record(s) at committed offsets");
            timestamps = at.isEmpty() ? Map.of() : probe.timestampsAt(at, PROBE_TIMEOUT_MS);
        }
        List<CheckResult> out = new ArrayList<>();
        for (String g : new java.util.LinkedHashSet<>(groups)) {
            out.add(verdict(g, sampled, maxLag, maxTimeLagMs, timestamps));
        }
        return out;
    }

    static final long PROBE_TIMEOUT_MS = 2000;

    private static CheckResult verdict(String g, LagSampler.Sampled sampled, long maxLag, long maxTimeLagMs, Map<TopicPartition, Long> timestamps) {
        ConsumerGroupDescription d = sampled.last().described().get(g);
        if (d == null) {
            return new CheckResult(g, null, LagEvaluator.Status.UNKNOWN, -1, -1, false, List.of("no such group"), List.of());
        }
        List<PartitionLag> parts = partitions(sampled, g);
        LagEvaluator.Status status = sampled.window().status(g);
        long lag = totalLag(parts);
        List<String> reasons = new ArrayList<>();
        List<PartitionLag> problems = parts.stream().filter(p -> !p.status().healthy()).toList();
        if (parts.isEmpty()) {
            reasons.add("status UNKNOWN: the group has no committed offsets and no assigned partitions");
        } else if (!status.healthy()) {
            reasons.add("status " + status + ": " + problems.stream().map(p -> p.topic() + "-" + p.partition() + " " + p.status())
                    .collect(java.util.stream.Collectors.joining(", ")));
        }
        if (maxLag >= 0 && lag > maxLag) {
            reasons.add("lag " + lag + " > --max-lag " + maxLag);
        }
        long timeLag = -1;
        if (maxTimeLagMs >= 0) {
            timeLag = 0;
            for (PartitionLag p : parts) {
                if (p.lag() <= 0) {
                    continue;
                }
                Long ts = timestamps.get(new TopicPartition(p.topic(), p.partition()));
                if (ts == null) {
                    timeLag = -1;
                    reasons.add("time lag of " + p.topic() + "-" + p.partition() + " unknown: no record read at offset " + p.committed()
                            + " within " + PROBE_TIMEOUT_MS / 1000 + " s");
                    break;
                }
                timeLag = Math.max(timeLag, Math.max(0, sampled.last().timeMs() - ts));
            }
            if (timeLag > maxTimeLagMs) {
                reasons.add("time lag " + timeLag / 1000 + " s > --max-lag-seconds " + maxTimeLagMs / 1000);
            }
        }
        return new CheckResult(g, d.groupState().toString(), status, lag, timeLag, reasons.isEmpty(), reasons, problems);
    }

    /** The group's partitions at the last look, with their statuses over the window. */
    private static List<PartitionLag> partitions(LagSampler.Sampled sampled, String group) {
        LagSampler.Round r = sampled.last();
        ConsumerGroupDescription d = r.described().get(group);
        if (d == null) {
            return List.of();
        }
        List<PartitionLag> out = new ArrayList<>();
        for (PartitionLag p : lag(r.committed().get(group), owners(d), r.end())) {
            out.add(p.withStatus(sampled.window().status(group, p.topic(), p.partition())));
        }
        return out;
    }

    private static long totalLag(List<PartitionLag> lags) {
        return lags.stream().mapToLong(PartitionLag::lag).filter(l -> l > 0).sum();
    }

    /** Which member owns each assigned partition. */
    static Map<TopicPartition, String> owners(ConsumerGroupDescription d) {
        Map<TopicPartition, String> owner = new HashMap<>();
        for (MemberDescription m : d.members()) {
            m.assignment().topicPartitions().forEach(tp -> owner.put(tp, m.consumerId()));
        }
        return owner;
    }

    /** The partitions a group has a committed offset for or is assigned. */
    static java.util.Set<TopicPartition> partitionsOf(Map<TopicPartition, OffsetAndMetadata> committed, Map<TopicPartition, String> owner) {
        java.util.Set<TopicPartition> all = new java.util.HashSet<>(committed.keySet());
        all.addAll(owner.keySet());
        return all;
    }

    /**
     * Lag per partition the group committed or is assigned, sorted by topic and partition: end - committed (never
     * below 0); -1 when nothing was committed or the end offset is unknown. Status UNKNOWN: one look judges nothing.
     */
    static List<PartitionLag> lag(Map<TopicPartition, OffsetAndMetadata> committed, Map<TopicPartition, String> owner,
                                  Map<TopicPartition, Long> end) {
        Map<TopicPartition, Long> partitions = new TreeMap<>(Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition));
        committed.forEach((tp, o) -> partitions.put(tp, o == null ? -1 : o.offset()));
        owner.keySet().forEach(tp -> partitions.putIfAbsent(tp, -1L));
        List<PartitionLag> lags = new ArrayList<>();
        for (Map.Entry<TopicPartition, Long> e : partitions.entrySet()) {
            long endOffset = end.getOrDefault(e.getKey(), -1L);
            long lag = e.getValue() < 0 || endOffset < 0 ? -1 : Math.max(0, endOffset - e.getValue());
            lags.add(new PartitionLag(e.getKey().topic(), e.getKey().partition(), e.getValue(), endOffset, lag,
                    Optional.ofNullable(owner.get(e.getKey())).orElse(""), LagEvaluator.Status.UNKNOWN));
        }
        return lags;
    }

    /** Deletes groups that have no members (their committed offsets go with them). */
    public static void delete(ClusterConnection c, List<String> groups) {
        Futures.get(c.admin().deleteConsumerGroups(groups).all(), c, "deleting " + String.join(", ", groups));
    }

    /** Deletes the group's committed offsets of a topic's partitions (all partitions it has offsets for). */
    public static List<TopicPartition> deleteOffsets(ClusterConnection c, String group, String topic) {
        Map<TopicPartition, OffsetAndMetadata> committed = Futures.get(c.admin().listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata(),
                c, "listing offsets of group " + group);
        List<TopicPartition> tps = committed.keySet().stream().filter(tp -> tp.topic().equals(topic))
                .sorted(Comparator.comparingInt(TopicPartition::partition)).toList();
        if (tps.isEmpty()) {
            throw new OpsException(OpsException.Kind.NOT_FOUND, "group " + group + " has no committed offsets for topic " + topic);
        }
        Futures.get(c.admin().deleteConsumerGroupOffsets(group, new java.util.HashSet<>(tps)).all(), c,
                "deleting offsets of group " + group);
        return tps;
    }
}
