package io.sluice.ops;

import io.sluice.ops.ClusterSnapshot.Partition;
import io.sluice.ops.ClusterSnapshot.Topic;
import io.sluice.ops.Doctor.Finding;
import io.sluice.ops.Doctor.Severity;
import io.sluice.ops.LagEvaluator.Status;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Each doctor check from hand-made facts: what it finds, how bad, and the command it suggests. */
@Timeout(10)
class DoctorTest {
    static final long NOW = 1_700_000_000_000L;
    static final long MIB = 1L << 20;
    static final long GIB = 1L << 30;

    static ClusterSnapshot.Node node(int id) {
        return new ClusterSnapshot.Node(id, "10.0.0." + id, 9092, null);
    }

    static ClusterSnapshot snapshot(List<Integer> live, List<Topic> topics) {
        return ClusterSnapshot.of(NOW, "c1", live.get(0), live.stream().map(DoctorTest::node).toList(), Map.of(), topics, List.of());
    }

    /** A healthy topic on brokers 1,2,3 led by its preferred replica. */
    static Topic healthy(String name, int partitions) {
        List<Partition> parts = new ArrayList<>();
        for (int i = 0; i < partitions; i++) {
            List<Integer> replicas = List.of(1 + i % 3, 1 + (i + 1) % 3, 1 + (i + 2) % 3);
            parts.add(Partition.of(i, replicas.get(0), replicas, replicas, 2, 0, 100, 10 * MIB));
        }
        return Topic.of(name, false, 2, parts);
    }

    static Doctor.Facts facts(ClusterSnapshot s) {
        return new Doctor.Facts(NOW, s, Set.of(), List.of(), Doctor.Quorum.unknown("the cluster does not answer DescribeQuorum"),
                Map.of(), List.of(), List.of());
    }

    static Doctor.Facts with(Doctor.Facts f, Set<Integer> fenced, List<Doctor.LogDir> dirs, Doctor.Quorum q,
                             Map<Integer, List<Configs.Entry>> configs, List<Groups.GroupDetail> groups) {
        return new Doctor.Facts(f.nowMs(), f.snapshot(), fenced, dirs, q, configs, groups, f.notes());
    }

    @Test
    void aHealthyClusterHasNothingToReport() {
        Doctor.Report r = Doctor.report(facts(snapshot(List.of(1, 2, 3), List.of(healthy("orders", 6)))));
        assertThat(r.findings()).isEmpty();
        assertThat(r.worst()).isNull();
        assertThat(r.quorum().known()).isFalse();
        assertThat(r.quorum().reason()).isEqualTo("the cluster does not answer DescribeQuorum");
    }

    @Test
    void aBrokerDownIsSaidOnceAsTheCauseOfItsPartitions() {
        List<Partition> offsets = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            offsets.add(Partition.of(i, 1 + i % 2, List.of(1 + i % 2, 3, 2 - i % 2), List.of(1 + i % 2, 2 - i % 2), 1, 0, 5, 1000));
        }
        Topic orders = Topic.of("orders", false, 2, List.of(
                Partition.of(0, 1, List.of(1, 2, 3), List.of(1, 2), 2, 0, 9, 100),
                Partition.of(1, -1, List.of(3), List.of(), 2, -1, -1, -1)));
        List<Finding> found = Doctor.findings(facts(snapshot(List.of(1, 2), List.of(Topic.of("__consumer_offsets", true, 1, offsets), orders))));
        assertThat(found).hasSize(1);
        Finding f = found.get(0);
        assertThat(f.severity()).as("a partition is offline").isEqualTo(Severity.CRITICAL);
        assertThat(f.check()).isEqualTo("partitions");
        assertThat(f.message()).isEqualTo("broker 3 down: 1 partition offline: orders-1; 51 partitions under-replicated: orders-0, "
                + "50 of __consumer_offsets");
        assertThat(f.command()).isEqualTo("sluice partition balance");
        assertThat(f.fix()).startsWith("start broker 3 again");
        assertThat(f.details()).hasSize(52).first().isEqualTo("orders-1  offline  leader none  replicas 3  isr -");
        assertThat(f.details().get(1)).isEqualTo("orders-0  under-replicated  leader 1  replicas 1,2,3  isr 1,2");
    }

    @Test
    void underReplicationAloneIsAWarningAndUnderMinIsrCritical() {
        Topic t = Topic.of("t", false, 1, List.of(Partition.of(0, 1, List.of(1, 2), List.of(1), 1, 0, 1, 1)));
        assertThat(Doctor.findings(facts(snapshot(List.of(1), List.of(t))))).singleElement()
                .satisfies(f -> assertThat(f.severity()).isEqualTo(Severity.WARNING));
        Topic strict = Topic.of("strict", false, 3, List.of(Partition.of(0, 1, List.of(1, 2), List.of(1, 2), 3, 0, 1, 1)));
        assertThat(Doctor.findings(facts(snapshot(List.of(1, 2), List.of(strict))))).singleElement().satisfies(f -> {
            assertThat(f.severity()).isEqualTo(Severity.CRITICAL);
            assertThat(f.command()).isEqualTo("sluice topic alter-config strict --set min.insync.replicas=2");
        });
    }

    @Test
    void aFencedBrokerWithoutPartitionsIsReportedOnItsOwn() {
        Doctor.Facts f = with(facts(snapshot(List.of(1, 2, 3), List.of(healthy("orders", 3)))), Set.of(4), List.of(),
                Doctor.Quorum.unknown("x"), Map.of(), List.of());
        assertThat(Doctor.findings(f)).singleElement().satisfies(x -> {
            assertThat(x.check()).isEqualTo("brokers");
            assertThat(x.message()).startsWith("broker 4 is fenced");
            assertThat(x.severity()).isEqualTo(Severity.WARNING);
        });
    }

    @Test
    void logDirsNearlyFullOrOfflineAreFound() {
        ClusterSnapshot s = snapshot(List.of(1, 2, 3), List.of(healthy("orders", 3)));
        List<Doctor.LogDir> dirs = List.of(
                new Doctor.LogDir(1, "/data/a", null, 100 * GIB, 5 * GIB, Map.of("orders", 60 * GIB, "small", GIB)),
                new Doctor.LogDir(2, "/data/b", null, 100 * GIB, 15 * GIB, Map.of()),
                new Doctor.LogDir(2, "/data/c", null, 100 * GIB, 50 * GIB, Map.of("orders", GIB)),
                new Doctor.LogDir(3, "/data/d", "KafkaStorageException: disk failed", -1, -1, Map.of()),
                new Doctor.LogDir(3, "/data/e", null, -1, -1, Map.of()));
        List<Finding> found = Doctor.findings(with(facts(s), Set.of(), dirs, Doctor.Quorum.unknown("x"), Map.of(), List.of()));
        assertThat(found).extracting(Finding::subject).containsExactly("broker 1 /data/a", "broker 3 /data/d", "broker 2 /data/b");
        assertThat(found.get(0).severity()).isEqualTo(Severity.CRITICAL);
        assertThat(found.get(0).message()).isEqualTo("log dir /data/a of broker 1: 5.0 GiB free of 100 GiB (5%); its partitions hold 61 GiB");
        assertThat(found.get(0).command()).isEqualTo("sluice topic alter-config orders --set retention.bytes=BYTES");
        assertThat(found.get(1).message()).contains("is offline: KafkaStorageException: disk failed");
        assertThat(found.get(2).severity()).isEqualTo(Severity.WARNING);
        assertThat(found.get(2).command()).isEqualTo("sluice broker describe 2");
    }

    @Test
    void theQuorumIsJudgedWhenTheClusterAnswers() {
        ClusterSnapshot s = snapshot(List.of(1, 2, 3), List.of(healthy("orders", 3)));
        Doctor.Quorum leaderless = new Doctor.Quorum(true, null, -1, 7, 100, List.of());
        assertThat(Doctor.findings(with(facts(s), Set.of(), List.of(), leaderless, Map.of(), List.of()))).singleElement()
                .satisfies(f -> {
                    assertThat(f.severity()).isEqualTo(Severity.CRITICAL);
                    assertThat(f.message()).startsWith("the controller quorum has no leader");
                });
        Doctor.Quorum lagging = new Doctor.Quorum(true, null, 1, 7, 50_000, List.of(new Doctor.Voter(1, 50_000, NOW),
                new Doctor.Voter(2, 49_990, NOW - 1000), new Doctor.Voter(3, 10_000, NOW - 120_000)));
        assertThat(Doctor.findings(with(facts(s), Set.of(), List.of(), lagging, Map.of(), List.of()))).singleElement()
                .satisfies(f -> {
                    assertThat(f.severity()).isEqualTo(Severity.WARNING);
                    assertThat(f.message()).isEqualTo("controller voter 3 is 40000 records behind the quorum leader 1 and last caught up "
                            + "120 s ago: one more voter down loses the majority");
                });
        Doctor.Quorum justCaughtUp = new Doctor.Quorum(true, null, 1, 7, 50_000, List.of(new Doctor.Voter(1, 50_000, NOW),
                new Doctor.Voter(3, 10_000, NOW - 1000)));
        assertThat(Doctor.findings(with(facts(s), Set.of(), List.of(), justCaughtUp, Map.of(), List.of()))).as("recently caught up").isEmpty();
    }

    static Configs.Entry entry(String name, String value, boolean readOnly) {
        return new Configs.Entry(name, value, "STATIC_BROKER_CONFIG", readOnly, false);
    }

    @Test
    void configsThatDifferBetweenBrokersButNotTheirIdentities() {
        ClusterSnapshot s = snapshot(List.of(1, 2, 3), List.of(healthy("orders", 3)));
        Map<Integer, List<Configs.Entry>> configs = Map.of(
                1, List.of(entry("log.retention.ms", "1000", false), entry("num.io.threads", "8", true), entry("listeners", "a:1", true),
                        entry("node.id", "1", true), entry("data.dir", "/d1", true), new Configs.Entry("ssl.key.password", null, "X", false, true)),
                2, List.of(entry("log.retention.ms", "1000", false), entry("num.io.threads", "8", true), entry("listeners", "b:1", true),
                        entry("node.id", "2", true), entry("data.dir", "/d2", true), new Configs.Entry("ssl.key.password", null, "X", false, true)),
                3, List.of(entry("log.retention.ms", "2000", false), entry("num.io.threads", "4", true), entry("listeners", "c:1", true),
                        entry("node.id", "3", true), entry("data.dir", "/d3", true), new Configs.Entry("ssl.key.password", null, "X", false, true)));
        List<Finding> found = Doctor.findings(with(facts(s), Set.of(), List.of(), Doctor.Quorum.unknown("x"), configs, List.of()));
        assertThat(found).extracting(Finding::subject).containsExactly("log.retention.ms", "num.io.threads");
        assertThat(found.get(0).message()).isEqualTo("log.retention.ms differs between brokers: broker 1,2 1000; broker 3 2000");
        assertThat(found.get(0).command()).isEqualTo("sluice config set broker:3 log.retention.ms=1000");
        assertThat(found.get(1).fix()).isEqualTo("set num.io.threads: 8 in broker 3's config file and restart it");
        assertThat(found.get(1).command()).isEqualTo("sluice config get broker:3 num.io.threads");
    }

    static Groups.PartitionLag lag(String topic, int p, long committed, long end, String member, Status st) {
        return new Groups.PartitionLag(topic, p, committed, end, end - committed, member, st);
    }

    static Groups.GroupDetail group(String name, Groups.PartitionLag... parts) {
        List<Groups.PartitionLag> list = List.of(parts);
        return new Groups.GroupDetail(name, "Stable", "1", List.of(), list, list.stream().mapToLong(Groups.PartitionLag::lag).sum(),
                LagEvaluator.group(list.stream().map(Groups.PartitionLag::status).toList()));
    }

    @Test
    void groupsStalledStoppedOrLostAreFoundWithTheirFix() {
        ClusterSnapshot s = snapshot(List.of(1, 2, 3), List.of(healthy("orders", 3)));
        List<Groups.GroupDetail> groups = List.of(
                group("billing", lag("orders", 0, 10, 90, "m1", Status.STALL), lag("orders", 1, 10, 90, "m1", Status.STALL),
                        lag("orders", 2, 90, 90, "m2", Status.OK)),
                group("audit", lag("orders", 0, 5, 90, "", Status.STOP)),
                group("archive", lag("orders", 2, 3, 90, "", Status.ERR)),
                group("fine", lag("orders", 0, 90, 90, "m", Status.OK), lag("orders", 1, 80, 90, "m", Status.WARN)));
        List<Finding> found = Doctor.findings(with(facts(s), Set.of(), List.of(), Doctor.Quorum.unknown("x"), Map.of(), groups));
        assertThat(found).extracting(Finding::subject).containsExactly("archive", "billing", "audit");
        assertThat(found.get(0).severity()).isEqualTo(Severity.CRITICAL);
        assertThat(found.get(0).command()).isEqualTo("sluice group seek archive --to start --topics orders --execute");
        assertThat(found.get(1).message()).isEqualTo("group billing STALL: orders-0,1 STALL (lag 160)");
        assertThat(found.get(1).command()).isEqualTo("sluice group describe billing");
        assertThat(found.get(1).details()).containsExactly("orders-0  STALL  committed 10  end 90  lag 80  member m1",
                "orders-1  STALL  committed 10  end 90  lag 80  member m1");
        assertThat(found.get(2).command()).isEqualTo("sluice group delete audit");
    }

    @Test
    void singleReplicaTopicsInAMultiBrokerCluster() {
        Topic one = Topic.of("orders", false, 1, List.of(Partition.of(0, 2, List.of(2), List.of(2), 1, 0, 1, 1),
                Partition.of(1, 1, List.of(1), List.of(1), 1, 0, 1, 1)));
        Topic internal = Topic.of("__consumer_offsets", true, 1, List.of(Partition.of(0, 1, List.of(1), List.of(1), 1, 0, 1, 1)));
        List<Finding> found = Doctor.findings(facts(snapshot(List.of(1, 2), List.of(internal, one))));
        assertThat(found).singleElement().satisfies(f -> {
            assertThat(f.check()).isEqualTo("single-replica");
            assertThat(f.message()).isEqualTo("2 topics have a single replica in a 2-broker cluster, so losing one broker takes their "
                    + "partitions offline: orders (2 partitions), __consumer_offsets (1 partition)");
            assertThat(f.command()).isEqualTo("sluice partition move orders:0 --replicas 2,1");
        });
        assertThat(Doctor.findings(facts(snapshot(List.of(1), List.of(Topic.of("solo", false, 1,
                List.of(Partition.of(0, 1, List.of(1), List.of(1), 1, 0, 1, 1)))))))).as("one broker: nothing else to do").isEmpty();
    }

    @Test
    void leadersOffTheirInSyncPreferredReplica() {
        Topic t = Topic.of("orders", false, 1, List.of(
                Partition.of(0, 2, List.of(1, 2), List.of(1, 2), 1, 0, 1, 1),
                Partition.of(1, 2, List.of(3, 2), List.of(2), 1, 0, 1, 1),
                Partition.of(2, 1, List.of(1, 2), List.of(1, 2), 1, 0, 1, 1)));
        List<Finding> found = Doctor.findings(facts(snapshot(List.of(1, 2, 3), List.of(t))));
        assertThat(found).filteredOn(f -> f.check().equals("preferred-leaders")).singleElement().satisfies(f -> {
            assertThat(f.severity()).isEqualTo(Severity.INFO);
            assertThat(f.message()).as("partition 1's preferred replica is out of the ISR: an election cannot help")
                    .isEqualTo("1 partition is not led by its preferred replica although it is in sync: orders-0");
            assertThat(f.command()).isEqualTo("sluice partition elect-leader");
        });
    }

    @Test
    void aPartitionFarLargerThanItsTopicsMedian() {
        Topic t = Topic.of("clicks", false, 1, List.of(
                Partition.of(0, 1, List.of(1), List.of(1), 1, 0, 1, 100 * MIB),
                Partition.of(1, 1, List.of(1), List.of(1), 1, 0, 1, 110 * MIB),
                Partition.of(2, 1, List.of(1), List.of(1), 1, 0, 1, 900 * MIB)));
        Topic tiny = Topic.of("tiny", false, 1, List.of(Partition.of(0, 1, List.of(1), List.of(1), 1, 0, 1, MIB),
                Partition.of(1, 1, List.of(1), List.of(1), 1, 0, 1, 50 * MIB)));
        List<Finding> found = Doctor.findings(facts(snapshot(List.of(1), List.of(t, tiny))));
        assertThat(found).singleElement().satisfies(f -> {
            assertThat(f.check()).isEqualTo("size-skew");
            assertThat(f.message()).isEqualTo("topic clicks is skewed: clicks-2 holds 900 MiB, 8.2x the median partition (110 MiB)");
        });
    }

    @Test
    void findingsComeWorstFirstAndTheReportCarriesTheWorst() {
        Topic t = Topic.of("orders", false, 1, List.of(Partition.of(0, 2, List.of(1, 2), List.of(1, 2), 1, 0, 1, 1)));
        List<Groups.GroupDetail> groups = List.of(group("lost", lag("orders", 0, 0, 9, "", Status.ERR)));
        Doctor.Facts f = with(facts(snapshot(List.of(1, 2), List.of(t))), Set.of(), List.of(), Doctor.Quorum.unknown("x"), Map.of(), groups);
        Doctor.Report r = Doctor.report(f);
        assertThat(r.findings()).extracting(Finding::severity).containsExactly(Severity.CRITICAL, Severity.INFO);
        assertThat(r.worst()).isEqualTo(Severity.CRITICAL);
    }
}
