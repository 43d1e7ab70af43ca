package io.sluice.ops;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Snapshot derivations, rates, lag trend and ETA with time passed in. */
@Timeout(10)
class SnapshotMathTest {

    static ClusterSnapshot snapshot(long atMs, long end0, long end1, long committed0, long committed1) {
        ClusterSnapshot.Topic t = ClusterSnapshot.Topic.of("orders", false, 2, List.of(
                ClusterSnapshot.Partition.of(0, 1, List.of(1, 2, 3), List.of(1, 2, 3), 2, 0, end0, 1000),
                ClusterSnapshot.Partition.of(1, 2, List.of(2, 3, 1), List.of(2, 1), 2, 0, end1, 2000)));
        ClusterSnapshot.Group g = ClusterSnapshot.Group.of("billing", "Stable", 1, List.of(
                new ClusterSnapshot.GroupPartition("orders", 0, committed0, end0, end0 - committed0, -1, "m1"),
                new ClusterSnapshot.GroupPartition("orders", 1, committed1, end1, end1 - committed1, -1, "m1")));
        return ClusterSnapshot.of(atMs, "c1", 1, List.of(new ClusterSnapshot.Node(1, "h1", 9092, null),
                new ClusterSnapshot.Node(2, "h2", 9092, "r2")), Map.of(1, new ClusterSnapshot.LogDirUsage(2, 3000)), List.of(t), List.of(g));
    }

    @Test
    void derivesProblemsAndBrokerTotals() {
        ClusterSnapshot s = snapshot(1000, 100, 50, 90, 40);
        ClusterSnapshot.Partition p1 = s.topic("orders").partition(1);
        assertThat(p1.outOfSync()).containsExactly(3);
        assertThat(p1.underReplicated()).isTrue();
        assertThat(p1.underMinIsr()).isFalse();
        assertThat(s.topic("orders").replicationFactor()).isEqualTo(3);
        assertThat(s.topic("orders").sizeBytes()).isEqualTo(3000);
        assertThat(s.summary()).isEqualTo(new ClusterSnapshot.Summary(2, 1, 1, 2, 0, 1, 0, 20));
        // broker 3 is named as a replica but not live: listed as down, with its out-of-sync replica counted
        ClusterSnapshot.Broker b3 = s.brokers().get(2);
        assertThat(b3.id()).isEqualTo(3);
        assertThat(b3.up()).isFalse();
        assertThat(b3.replicas()).isEqualTo(2);
        assertThat(b3.outOfSyncReplicas()).isEqualTo(1);
        assertThat(b3.logSizeBytes()).isEqualTo(-1);
        assertThat(s.brokers().get(0).leaders()).isEqualTo(1);
        assertThat(s.brokers().get(0).logSizeBytes()).isEqualTo(3000);
    }

    @Test
    void offlineWhenNoLeader() {
        ClusterSnapshot.Partition p = ClusterSnapshot.Partition.of(0, -1, List.of(1, 2), List.of(), 1, -1, -1, -1);
        assertThat(p.offline()).isTrue();
        assertThat(p.underReplicated()).isFalse();
        assertThat(p.underMinIsr()).isTrue();
        assertThat(p.outOfSync()).containsExactly(1, 2);
        assertThat(p.records()).isEqualTo(-1);
    }

    @Test
    void ratesFromOffsetDeltas() {
        ClusterSnapshot a = snapshot(10_000, 100, 50, 90, 40);
        ClusterSnapshot b = snapshot(12_000, 300, 70, 190, 60);
        ClusterRates r = ClusterRates.between(a, b);
        assertThat(r.known()).isTrue();
        assertThat(r.intervalSeconds()).isEqualTo(2.0);
        assertThat(r.partitionIn("orders", 0)).isEqualTo(100.0);
        assertThat(r.partitionIn("orders", 1)).isEqualTo(10.0);
        assertThat(r.topicIn("orders")).isEqualTo(110.0);
        assertThat(r.groupOut("billing")).isEqualTo(60.0);
        assertThat(r.topicOut("orders")).isEqualTo(60.0);
        assertThat(r.inPerSec()).isEqualTo(110.0);
        assertThat(r.outPerSec()).isEqualTo(60.0);
    }

    @Test
    void noRatesWithoutElapsedTimeAndNoNegativeRates() {
        ClusterSnapshot a = snapshot(10_000, 100, 50, 90, 40);
        assertThat(ClusterRates.between(null, a)).isEqualTo(ClusterRates.NONE);
        assertThat(ClusterRates.between(a, a).known()).isFalse();
        ClusterSnapshot recreated = snapshot(11_000, 5, 5, 0, 0);
        assertThat(ClusterRates.between(a, recreated).topicIn("orders")).isZero();
        assertThat(ClusterRates.between(a, recreated).groupOut("billing")).isZero();
    }

    @Test
    void etaWhileDrainingFallingBehindStalledAndCaughtUp() {
        LagTrend t = new LagTrend(10, 60_000);
        assertThat(t.eta("billing").direction()).isEqualTo(LagTrend.Direction.UNKNOWN);
        t = t.with(snapshot(0, 1000, 0, 0, 0));          // lag 1000
        assertThat(t.eta("billing").direction()).isEqualTo(LagTrend.Direction.UNKNOWN);
        t = t.with(snapshot(10_000, 1000, 0, 400, 0));   // lag 600: -40/s
        assertThat(t.eta("billing")).isEqualTo(new LagTrend.Eta(LagTrend.Direction.DRAINING, 15));
        assertThat(t.samples("billing")).extracting(LagTrend.Sample::lag).containsExactly(1000L, 600L);

        LagTrend growing = new LagTrend(10, 60_000).with(snapshot(0, 100, 0, 50, 0)).with(snapshot(5000, 200, 0, 60, 0));
        assertThat(growing.eta("billing").direction()).isEqualTo(LagTrend.Direction.FALLING_BEHIND);
        LagTrend flat = new LagTrend(10, 60_000).with(snapshot(0, 100, 0, 50, 0)).with(snapshot(5000, 100, 0, 50, 0));
        assertThat(flat.eta("billing").direction()).isEqualTo(LagTrend.Direction.STALLED);
        LagTrend done = flat.with(snapshot(6000, 100, 0, 100, 0));
        assertThat(done.eta("billing")).isEqualTo(new LagTrend.Eta(LagTrend.Direction.CAUGHT_UP, 0));
    }

    @Test
    void trendKeepsCapacityAndWindow() {
        LagTrend t = new LagTrend(3, 15_000);
        for (int i = 0; i < 5; i++) {
            t = t.with(snapshot(i * 10_000L, 1000, 0, i * 100L, 0));
        }
        assertThat(t.samples("billing")).extracting(LagTrend.Sample::timeMs).containsExactly(20_000L, 30_000L, 40_000L);
        // only the sample 10 s back is inside the 15 s window: (600 - 700) / 10 s = -10/s, 600 left -> 60 s
        assertThat(t.eta("billing")).isEqualTo(new LagTrend.Eta(LagTrend.Direction.DRAINING, 60));
        assertThat(t.with(ClusterSnapshot.of(50_000, "c1", 1, List.of(), Map.of(), List.of(), List.of())).samples("billing")).isEmpty();
    }

    @Test
    void tailReadsAtMostCountPerPartitionAndAboutFiveHundredInAll() {
        assertThat(RecordProbe.perPartition(50, 1)).isEqualTo(50);
        assertThat(RecordProbe.perPartition(50, 10)).isEqualTo(50);
        assertThat(RecordProbe.perPartition(50, 100)).isEqualTo(5);
        assertThat(RecordProbe.perPartition(50, 5000)).isEqualTo(1);
    }

    @Test
    void intervalSteps() {
        assertThat(SnapshotPoller.nextInterval(2000, +1)).isEqualTo(5000);
        assertThat(SnapshotPoller.nextInterval(2000, -1)).isEqualTo(1000);
        assertThat(SnapshotPoller.nextInterval(500, -1)).isEqualTo(500);
        assertThat(SnapshotPoller.nextInterval(30_000, +1)).isEqualTo(30_000);
        assertThat(SnapshotPoller.nextInterval(3000, +1)).isEqualTo(5000);
        assertThat(SnapshotPoller.nextInterval(3000, -1)).isEqualTo(2000);
    }

    @Test
    void groupLagSkipsUnknownAndSumsTimeLag() {
        ClusterSnapshot.Group g = ClusterSnapshot.Group.of("g", "Empty", 0, List.of(
                new ClusterSnapshot.GroupPartition("t", 0, -1, 10, -1, -1, ""),
                new ClusterSnapshot.GroupPartition("t", 1, 5, 10, 5, 3000, "")));
        assertThat(g.totalLag()).isEqualTo(5);
        assertThat(g.maxTimeLagMs()).isEqualTo(3000);
    }
}
