package io.sluice.brokerd.coordinator;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

@Timeout(10)
class CoordinatorPartitionsTest {
    final CoordinatorPartitions partitions = new CoordinatorPartitions(3);

    @Test
    void aNewCoordinatorServesEveryPartitionUntilItClaimsNone() {
        assertThat(partitions.ownership(2)).isEqualTo(CoordinatorPartitions.Ownership.SERVED);
        partitions.claimNone();
        assertThat(partitions.ownership(2)).isEqualTo(CoordinatorPartitions.Ownership.NOT_OWNED);
    }

    @Test
    void aPartitionIsLoadingUntilItsLoadFinishesAndAStaleLoadChangesNothing() {
        partitions.claimNone();
        long first = partitions.beginLoad(1);
        assertThat(first).isPositive();
        assertThat(partitions.beginLoad(1)).as("already loading").isEqualTo(-1);
        assertThat(partitions.ownership(1)).isEqualTo(CoordinatorPartitions.Ownership.LOADING);
        assertThat(partitions.loadingCount()).isEqualTo(1);
        assertThat(partitions.resign(1)).isTrue();
        long second = partitions.beginLoad(1);
        assertThat(partitions.finishLoad(1, first)).as("the load of an earlier leadership").isFalse();
        assertThat(partitions.ownership(1)).isEqualTo(CoordinatorPartitions.Ownership.LOADING);
        assertThat(partitions.finishLoad(1, second)).isTrue();
        assertThat(partitions.ownership(1)).isEqualTo(CoordinatorPartitions.Ownership.SERVED);
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
        assertThat(partitions.ownership(0)).isEqualTo(CoordinatorPartitions.Ownership.SERVED);
    }
}
