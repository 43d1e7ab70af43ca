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
import java.util.function.BiConsumer;

import static org.assertj.core.api.Assertions.assertThat;

/** The classic group state machine driven with explicit time; offsets in an in-memory store. */
@Timeout(10)
class GroupCoordinatorTest {
    static final GroupConfig CONFIG = new GroupConfig(1000, 60_000, 0, 10_000, 100);
    static final TopicPartition TP = new TopicPartition("t", 0);

    /** In-memory OffsetStore that can be told to fail. */
    static final class MemoryStore implements OffsetStore {
        final Map<Integer, List<RecordBatchBuilder.Entry>> records = new HashMap<>();
        boolean failing;

        @Override
        public int partitionCount() {
            return 3;
        }

        @Override
        public void append(int partition, List<RecordBatchBuilder.Entry> entries, long nowMs) {
            if (failing) {
                throw new IllegalStateException("disk on fire");
            }
            records.computeIfAbsent(partition, p -> new ArrayList<>()).addAll(entries);
        }

        @Override
        public void forEachRecord(int partition, BiConsumer<byte[], byte[]> action) {
            records.getOrDefault(partition, List.of()).forEach(e -> action.accept(e.key(), e.value()));
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
        Map<TopicPartition, GroupError> ok = gc.commit("g", a, null, 1, Map.of(TP, new CommittedOffset(5, -1, "m", now)), tp -> true, now);
        assertThat(ok).containsEntry(TP, GroupError.NONE);
        String b = newMember();
        CompletableFuture<JoinResult> jb = gc.join(join(b, null, 3000), now);
        gc.join(join(a, null, 3000), now).join();
        jb.join();
        // a still thinks it is in generation 1.
        assertThat(gc.commit("g", a, null, 1, Map.of(TP, new CommittedOffset(99, -1, null, now)), tp -> true, now))
                .containsEntry(TP, GroupError.ILLEGAL_GENERATION);
        assertThat(gc.commit("g", "stranger", null, 2, Map.of(TP, new CommittedOffset(99, -1, null, now)), tp -> true, now))
                .containsEntry(TP, GroupError.UNKNOWN_MEMBER_ID);
        assertThat(gc.fetchOffsets("g", List.of(TP)).get(0).offset().offset()).isEqualTo(5);
        // Standalone (generation -1) commits are refused while the group has members.
        assertThat(gc.commit("g", "", null, -1, Map.of(TP, new CommittedOffset(7, -1, null, now)), tp -> true, now))
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
        gc.commit("g", "", null, -1, Map.of(TP, new CommittedOffset(42, 3, "meta", now)), tp -> true, now);
        gc.commit("h", "", null, -1, Map.of(TP, new CommittedOffset(7, -1, null, now)), tp -> true, now);
        assertThat(gc.commit("g", "", null, -1, Map.of(new TopicPartition("gone", 0), new CommittedOffset(1, -1, null, now)),
                tp -> tp.topic().equals("t"), now)).containsEntry(new TopicPartition("gone", 0), GroupError.UNKNOWN_TOPIC_OR_PARTITION);
        assertThat(gc.commit("g", "", null, -1, Map.of(TP, new CommittedOffset(1, -1, "x".repeat(101), now)), tp -> true, now))
                .containsEntry(TP, GroupError.OFFSET_METADATA_TOO_LARGE);
        assertThat(gc.deleteGroups(List.of("h", "nope"), now)).containsEntry("h", GroupError.NONE).containsEntry("nope", GroupError.GROUP_ID_NOT_FOUND);
        GroupCoordinator reloaded = new GroupCoordinator(CONFIG, store);
        reloaded.load(now);
        assertThat(reloaded.fetchOffsets("g", List.of(TP))).containsExactly(
                new GroupTypes.PartitionOffset(TP, new CommittedOffset(42, 3, "meta", now)));
        assertThat(reloaded.listGroups(java.util.Set.of())).extracting(GroupTypes.GroupOverview::groupId).containsExactly("g");
        store.failing = true;
        assertThat(reloaded.commit("g", "", null, -1, Map.of(TP, new CommittedOffset(43, -1, null, now)), tp -> true, now))
                .containsEntry(TP, GroupError.COORDINATOR_NOT_AVAILABLE);
        assertThat(reloaded.fetchOffsets("g", List.of(TP)).get(0).offset().offset()).as("a failed write does not land").isEqualTo(42);
    }

    @Test
    void offsetsOfAGroupEmptyLongerThanRetentionExpire() {
        gc.commit("g", "", null, -1, Map.of(TP, new CommittedOffset(1, -1, null, now)), tp -> true, now);
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
        assertThat(gc.commit("g", "", null, -1, Map.of(TP, new CommittedOffset(5, 0, "", now)), tp -> true, now))
                .containsEntry(TP, GroupError.NOT_COORDINATOR);

        gc.becomeCoordinator(p, now);
        assertThat(gc.coordinatorError("g")).isEqualTo(GroupError.NONE);
        assertThat(gc.commit("g", "", null, -1, Map.of(TP, new CommittedOffset(5, 0, "", now)), tp -> true, now))
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
}
