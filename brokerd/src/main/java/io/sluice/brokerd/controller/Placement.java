package io.sluice.brokerd.controller;

import io.sluice.brokerd.metadata.BrokerRegistration;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Where new partitions' replicas go. Brokers are ordered so that racks alternate (rack a's first broker, rack b's
 * first, ..., rack a's second, ...); partition {@code p} starts at position {@code (start + p) mod n} of that order and
 * takes the next {@code replicationFactor} brokers, its first replica being the preferred leader. Consecutive
 * partitions thus lead on consecutive brokers, and with as many racks as replicas no two replicas share a rack.
 * {@code start} is the cluster's partition count, so leaders of successive topics keep rotating across brokers.
 * Pure and deterministic: every controller replica computes the same placement from the same image.
 */
final class Placement {
    private Placement() {
    }

    /** Replica lists for partitions {@code firstPartition .. firstPartition+count-1}. */
    static List<List<Integer>> assign(List<BrokerRegistration> live, int start, int firstPartition, int count, int replicationFactor) {
        List<Integer> order = rackAlternated(live);
        int n = order.size();
        if (replicationFactor > n) {
            throw new IllegalArgumentException("replication factor " + replicationFactor + " above " + n + " live brokers");
        }
        List<List<Integer>> out = new ArrayList<>(count);
        for (int p = firstPartition; p < firstPartition + count; p++) {
            int first = Math.floorMod(start + p, n);
            List<Integer> replicas = new ArrayList<>(replicationFactor);
            for (int r = 0; r < replicationFactor; r++) {
                replicas.add(order.get((first + r) % n));
            }
            out.add(replicas);
        }
        return out;
    }

    static List<Integer> rackAlternated(List<BrokerRegistration> live) {
        Map<String, List<Integer>> byRack = new TreeMap<>();
        for (BrokerRegistration b : live) {
            byRack.computeIfAbsent(b.rack(), r -> new ArrayList<>()).add(b.nodeId());
        }
        byRack.values().forEach(l -> l.sort(null));
        List<Integer> order = new ArrayList<>(live.size());
        for (int round = 0; order.size() < live.size(); round++) {
            for (List<Integer> rack : byRack.values()) {
                if (round < rack.size()) {
                    order.add(rack.get(round));
                }
            }
        }
        return order;
    }
}
