package io.sluice.brokerd.group;

import io.sluice.brokerd.coordinator.CoordinatorPartitions;
import io.sluice.brokerd.group.GroupTypes.Assignment;
import io.sluice.brokerd.group.GroupTypes.GroupDescription;
import io.sluice.brokerd.group.GroupTypes.GroupOverview;
import io.sluice.brokerd.group.GroupTypes.JoinRequest;
import io.sluice.brokerd.group.GroupTypes.JoinResult;
import io.sluice.brokerd.group.GroupTypes.JoinedMember;
import io.sluice.brokerd.group.GroupTypes.LeaveResult;
import io.sluice.brokerd.group.GroupTypes.Leaving;
import io.sluice.brokerd.group.GroupTypes.MemberDescription;
import io.sluice.brokerd.group.GroupTypes.Protocol;
import io.sluice.brokerd.group.GroupTypes.SyncRequest;
import io.sluice.brokerd.group.GroupTypes.SyncResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * Membership of classic-protocol groups: JoinGroup, SyncGroup, Heartbeat and LeaveGroup, session and rebalance
 * timeouts, static members, and the generation an offset commit must belong to. States and transitions are drawn in
 * {@link GroupState}. Protocol types (consumer, connect, ...) and member metadata are opaque. Time is passed in:
 * {@link #poll} expires silent members and ends rebalances at their timeout. Membership is not persisted: after a
 * restart or a coordinator move, members rejoin.
 * <p>
 * Not thread-safe: the coordinator calls it under its lock, and whether a group is served here at all is its
 * business ({@link CoordinatorPartitions}). Futures of waiting joins and syncs are completed under that lock, so
 * their continuations must only hand off (the network layer hops to the connection's event loop).
 */
final class GroupMembership {
    private static final Logger log = LoggerFactory.getLogger(GroupMembership.class);

    private final GroupConfig config;
    private final Groups groups;

    GroupMembership(GroupConfig config, Groups groups) {
        this.config = config;
        this.groups = groups;
    }

    // ---------------------------------------------------------------- JoinGroup

    /** JoinGroup (a valid group id, served here). */
    CompletableFuture<JoinResult> join(JoinRequest req, long nowMs) {
        if (req.sessionTimeoutMs() < config.minSessionTimeoutMs() || req.sessionTimeoutMs() > config.maxSessionTimeoutMs()) {
            return done(JoinResult.error(GroupError.INVALID_SESSION_TIMEOUT, req.memberId()));
        }
        Group g = groups.getOrCreate(req.groupId(), nowMs);
        if (!supportsProtocols(g, req.protocolType(), req.protocols())) {
            return done(JoinResult.error(GroupError.INCONSISTENT_GROUP_PROTOCOL, req.memberId()));
        }
        Member m;
        boolean isNewOrReplaced;
        if (req.memberId().isEmpty()) {
            if (req.groupInstanceId() == null && req.requireKnownMemberId()) {
                String id = req.clientId() + "-" + UUID.randomUUID();
                g.pendingMembers.put(id, nowMs + req.sessionTimeoutMs());
                return done(JoinResult.error(GroupError.MEMBER_ID_REQUIRED, id));
            }
            String id = (req.groupInstanceId() != null ? req.groupInstanceId() : req.clientId()) + "-" + UUID.randomUUID();
            m = req.groupInstanceId() != null ? replaceStaticMember(g, req.groupInstanceId(), id) : null;
            if (m == null) {
                m = addMember(g, id, req.groupInstanceId());
            }
            isNewOrReplaced = true;
        } else if (g.pendingMembers.remove(req.memberId()) != null) {
            m = addMember(g, req.memberId(), req.groupInstanceId());
            isNewOrReplaced = true;
        } else {
            m = g.members.get(req.memberId());
            if (m == null) {
                return done(JoinResult.error(GroupError.UNKNOWN_MEMBER_ID, req.memberId()));
            }
            if (g.isFenced(req.groupInstanceId(), req.memberId())) {
                return done(JoinResult.error(GroupError.FENCED_INSTANCE_ID, req.memberId()));
            }
            isNewOrReplaced = false;
        }
        boolean changed = isNewOrReplaced || !m.sameProtocols(req.protocols());
        m.clientId = req.clientId();
        m.clientHost = req.clientHost();
        m.sessionTimeoutMs = req.sessionTimeoutMs();
        m.rebalanceTimeoutMs = req.rebalanceTimeoutMs();
        m.protocolType = req.protocolType();
        m.protocols = List.copyOf(req.protocols());
        m.lastHeartbeatMs = nowMs;
        if (g.members.size() == 1 || g.protocolType == null) {
            g.protocolType = req.protocolType();
        }
        if (g.state == GroupState.STABLE && !changed && !m.memberId.equals(g.leaderId)) {
            // A follower rejoining with nothing new gets the current generation back without a rebalance.
            return done(new JoinResult(GroupError.NONE, g.generationId, g.protocolType, g.protocolName, g.leaderId, m.memberId, List.of()));
        }
        if (m.awaitingJoin != null) {
            m.awaitingJoin.complete(JoinResult.error(GroupError.UNKNOWN_MEMBER_ID, m.memberId));
        }
        CompletableFuture<JoinResult> f = new CompletableFuture<>();
        m.awaitingJoin = f;
        if (g.state != GroupState.PREPARING_REBALANCE) {
            prepareRebalance(g, nowMs, "member " + m.memberId + " joined");
        }
        maybeCompleteJoin(g, nowMs);
        return f;
    }

    private static boolean supportsProtocols(Group g, String protocolType, List<Protocol> protocols) {
        if (protocolType == null || protocolType.isEmpty() || protocols.isEmpty()) {
            return false;
        }
        if (g.members.isEmpty()) {
            return true;
        }
        if (!protocolType.equals(g.protocolType)) {
            return false;
        }
        return protocols.stream().anyMatch(p -> g.members.values().stream().allMatch(m -> m.supports(p.name())));
    }

    private static Member addMember(Group g, String memberId, String instanceId) {
        Member m = new Member(memberId, instanceId);
        g.members.put(memberId, m);
        if (instanceId != null) {
            g.staticMembers.put(instanceId, memberId);
        }
        return m;
    }

    /** A static member rejoining under a new member id takes over the old one's place; the old id is fenced. */
    private static Member replaceStaticMember(Group g, String instanceId, String newMemberId) {
        String oldId = g.staticMembers.get(instanceId);
        if (oldId == null) {
            return null;
        }
        Member m = g.members.remove(oldId);
        if (m == null) {
            return null;
        }
        if (m.awaitingJoin != null) {
            m.awaitingJoin.complete(JoinResult.error(GroupError.FENCED_INSTANCE_ID, oldId));
            m.awaitingJoin = null;
        }
        if (m.awaitingSync != null) {
            m.awaitingSync.complete(SyncResult.error(GroupError.FENCED_INSTANCE_ID));
            m.awaitingSync = null;
        }
        m.memberId = newMemberId;
        g.members.put(newMemberId, m);
        g.staticMembers.put(instanceId, newMemberId);
        if (oldId.equals(g.leaderId)) {
            g.leaderId = newMemberId;
        }
        return m;
    }

    private void prepareRebalance(Group g, long nowMs, String reason) {
        if (g.state == GroupState.COMPLETING_REBALANCE) {
            for (Member m : g.members.values()) {
                if (m.awaitingSync != null) {
                    m.awaitingSync.complete(SyncResult.error(GroupError.REBALANCE_IN_PROGRESS));
                    m.awaitingSync = null;
                }
            }
        }
        if (g.state == GroupState.EMPTY) {
            g.initialDelayUntilMs = nowMs + config.initialRebalanceDelayMs();
        }
        g.state = GroupState.PREPARING_REBALANCE;
        g.rebalanceDeadlineMs = nowMs + Math.max(g.maxRebalanceTimeoutMs(), 0);
        log.info("Preparing to rebalance group {} in generation {}: {}", g.groupId, g.generationId, reason);
    }

    private void maybeCompleteJoin(Group g, long nowMs) {
        if (g.state == GroupState.PREPARING_REBALANCE && g.allMembersJoined() && nowMs >= g.initialDelayUntilMs) {
            completeJoin(g, nowMs);
        }
    }

    private void completeJoin(Group g, long nowMs) {
        for (Member m : new ArrayList<>(g.members.values())) {
            if (m.awaitingJoin == null) {
                log.info("Member {} of group {} did not rejoin in time; removing it", m.memberId, g.groupId);
                removeMember(g, m, GroupError.UNKNOWN_MEMBER_ID);
            }
        }
        g.pendingMembers.clear();
        g.generationId++;
        if (g.members.isEmpty()) {
            g.state = GroupState.EMPTY;
            g.protocolName = null;
            g.leaderId = null;
            g.emptySinceMs = nowMs;
            log.info("Group {} is empty in generation {}", g.groupId, g.generationId);
            return;
        }
        g.protocolName = selectProtocol(g);
        if (g.leaderId == null || !g.members.containsKey(g.leaderId)) {
            g.leaderId = g.members.keySet().iterator().next();
        }
        g.state = GroupState.COMPLETING_REBALANCE;
        List<JoinedMember> all = new ArrayList<>();
        for (Member m : g.members.values()) {
            all.add(new JoinedMember(m.memberId, m.groupInstanceId, m.metadataFor(g.protocolName)));
        }
        for (Member m : g.members.values()) {
            boolean leader = m.memberId.equals(g.leaderId);
            CompletableFuture<JoinResult> f = m.awaitingJoin;
            m.awaitingJoin = null;
            m.lastHeartbeatMs = nowMs;
            f.complete(new JoinResult(GroupError.NONE, g.generationId, g.protocolType, g.protocolName, g.leaderId,
                    m.memberId, leader ? all : List.of()));
        }
        log.info("Group {} completed its rebalance to generation {} with {} members (protocol {})", g.groupId,
                g.generationId, g.members.size(), g.protocolName);
    }

    /** Each member votes for the first of its protocols that every member supports; the most votes win. */
    private static String selectProtocol(Group g) {
        Map<String, Integer> votes = new LinkedHashMap<>();
        for (Member m : g.members.values()) {
            for (Protocol p : m.protocols) {
                if (g.members.values().stream().allMatch(o -> o.supports(p.name()))) {
                    votes.merge(p.name(), 1, Integer::sum);
                    break;
                }
            }
        }
        return votes.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey)
                .orElse(g.members.values().iterator().next().protocols.get(0).name());
    }

    private static void removeMember(Group g, Member m, GroupError reason) {
        g.members.remove(m.memberId);
        if (m.groupInstanceId != null && m.memberId.equals(g.staticMembers.get(m.groupInstanceId))) {
            g.staticMembers.remove(m.groupInstanceId);
        }
        if (m.awaitingJoin != null) {
            m.awaitingJoin.complete(JoinResult.error(reason, m.memberId));
            m.awaitingJoin = null;
        }
        if (m.awaitingSync != null) {
            m.awaitingSync.complete(SyncResult.error(reason));
            m.awaitingSync = null;
        }
    }

    private void onMembersRemoved(Group g, long nowMs, String reason) {
        if (g.state == GroupState.STABLE || g.state == GroupState.COMPLETING_REBALANCE) {
            prepareRebalance(g, nowMs, reason);
        }
        maybeCompleteJoin(g, nowMs);
    }

    // ---------------------------------------------------------------- SyncGroup, Heartbeat, LeaveGroup

    /** SyncGroup (of a group served here). */
    CompletableFuture<SyncResult> sync(SyncRequest req, long nowMs) {
        Group g = groups.get(req.groupId());
        Member m = g == null ? null : g.members.get(req.memberId());
        if (m == null) {
            return done(SyncResult.error(GroupError.UNKNOWN_MEMBER_ID));
        }
        if (g.isFenced(req.groupInstanceId(), req.memberId())) {
            return done(SyncResult.error(GroupError.FENCED_INSTANCE_ID));
        }
        if (req.generationId() != g.generationId) {
            return done(SyncResult.error(GroupError.ILLEGAL_GENERATION));
        }
        if ((req.protocolType() != null && !req.protocolType().equals(g.protocolType))
                || (req.protocolName() != null && !req.protocolName().equals(g.protocolName))) {
            return done(SyncResult.error(GroupError.INCONSISTENT_GROUP_PROTOCOL));
        }
        m.lastHeartbeatMs = nowMs;
        switch (g.state) {
            case PREPARING_REBALANCE:
                return done(SyncResult.error(GroupError.REBALANCE_IN_PROGRESS));
            case STABLE:
                return done(new SyncResult(GroupError.NONE, g.protocolType, g.protocolName, m.assignment));
            case COMPLETING_REBALANCE:
                CompletableFuture<SyncResult> f = new CompletableFuture<>();
                m.awaitingSync = f;
                if (m.memberId.equals(g.leaderId)) {
                    Map<String, byte[]> byMember = new HashMap<>();
                    for (Assignment a : req.assignments()) {
                        byMember.put(a.memberId(), a.assignment());
                    }
                    for (Member member : g.members.values()) {
                        member.assignment = byMember.getOrDefault(member.memberId, new byte[0]);
                    }
                    g.state = GroupState.STABLE;
                    for (Member member : g.members.values()) {
                        if (member.awaitingSync != null) {
                            member.awaitingSync.complete(new SyncResult(GroupError.NONE, g.protocolType, g.protocolName, member.assignment));
                            member.awaitingSync = null;
                        }
                    }
                    log.info("Group {} is stable in generation {}", g.groupId, g.generationId);
                }
                return f;
            default:
                return done(SyncResult.error(GroupError.UNKNOWN_MEMBER_ID));
        }
    }

    /** Heartbeat (of a group served here). */
    GroupError heartbeat(String groupId, String memberId, String groupInstanceId, int generationId, long nowMs) {
        Group g = groups.get(groupId);
        Member m = g == null ? null : g.members.get(memberId);
        if (m == null) {
            return GroupError.UNKNOWN_MEMBER_ID;
        }
        if (g.isFenced(groupInstanceId, memberId)) {
            return GroupError.FENCED_INSTANCE_ID;
        }
        m.lastHeartbeatMs = nowMs;
        if (g.state == GroupState.PREPARING_REBALANCE) {
            return GroupError.REBALANCE_IN_PROGRESS;
        }
        return generationId == g.generationId ? GroupError.NONE : GroupError.ILLEGAL_GENERATION;
    }

    /** LeaveGroup (of a group served here). */
    List<LeaveResult> leave(String groupId, List<Leaving> leaving, long nowMs) {
        List<LeaveResult> results = new ArrayList<>();
        Group g = groups.get(groupId);
        boolean removed = false;
        for (Leaving l : leaving) {
            GroupError e;
            if (g == null) {
                e = GroupError.UNKNOWN_MEMBER_ID;
            } else if (l.groupInstanceId() != null) {
                String current = g.staticMembers.get(l.groupInstanceId());
                if (current == null) {
                    e = GroupError.UNKNOWN_MEMBER_ID;
                } else if (!l.memberId().isEmpty() && !l.memberId().equals(current)) {
                    e = GroupError.FENCED_INSTANCE_ID;
                } else {
                    removeMember(g, g.members.get(current), GroupError.UNKNOWN_MEMBER_ID);
                    removed = true;
                    e = GroupError.NONE;
                }
            } else if (g.pendingMembers.remove(l.memberId()) != null) {
                e = GroupError.NONE;
            } else if (g.members.containsKey(l.memberId())) {
                removeMember(g, g.members.get(l.memberId()), GroupError.UNKNOWN_MEMBER_ID);
                removed = true;
                e = GroupError.NONE;
            } else {
                e = GroupError.UNKNOWN_MEMBER_ID;
            }
            results.add(new LeaveResult(l.memberId(), l.groupInstanceId(), e));
        }
        if (removed || (g != null && g.state == GroupState.PREPARING_REBALANCE)) {
            onMembersRemoved(g, nowMs, "members left");
        }
        return results;
    }

    // ---------------------------------------------------------------- time

    /** Expires silent members and lapsed pending member ids of {@code g}, ends its rebalance when it is due. */
    void poll(Group g, long nowMs) {
        g.pendingMembers.values().removeIf(deadline -> deadline < nowMs);
        boolean removed = false;
        for (Member m : new ArrayList<>(g.members.values())) {
            if (m.isExpired(nowMs)) {
                log.info("Member {} of group {} missed its session timeout of {} ms; removing it", m.memberId,
                        g.groupId, m.sessionTimeoutMs);
                removeMember(g, m, GroupError.UNKNOWN_MEMBER_ID);
                removed = true;
            }
        }
        if (removed) {
            onMembersRemoved(g, nowMs, "session timeout");
        }
        if (g.state == GroupState.PREPARING_REBALANCE && nowMs >= Math.max(g.rebalanceDeadlineMs, g.initialDelayUntilMs)) {
            completeJoin(g, nowMs);
        } else {
            maybeCompleteJoin(g, nowMs);
        }
    }

    /**
     * Whether member {@code memberId} of generation {@code generationId} may commit offsets for the group (Kafka's
     * rules: a commit without member and generation only while the group has no members; a member of the current
     * generation, not fenced, not while the group completes a rebalance); a member that may, counts as alive.
     */
    GroupError admitCommit(String groupId, String memberId, String groupInstanceId, int generationId, long nowMs) {
        if (groupId == null || groupId.isEmpty()) {
            return GroupError.INVALID_GROUP_ID;
        }
        Group g = groups.get(groupId);
        if (generationId < 0 && (memberId == null || memberId.isEmpty())) {
            return g == null || g.members.isEmpty() ? GroupError.NONE : GroupError.UNKNOWN_MEMBER_ID;
        }
        Member m = g == null ? null : g.members.get(memberId);
        if (m == null) {
            return GroupError.UNKNOWN_MEMBER_ID;
        }
        if (g.isFenced(groupInstanceId, memberId)) {
            return GroupError.FENCED_INSTANCE_ID;
        }
        if (generationId != g.generationId) {
            return GroupError.ILLEGAL_GENERATION;
        }
        if (g.state == GroupState.COMPLETING_REBALANCE) {
            return GroupError.REBALANCE_IN_PROGRESS;
        }
        m.lastHeartbeatMs = nowMs;
        return GroupError.NONE;
    }

    /** The coordinator gave up these groups (their partition moved): members waiting in JoinGroup look it up again. */
    void abandon(List<Group> dropped) {
        for (Group g : dropped) {
            g.members.values().forEach(m -> {
                if (m.awaitingJoin != null) {
                    m.awaitingJoin.complete(JoinResult.error(GroupError.NOT_COORDINATOR, m.memberId));
                }
            });
        }
    }

    // ---------------------------------------------------------------- admin

    /** Groups (those with members or offsets) whose state is in {@code stateFilter} (all when empty), by id. */
    List<GroupOverview> list(Set<String> stateFilter) {
        List<GroupOverview> out = new ArrayList<>();
        for (Group g : groups.all()) {
            if (stateFilter.isEmpty() || stateFilter.stream().anyMatch(s -> s.equalsIgnoreCase(g.state.kafkaName()))) {
                out.add(new GroupOverview(g.groupId, g.protocolType == null ? "" : g.protocolType, g.state));
            }
        }
        out.sort((a, b) -> a.groupId().compareTo(b.groupId()));
        return out;
    }

    Optional<GroupDescription> describe(String groupId) {
        Group g = groups.get(groupId);
        if (g == null) {
            return Optional.empty();
        }
        List<MemberDescription> members = new ArrayList<>();
        for (Member m : g.members.values()) {
            members.add(new MemberDescription(m.memberId, m.groupInstanceId, m.clientId, m.clientHost,
                    g.protocolName == null ? new byte[0] : m.metadataFor(g.protocolName),
                    g.state == GroupState.STABLE ? m.assignment : new byte[0]));
        }
        return Optional.of(new GroupDescription(g.groupId, g.state, g.protocolType == null ? "" : g.protocolType,
                g.state == GroupState.STABLE || g.state == GroupState.COMPLETING_REBALANCE ? g.protocolName : "", members));
    }

    /** The member metadata of the group's current members under the chosen protocol. */
    List<byte[]> memberMetadata(String groupId) {
        Group g = groups.get(groupId);
        List<byte[]> out = new ArrayList<>();
        if (g != null && g.protocolName != null) {
            g.members.values().forEach(m -> out.add(m.metadataFor(g.protocolName)));
        }
        return out;
    }

    Optional<String> protocolType(String groupId) {
        Group g = groups.get(groupId);
        return g == null ? Optional.empty() : Optional.ofNullable(g.protocolType);
    }

    private static <T> CompletableFuture<T> done(T value) {
        return CompletableFuture.completedFuture(value);
    }
}
