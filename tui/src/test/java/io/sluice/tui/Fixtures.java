package io.sluice.tui;

import io.sluice.ops.ClusterSnapshot;
import io.sluice.ops.ClusterSnapshot.GroupPartition;
import io.sluice.ops.ClusterSnapshot.Partition;
import io.sluice.ops.SnapshotPoller;

import java.util.List;
import java.util.Map;

/**
 * Hand-built cluster states: three brokers with broker 3 down, so orders-0 and orders-1 are under-replicated (3 out of
 * the ISR), orders-2 (only on broker 3) is offline, and so are the three partitions of the internal
 * __consumer_offsets (its partition 2 led by broker 1 as broker 3, its preferred replica, is down); payments is
 * healthy; group billing lags and its lag grows (lag status WARN), audit is caught up.
 */
final class Fixtures {
    static final long T0 = 1_700_000_000_000L;

    private Fixtures() {
    }

    static ClusterSnapshot snapshot(long atMs, long ordersEnd, long billingCommitted) {
        ClusterSnapshot.Topic orders = ClusterSnapshot.Topic.of("orders", false, 2, List.of(
                Partition.of(0, 1, List.of(1, 2, 3), List.of(1, 2), 2, 0, ordersEnd, 4_200_000),
                Partition.of(1, 2, List.of(2, 3, 1), List.of(2, 1), 2, 10, ordersEnd / 2, 2_100_000),
                Partition.of(2, -1, List.of(3), List.of(), 2, -1, -1, -1)));
        ClusterSnapshot.Topic payments = ClusterSnapshot.Topic.of("payments", false, 1, List.of(
                Partition.of(0, 1, List.of(1, 2), List.of(1, 2), 1, 0, 500, 51_000),
                Partition.of(1, 2, List.of(2, 1), List.of(2, 1), 1, 0, 700, 72_000)));
        ClusterSnapshot.Topic offsets = ClusterSnapshot.Topic.of("__consumer_offsets", true, 1, List.of(
                Partition.of(0, 1, List.of(1, 2, 3), List.of(1, 2), 1, 0, 40, 4_000),
                Partition.of(1, 2, List.of(2, 3, 1), List.of(2, 1), 1, 0, 30, 3_000),
                Partition.of(2, 1, List.of(3, 1, 2), List.of(1, 2), 1, 0, 20, 2_000)));
        ClusterSnapshot.Group billing = ClusterSnapshot.Group.of("billing", "Stable", 2, List.of(
                new GroupPartition("orders", 0, billingCommitted, ordersEnd, ordersEnd - billingCommitted, 42_000, "consumer-1-abc"),
                new GroupPartition("orders", 1, ordersEnd / 2, ordersEnd / 2, 0, 0, "consumer-2-def")));
        ClusterSnapshot.Group audit = ClusterSnapshot.Group.of("audit", "Empty", 0, List.of(
                new GroupPartition("payments", 0, 500, 500, 0, 0, ""),
                new GroupPartition("payments", 1, 700, 700, 0, 0, "")));
        return ClusterSnapshot.of(atMs, "sluice-test-cluster", 1,
                List.of(new ClusterSnapshot.Node(1, "10.0.0.1", 9092, "rack-a"), new ClusterSnapshot.Node(2, "10.0.0.2", 9092, "rack-b")),
                Map.of(1, new ClusterSnapshot.LogDirUsage(4, 6_423_000), 2, new ClusterSnapshot.LogDirUsage(4, 6_423_000)),
                List.of(orders, payments, offsets), List.of(billing, audit))
                .withQuorum(new io.sluice.ops.Quorum(1, 7, 120, List.of(
                        new io.sluice.ops.Quorum.Member(1, "leader", 121, 0, atMs, atMs),
                        new io.sluice.ops.Quorum.Member(2, "voter", 121, 0, atMs - 100, atMs - 100),
                        new io.sluice.ops.Quorum.Member(3, "voter", -1, -1, -1, -1),
                        new io.sluice.ops.Quorum.Member(4, "observer", 109, 12, atMs - 300, atMs - 9_000))));
    }

    /**
     * Four snapshots 10 s apart, the last at T0 + 10 s: in the last 10 s orders grew by 4,500 records (450/s) and billing
     * committed 2,500 more (250/s); billing's lag on orders-0 grew 1,000 -> 1,500 -> 2,000 -> 4,000 while its committed
     * offset moved, over the whole 30 s lag window: WARN.
     */
    static SnapshotPoller.State state() {
        SnapshotPoller.Observation o = SnapshotPoller.Observation.first(snapshot(T0 - 20_000, 4_000, 3_000))
                .then(snapshot(T0 - 10_000, 7_000, 5_500))
                .then(snapshot(T0, 10_000, 8_000))
                .then(snapshot(T0 + 10_000, 13_000, 9_000));
        return new SnapshotPoller.State(o, T0 + 10_000, T0 + 10_000, null, null, 2000, false, null);
    }
}
