package io.sluice.brokerd.replica;

import io.sluice.brokerd.common.TopicPartition;

import java.util.List;

/** Proposes leader-side partition changes to the controller; each call blocks until committed or refused. */
public interface IsrChanger {
    /** AlterPartition: true when committed; false when refused (stale epochs) or not answered in time. */
    boolean alterIsr(TopicPartition tp, int leader, int leaderEpoch, int partitionEpoch, List<Integer> isr);

    /**
     * This leader's copy is damaged: hands the leadership of {@code tp} to another in-sync replica and leaves the ISR.
     * True when committed; false when refused (no other live in-sync replica, stale epoch) or not answered in time.
     */
    default boolean resignLeadership(TopicPartition tp, int leader, int leaderEpoch, String reason) {
        return false;
    }
}
