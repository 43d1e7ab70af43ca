package io.sluice.brokerd.group;

import io.sluice.brokerd.common.TopicPartition;
import io.sluice.brokerd.group.GroupTypes.CommittedOffset;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/** One group's membership, generation and committed offsets. Mutable; guarded by the coordinator's lock. */
final class Group {
    final String groupId;
    GroupState state = GroupState.EMPTY;
    String protocolType;
    String protocolName;
    int generationId;
    String leaderId;
    final LinkedHashMap<String, Member> members = new LinkedHashMap<>();
    /** Member ids handed out with MEMBER_ID_REQUIRED, and when they lapse if the client never rejoins. */
    final Map<String, Long> pendingMembers = new HashMap<>();
    /** group.instance.id -> current member id of static members. */
    final Map<String, String> staticMembers = new HashMap<>();
    long rebalanceDeadlineMs;
    /** A rebalance of an empty group waits this long for more members (group.initial.rebalance.delay.ms). */
    long initialDelayUntilMs;
    long emptySinceMs;
    /** Committed offsets as of the last replicated write to __consumer_offsets (what OffsetFetch reads). */
    final Map<TopicPartition, CommittedOffset> offsets = new HashMap<>();
    /**
     * Partitions with writes (commits or tombstones) appended to __consumer_offsets but not yet applied to
     * {@link #offsets}, and how many. A group with pending writes is kept, and their partitions do not expire.
     */
    final Map<TopicPartition, Integer> pendingWrites = new HashMap<>();

    Group(String groupId, long nowMs) {
        this.groupId = groupId;
        this.emptySinceMs = nowMs;
    }

    /** A static member's request under an outdated member id (a newer instance took its place). */
    boolean isFenced(String instanceId, String memberId) {
        return instanceId != null && !memberId.equals(staticMembers.get(instanceId));
    }

    boolean allMembersJoined() {
        return pendingMembers.isEmpty() && members.values().stream().allMatch(m -> m.awaitingJoin != null);
    }

    /** Nothing left to keep: no members, no offsets, no writes in flight. */
    boolean isRemovable() {
        return members.isEmpty() && pendingMembers.isEmpty() && offsets.isEmpty() && pendingWrites.isEmpty();
    }

    int maxRebalanceTimeoutMs() {
        return members.values().stream().mapToInt(m -> m.rebalanceTimeoutMs).max().orElse(0);
    }
}
