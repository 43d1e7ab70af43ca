package io.sluice.brokerd.replica;

import io.sluice.brokerd.common.TopicPartition;

import java.util.List;

/** Proposes an ISR change to the controller (AlterPartition); blocks until it is committed or refused. */
public interface IsrChanger {
    /** True when committed; false when refused (stale epochs) or not answered in time. */
    boolean alterIsr(TopicPartition tp, int leader, int leaderEpoch, int partitionEpoch, List<Integer> isr);
}
