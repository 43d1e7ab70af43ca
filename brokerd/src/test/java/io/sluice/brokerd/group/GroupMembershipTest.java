package io.sluice.brokerd.group;

import io.sluice.brokerd.group.GroupTypes.JoinRequest;
import io.sluice.brokerd.group.GroupTypes.JoinResult;
import io.sluice.brokerd.group.GroupTypes.Protocol;
import io.sluice.brokerd.group.GroupTypes.SyncRequest;
import io.sluice.brokerd.group.GroupTypes.SyncResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/** The classic rebalance protocol driven with explicit time, without offsets or partition ownership. */
@Timeout(10)
class GroupMembershipTest {
    static final GroupConfig CONFIG = new GroupConfig(1000, 60_000, 0, 10_000, 100);

    final Groups groups = new Groups(id -> 0);
    final GroupMembership membership = new GroupMembership(CONFIG, groups);
    long now = 1_000_000;

    static JoinRequest join(String memberId, String instanceId, int sessionMs) {
        return new JoinRequest("g", memberId, instanceId, "client", "/127.0.0.1", sessionMs, 5000, "consumer",
                List.of(new Protocol("range", new byte[]{1})), true);
    }

    /** Two-step join of a new dynamic member; returns its member id. */
    String newMember() {
        JoinResult first = membership.join(join("", null, 3000), now).join();
        assertThat(first.error()).isEqualTo(GroupError.MEMBER_ID_REQUIRED);
        return first.memberId();
    }

    SyncResult sync(String memberId, int generation, Map<String, byte[]> assignments) {
        List<GroupTypes.Assignment> list = new ArrayList<>();
        assignments.forEach((m, a) -> list.add(new GroupTypes.Assignment(m, a)));
        return membership.sync(new SyncRequest("g", generation, memberId, null, "consumer", "range", list), now).join();
    }

    void poll() {
        for (Group g : groups.all()) {
            membership.poll(g, now);
            groups.removeIfRemovable(g);
        }
    }

    @Test
    void twoMembersJoinSyncAndBecomeStable() {
        String a = newMember();
        JoinResult ja = membership.join(join(a, null, 3000), now).join();
        assertThat(ja.error()).isEqualTo(GroupError.NONE);
        assertThat(ja.generationId()).isEqualTo(1);
        assertThat(ja.leaderId()).isEqualTo(a);
        assertThat(ja.members()).hasSize(1);
        assertThat(sync(a, 1, Map.of(a, new byte[]{9})).assignment()).containsExactly(9);

        String b = newMember();
        CompletableFuture<JoinResult> jb = membership.join(join(b, null, 3000), now);
        assertThat(jb).isNotDone();
        assertThat(membership.heartbeat("g", a, null, 1, now)).isEqualTo(GroupError.REBALANCE_IN_PROGRESS);
        CompletableFuture<JoinResult> ja2 = membership.join(join(a, null, 3000), now);
        assertThat(ja2.join().generationId()).isEqualTo(2);
        assertThat(ja2.join().members()).extracting(GroupTypes.JoinedMember::memberId).containsExactlyInAnyOrder(a, b);
        assertThat(jb.join().members()).isEmpty();

        CompletableFuture<SyncResult> sb = membership.sync(new SyncRequest("g", 2, b, null, null, null, List.of()), now);
        assertThat(sb).isNotDone();
        assertThat(sync(a, 2, Map.of(a, new byte[]{1}, b, new byte[]{2})).assignment()).containsExactly(1);
        assertThat(sb.join().assignment()).containsExactly(2);
        assertThat(membership.describe("g").orElseThrow().state()).isEqualTo(GroupState.STABLE);
        assertThat(membership.heartbeat("g", b, null, 1, now)).isEqualTo(GroupError.ILLEGAL_GENERATION);
        assertThat(membership.heartbeat("g", "nobody", null, 2, now)).isEqualTo(GroupError.UNKNOWN_MEMBER_ID);
    }

    @Test
    void aSilentMemberExpiresAfterItsSessionAndTheOtherRejoins() {
        String a = newMember();
        membership.join(join(a, null, 3000), now).join();
        sync(a, 1, Map.of(a, new byte[0]));
        String b = newMember();
        CompletableFuture<JoinResult> jb = membership.join(join(b, null, 3000), now);
        membership.join(join(a, null, 3000), now).join();
        jb.join();
        sync(a, 2, Map.of());
        // b never syncs nor heartbeats; a keeps heartbeating.
        now += 2000;
        assertThat(membership.heartbeat("g", a, null, 2, now)).isEqualTo(GroupError.NONE);
        poll();
        assertThat(membership.describe("g").orElseThrow().members()).hasSize(2);
        now += 1500;
        membership.heartbeat("g", a, null, 2, now);
        poll();
        assertThat(membership.describe("g").orElseThrow().members()).extracting(GroupTypes.MemberDescription::memberId).containsExactly(a);
        assertThat(membership.heartbeat("g", a, null, 2, now)).isEqualTo(GroupError.REBALANCE_IN_PROGRESS);
        assertThat(membership.join(join(a, null, 3000), now).join().generationId()).isEqualTo(3);
    }

    @Test
    void staticMembersAreFencedByANewerInstance() {
        JoinResult first = membership.join(join("", "instance-1", 3000), now).join();
        assertThat(first.error()).isEqualTo(GroupError.NONE);
        String oldId = first.memberId();
        sync(oldId, first.generationId(), Map.of());
        JoinResult second = membership.join(join("", "instance-1", 3000), now).join();
        assertThat(second.memberId()).isNotEqualTo(oldId);
        assertThat(membership.heartbeat("g", oldId, "instance-1", second.generationId(), now)).isEqualTo(GroupError.UNKNOWN_MEMBER_ID);
        assertThat(membership.join(join(oldId, "instance-1", 3000), now).join().error()).isEqualTo(GroupError.UNKNOWN_MEMBER_ID);
        assertThat(membership.leave("g", List.of(new GroupTypes.Leaving(oldId, "instance-1")), now).get(0).error())
                .isEqualTo(GroupError.FENCED_INSTANCE_ID);
        assertThat(membership.leave("g", List.of(new GroupTypes.Leaving(second.memberId(), "instance-1")), now).get(0).error())
                .isEqualTo(GroupError.NONE);
        assertThat(membership.describe("g").orElseThrow().state()).isEqualTo(GroupState.EMPTY);
    }

    @Test
    void protocolsMustBeCommonAndSessionTimeoutsInRange() {
        assertThat(membership.join(join("", null, 10), now).join().error()).isEqualTo(GroupError.INVALID_SESSION_TIMEOUT);
        String a = newMember();
        membership.join(join(a, null, 3000), now).join();
        JoinRequest other = new JoinRequest("g", "", null, "c", "h", 3000, 3000, "connect", List.of(new Protocol("x", new byte[0])), false);
        assertThat(membership.join(other, now).join().error()).isEqualTo(GroupError.INCONSISTENT_GROUP_PROTOCOL);
        JoinRequest noCommon = new JoinRequest("g", "", null, "c", "h", 3000, 3000, "consumer", List.of(new Protocol("roundrobin", new byte[0])), false);
        assertThat(membership.join(noCommon, now).join().error()).isEqualTo(GroupError.INCONSISTENT_GROUP_PROTOCOL);
        JoinRequest anyType = new JoinRequest("other", "", null, "c", "h", 3000, 3000, "connect", List.of(new Protocol("v1", new byte[]{7})), false);
        assertThat(membership.join(anyType, now).join().error()).isEqualTo(GroupError.NONE);
    }

    @Test
    void onlyAMemberOfTheCurrentGenerationMayCommitAndCommittingKeepsItAlive() {
        assertThat(membership.admitCommit("", "", null, -1, now)).isEqualTo(GroupError.INVALID_GROUP_ID);
        assertThat(membership.admitCommit("g", "", null, -1, now)).as("standalone, no group yet").isEqualTo(GroupError.NONE);
        String a = newMember();
        membership.join(join(a, null, 3000), now).join();
        assertThat(membership.admitCommit("g", a, null, 1, now)).as("while completing the rebalance").isEqualTo(GroupError.REBALANCE_IN_PROGRESS);
        sync(a, 1, Map.of());
        assertThat(membership.admitCommit("g", a, null, 1, now)).isEqualTo(GroupError.NONE);
        assertThat(membership.admitCommit("g", a, null, 0, now)).isEqualTo(GroupError.ILLEGAL_GENERATION);
        assertThat(membership.admitCommit("g", "stranger", null, 1, now)).isEqualTo(GroupError.UNKNOWN_MEMBER_ID);
        assertThat(membership.admitCommit("g", "", null, -1, now)).as("standalone while the group has members").isEqualTo(GroupError.UNKNOWN_MEMBER_ID);
        assertThat(membership.admitCommit("g", a, "instance-9", 1, now)).isEqualTo(GroupError.FENCED_INSTANCE_ID);
        // Commits count as liveness: a member that only commits outlives its session timeout.
        for (int i = 0; i < 3; i++) {
            now += 2000;
            assertThat(membership.admitCommit("g", a, null, 1, now)).isEqualTo(GroupError.NONE);
            poll();
        }
        assertThat(membership.describe("g").orElseThrow().members()).hasSize(1);
    }

    @Test
    void abandonedGroupsSendWaitingMembersToLookUpTheCoordinatorAgain() {
        String a = newMember();
        membership.join(join(a, null, 3000), now).join();
        sync(a, 1, Map.of());
        String b = newMember();
        CompletableFuture<JoinResult> waiting = membership.join(join(b, null, 3000), now);
        assertThat(waiting).isNotDone();
        membership.abandon(groups.removePartition(0));
        assertThat(waiting.join().error()).isEqualTo(GroupError.NOT_COORDINATOR);
        assertThat(membership.describe("g")).isEmpty();
    }
}
