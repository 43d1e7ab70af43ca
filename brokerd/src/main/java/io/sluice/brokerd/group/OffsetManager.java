package io.sluice.brokerd.group;

import io.sluice.brokerd.coordinator.CoordinatorLog;
import io.sluice.brokerd.common.TopicPartition;
import io.sluice.brokerd.group.GroupTypes.CommittedOffset;
import io.sluice.brokerd.group.GroupTypes.OffsetDeleteResult;
import io.sluice.brokerd.group.GroupTypes.PartitionOffset;
import io.sluice.brokerd.log.RecordBatchBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.function.ToIntFunction;

/**
 * Committed offsets of the groups: OffsetCommit, OffsetFetch, DeleteGroups, OffsetDelete, offset expiry
 * ({@code offsets.retention.minutes}) and the groups' offsets loaded from {@code __consumer_offsets}
 * ({@link #installLocked}), all written to the {@link CoordinatorLog}.
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
 * Thread-safe through the coordinator's lock ({@code lock}): the public operations take it themselves; methods
 * named {@code ...Locked} expect the caller to hold it, and then to call {@link #afterUnlock} for the writes they
 * returned. Futures of offset writes are completed after the lock is released, in order, by whichever thread drains
 * the answer queue, so their continuations may call back into the coordinator.
 */
final class OffsetManager {
    private static final Logger log = LoggerFactory.getLogger(OffsetManager.class);

    private final GroupConfig config;
    private final CoordinatorLog store;
    private final Groups groups;
    private final ToIntFunction<String> partitionOf;
    private final Object lock;
    /** Writes to __consumer_offsets waiting for their replication, and the answers they owe. Guarded by the lock. */
    private final PendingWrites pending = new PendingWrites();

    /**
     * @param partitionOf the {@code __consumer_offsets} partition of a group id
     * @param lock        the coordinator's lock, which guards {@code groups} too
     */
    OffsetManager(GroupConfig config, CoordinatorLog store, Groups groups, ToIntFunction<String> partitionOf, Object lock) {
        this.config = config;
        this.store = store;
        this.groups = groups;
        this.partitionOf = partitionOf;
        this.lock = lock;
    }

    // ---------------------------------------------------------------- OffsetCommit, OffsetFetch

    /**
     * OffsetCommit. {@code admission} (asked under the lock) says whether the committer may commit at all: the
     * coordinator's error for the group, or the membership's verdict. The records are appended at once; the future
     * completes with the error for each partition once they are replicated (or failed), and the offsets become
     * visible to {@link #fetch} at that moment, not before.
     */
    CompletableFuture<Map<TopicPartition, GroupError>> commit(String groupId, Supplier<GroupError> admission,
                                                             Map<TopicPartition, CommittedOffset> offsets,
                                                             Predicate<TopicPartition> partitionExists, long nowMs) {
        CompletableFuture<Map<TopicPartition, GroupError>> answer = new CompletableFuture<>();
        PendingWrites.Write w;
        synchronized (lock) {
            w = appendCommitLocked(groupId, admission.get(), offsets, partitionExists, nowMs, answer);
        }
        afterUnlock(w == null ? List.of() : List.of(w));
        return answer;
    }

    /** Appends an admitted commit; returns the write in flight, or null when the answer is already queued. */
    private PendingWrites.Write appendCommitLocked(String groupId, GroupError admission, Map<TopicPartition, CommittedOffset> offsets,
                                                   Predicate<TopicPartition> partitionExists, long nowMs,
                                                   CompletableFuture<Map<TopicPartition, GroupError>> answer) {
        Map<TopicPartition, GroupError> result = new LinkedHashMap<>();
        if (admission != GroupError.NONE) {
            offsets.keySet().forEach(tp -> result.put(tp, admission));
            pending.queueAnswer(() -> answer.complete(result));
            return null;
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
        if (accepted.isEmpty()) {
            pending.queueAnswer(() -> answer.complete(result));
            return null;
        }
        return appendLocked(new PendingWrites.Write(partitionOf.applyAsInt(groupId), groupId, accepted, e -> {
            accepted.keySet().forEach(tp -> result.put(tp, e));
            answer.complete(result);
        }), nowMs);
    }

    /**
     * Committed offsets of the group; {@code partitions} null means all it has. Unknown partitions are absent.
     * Only materialised offsets are read: a commit still waiting for its replication is not visible yet.
     */
    List<PartitionOffset> fetch(String groupId, List<TopicPartition> partitions) {
        synchronized (lock) {
            Group g = groups.get(groupId);
            List<PartitionOffset> out = new ArrayList<>();
            if (g == null) {
                return out;
            }
            if (partitions == null) {
                out.addAll(byName(g.offsets).values());
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
    }

    private static Map<String, PartitionOffset> byName(Map<TopicPartition, CommittedOffset> offsets) {
        Map<String, PartitionOffset> m = new TreeMap<>();
        offsets.forEach((tp, o) -> m.put(tp.topic() + "\u0000" + String.format("%010d", tp.partition()), new PartitionOffset(tp, o)));
        return m;
    }

    // ---------------------------------------------------------------- DeleteGroups, OffsetDelete, expiry

    /**
     * DeleteGroups: only groups without members. {@code refusal} (asked under the lock) is the coordinator's error
     * for a group, NONE when it is served here. Tombstones for every offset the group has (materialised or in
     * flight) are appended; the group is gone, and its error NONE, once they are replicated.
     */
    CompletableFuture<Map<String, GroupError>> deleteGroups(List<String> groupIds, Function<String, GroupError> refusal, long nowMs) {
        Map<String, CompletableFuture<GroupError>> perGroup = new LinkedHashMap<>();
        List<PendingWrites.Write> writes = new ArrayList<>();
        synchronized (lock) {
            for (String id : groupIds) {
                if (!perGroup.containsKey(id)) {
                    CompletableFuture<GroupError> f = new CompletableFuture<>();
                    perGroup.put(id, f);
                    PendingWrites.Write w = deleteGroupLocked(id, refusal.apply(id), nowMs, f);
                    if (w != null) {
                        writes.add(w);
                    }
                }
            }
        }
        afterUnlock(writes);
        return CompletableFuture.allOf(perGroup.values().toArray(new CompletableFuture<?>[0])).thenApply(v -> {
            Map<String, GroupError> out = new LinkedHashMap<>();
            perGroup.forEach((id, f) -> out.put(id, f.join()));
            return out;
        });
    }

    private PendingWrites.Write deleteGroupLocked(String id, GroupError refusal, long nowMs, CompletableFuture<GroupError> answer) {
        Group g = groups.get(id);
        GroupError refused = refusal != GroupError.NONE ? refusal
                : g == null ? GroupError.GROUP_ID_NOT_FOUND
                : !g.members.isEmpty() || g.state != GroupState.EMPTY ? GroupError.NON_EMPTY_GROUP
                : GroupError.NONE;
        if (refused != GroupError.NONE) {
            pending.queueAnswer(() -> answer.complete(refused));
            return null;
        }
        Set<TopicPartition> written = new LinkedHashSet<>(g.offsets.keySet());
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
     * are subscribed to ({@code subscribedTopic} decides from the group's member metadata). {@code refusal} (asked
     * under the lock) is the coordinator's error for the group. The answer comes once the tombstones are replicated.
     */
    CompletableFuture<OffsetDeleteResult> deleteOffsets(String groupId, List<TopicPartition> partitions, Predicate<String> subscribedTopic,
                                                       Supplier<GroupError> refusal, long nowMs) {
        CompletableFuture<OffsetDeleteResult> answer = new CompletableFuture<>();
        PendingWrites.Write w;
        synchronized (lock) {
            w = deleteOffsetsLocked(groupId, partitions, subscribedTopic, refusal.get(), nowMs, answer);
        }
        afterUnlock(w == null ? List.of() : List.of(w));
        return answer;
    }

    private PendingWrites.Write deleteOffsetsLocked(String groupId, List<TopicPartition> partitions, Predicate<String> subscribedTopic,
                                                    GroupError refusal, long nowMs, CompletableFuture<OffsetDeleteResult> answer) {
        Group g = groups.get(groupId);
        GroupError refused = refusal != GroupError.NONE ? refusal : g == null ? GroupError.GROUP_ID_NOT_FOUND : GroupError.NONE;
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

    /**
     * Writes tombstones for the offsets of empty group {@code g} past retention, adding the write to {@code writes};
     * partitions with a write in flight wait for it (as Kafka).
     */
    void expireLocked(Group g, long nowMs, List<PendingWrites.Write> writes) {
        List<TopicPartition> expired = new ArrayList<>();
        g.offsets.forEach((tp, o) -> {
            if (!g.pendingWrites.containsKey(tp) && nowMs - Math.max(o.commitTimestampMs(), g.emptySinceMs) > config.offsetsRetentionMs()) {
                expired.add(tp);
            }
        });
        if (expired.isEmpty()) {
            return;
        }
        log.info("Expiring {} offsets of empty group {} (offsets.retention.minutes)", expired.size(), g.groupId);
        PendingWrites.Write w = appendLocked(tombstones(g.groupId, expired, e -> {
            if (e != GroupError.NONE) {
                log.warn("Expiring offsets of group {} failed: {}", g.groupId, e);
            }
        }), nowMs);
        if (w != null) {
            writes.add(w);
        }
    }

    // ---------------------------------------------------------------- loading, leadership

    /** The offsets read from a partition of the log become the groups' materialised offsets. */
    void installLocked(OffsetLoader.LoadedPartition loaded, long nowMs) {
        loaded.offsets().forEach((groupId, offsets) -> groups.getOrCreate(groupId, nowMs).offsets.putAll(offsets));
    }

    /** Leadership of {@code partition} moved: its writes in flight are answered NOT_COORDINATOR and forgotten. */
    void dropPartitionLocked(int partition) {
        pending.drop(partition);
    }

    void dropAllLocked() {
        pending.dropAll();
    }

    // ---------------------------------------------------------------- writes in flight

    /** A write of tombstones: {@code tps} of the group lose their offsets. */
    private PendingWrites.Write tombstones(String groupId, List<TopicPartition> tps, Consumer<GroupError> onAnswer) {
        Map<TopicPartition, CommittedOffset> changes = new LinkedHashMap<>();
        tps.forEach(tp -> changes.put(tp, null));
        return new PendingWrites.Write(partitionOf.applyAsInt(groupId), groupId, changes, onAnswer);
    }

    /**
     * Appends {@code w}'s records and queues it behind the earlier writes of its partition; returns it, or null when
     * nothing was appended (its failure is answered).
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
        Group g = groups.getOrCreate(w.groupId, nowMs);
        w.changes.keySet().forEach(tp -> g.pendingWrites.merge(tp, 1, Integer::sum));
        pending.add(w);
        return w;
    }

    /**
     * Outside the lock, after a {@code ...Locked} call: settles each write when its replication completes (now, if
     * it already has), and runs the answers decided so far.
     */
    void afterUnlock(List<PendingWrites.Write> writes) {
        for (PendingWrites.Write w : writes) {
            w.replicated.whenComplete((ignored, error) -> {
                synchronized (lock) {
                    pending.settle(w, error, this::materialise);
                }
                pending.drainAnswers();
            });
        }
        pending.drainAnswers();
    }

    /** Applies a replicated write to its group's offsets (in log order, as a load of the partition would). */
    private void materialise(PendingWrites.Write w) {
        Group g = groups.getOrCreate(w.groupId, 0);
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
        groups.removeIfRemovable(g);
    }
}
