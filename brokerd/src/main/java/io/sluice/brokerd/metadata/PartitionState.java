package io.sluice.brokerd.metadata;

import java.util.List;

/**
 * One partition as the controller last committed it (immutable).
 *
 * @param partition      partition index
 * @param replicas       brokers holding a replica, preferred leader first
 * @param isr            the in-sync replicas, a subset of {@code replicas}
 * @param leader         the leader's node id, or {@link #NO_LEADER} while the partition is offline
 * @param leaderEpoch    raised on every leader change; fences requests from and to older leaders
 * @param partitionEpoch raised on every change of this state (leader, ISR, replicas); AlterPartition from a leader
 *                       must name the current one
 */
public record PartitionState(int partition, List<Integer> replicas, List<Integer> isr, int leader, int leaderEpoch,
                             int partitionEpoch) {
    public static final int NO_LEADER = -1;

    public PartitionState {
        replicas = List.copyOf(replicas);
        isr = List.copyOf(isr);
    }

    public boolean isOnline() {
        return leader != NO_LEADER;
    }

    public boolean isUnderReplicated() {
        return isr.size() < replicas.size();
    }

    public boolean hasReplica(int nodeId) {
        return replicas.contains(nodeId);
    }
}
