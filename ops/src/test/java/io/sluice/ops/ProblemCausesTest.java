package io.sluice.ops;

import io.sluice.ops.ClusterSnapshot.Partition;
import io.sluice.ops.ClusterSnapshot.Topic;
import io.sluice.ops.ProblemCauses.Cause;
import io.sluice.ops.ProblemCauses.Kind;
import io.sluice.ops.ProblemCauses.Problem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Problems grouped by cause: one line per cause, user topics before internal ones, each partition counted once. */
@Timeout(10)
class ProblemCausesTest {
    static final Set<Integer> UP_1_2 = Set.of(1, 2);

    /** {@code count} partitions on brokers 1,2,3 with broker 3 out of the ISR. */
    static Topic missingBroker3(String name, boolean internal, int count, int minIsr) {
        List<Partition> parts = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            parts.add(Partition.of(i, 1 + i % 2, List.of(1, 2, 3), List.of(1, 2), minIsr, 0, 10, 100));
        }
        return Topic.of(name, internal, minIsr, parts);
    }

    @Test
    void oneBrokerDownIsOneCauseWithUserTopicsFirst() {
        List<Topic> topics = List.of(missingBroker3("__consumer_offsets", true, 50, 1), missingBroker3("orders", false, 6, 2),
                Topic.of("healthy", false, 1, List.of(Partition.of(0, 1, List.of(1, 2), List.of(1, 2), 1, 0, 5, 10))));
        List<Cause> causes = ProblemCauses.group(topics, UP_1_2);
        assertThat(causes).hasSize(1);
        Cause c = causes.get(0);
        assertThat(c.kind()).isEqualTo(Kind.BROKER_DOWN);
        assertThat(c.brokers()).containsExactly(3);
        assertThat(c.partitions()).isEqualTo(56);
        assertThat(c.summary()).isEqualTo("broker 3 down: 56 partitions under-replicated: 6 of orders, 50 of __consumer_offsets");
        assertThat(c.effects().get(0).topics().get(0).partitions()).containsExactly(0, 1, 2, 3, 4, 5);
    }

    @Test
    void offlineComesFirstAndCountsOnlyAsOffline() {
        Topic orders = Topic.of("orders", false, 2, List.of(
                Partition.of(0, 1, List.of(1, 3), List.of(1), 2, 0, 10, 100),
                Partition.of(1, -1, List.of(3), List.of(), 2, -1, -1, -1)));
        List<Cause> causes = ProblemCauses.group(List.of(orders), UP_1_2);
        assertThat(causes).singleElement().satisfies(c -> {
            assertThat(c.summary()).isEqualTo("broker 3 down: 1 partition offline: orders-1; 1 partition under min ISR: orders-0; "
                    + "1 partition under-replicated: orders-0");
            assertThat(c.partitions()).as("each partition once").isEqualTo(2);
            assertThat(c.worst()).isEqualTo(Problem.OFFLINE);
        });
    }

    @Test
    void aPartitionWhoseOnlyInSyncReplicaWentDownIsThatBrokersToo() {
        Topic solo = Topic.of("solo", false, 1, List.of(Partition.of(0, -1, List.of(3), List.of(3), 1, -1, -1, -1)));
        assertThat(ProblemCauses.group(List.of(solo), UP_1_2)).extracting(Cause::summary)
                .containsExactly("broker 3 down: 1 partition offline: solo-0");
    }

    @Test
    void twoBrokersDownCountEachPartitionOnceUnderTheBrokersItHas() {
        Topic t = Topic.of("t", false, 1, List.of(
                Partition.of(0, 1, List.of(1, 2, 3), List.of(1), 1, 0, 1, 1),
                Partition.of(1, 1, List.of(1, 2, 4), List.of(1, 4), 1, 0, 1, 1),
                Partition.of(2, 1, List.of(1, 3, 4), List.of(1, 4), 1, 0, 1, 1),
                Partition.of(3, 1, List.of(1, 3, 4), List.of(1, 4), 1, 0, 1, 1)));
        List<Cause> causes = ProblemCauses.group(List.of(t), Set.of(1, 4));
        assertThat(causes).extracting(Cause::summary).containsExactly(
                "broker 3 down: 2 partitions under-replicated: 2 of t",
                "broker 2 down: 1 partition under-replicated: t-1",
                "brokers 2,3 down: 1 partition under-replicated: t-0");
    }

    @Test
    void followersBehindNoLeaderAndAMisconfiguredMinIsrAreCausesToo() {
        Topic slow = Topic.of("slow", false, 1, List.of(Partition.of(0, 1, List.of(1, 2), List.of(1), 1, 0, 9, 9)));
        Topic stuck = Topic.of("stuck", false, 1, List.of(Partition.of(0, -1, List.of(1, 2), List.of(1, 2), 1, -1, -1, -1)));
        Topic strict = Topic.of("strict", false, 3, List.of(Partition.of(0, 1, List.of(1, 2), List.of(1, 2), 3, 0, 9, 9)));
        List<Cause> causes = ProblemCauses.group(List.of(slow, stuck, strict), UP_1_2);
        assertThat(causes).extracting(Cause::summary).containsExactly(
                "no leader elected: 1 partition offline: stuck-0",
                "min.insync.replicas above the replication factor: 1 partition under min ISR: strict-0",
                "broker 2 behind (up, but out of the ISR): 1 partition under-replicated: slow-0");
        assertThat(causes.get(2).kind()).isEqualTo(Kind.REPLICA_BEHIND);
        assertThat(causes.get(2).brokers()).containsExactly(2);
    }

    @Test
    void detailsListEveryPartitionUserTopicsFirstWithItsCause() {
        List<Topic> topics = List.of(missingBroker3("__consumer_offsets", true, 2, 1), missingBroker3("orders", false, 1, 2));
        List<ProblemCauses.Detail> d = ProblemCauses.details(topics, UP_1_2);
        assertThat(d).extracting(x -> x.topic() + "-" + x.partition()).containsExactly("orders-0", "__consumer_offsets-0", "__consumer_offsets-1");
        assertThat(d.get(0).problems()).containsExactly(Problem.UNDER_REPLICATED);
        assertThat(d.get(0).outOfSync()).containsExactly(3);
        assertThat(d.get(0).cause()).isEqualTo("broker 3 down");
        assertThat(ProblemCauses.group(List.of(), UP_1_2)).isEmpty();
    }
}
