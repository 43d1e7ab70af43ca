package io.sluice.brokerd.controller;

import io.sluice.brokerd.metadata.BrokerRegistration;
import io.sluice.brokerd.metadata.MetadataImage;
import io.sluice.brokerd.metadata.PartitionState;
import io.sluice.brokerd.metadata.TopicInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** The controller's transition rules: placement, fencing, elections and ISR changes, without Raft. */
@Timeout(30)
class MetadataApplierTest {

    private static MetadataImage apply(MetadataImage image, MetadataCommand c) {
        return MetadataApplier.apply(image, c).image();
    }

    private static MetadataImage cluster(int brokers, String... racks) {
        MetadataImage image = MetadataImage.EMPTY;
        for (int id = 1; id <= brokers; id++) {
            String rack = racks.length == 0 ? "" : racks[(id - 1) % racks.length];
            image = apply(image, new MetadataCommand.RegisterBroker(id, "127.0.0.1", 9000 + id, rack, "inc-" + id, java.util.List.of()));
        }
        return image;
    }

    @Test
    void placementSpreadsLeadersAndReplicasEvenlyAndAcrossRacks() {
        MetadataImage image = apply(cluster(6, "a", "b", "c"),
                new MetadataCommand.CreateTopic("orders", UUID.randomUUID(), 12, (short) 3, Map.of()));
        TopicInfo t = image.topic("orders").orElseThrow();
        Map<Integer, Integer> leaders = new HashMap<>();
        Map<Integer, Integer> replicas = new HashMap<>();
        for (PartitionState p : t.partitionStates()) {
            assertThat(p.replicas()).doesNotHaveDuplicates().hasSize(3);
            assertThat(p.isr()).isEqualTo(p.replicas());
            assertThat(p.leader()).isEqualTo(p.replicas().get(0));
            List<String> racks = p.replicas().stream().map(r -> image.broker(r).orElseThrow().rack()).toList();
            assertThat(racks).doesNotHaveDuplicates();
            leaders.merge(p.leader(), 1, Integer::sum);
            p.replicas().forEach(r -> replicas.merge(r, 1, Integer::sum));
        }
        assertThat(leaders.values()).containsOnly(2);
        assertThat(replicas.values()).containsOnly(6);

        MetadataImage grown = apply(image, new MetadataCommand.CreatePartitions("orders", 18));
        assertThat(grown.topic("orders").orElseThrow().partitionStates().subList(0, 12)).isEqualTo(t.partitionStates());
        assertThat(grown.topic("orders").orElseThrow().partitions()).isEqualTo(18);
    }

    @Test
    void refusesWhatKafkaRefuses() {
        MetadataImage image = cluster(2);
        image = apply(image, new MetadataCommand.CreateTopic("t", UUID.randomUUID(), 1, (short) 2, Map.of()));
        assertThat(MetadataApplier.apply(image, new MetadataCommand.CreateTopic("t", UUID.randomUUID(), 1, (short) 1, Map.of()))
                .result().error()).isEqualTo(ControllerError.TOPIC_EXISTS);
        assertThat(MetadataApplier.apply(image, new MetadataCommand.CreateTopic("u", UUID.randomUUID(), 1, (short) 3, Map.of()))
                .result().error()).isEqualTo(ControllerError.INVALID_REPLICATION_FACTOR);
        assertThat(MetadataApplier.apply(image, new MetadataCommand.CreatePartitions("t", 1)).result().error())
                .isEqualTo(ControllerError.INVALID_PARTITIONS);
        assertThat(MetadataApplier.apply(image, new MetadataCommand.DeleteTopic("nope")).result().error())
                .isEqualTo(ControllerError.UNKNOWN_TOPIC);
        assertThat(MetadataApplier.apply(image, new MetadataCommand.FenceBroker(1, "another-process", "x")).result().error())
                .isEqualTo(ControllerError.UNKNOWN_BROKER);
        MetadataApplier.Applied init = MetadataApplier.apply(image, new MetadataCommand.InitCluster("first"));
        assertThat(MetadataApplier.apply(init.image(), new MetadataCommand.InitCluster("second")).result().text()).isEqualTo("first");
    }

    /**
     * A committed command with a huge partition count (as one got into the log before the handlers bounded it) is
     * refused when applied, on every replica and at every replay, instead of sizing lists from it (OutOfMemoryError
     * in Ratis' apply thread).
     */
    @Test
    void hugePartitionCountsAreRefusedNotAllocated() {
        MetadataImage image = apply(cluster(1), new MetadataCommand.CreateTopic("t", UUID.randomUUID(), 1, (short) 1, Map.of()));
        MetadataApplier.Applied topic = MetadataApplier.apply(image,
                new MetadataCommand.CreateTopic("huge", UUID.randomUUID(), Integer.MAX_VALUE, (short) 1, Map.of()));
        assertThat(topic.result().error()).isEqualTo(ControllerError.INVALID_PARTITIONS);
        assertThat(topic.image()).isSameAs(image);
        MetadataApplier.Applied partitions = MetadataApplier.apply(image, new MetadataCommand.CreatePartitions("t", Integer.MAX_VALUE));
        assertThat(partitions.result().error()).isEqualTo(ControllerError.INVALID_PARTITIONS);
        assertThat(partitions.image()).isSameAs(image);
        assertThat(apply(image, new MetadataCommand.CreatePartitions("t", 10_001)).topic("t").orElseThrow().partitions()).isEqualTo(10_001);
    }

    /** A manual assignment is where the replicas go; the ISR is its live brokers and the first of them leads. */
    @Test
    void manualAssignmentsPlaceReplicasAsGivenAndLeadFromTheLiveOnes() {
        MetadataImage image = apply(cluster(3), new MetadataCommand.FenceBroker(3, "inc-3", "test"));
        image = apply(image, new MetadataCommand.CreateTopic("m", UUID.randomUUID(), 2, (short) 2, Map.of(),
                List.of(List.of(3, 1), List.of(2, 3))));
        TopicInfo m = image.topic("m").orElseThrow();
        assertThat(m.partition(0).replicas()).containsExactly(3, 1);
        assertThat(m.partition(0).isr()).containsExactly(1);
        assertThat(m.partition(0).leader()).isEqualTo(1);
        assertThat(m.partition(1).replicas()).containsExactly(2, 3);
        assertThat(m.partition(1).leader()).isEqualTo(2);

        image = apply(image, new MetadataCommand.CreatePartitions("m", 3, List.of(List.of(1, 2))));
        assertThat(image.topic("m").orElseThrow().partition(2).replicas()).containsExactly(1, 2);

        MetadataApplier.Applied allFenced = MetadataApplier.apply(image, new MetadataCommand.CreateTopic("f", UUID.randomUUID(), 1, (short) 1,
                Map.of(), List.of(List.of(3))));
        assertThat(allFenced.result().error()).isEqualTo(ControllerError.INVALID_REPLICA_ASSIGNMENT);
        MetadataApplier.Applied unknown = MetadataApplier.apply(image, new MetadataCommand.CreatePartitions("m", 4, List.of(List.of(1, 9))));
        assertThat(unknown.result().error()).isEqualTo(ControllerError.INVALID_REPLICA_ASSIGNMENT);
        assertThat(unknown.image()).isSameAs(image);
    }

    @Test
    void fencingMovesLeadershipWithinTheIsrAndRegistrationRestoresOfflinePartitions() {
        MetadataImage image = cluster(3);
        image = apply(image, new MetadataCommand.CreateTopic("t", UUID.randomUUID(), 1, (short) 3, Map.of()));
        PartitionState p0 = image.topic("t").orElseThrow().partition(0);
        int first = p0.leader();

        image = apply(image, new MetadataCommand.FenceBroker(first, "inc-" + first, "test"));
        PartitionState p1 = image.topic("t").orElseThrow().partition(0);
        assertThat(p1.leader()).isNotEqualTo(first).isIn(p0.isr());
        assertThat(p1.isr()).doesNotContain(first).hasSize(2);
        assertThat(p1.leaderEpoch()).isEqualTo(p0.leaderEpoch() + 1);

        int second = p1.leader();
        image = apply(image, new MetadataCommand.FenceBroker(second, "inc-" + second, "test"));
        int third = image.topic("t").orElseThrow().partition(0).leader();
        image = apply(image, new MetadataCommand.FenceBroker(third, "inc-" + third, "test"));
        PartitionState offline = image.topic("t").orElseThrow().partition(0);
        assertThat(offline.leader()).isEqualTo(PartitionState.NO_LEADER);
        assertThat(offline.isr()).containsExactly(third);

        // The first broker back is out of the ISR: no unclean election without the topic's opt-in.
        image = apply(image, new MetadataCommand.RegisterBroker(first, "127.0.0.1", 1, "", "inc-again", java.util.List.of()));
        assertThat(image.topic("t").orElseThrow().partition(0).leader()).isEqualTo(PartitionState.NO_LEADER);
        // The last ISR member back leads again.
        image = apply(image, new MetadataCommand.RegisterBroker(third, "127.0.0.1", 1, "", "inc-again", java.util.List.of()));
        assertThat(image.topic("t").orElseThrow().partition(0).leader()).isEqualTo(third);
    }

    @Test
    void anOfflineLogDirectoryMovesLeadershipsAndIsrsUntilTheBrokerRestarts() {
        MetadataImage image = apply(cluster(3), new MetadataCommand.CreateTopic("t", UUID.randomUUID(), 3, (short) 3, Map.of()));
        image = apply(image, new MetadataCommand.CreateTopic("single", UUID.randomUUID(), 3, (short) 1, Map.of()));
        int led = -1;
        for (PartitionState p : image.topic("t").orElseThrow().partitionStates()) {
            if (p.leader() == 1) {
                led = p.partition();
            }
        }
        int onlyOn1 = -1;
        for (PartitionState p : image.topic("single").orElseThrow().partitionStates()) {
            if (p.replicas().equals(List.of(1))) {
                onlyOn1 = p.partition();
            }
        }
        PartitionState before = image.topic("t").orElseThrow().partition(led);

        MetadataApplier.Applied applied = MetadataApplier.apply(image, new MetadataCommand.LogDirOffline(1, "inc-1", "/data/1", "EIO"));
        assertThat(applied.result().isOk()).isTrue();
        MetadataImage offline = applied.image();
        BrokerRegistration b1 = offline.broker(1).orElseThrow();
        assertThat(b1.fenced()).as("still registered and heartbeating").isFalse();
        assertThat(b1.logDirOffline()).isTrue();
        PartitionState moved = offline.topic("t").orElseThrow().partition(led);
        assertThat(moved.leader()).as("an in-sync replica leads").isIn(2, 3);
        assertThat(moved.leaderEpoch()).isEqualTo(before.leaderEpoch() + 1);
        for (PartitionState p : offline.topic("t").orElseThrow().partitionStates()) {
            assertThat(p.isr()).as("broker 1 left every ISR").doesNotContain(1).isNotEmpty();
        }
        PartitionState single = offline.topic("single").orElseThrow().partition(onlyOn1);
        assertThat(single.isOnline()).as("its only replica is offline").isFalse();
        assertThat(single.isr()).containsExactly(1);

        // It gets no new replica, leads nothing, joins no ISR.
        MetadataImage created = apply(offline, new MetadataCommand.CreateTopic("new", UUID.randomUUID(), 6, (short) 2, Map.of()));
        assertThat(created.topic("new").orElseThrow().partitionStates()).allMatch(p -> !p.replicas().contains(1));
        assertThat(MetadataApplier.apply(offline, new MetadataCommand.AlterPartition("t", led, moved.leader(), moved.leaderEpoch(),
                moved.partitionEpoch(), List.of(moved.leader(), 1))).result().isOk()).isFalse();
        assertThat(MetadataApplier.preferredElectionsDue(offline)).as("no election hands a partition back to broker 1")
                .noneMatch(e -> offline.topic(e.topic()).orElseThrow().partition(e.partition()).replicas().get(0) == 1);
        // The same process registering again (after a fence) stays offline; a restart comes back.
        MetadataImage again = apply(offline, new MetadataCommand.RegisterBroker(1, "127.0.0.1", 9001, "", "inc-1", List.of()));
        assertThat(again.broker(1).orElseThrow().logDirOffline()).isTrue();
        assertThat(again.topic("single").orElseThrow().partition(onlyOn1).isOnline()).isFalse();
        MetadataImage restarted = apply(offline, new MetadataCommand.RegisterBroker(1, "127.0.0.1", 9001, "", "inc-1b", List.of()));
        assertThat(restarted.broker(1).orElseThrow().logDirOffline()).isFalse();
        assertThat(restarted.topic("single").orElseThrow().partition(onlyOn1).leader()).isEqualTo(1);
        // Another process's report is refused.
        assertThat(MetadataApplier.apply(image, new MetadataCommand.LogDirOffline(1, "someone-else", "/data/1", "EIO"))
                .result().error()).isEqualTo(ControllerError.UNKNOWN_BROKER);
    }

    @Test
    void aLeaderWithADamagedCopyHandsOverToAnInSyncReplicaAndLeavesTheIsr() {
        MetadataImage image = apply(cluster(3), new MetadataCommand.CreateTopic("t", UUID.randomUUID(), 1, (short) 3, Map.of()));
        PartitionState p = image.topic("t").orElseThrow().partition(0);
        int leader = p.leader();
        MetadataApplier.Applied stale = MetadataApplier.apply(image,
                new MetadataCommand.ResignLeadership("t", 0, leader, p.leaderEpoch() - 1, "damaged"));
        assertThat(stale.result().error()).isEqualTo(ControllerError.FENCED_LEADER_EPOCH);

        MetadataApplier.Applied applied = MetadataApplier.apply(image,
                new MetadataCommand.ResignLeadership("t", 0, leader, p.leaderEpoch(), "damaged"));
        assertThat(applied.result().isOk()).isTrue();
        PartitionState after = applied.image().topic("t").orElseThrow().partition(0);
        int expected = p.replicas().stream().filter(r -> r != leader).findFirst().orElseThrow();
        assertThat(after.leader()).isEqualTo(expected);
        assertThat(after.isr()).doesNotContain(leader).hasSize(2);
        assertThat(after.leaderEpoch()).isEqualTo(p.leaderEpoch() + 1);

        // Alone in the ISR, it keeps leading.
        MetadataImage alone = apply(cluster(3), new MetadataCommand.CreateTopic("s", UUID.randomUUID(), 1, (short) 1, Map.of()));
        PartitionState single = alone.topic("s").orElseThrow().partition(0);
        assertThat(MetadataApplier.apply(alone, new MetadataCommand.ResignLeadership("s", 0, single.leader(), single.leaderEpoch(),
                "damaged")).result().error()).isEqualTo(ControllerError.ELIGIBLE_LEADERS_NOT_AVAILABLE);
    }

    @Test
    void uncleanElectionOnlyWhereTheTopicOptsIn() {
        MetadataImage image = cluster(2);
        image = apply(image, new MetadataCommand.CreateTopic("t", UUID.randomUUID(), 1, (short) 2,
                Map.of("unclean.leader.election.enable", "true")));
        PartitionState p = image.topic("t").orElseThrow().partition(0);
        int follower = p.replicas().get(1);
        image = apply(image, new MetadataCommand.AlterPartition("t", 0, p.leader(), p.leaderEpoch(), p.partitionEpoch(), List.of(p.leader())));
        image = apply(image, new MetadataCommand.FenceBroker(p.leader(), "inc-" + p.leader(), "test"));
        PartitionState after = image.topic("t").orElseThrow().partition(0);
        assertThat(after.leader()).isEqualTo(follower);
        assertThat(after.isr()).containsExactly(follower);
    }

    @Test
    void preferredAndUncleanElections() {
        MetadataImage image = cluster(3);
        image = apply(image, new MetadataCommand.CreateTopic("t", UUID.randomUUID(), 1, (short) 3, Map.of()));
        PartitionState p = image.topic("t").orElseThrow().partition(0);
        int preferred = p.replicas().get(0);
        assertThat(MetadataApplier.apply(image, new MetadataCommand.ElectLeader("t", 0, false)).result().error())
                .isEqualTo(ControllerError.ELECTION_NOT_NEEDED);
        image = apply(image, new MetadataCommand.FenceBroker(preferred, "inc-" + preferred, "test"));
        assertThat(MetadataApplier.preferredElectionsDue(image)).isEmpty();
        assertThat(MetadataApplier.apply(image, new MetadataCommand.ElectLeader("t", 0, false)).result().error())
                .isEqualTo(ControllerError.PREFERRED_LEADER_NOT_AVAILABLE);
        // Back, and (after catching up) in the ISR again: the rebalance moves leadership home.
        image = apply(image, new MetadataCommand.RegisterBroker(preferred, "127.0.0.1", 1, "", "inc-" + preferred, java.util.List.of()));
        PartitionState away = image.topic("t").orElseThrow().partition(0);
        List<Integer> full = new ArrayList<>(away.isr());
        full.add(preferred);
        image = apply(image, new MetadataCommand.AlterPartition("t", 0, away.leader(), away.leaderEpoch(), away.partitionEpoch(), full));
        assertThat(MetadataApplier.preferredElectionsDue(image)).containsExactly(new MetadataCommand.ElectLeader("t", 0, false));
        MetadataImage home = apply(image, new MetadataCommand.ElectLeader("t", 0, false));
        assertThat(home.topic("t").orElseThrow().partition(0).leader()).isEqualTo(preferred);
        assertThat(home.topic("t").orElseThrow().partition(0).leaderEpoch()).isEqualTo(away.leaderEpoch() + 1);

        // Unclean: an offline partition takes any live replica, with an ISR of just that replica.
        MetadataImage offline = cluster(2);
        offline = apply(offline, new MetadataCommand.CreateTopic("u", UUID.randomUUID(), 1, (short) 2, Map.of()));
        PartitionState u = offline.topic("u").orElseThrow().partition(0);
        int first = u.leader();
        int second = u.replicas().get(1);
        offline = apply(offline, new MetadataCommand.AlterPartition("u", 0, first, u.leaderEpoch(), u.partitionEpoch(), List.of(first)));
        offline = apply(offline, new MetadataCommand.FenceBroker(first, "inc-" + first, "test"));
        assertThat(offline.topic("u").orElseThrow().partition(0).isOnline()).isFalse();
        MetadataImage forced = apply(offline, new MetadataCommand.ElectLeader("u", 0, true));
        assertThat(forced.topic("u").orElseThrow().partition(0).leader()).isEqualTo(second);
        assertThat(forced.topic("u").orElseThrow().partition(0).isr()).containsExactly(second);
    }

    @Test
    void reassignmentAddsReplicasAndCompletesWhenTheyAreInSync() {
        MetadataImage image = cluster(4);
        image = apply(image, new MetadataCommand.CreateTopic("t", UUID.randomUUID(), 1, (short) 2, Map.of()));
        PartitionState p = image.topic("t").orElseThrow().partition(0);
        List<Integer> target = new ArrayList<>(List.of(1, 2, 3, 4));
        target.removeAll(p.replicas());
        // Move to the two brokers that hold no replica yet.
        image = apply(image, new MetadataCommand.ReassignPartition("t", 0, target));
        PartitionState moving = image.topic("t").orElseThrow().partition(0);
        assertThat(moving.isReassigning()).isTrue();
        assertThat(moving.replicas()).containsExactly(target.get(0), target.get(1), p.replicas().get(0), p.replicas().get(1));
        assertThat(moving.addingReplicas()).containsExactlyElementsOf(target);
        assertThat(moving.removingReplicas()).containsExactlyElementsOf(p.replicas());
        assertThat(moving.leader()).isEqualTo(p.leader());
        assertThat(moving.targetReplicas()).containsExactlyElementsOf(target);

        // One new replica catches up: still moving.
        List<Integer> isr1 = new ArrayList<>(moving.isr());
        isr1.add(target.get(0));
        image = apply(image, new MetadataCommand.AlterPartition("t", 0, moving.leader(), moving.leaderEpoch(), moving.partitionEpoch(), isr1));
        PartitionState half = image.topic("t").orElseThrow().partition(0);
        assertThat(half.isReassigning()).isTrue();
        // The second catches up: the move completes, the old replicas leave and leadership moves to the target.
        List<Integer> isr2 = new ArrayList<>(half.isr());
        isr2.add(target.get(1));
        image = apply(image, new MetadataCommand.AlterPartition("t", 0, half.leader(), half.leaderEpoch(), half.partitionEpoch(), isr2));
        PartitionState done = image.topic("t").orElseThrow().partition(0);
        assertThat(done.isReassigning()).isFalse();
        assertThat(done.replicas()).containsExactlyElementsOf(target);
        assertThat(done.isr()).containsExactlyInAnyOrderElementsOf(target);
        assertThat(done.leader()).isEqualTo(target.get(0));
        assertThat(done.leaderEpoch()).isEqualTo(p.leaderEpoch() + 1);

        // Refusals: unknown brokers, repeats, cancelling nothing.
        assertThat(MetadataApplier.apply(image, new MetadataCommand.ReassignPartition("t", 0, List.of(1, 9))).result().error())
                .isEqualTo(ControllerError.INVALID_REPLICA_ASSIGNMENT);
        assertThat(MetadataApplier.apply(image, new MetadataCommand.ReassignPartition("t", 0, List.of(1, 1))).result().error())
                .isEqualTo(ControllerError.INVALID_REPLICA_ASSIGNMENT);
        assertThat(MetadataApplier.apply(image, new MetadataCommand.ReassignPartition("t", 0, null)).result().error())
                .isEqualTo(ControllerError.NO_REASSIGNMENT_IN_PROGRESS);
    }

    @Test
    void cancellingAReassignmentRestoresTheOriginalReplicas() {
        MetadataImage image = cluster(3);
        image = apply(image, new MetadataCommand.CreateTopic("t", UUID.randomUUID(), 1, (short) 2, Map.of()));
        PartitionState p = image.topic("t").orElseThrow().partition(0);
        int spare = List.of(1, 2, 3).stream().filter(b -> !p.replicas().contains(b)).findFirst().orElseThrow();
        image = apply(image, new MetadataCommand.ReassignPartition("t", 0, List.of(spare, p.replicas().get(0))));
        assertThat(image.topic("t").orElseThrow().partition(0).isReassigning()).isTrue();
        image = apply(image, new MetadataCommand.ReassignPartition("t", 0, null));
        PartitionState back = image.topic("t").orElseThrow().partition(0);
        assertThat(back.isReassigning()).isFalse();
        assertThat(back.replicas()).containsExactlyElementsOf(p.replicas());
        assertThat(back.leader()).isEqualTo(p.leader());
    }

    @Test
    void alterPartitionIsFencedByLeaderAndPartitionEpochs() {
        MetadataImage image = cluster(3);
        image = apply(image, new MetadataCommand.CreateTopic("t", UUID.randomUUID(), 1, (short) 3, Map.of()));
        PartitionState p = image.topic("t").orElseThrow().partition(0);
        List<Integer> shrunk = List.of(p.leader(), p.replicas().get(1));
        MetadataApplier.Applied ok = MetadataApplier.apply(image, new MetadataCommand.AlterPartition("t", 0, p.leader(),
                p.leaderEpoch(), p.partitionEpoch(), shrunk));
        assertThat(ok.result().isOk()).isTrue();
        assertThat(ok.image().topic("t").orElseThrow().partition(0).isr()).isEqualTo(shrunk);
        // The same request again names an old partition epoch.
        assertThat(MetadataApplier.apply(ok.image(), new MetadataCommand.AlterPartition("t", 0, p.leader(), p.leaderEpoch(),
                p.partitionEpoch(), p.replicas())).result().error()).isEqualTo(ControllerError.INVALID_UPDATE_VERSION);
        assertThat(MetadataApplier.apply(ok.image(), new MetadataCommand.AlterPartition("t", 0, p.replicas().get(1), p.leaderEpoch(),
                p.partitionEpoch() + 1, shrunk)).result().error()).isEqualTo(ControllerError.FENCED_LEADER_EPOCH);
        assertThat(MetadataApplier.apply(ok.image(), new MetadataCommand.AlterPartition("t", 0, p.leader(), p.leaderEpoch(),
                p.partitionEpoch() + 1, List.of(p.replicas().get(1)))).result().error()).isEqualTo(ControllerError.INVALID_REQUEST);
    }

    /**
     * Seeded random runs of registrations, fencings, topic creations and ISR changes over five brokers; after every
     * step: a leader is a live member of its ISR, the ISR is a non-empty subset of the replicas, an ISR of more
     * than one holds only live brokers, an offline partition has no live ISR member, epochs never go back, every
     * leader change raises the leader epoch, and (no topic opts into unclean election) every new leader was in
     * the previous ISR.
     */
    @Test
    void electionAndIsrInvariantsHoldUnderRandomHistories() {
        for (long seed = 1; seed <= 100; seed++) {
            Random rnd = new Random(seed);
            MetadataImage image = MetadataImage.EMPTY;
            Map<Integer, String> incarnations = new HashMap<>();
            int topics = 0;
            for (int step = 0; step < 120; step++) {
                MetadataCommand c = randomCommand(rnd, image, incarnations, topics);
                if (c instanceof MetadataCommand.CreateTopic) {
                    topics++;
                }
                if (c instanceof MetadataCommand.RegisterBroker r) {
                    incarnations.put(r.nodeId(), r.incarnation());
                }
                MetadataImage next = MetadataApplier.apply(image, c).image();
                checkInvariants(seed, step, c, image, next);
                image = next;
            }
        }
    }

    private static MetadataCommand randomCommand(Random rnd, MetadataImage image, Map<Integer, String> incarnations, int topics) {
        int kind = rnd.nextInt(10);
        int broker = 1 + rnd.nextInt(5);
        if (kind < 3 || image.brokers().isEmpty()) {
            return new MetadataCommand.RegisterBroker(broker, "127.0.0.1", 9000 + broker, "", "inc-" + rnd.nextInt(1_000_000), java.util.List.of());
        }
        if (kind < 5) {
            return rnd.nextInt(3) == 0 ? new MetadataCommand.LogDirOffline(broker, incarnations.get(broker), "/data", "test")
                    : new MetadataCommand.FenceBroker(broker, incarnations.get(broker), "test");
        }
        if (kind < 7 || image.topics().isEmpty()) {
            return new MetadataCommand.CreateTopic("t" + topics, UUID.randomUUID(), 1 + rnd.nextInt(4), (short) (1 + rnd.nextInt(3)), Map.of());
        }
        List<TopicInfo> all = new ArrayList<>(image.topics().values());
        TopicInfo t = all.get(rnd.nextInt(all.size()));
        PartitionState p = t.partition(rnd.nextInt(t.partitions()));
        List<Integer> isr = new ArrayList<>(p.replicas());
        Collections.shuffle(isr, rnd);
        isr = new ArrayList<>(isr.subList(0, 1 + rnd.nextInt(isr.size())));
        if (p.leader() >= 0 && !isr.contains(p.leader())) {
            isr.add(p.leader());
        }
        int epochSkew = rnd.nextInt(4) == 0 ? -1 : 0;
        return new MetadataCommand.AlterPartition(t.name(), p.partition(), p.leader(), p.leaderEpoch() + epochSkew, p.partitionEpoch(), isr);
    }

    private static void checkInvariants(long seed, int step, MetadataCommand c, MetadataImage before, MetadataImage after) {
        String where = "seed " + seed + " step " + step + " after " + c;
        for (TopicInfo t : after.topics().values()) {
            TopicInfo old = before.topics().get(t.name());
            for (PartitionState p : t.partitionStates()) {
                assertThat(p.isr()).as(where).isNotEmpty().doesNotHaveDuplicates();
                assertThat(p.replicas()).as(where).containsAll(p.isr());
                if (p.isOnline()) {
                    assertThat(p.isr()).as(where).contains(p.leader());
                    assertThat(live(after, p.leader())).as(where + ": leader " + p.leader() + " is live").isTrue();
                } else {
                    assertThat(p.isr()).as(where + ": offline only when no ISR member is live").noneMatch(r -> live(after, r));
                }
                if (p.isr().size() > 1) {
                    assertThat(p.isr()).as(where + ": a multi-member ISR holds live brokers only").allMatch(r -> live(after, r));
                }
                if (old != null && p.partition() < old.partitions()) {
                    PartitionState was = old.partition(p.partition());
                    assertThat(p.leaderEpoch()).as(where).isGreaterThanOrEqualTo(was.leaderEpoch());
                    assertThat(p.partitionEpoch()).as(where).isGreaterThanOrEqualTo(was.partitionEpoch());
                    if (p.leader() != was.leader()) {
                        assertThat(p.leaderEpoch()).as(where + ": leader change raises the epoch").isGreaterThan(was.leaderEpoch());
                        if (p.isOnline()) {
                            assertThat(was.isr()).as(where + ": clean election").contains(p.leader());
                        }
                    }
                }
            }
        }
    }

    /** May lead and be in a multi-member ISR: registered, not fenced, its log directory online. */
    private static boolean live(MetadataImage image, int id) {
        BrokerRegistration b = image.brokers().get(id);
        return b != null && b.canHostReplicas();
    }
}
