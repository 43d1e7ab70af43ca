package io.sluice.brokerd.group;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

@Timeout(10)
class CoordinatorPartitionsTest {
    final CoordinatorPartitions partitions = new CoordinatorPartitions(3);

    @Test
    void aNewCoordinatorServesEveryPartitionUntilItClaimsNone() {
        assertThat(partitions.errorFor(2)).isEqualTo(GroupError.NONE);
        partitions.claimNone();
        assertThat(partitions.errorFor(2)).isEqualTo(GroupError.NOT_COORDINATOR);
    }

    @Test
    void aPartitionIsLoadingUntilItsLoadFinishesAndAStaleLoadChangesNothing() {
        partitions.claimNone();
        long first = partitions.beginLoad(1);
        assertThat(first).isPositive();
        assertThat(partitions.beginLoad(1)).as("already loading").isEqualTo(-1);
        assertThat(partitions.errorFor(1)).isEqualTo(GroupError.COORDINATOR_LOAD_IN_PROGRESS);
        assertThat(partitions.loadingCount()).isEqualTo(1);
        assertThat(partitions.resign(1)).isTrue();
        long second = partitions.beginLoad(1);
        assertThat(partitions.finishLoad(1, first)).as("the load of an earlier leadership").isFalse();
        assertThat(partitions.errorFor(1)).isEqualTo(GroupError.COORDINATOR_LOAD_IN_PROGRESS);
        assertThat(partitions.finishLoad(1, second)).isTrue();
        assertThat(partitions.errorFor(1)).isEqualTo(GroupError.NONE);
        assertThat(partitions.loadingCount()).isZero();
        assertThat(partitions.beginLoad(1)).as("already loaded").isEqualTo(-1);
        assertThat(partitions.resign(1)).isTrue();
        assertThat(partitions.resign(1)).isFalse();
        assertThat(partitions.finishLoad(1, second)).isFalse();
    }

    @Test
    void loadingEverythingAgainGivesEachPartitionANewLoad() {
        Map<Integer, Long> loads = partitions.beginLoadAll();
        assertThat(loads).containsOnlyKeys(0, 1, 2);
        assertThat(partitions.loadingCount()).isEqualTo(3);
        loads.forEach((p, id) -> assertThat(partitions.finishLoad(p, id)).isTrue());
        assertThat(partitions.errorFor(0)).isEqualTo(GroupError.NONE);
    }
}
