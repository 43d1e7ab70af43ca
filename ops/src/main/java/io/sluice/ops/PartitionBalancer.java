package io.sluice.ops;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Plans an even spread of replicas and preferred leaders across brokers with few moves: while a broker holds more
 * replicas than its fair share (ceil(replicas / brokers)), one of its replicas moves to the broker with the fewest
 * that does not hold the partition yet (followers before leaders, so leadership moves less); then, while a broker is
 * the preferred leader of more partitions than its fair share, a partition it leads is reordered so that an
 * in-replica-set broker with at least two fewer leaderships comes first (leaderships end as even as the replica sets
 * allow). Pure: the plan is shown before anything changes.
 */
public final class PartitionBalancer {
    private PartitionBalancer() {
    }

    /** A partition's replica list (first: preferred leader). */
    public record Assignment(String topic, int partition, List<Integer> replicas) {
        public Assignment {
            replicas = List.copyOf(replicas);
        }
    }

    /** One change: the partition's replicas before and after. */
    public record Move(String topic, int partition, List<Integer> from, List<Integer> to) {
    }

    public static List<Move> plan(List<Integer> brokers, List<Assignment> current) {
        Map<String, List<Integer>> next = new LinkedHashMap<>();
        for (Assignment a : current) {
            next.put(key(a), new ArrayList<>(a.replicas()));
        }
        balanceReplicas(brokers, next);
        balanceLeaders(brokers, next);
        List<Move> moves = new ArrayList<>();
        for (Assignment a : current) {
            List<Integer> to = next.get(key(a));
            if (!to.equals(a.replicas())) {
                moves.add(new Move(a.topic(), a.partition(), a.replicas(), List.copyOf(to)));
            }
        }
        return moves;
    }

    private static String key(Assignment a) {
        return a.topic() + "\u0000" + a.partition();
    }

    private static void balanceReplicas(List<Integer> brokers, Map<String, List<Integer>> next) {
        int total = next.values().stream().mapToInt(List::size).sum();
        int ceil = (total + brokers.size() - 1) / brokers.size();
        for (int guard = 0; guard < total * brokers.size() + 1; guard++) {
            Map<Integer, Integer> load = counts(brokers, next, false);
            int max = argmax(load);
            if (load.get(max) <= ceil && load.get(max) - load.get(argmin(load)) <= 1) {
                return;
            }
            if (!moveOne(next, load, max)) {
                return;
            }
        }
    }

    /** Moves one replica off {@code from} to the least-loaded broker that lacks it; false when none can move. */
    private static boolean moveOne(Map<String, List<Integer>> next, Map<Integer, Integer> load, int from) {
        List<Integer> byLoad = new ArrayList<>(load.keySet());
        byLoad.sort(Comparator.comparingInt(load::get));
        for (boolean leaders : new boolean[]{false, true}) {
            for (List<Integer> replicas : next.values()) {
                int pos = replicas.indexOf(from);
                if (pos < 0 || (pos == 0) != leaders) {
                    continue;
                }
                for (int to : byLoad) {
                    if (load.get(to) + 1 < load.get(from) && !replicas.contains(to)) {
                        replicas.set(pos, to);
                        return true;
                    }
                }
            }
        }
        return false;
    }

    private static void balanceLeaders(List<Integer> brokers, Map<String, List<Integer>> next) {
        int partitions = next.size();
        for (int guard = 0; guard < partitions * brokers.size() + 1; guard++) {
            Map<Integer, Integer> leaders = counts(brokers, next, true);
            boolean moved = false;
            for (List<Integer> replicas : next.values()) {
                int leader = replicas.get(0);
                for (int i = 1; i < replicas.size() && !moved; i++) {
                    if (leaders.get(replicas.get(i)) + 1 < leaders.get(leader)) {
                        replicas.add(0, replicas.remove(i));
                        moved = true;
                    }
                }
                if (moved) {
                    break;
                }
            }
            if (!moved) {
                return;
            }
        }
    }

    private static Map<Integer, Integer> counts(List<Integer> brokers, Map<String, List<Integer>> next, boolean leadersOnly) {
        Map<Integer, Integer> out = new TreeMap<>();
        brokers.forEach(b -> out.put(b, 0));
        for (List<Integer> replicas : next.values()) {
            for (int i = 0; i < (leadersOnly ? Math.min(1, replicas.size()) : replicas.size()); i++) {
                out.merge(replicas.get(i), 1, Integer::sum);
            }
        }
        return out;
    }

    private static int argmax(Map<Integer, Integer> m) {
        return m.entrySet().stream().max(Map.Entry.<Integer, Integer>comparingByValue().thenComparing(Map.Entry.comparingByKey()))
                .orElseThrow().getKey();
    }

    private static int argmin(Map<Integer, Integer> m) {
        return m.entrySet().stream().min(Map.Entry.<Integer, Integer>comparingByValue().thenComparing(Map.Entry.comparingByKey()))
                .orElseThrow().getKey();
    }
}
