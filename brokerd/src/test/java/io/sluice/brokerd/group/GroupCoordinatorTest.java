package io.sluice.brokerd.group;

import io.sluice.brokerd.common.TopicPartition;
import io.sluice.brokerd.group.GroupTypes.CommittedOffset;
import io.sluice.brokerd.group.GroupTypes.JoinRequest;
import io.sluice.brokerd.group.GroupTypes.JoinResult;
import io.sluice.brokerd.group.GroupTypes.Protocol;
import io.sluice.brokerd.group.GroupTypes.SyncRequest;
import io.sluice.brokerd.group.GroupTypes.SyncResult;
import io.sluice.brokerd.log.RecordBatchBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;

import static org.assertj.core.api.Assertions.assertThat;

/** The classic group state machine driven with explicit time; offsets in an in-memory store. */
@Timeout(10)
class GroupCoordinatorTest {
    static final GroupConfig CONFIG = new GroupConfig(1000, 60_000, 0, 10_000, 100);
    static final TopicPartition TP = new TopicPartition("t", 0);

    /**
     * In-memory OffsetStore: {@link #records} is the log (every append, replicated or not, as a reload reads it).
     * Replication completes at once unless {@link #manual}; then the test completes each write's future by hand.
     */
    static final class MemoryStore implements OffsetStore {
        /** One append and its replication. */
        record Write(int partition, List<RecordBatchBuilder.Entry> entries, CompletableFuture<Void> replicated) {
        }

        final Map<Integer, List<RecordBatchBuilder.Entry>> records = new HashMap<>();
        final List<Write> writes = new ArrayList<>();
        /** Thrown by the next appends, which then append nothing. */
        RuntimeException failing;
        boolean manual;

        @Override
        public int partitionCount() {
            return 3;
        }

        @Override
        public CompletableFuture<Void> append(int partition, List<RecordBatchBuilder.Entry> entries, long nowMs) {
            if (failing != null) {
                throw failing;
            }
            records.computeIfAbsent(partition, p -> new ArrayList<>()).addAll(entries);
            CompletableFuture<Void> replicated = manual ? new CompletableFuture<>() : CompletableFuture.completedFuture(null);
            writes.add(new Write(partition, List.copyOf(entries), replicated));
            return replicated;
        }

        @Override
        public void forEachRecord(int partition, BiConsumer<byte[], byte[]> action) {
            records.getOrDefault(partition, List.of()).forEach(e -> action.accept(e.key(), e.value()));
        }

        CompletableFuture<Void> write(int i) {
            return writes.get(i).replicated();
        }

        void fail(int i, OffsetWriteException.Reason reason) {
            write(i).completeExceptionally(new OffsetWriteException(reason, "test says " + reason));
        }
    }

    final MemoryStore store = new MemoryStore();
    final GroupCoordinator gc = new GroupCoordinator(CONFIG, store);
    long now = 1_000_000;

    static JoinRequest join(String memberId, String instanceId, int sessionMs) {
        return new JoinRequest("g", memberId, instanceId, "client", "/127.0.0.1", sessionMs, 5000, "consumer",
                List.of(new Protocol("range", new byte[]{1})), true);
    }

    /** Two-step join of a new dynamic member; returns its member id. */
    String newMember() {
        JoinResult first = gc.join(join("", null, 3000), now).join();
        assertThat(first.error()).isEqualTo(GroupError.MEMBER_ID_REQUIRED);
        return first.memberId();
    }

    SyncResult sync(String memberId, int generation, Map<String, byte[]> assignments) {
        List<GroupTypes.Assignment> list = new ArrayList<>();
        assignments.forEach((m, a) -> list.add(new GroupTypes.Assignment(m, a)));
        return gc.sync(new SyncRequest("g", generation, memberId, null, "consumer", "range", list), now).join();
    }

    @Test
    void twoMembersJoinSyncAndBecomeStable() {
        String a = newMember();
        JoinResult ja = gc.join(join(a, null, 3000), now).join();
        assertThat(ja.error()).isEqualTo(GroupError.NONE);
        assertThat(ja.generationId()).isEqualTo(1);
        assertThat(ja.leaderId()).isEqualTo(a);
        assertThat(ja.members()).hasSize(1);
        assertThat(sync(a, 1, Map.of(a, new byte[]{9})).assignment()).containsExactly(9);

        String b = newMember();
        CompletableFuture<JoinResult> jb = gc.join(join(b, null, 3000), now);
        assertThat(jb).isNotDone();
        assertThat(gc.heartbeat("g", a, null, 1, now)).isEqualTo(GroupError.REBALANCE_IN_PROGRESS);
        CompletableFuture<JoinResult> ja2 = gc.join(join(a, null, 3000), now);
        assertThat(ja2.join().generationId()).isEqualTo(2);
        assertThat(ja2.join().members()).extracting(GroupTypes.JoinedMember::memberId).containsExactlyInAnyOrder(a, b);
        assertThat(jb.join().members()).isEmpty();

        CompletableFuture<SyncResult> sb = gc.sync(new SyncRequest("g", 2, b, null, null, null, List.of()), now);
        assertThat(sb).isNotDone();
        assertThat(sync(a, 2, Map.of(a, new byte[]{1}, b, new byte[]{2})).assignment()).containsExactly(1);
        assertThat(sb.join().assignment()).containsExactly(2);
        assertThat(gc.describe("g").orElseThrow().state()).isEqualTo(GroupState.STABLE);
        assertThat(gc.heartbeat("g", b, null, 1, now)).isEqualTo(GroupError.ILLEGAL_GENERATION);
        assertThat(gc.heartbeat("g", "nobody", null, 2, now)).isEqualTo(GroupError.UNKNOWN_MEMBER_ID);
    }

    @Test
    void aSilentMemberExpiresAfterItsSessionAndTheOtherRejoins() {
        String a = newMember();
        gc.join(join(a, null, 3000), now).join();
        sync(a, 1, Map.of(a, new byte[0]));
        String b = newMember();
        CompletableFuture<JoinResult> jb = gc.join(join(b, null, 3000), now);
        gc.join(join(a, null, 3000), now).join();
        jb.join();
        sync(a, 2, Map.of());
        // b never syncs nor heartbeats; a keeps heartbeating.
        now += 2000;
        assertThat(gc.heartbeat("g", a, null, 2, now)).isEqualTo(GroupError.NONE);
        gc.poll(now);
        assertThat(gc.describe("g").orElseThrow().members()).hasSize(2);
        now += 1500;
        gc.heartbeat("g", a, null, 2, now);
        gc.poll(now);
        assertThat(gc.describe("g").orElseThrow().members()).extracting(GroupTypes.MemberDescription::memberId).containsExactly(a);
        assertThat(gc.heartbeat("g", a, null, 2, now)).isEqualTo(GroupError.REBALANCE_IN_PROGRESS);
        assertThat(gc.join(join(a, null, 3000), now).join().generationId()).isEqualTo(3);
    }

    @Test
    void aZombieFromAnOldGenerationCannotCommit() {
        String a = newMember();
        gc.join(join(a, null, 3000), now).join();
        sync(a, 1, Map.of());
        Map<TopicPartition, GroupError> ok = gc.commit("g", a, null, 1, Map.of(TP, new CommittedOffset(5, -1, "m", now)), tp -> true, now).join();
        assertThat(ok).containsEntry(TP, GroupError.NONE);
        String b = newMember();
        CompletableFuture<JoinResult> jb = gc.join(join(b, null, 3000), now);
        gc.join(join(a, null, 3000), now).join();
        jb.join();
        // a still thinks it is in generation 1.
        assertThat(gc.commit("g", a, null, 1, Map.of(TP, new CommittedOffset(99, -1, null, now)), tp -> true, now).join())
                .containsEntry(TP, GroupError.ILLEGAL_GENERATION);
        assertThat(gc.commit("g", "stranger", null, 2, Map.of(TP, new CommittedOffset(99, -1, null, now)), tp -> true, now).join())
                .containsEntry(TP, GroupError.UNKNOWN_MEMBER_ID);
        assertThat(gc.fetchOffsets("g", List.of(TP)).get(0).offset().offset()).isEqualTo(5);
        // Standalone (generation -1) commits are refused while the group has members.
        assertThat(gc.commit("g", "", null, -1, Map.of(TP, new CommittedOffset(7, -1, null, now)), tp -> true, now).join())
                .containsEntry(TP, GroupError.UNKNOWN_MEMBER_ID);
    }

    @Test
    void staticMembersAreFencedByANewerInstance() {
        JoinResult first = gc.join(join("", "instance-1", 3000), now).join();
        assertThat(first.error()).isEqualTo(GroupError.NONE);
        String oldId = first.memberId();
        sync(oldId, first.generationId(), Map.of());
        JoinResult second = gc.join(join("", "instance-1", 3000), now).join();
        assertThat(second.memberId()).isNotEqualTo(oldId);
        assertThat(gc.heartbeat("g", oldId, "instance-1", second.generationId(), now)).isEqualTo(GroupError.UNKNOWN_MEMBER_ID);
        assertThat(gc.join(join(oldId, "instance-1", 3000), now).join().error()).isEqualTo(GroupError.UNKNOWN_MEMBER_ID);
        assertThat(gc.leave("g", List.of(new GroupTypes.Leaving(oldId, "instance-1")), now).get(0).error())
                .isEqualTo(GroupError.FENCED_INSTANCE_ID);
        assertThat(gc.leave("g", List.of(new GroupTypes.Leaving(second.memberId(), "instance-1")), now).get(0).error())
                .isEqualTo(GroupError.NONE);
        assertThat(gc.describe("g").orElseThrow().state()).isEqualTo(GroupState.EMPTY);
    }

    @Test
    void protocolsMustBeCommonAndSessionTimeoutsInRange() {
        assertThat(gc.join(join("", null, 10), now).join().error()).isEqualTo(GroupError.INVALID_SESSION_TIMEOUT);
        String a = newMember();
        gc.join(join(a, null, 3000), now).join();
        JoinRequest other = new JoinRequest("g", "", null, "c", "h", 3000, 3000, "connect", List.of(new Protocol("x", new byte[0])), false);
        assertThat(gc.join(other, now).join().error()).isEqualTo(GroupError.INCONSISTENT_GROUP_PROTOCOL);
        JoinRequest noCommon = new JoinRequest("g", "", null, "c", "h", 3000, 3000, "consumer", List.of(new Protocol("roundrobin", new byte[0])), false);
        assertThat(gc.join(noCommon, now).join().error()).isEqualTo(GroupError.INCONSISTENT_GROUP_PROTOCOL);
        JoinRequest anyType = new JoinRequest("other", "", null, "c", "h", 3000, 3000, "connect", List.of(new Protocol("v1", new byte[]{7})), false);
        assertThat(gc.join(anyType, now).join().error()).isEqualTo(GroupError.NONE);
    }

    @Test
    void offsetsSurviveAReloadAndDeletedGroupsStayDeleted() {
        gc.commit("g", "", null, -1, Map.of(TP, new CommittedOffset(42, 3, "meta", now)), tp -> true, now).join();
        gc.commit("h", "", null, -1, Map.of(TP, new CommittedOffset(7, -1, null, now)), tp -> true, now).join();
        assertThat(gc.commit("g", "", null, -1, Map.of(new TopicPartition("gone", 0), new CommittedOffset(1, -1, null, now)),
                tp -> tp.topic().equals("t"), now).join()).containsEntry(new TopicPartition("gone", 0), GroupError.UNKNOWN_TOPIC_OR_PARTITION);
        assertThat(gc.commit("g", "", null, -1, Map.of(TP, new CommittedOffset(1, -1, "x".repeat(101), now)), tp -> true, now).join())
                .containsEntry(TP, GroupError.OFFSET_METADATA_TOO_LARGE);
        assertThat(gc.deleteGroups(List.of("h", "nope"), now).join()).containsEntry("h", GroupError.NONE).containsEntry("nope", GroupError.GROUP_ID_NOT_FOUND);
        GroupCoordinator reloaded = new GroupCoordinator(CONFIG, store);
        reloaded.load(now);
        assertThat(reloaded.fetchOffsets("g", List.of(TP))).containsExactly(
                new GroupTypes.PartitionOffset(TP, new CommittedOffset(42, 3, "meta", now)));
        assertThat(reloaded.listGroups(java.util.Set.of())).extracting(GroupTypes.GroupOverview::groupId).containsExactly("g");
        store.failing = new IllegalStateException("disk on fire");
        assertThat(reloaded.commit("g", "", null, -1, Map.of(TP, new CommittedOffset(43, -1, null, now)), tp -> true, now).join())
                .containsEntry(TP, GroupError.COORDINATOR_NOT_AVAILABLE);
        assertThat(reloaded.fetchOffsets("g", List.of(TP)).get(0).offset().offset()).as("a failed write does not land").isEqualTo(42);
    }

    @Test
    void offsetsOfAGroupEmptyLongerThanRetentionExpire() {
        gc.commit("g", "", null, -1, Map.of(TP, new CommittedOffset(1, -1, null, now)), tp -> true, now).join();
        gc.poll(now + 5_000);
        assertThat(gc.fetchOffsets("g", null)).hasSize(1);
        gc.poll(now + 10_001);
        assertThat(gc.fetchOffsets("g", null)).isEmpty();
        GroupCoordinator reloaded = new GroupCoordinator(CONFIG, store);
        reloaded.load(now);
        assertThat(reloaded.fetchOffsets("g", null)).as("the expiry was written as a tombstone").isEmpty();
    }

    @Test
    void servesOnlyTheGroupsOfThePartitionsItLeadsAndReloadsThemWhenItLeadsAgain() {
        int p = gc.partitionFor("g");
        gc.claimNone();
        assertThat(gc.join(join("", null, 3000), now).join().error()).isEqualTo(GroupError.NOT_COORDINATOR);
        assertThat(gc.heartbeat("g", "m", null, 1, now)).isEqualTo(GroupError.NOT_COORDINATOR);
        assertThat(gc.commit("g", "", null, -1, Map.of(TP, new CommittedOffset(5, 0, "", now)), tp -> true, now).join())
                .containsEntry(TP, GroupError.NOT_COORDINATOR);

        gc.becomeCoordinator(p, now);
        assertThat(gc.coordinatorError("g")).isEqualTo(GroupError.NONE);
        assertThat(gc.commit("g", "", null, -1, Map.of(TP, new CommittedOffset(5, 0, "", now)), tp -> true, now).join())
                .containsEntry(TP, GroupError.NONE);
        String a = newMember();
        CompletableFuture<JoinResult> pending = gc.join(join(a, null, 3000), now);
        assertThat(pending.join().error()).isEqualTo(GroupError.NONE);

        // Leadership moves away: the group is dropped here and its members are told to find the new coordinator.
        gc.resign(p);
        assertThat(gc.coordinatorError("g")).isEqualTo(GroupError.NOT_COORDINATOR);
        assertThat(gc.describe("g")).isEmpty();
        assertThat(gc.listGroups(Set.of())).isEmpty();

        // Back as leader: the committed offset is reloaded from the log.
        gc.becomeCoordinator(p, now);
        assertThat(gc.fetchOffsets("g", List.of(TP))).extracting(po -> po.offset().offset()).containsExactly(5L);
    }

    // ---------------------------------------------------------------- offset writes wait for replication, nobody else does

    /** The value of a future the coordinator must have completed by now (never waits: join() ignores @Timeout). */
    static <T> T answered(CompletableFuture<T> f) {
        assertThat(f).as("answered").isDone();
        return f.join();
    }

    CompletableFuture<Map<TopicPartition, GroupError>> commit(String group, TopicPartition tp, long offset) {
        return gc.commit(group, "", null, -1, Map.of(tp, new CommittedOffset(offset, -1, null, now)), t -> true, now);
    }

    Long committed(String group, TopicPartition tp) {
        return gc.fetchOffsets(group, List.of(tp)).stream().map(po -> po.offset().offset()).findFirst().orElse(null);
    }

    /** Another group id whose offsets live in the same __consumer_offsets partition as {@code group} (or not). */
    String groupIn(String group, boolean samePartition) {
        for (int i = 0; ; i++) {
            String id = "other-" + i;
            if ((gc.partitionFor(id) == gc.partitionFor(group)) == samePartition) {
                return id;
            }
        }
    }

    @Test
    void aCommitWaitingForItsReplicasHoldsUpNoOtherRequest() {
        String a = newMember();
        gc.join(join(a, null, 3000), now).join();
        sync(a, 1, Map.of());
        store.manual = true;
        CompletableFuture<Map<TopicPartition, GroupError>> pending =
                gc.commit("g", a, null, 1, Map.of(TP, new CommittedOffset(5, -1, "m", now)), tp -> true, now);
        assertThat(pending).isNotDone();

        // Heartbeats, joins of other groups, fetches and other groups' commits are answered while it waits.
        now += 2500;
        assertThat(gc.heartbeat("g", a, null, 1, now)).isEqualTo(GroupError.NONE);
        JoinRequest other = new JoinRequest("h", "", null, "c", "h", 3000, 3000, "consumer", List.of(new Protocol("range", new byte[0])), false);
        assertThat(gc.join(other, now).join().error()).isEqualTo(GroupError.NONE);
        assertThat(gc.describe("g").orElseThrow().state()).isEqualTo(GroupState.STABLE);
        String elsewhere = groupIn("g", false);
        CompletableFuture<Map<TopicPartition, GroupError>> otherCommit = commit(elsewhere, TP, 9);
        store.write(1).complete(null);
        assertThat(otherCommit).isCompletedWithValue(Map.of(TP, GroupError.NONE));
        now += 2500;
        gc.poll(now);
        assertThat(gc.heartbeat("g", a, null, 1, now)).as("the member outlived its session timeout by heartbeating").isEqualTo(GroupError.NONE);

        // The commit is invisible until its records are replicated, then answered and visible.
        assertThat(committed("g", TP)).isNull();
        assertThat(pending).isNotDone();
        store.write(0).complete(null);
        assertThat(pending).isCompletedWithValue(Map.of(TP, GroupError.NONE));
        assertThat(committed("g", TP)).isEqualTo(5);
    }

    @Test
    void answersAreCompletedOutsideTheCoordinatorsLock() {
        store.manual = true;
        List<Boolean> lockHeld = new CopyOnWriteArrayList<>();
        CompletableFuture<Map<TopicPartition, GroupError>> c = commit("g", TP, 1);
        c.thenRun(() -> lockHeld.add(Thread.holdsLock(gc)));
        // A continuation may call straight back into the coordinator.
        CompletableFuture<Long> readBack = c.thenApply(r -> committed("g", TP));
        store.write(0).complete(null);
        assertThat(lockHeld).containsExactly(false);
        assertThat(readBack).isCompletedWithValue(1L);
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
        store.fail(3, OffsetWriteException.Reason.TIMED_OUT);
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
        store.fail(0, OffsetWriteException.Reason.TIMED_OUT);
        assertThat(answered(timedOut)).containsEntry(TP, GroupError.COORDINATOR_NOT_AVAILABLE);
        assertThat(committed("g", TP)).isNull();

        CompletableFuture<Map<TopicPartition, GroupError>> belowMinIsr = commit("g", new TopicPartition("t", 1), 1);
        store.fail(1, OffsetWriteException.Reason.NOT_ENOUGH_REPLICAS);
        assertThat(answered(belowMinIsr)).containsEntry(new TopicPartition("t", 1), GroupError.COORDINATOR_NOT_AVAILABLE);

        // Refused before anything was appended.
        store.failing = new OffsetWriteException(OffsetWriteException.Reason.NOT_LEADER, "not the leader");
        assertThat(answered(commit("g", TP, 2))).containsEntry(TP, GroupError.NOT_COORDINATOR);
        store.failing = new OffsetWriteException(OffsetWriteException.Reason.NOT_ENOUGH_REPLICAS, "ISR too small");
        assertThat(answered(commit("g", TP, 2))).containsEntry(TP, GroupError.COORDINATOR_NOT_AVAILABLE);
        store.failing = new OffsetWriteException(OffsetWriteException.Reason.RECORDS_TOO_LARGE, "too big");
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
        store.fail(0, OffsetWriteException.Reason.NOT_LEADER);
        assertThat(answered(lost)).containsEntry(TP, GroupError.NOT_COORDINATOR);
        CompletableFuture<Map<TopicPartition, GroupError>> later = commit(groupIn("g", true), TP, 4);
        store.write(1).complete(null);
        assertThat(answered(later)).containsEntry(TP, GroupError.NONE);
        assertThat(committed("g", TP)).isNull();
    }

    @Test
    void resigningAnswersWritesInFlightWithNotCoordinator() {
        store.manual = true;
        CompletableFuture<Map<TopicPartition, GroupError>> pending = commit("g", TP, 3);
        gc.resign(gc.partitionFor("g"));
        assertThat(answered(pending)).containsEntry(TP, GroupError.NOT_COORDINATOR);
        store.write(0).complete(null);
        assertThat(gc.describe("g")).isEmpty();
        gc.becomeCoordinator(gc.partitionFor("g"), now);
        assertThat(committed("g", TP)).as("the new leader reads what the log kept").isEqualTo(3);
    }

    @Test
    void deletionsAreAnsweredWhenTheirTombstonesAreReplicated() {
        TopicPartition tp1 = new TopicPartition("t", 1);
        answered(commit("g", TP, 5));
        answered(commit("g", tp1, 6));
        answered(commit("h", TP, 7));
        store.manual = true;

        CompletableFuture<Map<TopicPartition, GroupError>> inFlight = commit("h", tp1, 8);
        CompletableFuture<Map<String, GroupError>> deleted = gc.deleteGroups(List.of("h", "nope"), now);
        assertThat(deleted).isNotDone();
        assertThat(gc.listGroups(Set.of())).extracting(GroupTypes.GroupOverview::groupId).contains("h");
        store.write(4).complete(null);
        assertThat(answered(inFlight)).containsEntry(tp1, GroupError.NONE);
        assertThat(answered(deleted)).containsEntry("h", GroupError.NONE).containsEntry("nope", GroupError.GROUP_ID_NOT_FOUND);
        assertThat(gc.describe("h")).as("the commit in flight was deleted too").isEmpty();

        CompletableFuture<GroupTypes.OffsetDeleteResult> offsetDeleted = gc.deleteOffsets("g", List.of(TP), topic -> false, now);
        assertThat(offsetDeleted).isNotDone();
        assertThat(committed("g", TP)).isEqualTo(5);
        store.write(5).complete(null);
        assertThat(answered(offsetDeleted).error()).isEqualTo(GroupError.NONE);
        assertThat(answered(offsetDeleted).partitions()).containsEntry(TP, GroupError.NONE);
        assertThat(committed("g", TP)).isNull();

        GroupCoordinator reloaded = new GroupCoordinator(CONFIG, store);
        reloaded.load(now);
        assertThat(reloaded.listGroups(Set.of())).extracting(GroupTypes.GroupOverview::groupId).containsExactly("g");
        assertThat(reloaded.fetchOffsets("g", null)).extracting(GroupTypes.PartitionOffset::partition).containsExactly(tp1);

        CompletableFuture<GroupTypes.OffsetDeleteResult> failed = gc.deleteOffsets("g", List.of(tp1), topic -> false, now);
        store.fail(6, OffsetWriteException.Reason.NOT_LEADER);
        assertThat(answered(failed)).isEqualTo(new GroupTypes.OffsetDeleteResult(GroupError.NOT_COORDINATOR, Map.of()));
        assertThat(answered(gc.deleteOffsets("nope", List.of(TP), topic -> false, now)).error()).isEqualTo(GroupError.GROUP_ID_NOT_FOUND);
    }

    @Test
    void offsetsWithAWriteInFlightDoNotExpire() {
        answered(commit("g", TP, 1));
        store.manual = true;
        CompletableFuture<Map<TopicPartition, GroupError>> pending = commit("g", TP, 2);
        gc.poll(now + 10_001);
        assertThat(store.writes).as("no tombstone while a commit is in flight").hasSize(2);
        store.write(1).complete(null);
        assertThat(answered(pending)).containsEntry(TP, GroupError.NONE);
        gc.poll(now + 10_001);
        assertThat(store.writes).hasSize(3);
        assertThat(committed("g", TP)).as("expired only once the tombstone is replicated").isEqualTo(2);
        store.write(2).complete(null);
        assertThat(gc.describe("g")).isEmpty();
    }
}
