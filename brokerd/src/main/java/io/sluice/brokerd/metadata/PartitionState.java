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
 * @param addingReplicas   during a reassignment, target replicas not yet in the ISR (they are in {@code replicas})
 * @param removingReplicas during a reassignment, current replicas not in the target (removed once every adding
 *                         replica is in sync); {@code replicas} minus these is the target, in order
 */
public record PartitionState(int partition, List<Integer> replicas, List<Integer> isr, int leader, int leaderEpoch,
                             int partitionEpoch, List<Integer> addingReplicas, List<Integer> removingReplicas) {
    public static final int NO_LEADER = -1;

    public PartitionState {
        replicas = List.copyOf(replicas);
        isr = List.copyOf(isr);
        addingReplicas = addingReplicas == null ? List.of() : List.copyOf(addingReplicas);
        removingReplicas = removingReplicas == null ? List.of() : List.copyOf(removingReplicas);
    }

    /** A partition with no reassignment in progress. */
    public PartitionState(int partition, List<Integer> replicas, List<Integer> isr, int leader, int leaderEpoch, int partitionEpoch) {
        this(partition, replicas, isr, leader, leaderEpoch, partitionEpoch, List.of(), List.of());
    }

    /** This state with another leader and ISR (epochs as given); a reassignment in progress is kept. */
    public PartitionState withLeaderAndIsr(int newLeader, List<Integer> newIsr, int newLeaderEpoch, int newPartitionEpoch) {
        return new PartitionState(partition, replicas, newIsr, newLeader, newLeaderEpoch, newPartitionEpoch, addingReplicas, removingReplicas);
    }

    public boolean isReassigning() {
        return !addingReplicas.isEmpty() || !removingReplicas.isEmpty();
    }

    /** The replica set a reassignment moves to (the current replicas when none is in progress). */
    public List<Integer> targetReplicas() {
        return replicas.stream().filter(r -> !removingReplicas.contains(r)).toList();
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
