package io.sluice.ops;

import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.ConsumerGroupListing;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** Consumer groups and their lag in the operator's terms. Lag = end offset - committed offset. Stateless. */
public final class Groups {

    /** {@code type}: Classic or Consumer (KIP-848); {@code protocolType}: the classic protocol type, e.g. "consumer". */
    public record GroupSummary(String group, String state, String type, String protocolType) {
    }

    public record Member(String memberId, String clientId, String host, List<String> assignment) {
    }

    /** One partition the group committed or is assigned; committed -1 when nothing was committed. */
    public record PartitionLag(String topic, int partition, long committed, long end, long lag, String memberId) {
    }

    public record GroupDetail(String group, String state, String coordinator, List<Member> members, List<PartitionLag> partitions,
                              long totalLag) {
    }

    private Groups() {
    }

    public static List<GroupSummary> list(ClusterConnection c) {
        List<GroupSummary> out = new ArrayList<>();
        for (org.apache.kafka.clients.admin.GroupListing g : Futures.get(c.admin().listGroups(
                org.apache.kafka.clients.admin.ListGroupsOptions.forConsumerGroups()).all(), c, "listing groups")) {
            out.add(new GroupSummary(g.groupId(), g.groupState().map(Enum::toString).orElse("Unknown"),
                    g.type().map(Enum::toString).orElse(""), g.protocol()));
        }
        out.sort(Comparator.comparing(GroupSummary::group));
        return out;
    }

    public static GroupDetail describe(ClusterConnection c, String group) {
        ConsumerGroupDescription d = Futures.get(c.admin().describeConsumerGroups(List.of(group)).all(), c, "describing group " + group).get(group);
        if (d.groupState().toString().equals("Dead")) {
            throw new OpsException(OpsException.Kind.NOT_FOUND, "group " + group + " does not exist");
        }
        Map<TopicPartition, OffsetAndMetadata> committed = Futures.get(c.admin().listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata(),
                c, "listing offsets of group " + group);
        Map<TopicPartition, String> owner = owners(d);
        List<Member> members = new ArrayList<>();
        for (MemberDescription m : d.members()) {
            List<String> assigned = new ArrayList<>();
            m.assignment().topicPartitions().forEach(tp -> assigned.add(tp.toString()));
            assigned.sort(null);
            members.add(new Member(m.consumerId(), m.clientId(), m.host(), assigned));
        }
        java.util.Set<TopicPartition> partitions = partitionsOf(committed, owner);
        Map<TopicPartition, Long> end = partitions.isEmpty() ? Map.of() : Topics.offsets(c, new ArrayList<>(partitions), OffsetSpec.latest());
        List<PartitionLag> lags = lag(committed, owner, end);
        long total = lags.stream().mapToLong(PartitionLag::lag).filter(l -> l > 0).sum();
        String coordinator = d.coordinator() == null ? "" : String.valueOf(d.coordinator().id());
        return new GroupDetail(group, d.groupState().toString(), coordinator, members, lags, total);
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
     * below 0); -1 when nothing was committed or the end offset is unknown.
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
                    Optional.ofNullable(owner.get(e.getKey())).orElse("")));
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
