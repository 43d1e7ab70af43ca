package io.sluice.brokerd.group;

import io.sluice.brokerd.coordinator.CoordinatorLog;
import io.sluice.brokerd.common.TopicPartition;
import io.sluice.brokerd.group.GroupTypes.CommittedOffset;
import io.sluice.brokerd.group.GroupTypes.JoinRequest;
import io.sluice.brokerd.group.GroupTypes.JoinResult;
import io.sluice.brokerd.group.GroupTypes.Protocol;
import io.sluice.brokerd.group.GroupTypes.SyncRequest;
import io.sluice.brokerd.group.GroupTypes.SyncResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The coordinator as the API layer sees it: which partitions' groups it serves, loading them off its lock, and
 * membership and offsets working together. Explicit time; offsets in an in-memory store.
 */
@Timeout(10)
class GroupCoordinatorTest {
    static final GroupConfig CONFIG = new GroupConfig(1000, 60_000, 0, 10_000, 100);
    static final TopicPartition TP = new TopicPartition("t", 0);

    final MemoryOffsetStore store = new MemoryOffsetStore();
    final GroupCoordinator gc = new GroupCoordinator(CONFIG, store);
    long now = 1_000_000;

    static JoinRequest join(String group, String memberId) {
        return new JoinRequest(group, memberId, null, "client", "/127.0.0.1", 3000, 5000, "consumer",
                List.of(new Protocol("range", new byte[]{1})), true);
    }

    /** Joins {@code group} as its only member and syncs: returns the stable member's join result. */
    JoinResult stableMember(GroupCoordinator coordinator, String group) {
        JoinResult first = coordinator.join(join(group, ""), now).join();
        assertThat(first.error()).isEqualTo(GroupError.MEMBER_ID_REQUIRED);
        JoinResult joined = coordinator.join(join(group, first.memberId()), now).join();
        assertThat(joined.error()).isEqualTo(GroupError.NONE);
        assertThat(sync(coordinator, group, joined.memberId(), joined.generationId()).error()).isEqualTo(GroupError.NONE);
        return joined;
    }

    SyncResult sync(GroupCoordinator coordinator, String group, String memberId, int generation) {
        return coordinator.sync(new SyncRequest(group, generation, memberId, null, "consumer", "range", List.of()), now).join();
    }

    /** The value of a future the coordinator must have completed by now (never waits: join() ignores @Timeout). */
    static <T> T answered(CompletableFuture<T> f) {
        assertThat(f).as("answered").isDone();
        return f.join();
    }

    CompletableFuture<Map<TopicPartition, GroupError>> commit(String group, TopicPartition tp, long offset) {
        return gc.commit(group, "", null, -1, Map.of(tp, new CommittedOffset(offset, -1, null, now)), t -> true, now);
    }

    Long committed(GroupCoordinator coordinator, String group, TopicPartition tp) {
        return coordinator.fetchOffsets(group, List.of(tp)).stream().map(po -> po.offset().offset()).findFirst().orElse(null);
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
    void aZombieFromAnOldGenerationCannotCommit() {
        JoinResult a = stableMember(gc, "g");
        Map<TopicPartition, GroupError> ok = gc.commit("g", a.memberId(), null, 1, Map.of(TP, new CommittedOffset(5, -1, "m", now)), tp -> true, now).join();
        assertThat(ok).containsEntry(TP, GroupError.NONE);
        JoinResult b = gc.join(join("g", ""), now).join();
        CompletableFuture<JoinResult> jb = gc.join(join("g", b.memberId()), now);
        gc.join(join("g", a.memberId()), now).join();
        jb.join();
        // a still thinks it is in generation 1.
        assertThat(gc.commit("g", a.memberId(), null, 1, Map.of(TP, new CommittedOffset(99, -1, null, now)), tp -> true, now).join())
                .containsEntry(TP, GroupError.ILLEGAL_GENERATION);
        assertThat(gc.commit("g", "stranger", null, 2, Map.of(TP, new CommittedOffset(99, -1, null, now)), tp -> true, now).join())
                .containsEntry(TP, GroupError.UNKNOWN_MEMBER_ID);
        assertThat(committed(gc, "g", TP)).isEqualTo(5);
        // Standalone (generation -1) commits are refused while the group has members.
        assertThat(commit("g", TP, 7).join()).containsEntry(TP, GroupError.UNKNOWN_MEMBER_ID);
    }

    @Test
    void offsetsSurviveAReloadExpiredAndDeletedOnesStayGone() {
        answered(commit("g", TP, 42));
        answered(commit("h", TP, 7));
        answered(commit("x", TP, 1));
        assertThat(answered(gc.deleteGroups(List.of("h"), now))).containsEntry("h", GroupError.NONE);
        now += 5_000;
        gc.expireOffsets(now);
        answered(commit("g", TP, 43));
        now += 5_001;
        int writes = store.writes.size();
        gc.poll(now);
        assertThat(store.writes.size()).as("the timers' poll writes nothing to the log").isEqualTo(writes);
        assertThat(gc.fetchOffsets("x", null)).as("not expired by the timers' poll").isNotEmpty();
        gc.expireOffsets(now);
        assertThat(gc.fetchOffsets("x", null)).as("x expired").isEmpty();
        GroupCoordinator reloaded = new GroupCoordinator(CONFIG, store);
        reloaded.load(now);
        assertThat(committed(reloaded, "g", TP)).isEqualTo(43);
        assertThat(reloaded.listGroups(Set.of())).extracting(GroupTypes.GroupOverview::groupId).containsExactly("g");
    }

    @Test
    void servesOnlyTheGroupsOfThePartitionsItLeadsAndReloadsThemWhenItLeadsAgain() {
        int p = gc.partitionFor("g");
        gc.claimNone();
        assertThat(gc.join(join("g", ""), now).join().error()).isEqualTo(GroupError.NOT_COORDINATOR);
        assertThat(gc.heartbeat("g", "m", null, 1, now)).isEqualTo(GroupError.NOT_COORDINATOR);
        assertThat(answered(commit("g", TP, 5))).containsEntry(TP, GroupError.NOT_COORDINATOR);
        assertThat(answered(gc.deleteGroups(List.of("g"), now))).containsEntry("g", GroupError.NOT_COORDINATOR);

        gc.becomeCoordinator(p, now);
        assertThat(gc.coordinatorError("g")).isEqualTo(GroupError.NONE);
        assertThat(answered(commit("g", TP, 5))).containsEntry(TP, GroupError.NONE);
        JoinResult first = gc.join(join("g", ""), now).join();
        CompletableFuture<JoinResult> waiting = gc.join(join("g", first.memberId()), now);
        assertThat(waiting.join().error()).isEqualTo(GroupError.NONE);

        // Leadership moves away: the group is dropped here and its members are told to find the new coordinator.
        gc.resign(p);
        assertThat(gc.coordinatorError("g")).isEqualTo(GroupError.NOT_COORDINATOR);
        assertThat(gc.describe("g")).isEmpty();
        assertThat(gc.listGroups(Set.of())).isEmpty();

        // Back as leader: the committed offset is reloaded from the log.
        gc.becomeCoordinator(p, now);
        assertThat(committed(gc, "g", TP)).isEqualTo(5);
    }

    @Test
    void aCommitWaitingForItsReplicasHoldsUpNoOtherRequest() {
        JoinResult a = stableMember(gc, "g");
        store.manual = true;
        CompletableFuture<Map<TopicPartition, GroupError>> pending =
                gc.commit("g", a.memberId(), null, 1, Map.of(TP, new CommittedOffset(5, -1, "m", now)), tp -> true, now);
        assertThat(pending).isNotDone();

        // Heartbeats, joins of other groups, fetches and other groups' commits are answered while it waits.
        now += 2500;
        assertThat(gc.heartbeat("g", a.memberId(), null, 1, now)).isEqualTo(GroupError.NONE);
        JoinRequest other = new JoinRequest("h", "", null, "c", "h", 3000, 3000, "consumer", List.of(new Protocol("range", new byte[0])), false);
        assertThat(gc.join(other, now).join().error()).isEqualTo(GroupError.NONE);
        assertThat(gc.describe("g").orElseThrow().state()).isEqualTo(GroupState.STABLE);
        CompletableFuture<Map<TopicPartition, GroupError>> otherCommit = commit(groupIn("g", false), TP, 9);
        store.write(1).complete(null);
        assertThat(otherCommit).isCompletedWithValue(Map.of(TP, GroupError.NONE));
        now += 2500;
        gc.poll(now);
        assertThat(gc.heartbeat("g", a.memberId(), null, 1, now)).as("the member outlived its session timeout by heartbeating")
                .isEqualTo(GroupError.NONE);

        // The commit is invisible until its records are replicated, then answered and visible.
        assertThat(committed(gc, "g", TP)).isNull();
        assertThat(pending).isNotDone();
        store.write(0).complete(null);
        assertThat(pending).isCompletedWithValue(Map.of(TP, GroupError.NONE));
        assertThat(committed(gc, "g", TP)).isEqualTo(5);
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
        assertThat(committed(gc, "g", TP)).as("the new leader reads what the log kept").isEqualTo(3);
    }

    // ---------------------------------------------------------------- loading a partition holds up nobody else

    /** {@code call} on another thread, which must be answered within a second: nothing may wait for the load. */
    static <T> T promptly(Supplier<T> call) throws Exception {
        return CompletableFuture.supplyAsync(call).get(1, TimeUnit.SECONDS);
    }

    @Test
    void whileAPartitionLoadsItsGroupsAreAnsweredLoadInProgressAndOtherPartitionsAreServed() throws Exception {
        int p = gc.partitionFor("g");
        String h = groupIn("g", false);
        answered(commit("g", TP, 5));
        gc.claimNone();
        gc.becomeCoordinator(gc.partitionFor(h), now);
        JoinResult member = stableMember(gc, h);

        store.slowPartition = p;
        Thread loader = new Thread(() -> gc.becomeCoordinator(p, now), "test-loader");
        loader.start();
        try {
            assertThat(store.loadStarted.await(5, TimeUnit.SECONDS)).isTrue();
            // Another partition's group is served while p loads.
            assertThat(promptly(() -> gc.heartbeat(h, member.memberId(), null, member.generationId(), now))).isEqualTo(GroupError.NONE);
            assertThat(promptly(() -> gc.commit(h, member.memberId(), null, member.generationId(),
                    Map.of(TP, new CommittedOffset(9, -1, null, now)), tp -> true, now).join())).containsEntry(TP, GroupError.NONE);
            // p's groups are told to retry: the load is in progress (heartbeats pass and syncs rejoin, as in Kafka).
            assertThat(promptly(() -> gc.coordinatorError("g"))).isEqualTo(GroupError.COORDINATOR_LOAD_IN_PROGRESS);
            assertThat(promptly(gc::isLoading)).isTrue();
            assertThat(promptly(() -> gc.join(join("g", ""), now).join().error())).isEqualTo(GroupError.COORDINATOR_LOAD_IN_PROGRESS);
            assertThat(promptly(() -> commit("g", TP, 6).join())).containsEntry(TP, GroupError.COORDINATOR_LOAD_IN_PROGRESS);
            assertThat(promptly(() -> gc.heartbeat("g", "m", null, 1, now))).isEqualTo(GroupError.NONE);
            assertThat(promptly(() -> sync(gc, "g", "m", 1).error())).isEqualTo(GroupError.REBALANCE_IN_PROGRESS);
            assertThat(promptly(() -> gc.leave("g", List.of(new GroupTypes.Leaving("m", null)), now).get(0).error()))
                    .isEqualTo(GroupError.COORDINATOR_LOAD_IN_PROGRESS);
            assertThat(promptly(() -> gc.deleteGroups(List.of("g"), now).join())).containsEntry("g", GroupError.COORDINATOR_LOAD_IN_PROGRESS);
            assertThat(promptly(() -> gc.deleteOffsets("g", List.of(TP), t -> false, now).join().error()))
                    .isEqualTo(GroupError.COORDINATOR_LOAD_IN_PROGRESS);
        } finally {
            store.releaseLoad.countDown();
            loader.join(5000);
        }
        assertThat(loader.isAlive()).isFalse();
        assertThat(gc.coordinatorError("g")).isEqualTo(GroupError.NONE);
        assertThat(gc.isLoading()).isFalse();
        assertThat(committed(gc, "g", TP)).isEqualTo(5);
        assertThat(gc.join(join("g", ""), now).join().error()).isEqualTo(GroupError.MEMBER_ID_REQUIRED);
    }

    /** An executor that runs what it is given only when the test says so. */
    static final class ManualExecutor implements java.util.concurrent.Executor {
        final ArrayDeque<Runnable> queued = new ArrayDeque<>();

        @Override
        public void execute(Runnable task) {
            queued.add(task);
        }

        void runAll() {
            while (!queued.isEmpty()) {
                queued.poll().run();
            }
        }
    }

    @Test
    void aLoadThatFinishesAfterItsPartitionWasResignedOrReloadedIsDropped() {
        ManualExecutor loads = new ManualExecutor();
        GroupCoordinator coordinator = new GroupCoordinator(CONFIG, store, loads);
        answered(coordinator.commit("g", "", null, -1, Map.of(TP, new CommittedOffset(5, -1, null, now)), t -> true, now));
        int p = coordinator.partitionFor("g");
        coordinator.claimNone();

        coordinator.becomeCoordinator(p, now);
        assertThat(coordinator.coordinatorError("g")).as("marked at once, loaded later").isEqualTo(GroupError.COORDINATOR_LOAD_IN_PROGRESS);
        assertThat(coordinator.partitionsLoading()).isEqualTo(1);
        coordinator.becomeCoordinator(p, now);
        assertThat(loads.queued).as("a partition loading is not loaded twice").hasSize(1);
        coordinator.resign(p);
        loads.runAll();
        assertThat(coordinator.coordinatorError("g")).as("the stale load did not bring it back").isEqualTo(GroupError.NOT_COORDINATOR);
        assertThat(coordinator.fetchOffsets("g", null)).isEmpty();

        coordinator.becomeCoordinator(p, now);
        coordinator.resign(p);
        coordinator.becomeCoordinator(p, now);
        assertThat(loads.queued).hasSize(2);
        loads.runAll();
        assertThat(coordinator.coordinatorError("g")).isEqualTo(GroupError.NONE);
        assertThat(coordinator.partitionsLoading()).isZero();
        assertThat(committed(coordinator, "g", TP)).isEqualTo(5);
    }

    // ---------------------------------------------------------------- records that cannot be decoded

    static byte[] key(String group, String topic, int partition) {
        return OffsetRecords.key(group, new TopicPartition(topic, partition));
    }

    @Test
    void undecodableRecordsAreSkippedCountedAndLoadingGoesOn() {
        int p = gc.partitionFor("g");
        byte[] value = OffsetRecords.value(new CommittedOffset(8, -1, null, now));
        answered(commit("g", TP, 5));
        store.appendRaw(p, new byte[]{1}, value);                                          // a 1-byte key
        store.appendRaw(p, ByteBuffer.allocate(4).putShort((short) 9).putShort((short) 0).array(), value); // unknown key version
        store.appendRaw(p, key("g", "t", 0), ByteBuffer.allocate(4).putShort((short) 7).array());       // unknown value version
        store.appendRaw(p, key("g", "t", 0), java.util.Arrays.copyOf(value, 9));          // a truncated value
        store.appendRaw(p, ByteBuffer.allocate(4).putShort((short) 1).putShort((short) -1).array(), value); // no group id
        store.appendRaw(p, "not an offset key at all".getBytes(StandardCharsets.UTF_8), null);           // a bad tombstone
        store.appendUnreadableBatch(p);
        store.appendRaw(p, key("g", "t", 1), value);                                       // good again after all that

        GroupCoordinator reloaded = new GroupCoordinator(CONFIG, store);
        reloaded.load(now);
        assertThat(reloaded.loadSkippedRecords()).isEqualTo(7);
        assertThat(reloaded.coordinatorError("g")).isEqualTo(GroupError.NONE);
        assertThat(committed(reloaded, "g", TP)).isEqualTo(5);
        assertThat(committed(reloaded, "g", new TopicPartition("t", 1))).as("loading went on past them").isEqualTo(8);
        assertThat(reloaded.listGroups(Set.of())).extracting(GroupTypes.GroupOverview::groupId).containsExactly("g");
        // And the group is served as usual.
        JoinResult member = stableMember(reloaded, "g");
        assertThat(answered(reloaded.commit("g", member.memberId(), null, member.generationId(),
                Map.of(TP, new CommittedOffset(6, -1, null, now)), t -> true, now))).containsEntry(TP, GroupError.NONE);
        assertThat(committed(reloaded, "g", TP)).isEqualTo(6);
    }

    @Test
    void aPartitionThatCannotBeReadIsNotServed() {
        int p = gc.partitionFor("g");
        CoordinatorLog broken = new CoordinatorLog() {
            @Override
            public int partitionCount() {
                return store.partitionCount();
            }

            @Override
            public CompletableFuture<Void> append(int partition, List<io.sluice.brokerd.log.RecordBatchBuilder.Entry> records, long nowMs) {
                return store.append(partition, records, nowMs);
            }

            @Override
            public void forEachRecord(int partition, Replay replay) {
                throw new java.io.UncheckedIOException(new java.io.IOException("disk gone"));
            }
        };
        GroupCoordinator coordinator = new GroupCoordinator(CONFIG, broken);
        coordinator.claimNone();
        coordinator.becomeCoordinator(p, now);
        assertThat(coordinator.coordinatorError("g")).isEqualTo(GroupError.NOT_COORDINATOR);
        assertThat(coordinator.isLoading()).isFalse();
        List<String> served = new ArrayList<>();
        coordinator.listGroups(Set.of()).forEach(g -> served.add(g.groupId()));
        assertThat(served).isEmpty();
    }
}
