package io.sluice.ops;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

@Timeout(30)
class PartitionBalancerTest {

    @Test
    void aBalancedClusterNeedsNoMoves() {
        List<PartitionBalancer.Assignment> a = List.of(new PartitionBalancer.Assignment("t", 0, List.of(1, 2)),
                new PartitionBalancer.Assignment("t", 1, List.of(2, 3)), new PartitionBalancer.Assignment("t", 2, List.of(3, 1)));
        assertThat(PartitionBalancer.plan(List.of(1, 2, 3), a)).isEmpty();
    }

    @Test
    void aNewBrokerGetsItsShareAndLeadersEvenOut() {
        List<PartitionBalancer.Assignment> a = new ArrayList<>();
        for (int p = 0; p < 6; p++) {
            a.add(new PartitionBalancer.Assignment("t", p, p % 2 == 0 ? List.of(1, 2) : List.of(2, 1)));
        }
        List<PartitionBalancer.Move> moves = PartitionBalancer.plan(List.of(1, 2, 3), a);
        Map<Integer, Integer> replicas = new HashMap<>();
        Map<Integer, Integer> leaders = new HashMap<>();
        List<List<Integer>> after = apply(a, moves);
        after.forEach(r -> {
            r.forEach(b -> replicas.merge(b, 1, Integer::sum));
            leaders.merge(r.get(0), 1, Integer::sum);
            assertThat(r).doesNotHaveDuplicates().hasSize(2);
        });
        assertThat(replicas).containsEntry(1, 4).containsEntry(2, 4).containsEntry(3, 4);
        assertThat(leaders).containsEntry(1, 2).containsEntry(2, 2).containsEntry(3, 2);
        assertThat(moves.size()).as("few moves: 4 replicas reach broker 3, plus leader reorderings").isLessThanOrEqualTo(6);
    }

    /**
     * Seeded random placements: replicas end within one of even, without duplicates; leaderships are as even as the
     * replica sets allow (no partition is led by a broker with two more leaderships than another of its replicas).
     */
    @Test
    void plansAreEvenForRandomPlacements() {
        for (long seed = 1; seed <= 50; seed++) {
            Random rnd = new Random(seed);
            int brokers = 2 + rnd.nextInt(5);
            List<Integer> ids = new ArrayList<>();
            for (int b = 1; b <= brokers; b++) {
                ids.add(b);
            }
            int rf = 1 + rnd.nextInt(Math.min(3, brokers));
            List<PartitionBalancer.Assignment> a = new ArrayList<>();
            for (int p = 0; p < 1 + rnd.nextInt(30); p++) {
                List<Integer> pool = new ArrayList<>(ids.subList(0, 1 + rnd.nextInt(brokers)));
                while (pool.size() < rf) {
                    pool.add(ids.get(pool.size()));
                }
                java.util.Collections.shuffle(pool, rnd);
                a.add(new PartitionBalancer.Assignment("t", p, pool.subList(0, rf)));
            }
            List<List<Integer>> after = apply(a, PartitionBalancer.plan(ids, a));
            Map<Integer, Integer> replicas = new HashMap<>();
            Map<Integer, Integer> leaders = new HashMap<>();
            ids.forEach(b -> {
                replicas.put(b, 0);
                leaders.put(b, 0);
            });
            after.forEach(r -> {
                assertThat(r).doesNotHaveDuplicates();
                r.forEach(b -> replicas.merge(b, 1, Integer::sum));
                leaders.merge(r.get(0), 1, Integer::sum);
            });
            int spread = replicas.values().stream().max(Integer::compare).orElseThrow() - replicas.values().stream().min(Integer::compare).orElseThrow();
            assertThat(spread).as("seed %s replicas %s", seed, replicas).isLessThanOrEqualTo(1);
            for (List<Integer> r : after) {
                for (int other : r) {
                    assertThat(leaders.get(r.get(0)) - leaders.get(other)).as("seed %s leaders %s, partition %s", seed, leaders, r)
                            .isLessThanOrEqualTo(1);
                }
            }
        }
    }

    private static List<List<Integer>> apply(List<PartitionBalancer.Assignment> a, List<PartitionBalancer.Move> moves) {
        List<List<Integer>> out = new ArrayList<>();
        for (PartitionBalancer.Assignment x : a) {
            out.add(moves.stream().filter(m -> m.topic().equals(x.topic()) && m.partition() == x.partition())
                    .map(PartitionBalancer.Move::to).findFirst().orElse(x.replicas()));
        }
        return out;
    }
}
