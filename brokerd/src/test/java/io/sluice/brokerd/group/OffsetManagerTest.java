package io.sluice.brokerd.group;

import io.sluice.brokerd.coordinator.CoordinatorWriteException;
import io.sluice.brokerd.common.TopicPartition;
import io.sluice.brokerd.group.GroupTypes.CommittedOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/** Committed offsets: writes answered once replicated, in order, nobody held up meanwhile; deletions; expiry; reload. */
@Timeout(10)
class OffsetManagerTest {
    static final GroupConfig CONFIG = new GroupConfig(1000, 60_000, 0, 10_000, 100);
    static final TopicPartition TP = new TopicPartition("t", 0);

    final MemoryOffsetStore store = new MemoryOffsetStore();
    final Object lock = new Object();
    final Groups groups = new Groups(OffsetManagerTest::partitionOf);
    final OffsetManager offsets = new OffsetManager(CONFIG, store, groups, OffsetManagerTest::partitionOf, lock);
    long now = 1_000_000;

    static int partitionOf(String groupId) {
        return (groupId.hashCode() & 0x7fffffff) % 3;
    }

    /** The value of a future the manager must have completed by now (never waits: join() ignores @Timeout). */
    static <T> T answered(CompletableFuture<T> f) {
        assertThat(f).as("answered").isDone();
        return f.join();
    }

    CompletableFuture<Map<TopicPartition, GroupError>> commit(String group, TopicPartition tp, long offset) {
        return offsets.commit(group, () -> GroupError.NONE, Map.of(tp, new CommittedOffset(offset, -1, null, now)), t -> true, now);
    }

    Long committed(String group, TopicPartition tp) {
        return offsets.fetch(group, List.of(tp)).stream().map(po -> po.offset().offset()).findFirst().orElse(null);
    }

    /** Another group id whose offsets live in the same __consumer_offsets partition as {@code group} (or not). */
    static String groupIn(String group, boolean samePartition) {
        for (int i = 0; ; i++) {
            String id = "other-" + i;
            if ((partitionOf(id) == partitionOf(group)) == samePartition) {
                return id;
            }
        }
    }

    /** A manager that loaded the store's partitions from scratch, as a new coordinator would. */
    OffsetManager reloaded() {
        Groups fresh = new Groups(OffsetManagerTest::partitionOf);
        OffsetManager m = new OffsetManager(CONFIG, store, fresh, OffsetManagerTest::partitionOf, new Object());
        for (int p = 0; p < store.partitionCount(); p++) {
            m.installLocked(OffsetLoader.read(store, p), now);
        }
        return m;
    }

    /** One expiry round, as the coordinator's poll runs it. */
    void expire() {
        List<PendingWrites.Write> writes = new ArrayList<>();
        synchronized (lock) {
            for (Group g : groups.all()) {
                offsets.expireLocked(g, now, writes);
                groups.removeIfRemovable(g);
            }
        }
        offsets.afterUnlock(writes);
    }

    @Test
    void commitsAreCheckedAndSurviveAReload() {
        assertThat(answered(offsets.commit("g", () -> GroupError.ILLEGAL_GENERATION, Map.of(TP, new CommittedOffset(1, -1, null, now)),
                tp -> true, now))).containsEntry(TP, GroupError.ILLEGAL_GENERATION);
        assertThat(store.writes).as("a refused commit writes nothing").isEmpty();
        answered(offsets.commit("g", () -> GroupError.NONE, Map.of(TP, new CommittedOffset(42, 3, "meta", now)), tp -> true, now));
        answered(commit("h", TP, 7));
        TopicPartition gone = new TopicPartition("gone", 0);
        assertThat(answered(offsets.commit("g", () -> GroupError.NONE, Map.of(gone, new CommittedOffset(1, -1, null, now)),
                tp -> tp.topic().equals("t"), now))).containsEntry(gone, GroupError.UNKNOWN_TOPIC_OR_PARTITION);
        assertThat(answered(offsets.commit("g", () -> GroupError.NONE, Map.of(TP, new CommittedOffset(1, -1, "x".repeat(101), now)),
                tp -> true, now))).containsEntry(TP, GroupError.OFFSET_METADATA_TOO_LARGE);
        assertThat(answered(offsets.deleteGroups(List.of("h", "nope"), id -> GroupError.NONE, now)))
                .containsEntry("h", GroupError.NONE).containsEntry("nope", GroupError.GROUP_ID_NOT_FOUND);

        OffsetManager reloaded = reloaded();
        assertThat(reloaded.fetch("g", List.of(TP))).containsExactly(new GroupTypes.PartitionOffset(TP, new CommittedOffset(42, 3, "meta", now)));
        assertThat(reloaded.fetch("h", null)).isEmpty();
        store.failing = new IllegalStateException("disk on fire");
        assertThat(answered(commit("g", TP, 43))).containsEntry(TP, GroupError.COORDINATOR_NOT_AVAILABLE);
        assertThat(committed("g", TP)).as("a failed write does not land").isEqualTo(42);
    }

    @Test
    void offsetsOfAGroupEmptyLongerThanRetentionExpire() {
        answered(commit("g", TP, 1));
        now += 5_000;
        expire();
        assertThat(offsets.fetch("g", null)).hasSize(1);
        now += 5_001;
        expire();
        assertThat(offsets.fetch("g", null)).isEmpty();
        assertThat(groups.get("g")).isNull();
        assertThat(reloaded().fetch("g", null)).as("the expiry was written as a tombstone").isEmpty();
    }

    @Test
    void answersAreCompletedOutsideTheLock() {
        store.manual = true;
        List<Boolean> lockHeld = new CopyOnWriteArrayList<>();
        CompletableFuture<Map<TopicPartition, GroupError>> c = commit("g", TP, 1);
        c.thenRun(() -> lockHeld.add(Thread.holdsLock(lock)));
        // A continuation may call straight back into the manager.
        CompletableFuture<Long> readBack = c.thenApply(r -> committed("g", TP));
        store.write(0).complete(null);
        assertThat(lockHeld).containsExactly(false);
        assertThat(readBack).isCompletedWithValue(1L);
    }

    @Test
    void aCommitWaitingForItsReplicasIsInvisibleAndHoldsUpOtherPartitions() {
        store.manual = true;
        CompletableFuture<Map<TopicPartition, GroupError>> pending = commit("g", TP, 5);
        String elsewhere = groupIn("g", false);
        CompletableFuture<Map<TopicPartition, GroupError>> other = commit(elsewhere, TP, 9);
        store.write(1).complete(null);
        assertThat(other).isCompletedWithValue(Map.of(TP, GroupError.NONE));
        assertThat(committed(elsewhere, TP)).isEqualTo(9);
        assertThat(committed("g", TP)).isNull();
        assertThat(pending).isNotDone();
        store.write(0).complete(null);
        assertThat(pending).isCompletedWithValue(Map.of(TP, GroupError.NONE));
        assertThat(committed("g", TP)).isEqualTo(5);
    }

    @Test
    void commitsOfOnePartitionAreAnsweredInAppendOrder() {
        store.manual = true;
        List<String> answered = new CopyOnWriteArrayList<>();
        CompletableFuture<Map<TopicPartition, GroupError>> first = commit("g", TP, 5);
        CompletableFuture<Map<TopicPartition, GroupError>> second = commit("g", TP, 6);
        first.thenRun(() -> answered.add("first"));
        second.thenRun(() -> answered.add("second"));
        // The later write is replicated first: the earlier one must be too (the high watermark only moves forward).
        store.write(1).complete(null);
        assertThat(answered).containsExactly("first", "second");
        assertThat(answered(first)).containsEntry(TP, GroupError.NONE);
        assertThat(committed("g", TP)).isEqualTo(6);
        store.write(0).complete(null); // late news of an answered write changes nothing
        assertThat(committed("g", TP)).isEqualTo(6);

        // A later write that fails first waits for the earlier one's answer.
        CompletableFuture<Map<TopicPartition, GroupError>> third = commit("g", TP, 7);
        CompletableFuture<Map<TopicPartition, GroupError>> fourth = commit("g", TP, 8);
        store.fail(3, CoordinatorWriteException.Reason.TIMED_OUT);
        assertThat(fourth).as("answered only after the commit before it").isNotDone();
        store.write(2).complete(null);
        assertThat(answered(third)).containsEntry(TP, GroupError.NONE);
        assertThat(answered(fourth)).containsEntry(TP, GroupError.COORDINATOR_NOT_AVAILABLE);
        assertThat(committed("g", TP)).isEqualTo(7);
    }

    @Test
    void failedWritesAreAnsweredAsKafkaDoes() {
        store.manual = true;
        CompletableFuture<Map<TopicPartition, GroupError>> timedOut = commit("g", TP, 1);
        store.fail(0, CoordinatorWriteException.Reason.TIMED_OUT);
        assertThat(answered(timedOut)).containsEntry(TP, GroupError.COORDINATOR_NOT_AVAILABLE);
        assertThat(committed("g", TP)).isNull();

        CompletableFuture<Map<TopicPartition, GroupError>> belowMinIsr = commit("g", new TopicPartition("t", 1), 1);
        store.fail(1, CoordinatorWriteException.Reason.NOT_ENOUGH_REPLICAS);
        assertThat(answered(belowMinIsr)).containsEntry(new TopicPartition("t", 1), GroupError.COORDINATOR_NOT_AVAILABLE);

        // Refused before anything was appended.
        store.failing = new CoordinatorWriteException(CoordinatorWriteException.Reason.NOT_LEADER, "not the leader");
        assertThat(answered(commit("g", TP, 2))).containsEntry(TP, GroupError.NOT_COORDINATOR);
        store.failing = new CoordinatorWriteException(CoordinatorWriteException.Reason.NOT_ENOUGH_REPLICAS, "ISR too small");
        assertThat(answered(commit("g", TP, 2))).containsEntry(TP, GroupError.COORDINATOR_NOT_AVAILABLE);
        store.failing = new CoordinatorWriteException(CoordinatorWriteException.Reason.RECORDS_TOO_LARGE, "too big");
        assertThat(answered(commit("g", TP, 2))).containsEntry(TP, GroupError.UNKNOWN_SERVER_ERROR);
        store.failing = null;
        assertThat(store.writes).hasSize(2);

        // The timed-out records are in the log: once a later write of the partition is replicated, so are they.
        CompletableFuture<Map<TopicPartition, GroupError>> later = commit(groupIn("g", true), TP, 40);
        assertThat(committed("g", TP)).isNull();
        store.write(2).complete(null);
        assertThat(answered(later)).containsEntry(TP, GroupError.NONE);
        assertThat(committed("g", TP)).as("what a reload of the log would read").isEqualTo(1);
        assertThat(committed("g", new TopicPartition("t", 1))).isEqualTo(1);
    }

    @Test
    void aWriteWhoseLeadershipWasLostIsNeverMaterialisedHere() {
        store.manual = true;
        CompletableFuture<Map<TopicPartition, GroupError>> lost = commit("g", TP, 3);
        store.fail(0, CoordinatorWriteException.Reason.NOT_LEADER);
        assertThat(answered(lost)).containsEntry(TP, GroupError.NOT_COORDINATOR);
        CompletableFuture<Map<TopicPartition, GroupError>> later = commit(groupIn("g", true), TP, 4);
        store.write(1).complete(null);
        assertThat(answered(later)).containsEntry(TP, GroupError.NONE);
        assertThat(committed("g", TP)).isNull();
    }

    @Test
    void droppingAPartitionAnswersItsWritesInFlightWithNotCoordinator() {
        store.manual = true;
        CompletableFuture<Map<TopicPartition, GroupError>> pending = commit("g", TP, 3);
        synchronized (lock) {
            offsets.dropPartitionLocked(partitionOf("g"));
        }
        offsets.afterUnlock(List.of());
        assertThat(answered(pending)).containsEntry(TP, GroupError.NOT_COORDINATOR);
        store.write(0).complete(null);
        assertThat(committed("g", TP)).as("late news of a dropped write is ignored").isNull();
    }

    @Test
    void deletionsAreAnsweredWhenTheirTombstonesAreReplicated() {
        TopicPartition tp1 = new TopicPartition("t", 1);
        answered(commit("g", TP, 5));
        answered(commit("g", tp1, 6));
        answered(commit("h", TP, 7));
        store.manual = true;

        CompletableFuture<Map<TopicPartition, GroupError>> inFlight = commit("h", tp1, 8);
        CompletableFuture<Map<String, GroupError>> deleted = offsets.deleteGroups(List.of("h", "nope"), id -> GroupError.NONE, now);
        assertThat(deleted).isNotDone();
        assertThat(groups.get("h")).isNotNull();
        store.write(4).complete(null);
        assertThat(answered(inFlight)).containsEntry(tp1, GroupError.NONE);
        assertThat(answered(deleted)).containsEntry("h", GroupError.NONE).containsEntry("nope", GroupError.GROUP_ID_NOT_FOUND);
        assertThat(groups.get("h")).as("the commit in flight was deleted too").isNull();

        CompletableFuture<GroupTypes.OffsetDeleteResult> offsetDeleted = offsets.deleteOffsets("g", List.of(TP), topic -> false,
                () -> GroupError.NONE, now);
        assertThat(offsetDeleted).isNotDone();
        assertThat(committed("g", TP)).isEqualTo(5);
        store.write(5).complete(null);
        assertThat(answered(offsetDeleted).error()).isEqualTo(GroupError.NONE);
        assertThat(answered(offsetDeleted).partitions()).containsEntry(TP, GroupError.NONE);
        assertThat(committed("g", TP)).isNull();

        OffsetManager reloaded = reloaded();
        assertThat(reloaded.fetch("h", null)).isEmpty();
        assertThat(reloaded.fetch("g", null)).extracting(GroupTypes.PartitionOffset::partition).containsExactly(tp1);

        CompletableFuture<GroupTypes.OffsetDeleteResult> failed = offsets.deleteOffsets("g", List.of(tp1), topic -> false,
                () -> GroupError.NONE, now);
        store.fail(6, CoordinatorWriteException.Reason.NOT_LEADER);
        assertThat(answered(failed)).isEqualTo(new GroupTypes.OffsetDeleteResult(GroupError.NOT_COORDINATOR, Map.of()));
        assertThat(answered(offsets.deleteOffsets("nope", List.of(TP), topic -> false, () -> GroupError.NONE, now)).error())
                .isEqualTo(GroupError.GROUP_ID_NOT_FOUND);
        assertThat(answered(offsets.deleteOffsets("g", List.of(TP), topic -> false, () -> GroupError.NOT_COORDINATOR, now)).error())
                .isEqualTo(GroupError.NOT_COORDINATOR);
    }

    @Test
    void groupsWithMembersAreNotDeletedAndTheirSubscribedTopicsKeepTheirOffsets() {
        answered(commit("g", TP, 5));
        Group g = groups.get("g");
        synchronized (lock) {
            g.members.put("m", new Member("m", null));
            g.state = GroupState.STABLE;
        }
        assertThat(answered(offsets.deleteGroups(List.of("g"), id -> GroupError.NONE, now))).containsEntry("g", GroupError.NON_EMPTY_GROUP);
        GroupTypes.OffsetDeleteResult r = answered(offsets.deleteOffsets("g", List.of(TP), topic -> topic.equals("t"),
                () -> GroupError.NONE, now));
        assertThat(r.partitions()).containsEntry(TP, GroupError.GROUP_SUBSCRIBED_TO_TOPIC);
        assertThat(committed("g", TP)).isEqualTo(5);
    }

    @Test
    void offsetsWithAWriteInFlightDoNotExpire() {
        answered(commit("g", TP, 1));
        store.manual = true;
        CompletableFuture<Map<TopicPartition, GroupError>> pending = commit("g", TP, 2);
        now += 10_001;
        expire();
        assertThat(store.writes).as("no tombstone while a commit is in flight").hasSize(2);
        store.write(1).complete(null);
        assertThat(answered(pending)).containsEntry(TP, GroupError.NONE);
        expire();
        assertThat(store.writes).hasSize(3);
        assertThat(committed("g", TP)).as("expired only once the tombstone is replicated").isEqualTo(2);
        store.write(2).complete(null);
        assertThat(groups.get("g")).isNull();
    }
}
