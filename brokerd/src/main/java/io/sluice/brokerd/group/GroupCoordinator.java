package io.sluice.brokerd.group;

import io.sluice.brokerd.coordinator.CoordinatorLog;
import io.sluice.brokerd.coordinator.CoordinatorPartitions;
import io.sluice.brokerd.common.TopicPartition;
import io.sluice.brokerd.group.GroupTypes.CommittedOffset;
import io.sluice.brokerd.group.GroupTypes.GroupDescription;
import io.sluice.brokerd.group.GroupTypes.GroupOverview;
import io.sluice.brokerd.group.GroupTypes.JoinRequest;
import io.sluice.brokerd.group.GroupTypes.JoinResult;
import io.sluice.brokerd.group.GroupTypes.LeaveResult;
import io.sluice.brokerd.group.GroupTypes.Leaving;
import io.sluice.brokerd.group.GroupTypes.OffsetDeleteResult;
import io.sluice.brokerd.group.GroupTypes.PartitionOffset;
import io.sluice.brokerd.group.GroupTypes.SyncRequest;
import io.sluice.brokerd.group.GroupTypes.SyncResult;
import io.sluice.brokerd.metadata.InternalTopics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * The classic-protocol group coordinator of the {@code __consumer_offsets} partitions this broker leads: which
 * groups it serves ({@link CoordinatorPartitions}), their membership ({@link GroupMembership}) and their committed
 * offsets ({@link OffsetManager}, loaded by {@link OffsetLoader}). This class routes each request to them after
 * checking the group is served here, and loads partitions.
 * <p>
 * <b>Loading holds up nobody.</b> When this broker becomes the leader of a partition of the offsets topic
 * ({@link #becomeCoordinator}), the partition is marked Loading and its log is read on the load executor, without
 * the coordinator's lock. Meanwhile its groups are answered COORDINATOR_LOAD_IN_PROGRESS (clients retry; heartbeats
 * pass and syncs are told to rejoin, as in Kafka) and every other partition's groups are served. Then, under the
 * lock, the offsets are installed and the partition is served, unless it was resigned or reloaded meanwhile.
 * <p>
 * Time is passed in: {@link #poll(long)} expires silent members and ends rebalances at their timeout, touching no
 * disk (the broker's timer thread calls it); {@link #expireOffsets(long)} appends the tombstones of expired offsets
 * to {@code __consumer_offsets} (the broker calls it from its log maintenance thread, every
 * {@code offsets.retention.check.interval.ms}: an append may wait on the disk or on a compaction swap, and no timer
 * must wait with it). Tests drive both without sleeping.
 * <p>
 * Thread-safe: state is guarded by this object's monitor. Futures of offset writes are completed after it is
 * released; futures returned by join/sync are completed under it, so their continuations must only hand off (the
 * network layer hops to the connection's event loop).
 */
public final class GroupCoordinator {
    private static final Logger log = LoggerFactory.getLogger(GroupCoordinator.class);

    private final CoordinatorLog store;
    private final Executor loadExecutor;
    private final Groups groups;
    private final CoordinatorPartitions partitions;
    private final GroupMembership membership;
    private final OffsetManager offsets;
    private final AtomicLong loadSkippedRecords = new AtomicLong();

    /** A coordinator that loads partitions on the thread that asks it to (off its lock all the same). */
    public GroupCoordinator(GroupConfig config, CoordinatorLog store) {
        this(config, store, Runnable::run);
    }

    /**
     * @param loadExecutor where partitions of the offsets topic are read (one at a time is enough; never a network
     *                     thread: loading reads the log)
     */
    public GroupCoordinator(GroupConfig config, CoordinatorLog store, Executor loadExecutor) {
        this.store = store;
        this.loadExecutor = loadExecutor;
        this.groups = new Groups(this::partitionFor);
        this.partitions = new CoordinatorPartitions(store.partitionCount());
        this.membership = new GroupMembership(config, groups);
        this.offsets = new OffsetManager(config, store, groups, this::partitionFor, this);
    }

    /** Kafka's mapping of a group to its offsets partition. */
    public int partitionFor(String groupId) {
        return (groupId.hashCode() & 0x7fffffff) % store.partitionCount();
    }

    /**
     * NONE when this coordinator serves {@code groupId}; NOT_COORDINATOR when it does not lead the group's partition,
     * COORDINATOR_LOAD_IN_PROGRESS while it loads it.
     */
    public synchronized GroupError coordinatorError(String groupId) {
        if (groupId == null) {
            return GroupError.NONE;
        }
        return switch (partitions.ownership(partitionFor(groupId))) {
            case SERVED -> GroupError.NONE;
            case NOT_OWNED -> GroupError.NOT_COORDINATOR;
            case LOADING -> GroupError.COORDINATOR_LOAD_IN_PROGRESS;
        };
    }

    /** Whether a partition of the offsets topic is being loaded (ListGroups answers COORDINATOR_LOAD_IN_PROGRESS). */
    public synchronized boolean isLoading() {
        return partitions.loadingCount() > 0;
    }

    /** Partitions of the offsets topic being loaded now (a gauge). */
    public synchronized int partitionsLoading() {
        return partitions.loadingCount();
    }

    /** Records skipped since start because they could not be decoded while loading (a counter). */
    public long loadSkippedRecords() {
        return loadSkippedRecords.get();
    }

    // ---------------------------------------------------------------- which partitions are served

    /** From now on this coordinator serves only partitions it is told it leads ({@link #becomeCoordinator}). */
    public void claimNone() {
        synchronized (this) {
            partitions.claimNone();
            groups.clear();
            offsets.dropAllLocked();
        }
        offsets.afterUnlock(List.of());
    }

    /**
     * This broker now leads {@code partition} of the offsets topic: its groups are answered
     * COORDINATOR_LOAD_IN_PROGRESS until they are loaded from the log on the load executor, then served.
     */
    public void becomeCoordinator(int partition, long nowMs) {
        long loadId;
        synchronized (this) {
            loadId = partitions.beginLoad(partition);
            if (loadId < 0) {
                return;
            }
            groups.removePartition(partition);
            offsets.dropPartitionLocked(partition);
        }
        offsets.afterUnlock(List.of());
        loadExecutor.execute(() -> loadPartition(partition, loadId, nowMs));
    }

    /** Another broker leads {@code partition} now: its groups are dropped here (members rejoin the new coordinator). */
    public void resign(int partition) {
        synchronized (this) {
            if (partitions.resign(partition)) {
                membership.abandon(groups.removePartition(partition));
                offsets.dropPartitionLocked(partition);
                log.info("No longer coordinating the groups of {}-{}", InternalTopics.CONSUMER_OFFSETS, partition);
            }
        }
        offsets.afterUnlock(List.of());
    }

    /** Serves every partition, rebuilding their groups and committed offsets from the store; pending writes are dropped. */
    public void load(long nowMs) {
        Map<Integer, Long> loads;
        synchronized (this) {
            groups.clear();
            offsets.dropAllLocked();
            loads = partitions.beginLoadAll();
        }
        offsets.afterUnlock(List.of());
        loads.forEach((partition, loadId) -> loadExecutor.execute(() -> loadPartition(partition, loadId, nowMs)));
    }

    /** Reads the partition off the lock, then installs what it holds unless the load went stale meanwhile. */
    private void loadPartition(int partition, long loadId, long nowMs) {
        long startNs = System.nanoTime();
        OffsetLoader.LoadedPartition loaded;
        try {
            loaded = OffsetLoader.read(store, partition);
        } catch (RuntimeException e) {
            log.error("Could not load the groups of {}-{}; not coordinating them", InternalTopics.CONSUMER_OFFSETS, partition, e);
            synchronized (this) {
                if (partitions.finishLoad(partition, loadId)) {
                    partitions.resign(partition);
                }
            }
            return;
        }
        loadSkippedRecords.addAndGet(loaded.skipped());
        synchronized (this) {
            if (!partitions.finishLoad(partition, loadId)) {
                log.info("Dropped the load of {}-{}: the partition was resigned or reloaded meanwhile", InternalTopics.CONSUMER_OFFSETS, partition);
                return;
            }
            offsets.installLocked(loaded, nowMs);
        }
        log.info("Coordinating the groups of {}-{}: loaded {} offset records of {} groups in {} ms", InternalTopics.CONSUMER_OFFSETS,
                partition, loaded.records(), loaded.offsets().size(), (System.nanoTime() - startNs) / 1_000_000);
    }

    // ---------------------------------------------------------------- membership

    public synchronized CompletableFuture<JoinResult> join(JoinRequest req, long nowMs) {
        if (req.groupId() == null || req.groupId().isEmpty()) {
            return CompletableFuture.completedFuture(JoinResult.error(GroupError.INVALID_GROUP_ID, req.memberId()));
        }
        GroupError e = coordinatorError(req.groupId());
        if (e != GroupError.NONE) {
            return CompletableFuture.completedFuture(JoinResult.error(e, req.memberId()));
        }
        return membership.join(req, nowMs);
    }

    /** SyncGroup; while the group's partition loads, REBALANCE_IN_PROGRESS: the rebalance is lost, members rejoin (Kafka). */
    public synchronized CompletableFuture<SyncResult> sync(SyncRequest req, long nowMs) {
        GroupError e = coordinatorError(req.groupId());
        if (e != GroupError.NONE) {
            return CompletableFuture.completedFuture(SyncResult.error(
                    e == GroupError.COORDINATOR_LOAD_IN_PROGRESS ? GroupError.REBALANCE_IN_PROGRESS : e));
        }
        return membership.sync(req, nowMs);
    }

    /** Heartbeat; while the group's partition loads, NONE (Kafka answers "blindly": older clients know no better). */
    public synchronized GroupError heartbeat(String groupId, String memberId, String groupInstanceId, int generationId, long nowMs) {
        GroupError e = coordinatorError(groupId);
        if (e != GroupError.NONE) {
            return e == GroupError.COORDINATOR_LOAD_IN_PROGRESS ? GroupError.NONE : e;
        }
        return membership.heartbeat(groupId, memberId, groupInstanceId, generationId, nowMs);
    }

    public synchronized List<LeaveResult> leave(String groupId, List<Leaving> leaving, long nowMs) {
        GroupError e = coordinatorError(groupId);
        if (e != GroupError.NONE) {
            List<LeaveResult> results = new ArrayList<>();
            leaving.forEach(l -> results.add(new LeaveResult(l.memberId(), l.groupInstanceId(), e)));
            return results;
        }
        return membership.leave(groupId, leaving, nowMs);
    }

    /**
     * Expires silent members and lapsed pending ids, ends overdue rebalances. Writes nothing to the log: a timer
     * thread calls it.
     */
    public synchronized void poll(long nowMs) {
        for (Group g : groups.all()) {
            membership.poll(g, nowMs);
            groups.removeIfRemovable(g);
        }
    }

    /**
     * Appends tombstones for the offsets of groups that stayed empty past {@code offsets.retention.minutes} (they
     * are gone once replicated). Appends to the log: call it from a thread that may wait on the disk.
     */
    public void expireOffsets(long nowMs) {
        List<PendingWrites.Write> expiries = new ArrayList<>();
        synchronized (this) {
            for (Group g : groups.all()) {
                if (g.state == GroupState.EMPTY) {
                    offsets.expireLocked(g, nowMs, expiries);
                }
                groups.removeIfRemovable(g);
            }
        }
        offsets.afterUnlock(expiries);
    }

    public synchronized List<GroupOverview> listGroups(Set<String> stateFilter) {
        return membership.list(stateFilter);
    }

    public synchronized Optional<GroupDescription> describe(String groupId) {
        return membership.describe(groupId);
    }

    /** The member metadata of the group's current members under the chosen protocol (OffsetDelete's subscription check). */
    public synchronized List<byte[]> memberMetadata(String groupId) {
        return membership.memberMetadata(groupId);
    }

    public synchronized Optional<String> protocolType(String groupId) {
        return membership.protocolType(groupId);
    }

    // ---------------------------------------------------------------- offsets

    /**
     * OffsetCommit. A commit with generation -1 and no member id (standalone consumers, Admin) is accepted only
     * while the group has no members. The records are appended at once; the future completes with the error for
     * each partition once they are replicated (or failed), and the offsets become visible to {@link #fetchOffsets}
     * at that moment, not before.
     */
    public CompletableFuture<Map<TopicPartition, GroupError>> commit(String groupId, String memberId, String groupInstanceId,
                                                                     int generationId, Map<TopicPartition, CommittedOffset> commits,
                                                                     Predicate<TopicPartition> partitionExists, long nowMs) {
        return offsets.commit(groupId, () -> {
            GroupError e = groupId == null || groupId.isEmpty() ? GroupError.INVALID_GROUP_ID : coordinatorError(groupId);
            return e != GroupError.NONE ? e : membership.admitCommit(groupId, memberId, groupInstanceId, generationId, nowMs);
        }, commits, partitionExists, nowMs);
    }

    /**
     * Committed offsets of the group; {@code partitions} null means all it has. Unknown partitions are absent.
     * Only materialised offsets are read: a commit still waiting for its replication is not visible yet.
     */
    public List<PartitionOffset> fetchOffsets(String groupId, List<TopicPartition> partitions) {
        return offsets.fetch(groupId, partitions);
    }

    /**
     * DeleteGroups: only groups without members. Tombstones for every offset the group has (materialised or in
     * flight) are appended; the group is gone, and its error NONE, once they are replicated.
     */
    public CompletableFuture<Map<String, GroupError>> deleteGroups(List<String> groupIds, long nowMs) {
        return offsets.deleteGroups(groupIds, this::coordinatorError, nowMs);
    }

    /**
     * OffsetDelete: removes the group's offsets of {@code partitions}, except those of topics the group's members
     * are subscribed to ({@code subscribedTopic} decides from the group's member metadata). The answer comes once
     * the tombstones are replicated.
     */
    public CompletableFuture<OffsetDeleteResult> deleteOffsets(String groupId, List<TopicPartition> partitions,
                                                              Predicate<String> subscribedTopic, long nowMs) {
        return offsets.deleteOffsets(groupId, partitions, subscribedTopic, () -> coordinatorError(groupId), nowMs);
    }
}
