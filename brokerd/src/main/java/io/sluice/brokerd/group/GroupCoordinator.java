package io.sluice.brokerd.group;

import io.sluice.brokerd.common.TopicPartition;
import io.sluice.brokerd.group.GroupTypes.Assignment;
import io.sluice.brokerd.group.GroupTypes.CommittedOffset;
import io.sluice.brokerd.group.GroupTypes.GroupDescription;
import io.sluice.brokerd.group.GroupTypes.GroupOverview;
import io.sluice.brokerd.group.GroupTypes.JoinRequest;
import io.sluice.brokerd.group.GroupTypes.JoinResult;
import io.sluice.brokerd.group.GroupTypes.JoinedMember;
import io.sluice.brokerd.group.GroupTypes.LeaveResult;
import io.sluice.brokerd.group.GroupTypes.Leaving;
import io.sluice.brokerd.group.GroupTypes.MemberDescription;
import io.sluice.brokerd.group.GroupTypes.OffsetDeleteResult;
import io.sluice.brokerd.group.GroupTypes.PartitionOffset;
import io.sluice.brokerd.group.GroupTypes.Protocol;
import io.sluice.brokerd.group.GroupTypes.SyncRequest;
import io.sluice.brokerd.group.GroupTypes.SyncResult;
import io.sluice.brokerd.log.RecordBatchBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The classic-protocol group coordinator (JoinGroup/SyncGroup/Heartbeat/LeaveGroup, offsets) of a single node.
 * States and transitions are drawn in {@link GroupState}. Protocol types (consumer, connect, ...) and member
 * metadata are opaque. Time is passed in: {@link #poll(long)} expires silent members, ends rebalances at their
 * timeout and expires offsets, so tests drive it without sleeping. Committed offsets are rebuilt from the
 * {@link OffsetStore} by {@link #load(long)}.
 * <p>
 * <b>Offset writes do not hold the coordinator.</b> As in Kafka, a commit, an OffsetDelete, a DeleteGroups or an
 * expiry appends its records (tombstones for deletions) under the lock and returns; the store's future tells when
 * every in-sync replica has them. Until then the write is <i>pending</i>: it is kept per {@code __consumer_offsets}
 * partition in append order, OffsetFetch still reads the last <i>materialised</i> offsets (classic groups have no
 * "require stable" wait; that is for transactional offsets; GroupHandlers makes a connection's own reads wait for
 * its writes), and every other request is served meanwhile. A write that is replicated is materialised, together
 * with every write appended before it on its partition (the high watermark only moves forward), and then answered.
 * A failed write is answered with the error Kafka's coordinator gives ({@link PendingWrites#writeError}). One that
 * timed out (or lost min.insync.replicas) is still in the log, so it stays pending and is materialised, without a
 * second answer, when a later write of its partition is replicated: the state a reload of the log would produce. A
 * write whose leadership was lost is never materialised here; the next leader loads whatever the log kept. Answers
 * for one partition leave in append order.
 * <p>
 * Thread-safe: state is guarded by the coordinator's monitor. Futures of offset writes are completed after it is
 * released, in order, by whichever thread drains the answer queue. Futures returned by join/sync are completed
 * under it, so their continuations must only hand off (the network layer hops to the connection's event loop).
 */
public final class GroupCoordinator {
    private static final Logger log = LoggerFactory.getLogger(GroupCoordinator.class);

    private final GroupConfig config;
    private final OffsetStore store;
    private final Map<String, Group> groups = new HashMap<>();
    /** Writes to __consumer_offsets waiting for their replication, and the answers they owe. Guarded by this. */
    private final PendingWrites pending = new PendingWrites();

    public GroupCoordinator(GroupConfig config, OffsetStore store) {
        this.config = config;
        this.store = store;
    }

    /** Kafka's mapping of a group to its offsets partition. */
    public int partitionFor(String groupId) {
        return (groupId.hashCode() & 0x7fffffff) % store.partitionCount();
    }

    /**
     * Partitions of {@code __consumer_offsets} this coordinator serves; null after {@link #load} (all of them, as on
     * a single node and in tests). In a cluster, {@link #becomeCoordinator} and {@link #resign} follow the
     * partitions' leadership; groups of other partitions get NOT_COORDINATOR.
     */
    private java.util.Set<Integer> ownedPartitions;

    /** NONE when this coordinator serves {@code groupId}, else NOT_COORDINATOR. */
    public synchronized GroupError coordinatorError(String groupId) {
        if (ownedPartitions == null || groupId == null) {
            return GroupError.NONE;
        }
        return ownedPartitions.contains(partitionFor(groupId)) ? GroupError.NONE : GroupError.NOT_COORDINATOR;
    }

    /** From now on this coordinator serves only partitions it is told it leads ({@link #becomeCoordinator}). */
    public void claimNone() {
        synchronized (this) {
            ownedPartitions = new java.util.HashSet<>();
            groups.clear();
            pending.dropAll();
        }
        pending.drainAnswers();
    }

    /** This broker now leads {@code partition} of the offsets topic: loads its groups and serves them. */
    public void becomeCoordinator(int partition, long nowMs) {
        synchronized (this) {
            if (ownedPartitions == null) {
                ownedPartitions = new java.util.HashSet<>();
            }
            if (ownedPartitions.contains(partition)) {
                return;
            }
            groups.keySet().removeIf(id -> partitionFor(id) == partition);
            pending.drop(partition);
            int records = loadPartition(partition, nowMs);
            ownedPartitions.add(partition);
            log.info("Coordinating the groups of {}-{}: loaded {} offset records", OFFSETS_TOPIC, partition, records);
        }
        pending.drainAnswers();
    }

    /** Another broker leads {@code partition} now: its groups are dropped here (members rejoin the new coordinator). */
    public void resign(int partition) {
        synchronized (this) {
            resignLocked(partition);
        }
        pending.drainAnswers();
    }

    private void resignLocked(int partition) {
        if (ownedPartitions == null) {
            ownedPartitions = new java.util.HashSet<>();
            for (int p = 0; p < store.partitionCount(); p++) {
                ownedPartitions.add(p);
            }
        }
        if (!ownedPartitions.remove(partition)) {
            return;
        }
        groups.values().removeIf(g -> {
            if (partitionFor(g.groupId) != partition) {
                return false;
            }
            g.members.values().forEach(m -> {
                if (m.awaitingJoin != null) {
                    m.awaitingJoin.complete(JoinResult.error(GroupError.NOT_COORDINATOR, m.memberId));
                }
            });
            return true;
        });
        pending.drop(partition);
        log.info("No longer coordinating the groups of {}-{}", OFFSETS_TOPIC, partition);
    }

    private static final String OFFSETS_TOPIC = "__consumer_offsets";

    /** Rebuilds groups and committed offsets from the store (start-up); writes still pending are dropped. */
    public void load(long nowMs) {
        synchronized (this) {
            loadAll(nowMs);
        }
        pending.drainAnswers();
    }

    private void loadAll(long nowMs) {
        groups.clear();
        pending.dropAll();
        ownedPartitions = null;
        int records = 0;
        for (int p = 0; p < store.partitionCount(); p++) {
            records += loadPartition(p, nowMs);
        }
        log.info("Loaded {} groups from {} offset records", groups.size(), records);
    }

    private int loadPartition(int p, long nowMs) {
        int records = 0;
        {
            int[] n = {0};
            store.forEachRecord(p, (key, value) -> {
                OffsetRecords.Key k = OffsetRecords.decodeKey(key);
                if (k == null) {
                    return;
                }
                n[0]++;
                if (value == null) {
                    Group g = groups.get(k.groupId());
                    if (g != null) {
                        g.offsets.remove(k.partition());
                        if (g.offsets.isEmpty()) {
                            groups.remove(k.groupId());
                        }
                    }
                } else {
                    groups.computeIfAbsent(k.groupId(), id -> new Group(id, nowMs)).offsets.put(k.partition(), OffsetRecords.decodeValue(value));
                }
            });
            records += n[0];
        }
        return records;
    }

    // ---------------------------------------------------------------- JoinGroup

    public synchronized CompletableFuture<JoinResult> join(JoinRequest req, long nowMs) {
        if (req.groupId() == null || req.groupId().isEmpty()) {
            return done(JoinResult.error(GroupError.INVALID_GROUP_ID, req.memberId()));
        }
        if (coordinatorError(req.groupId()) != GroupError.NONE) {
            return done(JoinResult.error(GroupError.NOT_COORDINATOR, req.memberId()));
        }
        if (req.sessionTimeoutMs() < config.minSessionTimeoutMs() || req.sessionTimeoutMs() > config.maxSessionTimeoutMs()) {
            return done(JoinResult.error(GroupError.INVALID_SESSION_TIMEOUT, req.memberId()));
        }
        Group g = groups.computeIfAbsent(req.groupId(), id -> new Group(id, nowMs));
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
            if (isFenced(g, req.groupInstanceId(), req.memberId())) {
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

    private static boolean isFenced(Group g, String instanceId, String memberId) {
        return instanceId != null && !memberId.equals(g.staticMembers.get(instanceId));
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

    public synchronized CompletableFuture<SyncResult> sync(SyncRequest req, long nowMs) {
        if (coordinatorError(req.groupId()) != GroupError.NONE) {
            return done(SyncResult.error(GroupError.NOT_COORDINATOR));
        }
        Group g = groups.get(req.groupId());
        Member m = g == null ? null : g.members.get(req.memberId());
        if (m == null) {
            return done(SyncResult.error(GroupError.UNKNOWN_MEMBER_ID));
        }
        if (isFenced(g, req.groupInstanceId(), req.memberId())) {
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

    public synchronized GroupError heartbeat(String groupId, String memberId, String groupInstanceId, int generationId, long nowMs) {
        if (coordinatorError(groupId) != GroupError.NONE) {
            return GroupError.NOT_COORDINATOR;
        }
        Group g = groups.get(groupId);
        Member m = g == null ? null : g.members.get(memberId);
        if (m == null) {
            return GroupError.UNKNOWN_MEMBER_ID;
        }
        if (isFenced(g, groupInstanceId, memberId)) {
            return GroupError.FENCED_INSTANCE_ID;
        }
        m.lastHeartbeatMs = nowMs;
        if (g.state == GroupState.PREPARING_REBALANCE) {
            return GroupError.REBALANCE_IN_PROGRESS;
        }
        return generationId == g.generationId ? GroupError.NONE : GroupError.ILLEGAL_GENERATION;
    }

    public synchronized List<LeaveResult> leave(String groupId, List<Leaving> leaving, long nowMs) {
        List<LeaveResult> results = new ArrayList<>();
        if (coordinatorError(groupId) != GroupError.NONE) {
            leaving.forEach(l -> results.add(new LeaveResult(l.memberId(), l.groupInstanceId(), GroupError.NOT_COORDINATOR)));
            return results;
        }
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

    /** Expires silent members and lapsed pending ids, ends overdue rebalances, expires offsets of empty groups. */
    public void poll(long nowMs) {
        List<PendingWrites.Write> expiries = new ArrayList<>();
        synchronized (this) {
            for (Group g : new ArrayList<>(groups.values())) {
                pollGroup(g, nowMs, expiries);
            }
        }
        expiries.forEach(this::settleWhenReplicated);
        pending.drainAnswers();
    }

    private void pollGroup(Group g, long nowMs, List<PendingWrites.Write> expiries) {
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
        if (g.state == GroupState.EMPTY) {
            maybeExpireOffsets(g, nowMs, expiries);
        }
    }

    /** Writes tombstones for the offsets past retention; partitions with a write in flight wait for it (as Kafka). */
    private void maybeExpireOffsets(Group g, long nowMs, List<PendingWrites.Write> expiries) {
        List<TopicPartition> expired = new ArrayList<>();
        g.offsets.forEach((tp, o) -> {
            if (!g.pendingWrites.containsKey(tp) && nowMs - Math.max(o.commitTimestampMs(), g.emptySinceMs) > config.offsetsRetentionMs()) {
                expired.add(tp);
            }
        });
        if (!expired.isEmpty()) {
            log.info("Expiring {} offsets of empty group {} (offsets.retention.minutes)", expired.size(), g.groupId);
            PendingWrites.Write w = appendLocked(tombstones(g.groupId, expired, e -> {
                if (e != GroupError.NONE) {
                    log.warn("Expiring offsets of group {} failed: {}", g.groupId, e);
                }
            }), nowMs);
            if (w != null) {
                expiries.add(w);
            }
        }
        if (g.isRemovable()) {
            groups.remove(g.groupId);
        }
    }

    // ---------------------------------------------------------------- offsets

    /**
     * OffsetCommit. A commit with generation -1 and no member id (standalone consumers, Admin) is accepted only
     * while the group has no members. The records are appended at once; the future completes with the error for
     * each partition once they are replicated (or failed), and the offsets become visible to {@link #fetchOffsets}
     * at that moment, not before.
     */
    public CompletableFuture<Map<TopicPartition, GroupError>> commit(String groupId, String memberId, String groupInstanceId,
                                                                     int generationId, Map<TopicPartition, CommittedOffset> offsets,
                                                                     Predicate<TopicPartition> partitionExists, long nowMs) {
        CompletableFuture<Map<TopicPartition, GroupError>> answer = new CompletableFuture<>();
        PendingWrites.Write w;
        synchronized (this) {
            w = appendCommitLocked(groupId, memberId, groupInstanceId, generationId, offsets, partitionExists, nowMs, answer);
        }
        settleWhenReplicated(w);
        pending.drainAnswers();
        return answer;
    }

    /** Validates and appends a commit; returns the write in flight, or null when the answer is already queued. */
    private PendingWrites.Write appendCommitLocked(String groupId, String memberId, String groupInstanceId, int generationId,
                                            Map<TopicPartition, CommittedOffset> offsets, Predicate<TopicPartition> partitionExists,
                                            long nowMs, CompletableFuture<Map<TopicPartition, GroupError>> answer) {
        GroupError top = coordinatorError(groupId) != GroupError.NONE ? GroupError.NOT_COORDINATOR
                : validateCommit(groupId, memberId, groupInstanceId, generationId);
        Map<TopicPartition, GroupError> result = new LinkedHashMap<>();
        if (top != GroupError.NONE) {
            offsets.keySet().forEach(tp -> result.put(tp, top));
            pending.queueAnswer(() -> answer.complete(result));
            return null;
        }
        Group g = groups.computeIfAbsent(groupId, id -> new Group(id, nowMs));
        Member m = g.members.get(memberId);
        if (m != null) {
            m.lastHeartbeatMs = nowMs;
        }
        Map<TopicPartition, CommittedOffset> accepted = new LinkedHashMap<>();
        offsets.forEach((tp, o) -> {
            if (!partitionExists.test(tp)) {
                result.put(tp, GroupError.UNKNOWN_TOPIC_OR_PARTITION);
            } else if (o.metadata() != null && o.metadata().length() > config.offsetMetadataMaxBytes()) {
                result.put(tp, GroupError.OFFSET_METADATA_TOO_LARGE);
            } else {
                accepted.put(tp, o);
                result.put(tp, GroupError.NONE); // keeps the request's order; the write's outcome replaces it
            }
        });
        PendingWrites.Write w = null;
        if (accepted.isEmpty()) {
            pending.queueAnswer(() -> answer.complete(result));
        } else {
            w = appendLocked(new PendingWrites.Write(partitionFor(groupId), groupId, accepted, e -> {
                accepted.keySet().forEach(tp -> result.put(tp, e));
                answer.complete(result);
            }), nowMs);
        }
        if (g.isRemovable()) {
            groups.remove(groupId);
        }
        return w;
    }

    private GroupError validateCommit(String groupId, String memberId, String groupInstanceId, int generationId) {
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
        if (isFenced(g, groupInstanceId, memberId)) {
            return GroupError.FENCED_INSTANCE_ID;
        }
        if (generationId != g.generationId) {
            return GroupError.ILLEGAL_GENERATION;
        }
        if (g.state == GroupState.COMPLETING_REBALANCE) {
            return GroupError.REBALANCE_IN_PROGRESS;
        }
        return GroupError.NONE;
    }

    /**
     * Committed offsets of the group; {@code partitions} null means all it has. Unknown partitions are absent.
     * Only materialised offsets are read: a commit still waiting for its replication is not visible yet.
     */
    public synchronized List<PartitionOffset> fetchOffsets(String groupId, List<TopicPartition> partitions) {
        Group g = groups.get(groupId);
        List<PartitionOffset> out = new ArrayList<>();
        if (g == null) {
            return out;
        }
        if (partitions == null) {
            new TreeMap<>(byName(g.offsets)).values().forEach(out::add);
            return out;
        }
        for (TopicPartition tp : partitions) {
            CommittedOffset o = g.offsets.get(tp);
            if (o != null) {
                out.add(new PartitionOffset(tp, o));
            }
        }
        return out;
    }

    private static Map<String, PartitionOffset> byName(Map<TopicPartition, CommittedOffset> offsets) {
        Map<String, PartitionOffset> m = new TreeMap<>();
        offsets.forEach((tp, o) -> m.put(tp.topic() + "\u0000" + String.format("%010d", tp.partition()), new PartitionOffset(tp, o)));
        return m;
    }

    // ---------------------------------------------------------------- writes in flight

    /** A write of tombstones: {@code tps} of the group lose their offsets. */
    private PendingWrites.Write tombstones(String groupId, List<TopicPartition> tps, Consumer<GroupError> onAnswer) {
        Map<TopicPartition, CommittedOffset> changes = new LinkedHashMap<>();
        tps.forEach(tp -> changes.put(tp, null));
        return new PendingWrites.Write(partitionFor(groupId), groupId, changes, onAnswer);
    }

    /**
     * Appends {@code w}'s records and queues it behind the earlier writes of its partition; returns it, or null when
     * nothing was appended (its failure is answered). Caller holds the monitor and then calls
     * {@link #settleWhenReplicated} after releasing it.
     */
    private PendingWrites.Write appendLocked(PendingWrites.Write w, long nowMs) {
        List<RecordBatchBuilder.Entry> records = new ArrayList<>();
        w.changes.forEach((tp, o) -> records.add(new RecordBatchBuilder.Entry(OffsetRecords.key(w.groupId, tp),
                o == null ? null : OffsetRecords.value(o))));
        try {
            w.replicated = store.append(w.partition, records, nowMs);
        } catch (RuntimeException e) {
            pending.refused(w, e);
            return null;
        }
        Group g = groups.computeIfAbsent(w.groupId, id -> new Group(id, nowMs));
        w.changes.keySet().forEach(tp -> g.pendingWrites.merge(tp, 1, Integer::sum));
        pending.add(w);
        return w;
    }

    /** Outside the monitor: settles {@code w} when its replication completes (now, if it already has). */
    private void settleWhenReplicated(PendingWrites.Write w) {
        if (w != null) {
            w.replicated.whenComplete((ignored, error) -> {
                synchronized (this) {
                    pending.settle(w, error, this::materialise);
                }
                pending.drainAnswers();
            });
        }
    }

    /** Applies a replicated write to its group's offsets (in log order, as {@link #loadPartition} would). */
    private void materialise(PendingWrites.Write w) {
        Group g = groups.computeIfAbsent(w.groupId, id -> new Group(id, 0));
        w.changes.forEach((tp, o) -> {
            g.pendingWrites.computeIfPresent(tp, (k, n) -> n == 1 ? null : n - 1);
            if (w.lost) {
                return;
            }
            if (o == null) {
                g.offsets.remove(tp);
            } else {
                g.offsets.put(tp, o);
            }
        });
        if (g.isRemovable()) {
            groups.remove(w.groupId);
        }
    }

    // ---------------------------------------------------------------- admin

    public synchronized List<GroupOverview> listGroups(Set<String> stateFilter) {
        List<GroupOverview> out = new ArrayList<>();
        for (Group g : groups.values()) {
            if (stateFilter.isEmpty() || stateFilter.stream().anyMatch(s -> s.equalsIgnoreCase(g.state.kafkaName()))) {
                out.add(new GroupOverview(g.groupId, g.protocolType == null ? "" : g.protocolType, g.state));
            }
        }
        out.sort((a, b) -> a.groupId().compareTo(b.groupId()));
        return out;
    }

    public synchronized Optional<GroupDescription> describe(String groupId) {
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

    /**
     * DeleteGroups: only groups without members. Tombstones for every offset the group has (materialised or in
     * flight) are appended; the group is gone, and its error NONE, once they are replicated.
     */
    public CompletableFuture<Map<String, GroupError>> deleteGroups(List<String> groupIds, long nowMs) {
        Map<String, CompletableFuture<GroupError>> perGroup = new LinkedHashMap<>();
        List<PendingWrites.Write> writes = new ArrayList<>();
        synchronized (this) {
            for (String id : groupIds) {
                if (!perGroup.containsKey(id)) {
                    CompletableFuture<GroupError> f = new CompletableFuture<>();
                    perGroup.put(id, f);
                    PendingWrites.Write w = deleteGroupLocked(id, nowMs, f);
                    if (w != null) {
                        writes.add(w);
                    }
                }
            }
        }
        writes.forEach(this::settleWhenReplicated);
        pending.drainAnswers();
        return CompletableFuture.allOf(perGroup.values().toArray(new CompletableFuture<?>[0])).thenApply(v -> {
            Map<String, GroupError> out = new LinkedHashMap<>();
            perGroup.forEach((id, f) -> out.put(id, f.join()));
            return out;
        });
    }

    private PendingWrites.Write deleteGroupLocked(String id, long nowMs, CompletableFuture<GroupError> answer) {
        Group g = groups.get(id);
        GroupError refused = coordinatorError(id) != GroupError.NONE ? GroupError.NOT_COORDINATOR
                : g == null ? GroupError.GROUP_ID_NOT_FOUND
                : !g.members.isEmpty() || g.state != GroupState.EMPTY ? GroupError.NON_EMPTY_GROUP
                : GroupError.NONE;
        if (refused != GroupError.NONE) {
            pending.queueAnswer(() -> answer.complete(refused));
            return null;
        }
        java.util.Set<TopicPartition> written = new java.util.LinkedHashSet<>(g.offsets.keySet());
        written.addAll(g.pendingWrites.keySet());
        if (written.isEmpty()) {
            groups.remove(id);
            pending.queueAnswer(() -> answer.complete(GroupError.NONE));
            return null;
        }
        return appendLocked(tombstones(id, new ArrayList<>(written), answer::complete), nowMs);
    }

    /**
     * OffsetDelete: removes the group's offsets of {@code partitions}, except those of topics the group's members
     * are subscribed to ({@code subscribedTopic} decides from the group's member metadata). The answer comes once
     * the tombstones are replicated.
     */
    public CompletableFuture<OffsetDeleteResult> deleteOffsets(String groupId, List<TopicPartition> partitions,
                                                              Predicate<String> subscribedTopic, long nowMs) {
        CompletableFuture<OffsetDeleteResult> answer = new CompletableFuture<>();
        PendingWrites.Write w;
        synchronized (this) {
            w = deleteOffsetsLocked(groupId, partitions, subscribedTopic, nowMs, answer);
        }
        settleWhenReplicated(w);
        pending.drainAnswers();
        return answer;
    }

    private PendingWrites.Write deleteOffsetsLocked(String groupId, List<TopicPartition> partitions, Predicate<String> subscribedTopic,
                                             long nowMs, CompletableFuture<OffsetDeleteResult> answer) {
        Group g = groups.get(groupId);
        GroupError refused = coordinatorError(groupId) != GroupError.NONE ? GroupError.NOT_COORDINATOR
                : g == null ? GroupError.GROUP_ID_NOT_FOUND : GroupError.NONE;
        if (refused != GroupError.NONE) {
            pending.queueAnswer(() -> answer.complete(new OffsetDeleteResult(refused, Map.of())));
            return null;
        }
        Map<TopicPartition, GroupError> out = new LinkedHashMap<>();
        List<TopicPartition> removable = new ArrayList<>();
        for (TopicPartition tp : partitions) {
            if (g.state != GroupState.EMPTY && subscribedTopic.test(tp.topic())) {
                out.put(tp, GroupError.GROUP_SUBSCRIBED_TO_TOPIC);
            } else {
                out.put(tp, GroupError.NONE);
                if (g.offsets.containsKey(tp) || g.pendingWrites.containsKey(tp)) {
                    removable.add(tp);
                }
            }
        }
        if (removable.isEmpty()) {
            pending.queueAnswer(() -> answer.complete(new OffsetDeleteResult(GroupError.NONE, out)));
            return null;
        }
        return appendLocked(tombstones(groupId, removable, e -> answer.complete(
                e == GroupError.NONE ? new OffsetDeleteResult(GroupError.NONE, out) : new OffsetDeleteResult(e, Map.of()))), nowMs);
    }

    /** The member metadata of the group's current members under the chosen protocol (OffsetDelete's subscription check). */
    public synchronized List<byte[]> memberMetadata(String groupId) {
        Group g = groups.get(groupId);
        List<byte[]> out = new ArrayList<>();
        if (g != null && g.protocolName != null) {
            g.members.values().forEach(m -> out.add(m.metadataFor(g.protocolName)));
        }
        return out;
    }

    public synchronized Optional<String> protocolType(String groupId) {
        Group g = groups.get(groupId);
        return g == null ? Optional.empty() : Optional.ofNullable(g.protocolType);
    }

    private static <T> CompletableFuture<T> done(T value) {
        return CompletableFuture.completedFuture(value);
    }
}
