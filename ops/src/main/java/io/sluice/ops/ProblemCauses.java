package io.sluice.ops;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Partitions that need attention, grouped by what caused them, so one broker going down reads as one line ("broker 3
 * down: 56 partitions under-replicated: 6 of orders, 50 of __consumer_offsets") instead of 56 rows. Shared by
 * {@code sluice cluster health}, {@code sluice doctor} and the dashboard's Overview. Stateless.
 *
 * <p>A partition's cause, the first that applies:
 * <ol>
 *   <li>{@link Kind#BROKER_DOWN}: replicas on brokers that are not up (not registered, or fenced), in the ISR or
 *       not (a partition whose only in-sync replica went down keeps it as its ISR, without a leader); the cause names
 *       exactly those brokers, so with two brokers down each partition is counted once, under the down brokers it
 *       has.</li>
 *   <li>{@link Kind#REPLICA_BEHIND}: replicas out of the ISR on brokers that are up: followers not keeping up
 *       (slow disk or network, replica.lag.time.max.ms), named by broker.</li>
 *   <li>{@link Kind#NO_LEADER}: offline although every replica is in sync and up (an election that has not
 *       happened).</li>
 *   <li>{@link Kind#MIN_ISR_ABOVE_REPLICAS}: fully in sync but min.insync.replicas is larger than the replica set, a
 *       topic config that refuses every acks=all write.</li>
 * </ol>
 * Each cause lists its effects, worst first (offline, under min ISR, under-replicated; an offline partition counts
 * only as offline), and per effect the topics, user topics before internal ones, then most partitions first.
 * Causes are ordered by their worst effect, then by how many partitions they affect.
 */
public final class ProblemCauses {

    /** What kind of cause. */
    public enum Kind { BROKER_DOWN, REPLICA_BEHIND, NO_LEADER, MIN_ISR_ABOVE_REPLICAS }

    /** A partition's problem, worst first; JSON has the name, text the {@link #label}. */
    public enum Problem {
        OFFLINE("offline"), UNDER_MIN_ISR("under min ISR"), UNDER_REPLICATED("under-replicated");

        private final String label;

        Problem(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    /** Some partitions of one topic. */
    public record TopicPartitions(String topic, boolean internal, List<Integer> partitions) {
    }

    /** One problem that a cause brought, with how many partitions have it and in which topics. */
    public record Effect(Problem problem, int partitions, List<TopicPartitions> topics) {
        /** "6 of orders, 50 of __consumer_offsets" ("orders-2" for a single partition). */
        public String topicsText() {
            return topics.stream().map(ProblemCauses::describe).collect(Collectors.joining(", "));
        }
    }

    /**
     * One cause: {@code brokers} the brokers it names (down or behind; empty for the others), {@code partitions} how
     * many partitions it affects, {@code summary} the sentence shown to people.
     */
    public record Cause(Kind kind, List<Integer> brokers, String cause, int partitions, List<Effect> effects, String summary) {
        /** The worst problem among the effects. */
        public Problem worst() {
            return effects.get(0).problem();
        }
    }

    /** One partition needing attention, for the details (-o wide, the dashboard's Problems page). */
    public record Detail(String topic, boolean internal, int partition, int leader, List<Integer> replicas, List<Integer> isr,
                         List<Integer> outOfSync, List<Problem> problems, String cause) {
    }

    private ProblemCauses() {
    }

    /** The causes of every partition of {@code topics} that needs attention; {@code up} are the brokers that are up. */
    public static List<Cause> group(Collection<ClusterSnapshot.Topic> topics, Set<Integer> up) {
        Map<CauseKey, Map<Problem, Map<String, TopicPartitions>>> byCause = new LinkedHashMap<>();
        Map<CauseKey, Integer> counts = new LinkedHashMap<>();
        for (ClusterSnapshot.Topic t : sortedTopics(topics)) {
            for (ClusterSnapshot.Partition p : t.partitions()) {
                if (!p.needsAttention()) {
                    continue;
                }
                CauseKey key = causeOf(p, up);
                counts.merge(key, 1, Integer::sum);
                for (Problem problem : problems(p)) {
                    byCause.computeIfAbsent(key, k -> new TreeMap<>()).computeIfAbsent(problem, k -> new LinkedHashMap<>())
                            .computeIfAbsent(t.name(), n -> new TopicPartitions(n, t.internal(), new ArrayList<>()))
                            .partitions().add(p.partition());
                }
            }
        }
        List<Cause> out = new ArrayList<>();
        byCause.forEach((key, effects) -> {
            List<Effect> list = new ArrayList<>();
            effects.forEach((problem, byTopic) -> {
                List<TopicPartitions> ts = byTopic.values().stream().map(tp -> new TopicPartitions(tp.topic(), tp.internal(),
                        List.copyOf(tp.partitions()))).sorted(TOPIC_ORDER).toList();
                list.add(new Effect(problem, ts.stream().mapToInt(tp -> tp.partitions().size()).sum(), ts));
            });
            String cause = key.describe();
            out.add(new Cause(key.kind(), key.brokers(), cause, counts.get(key), List.copyOf(list), summary(cause, list)));
        });
        out.sort(Comparator.comparing(Cause::worst).thenComparing(Comparator.comparingInt(Cause::partitions).reversed())
                .thenComparing(Cause::cause));
        return out;
    }

    /** Every partition that needs attention with its cause: worst problem first, then user topics before internal ones. */
    public static List<Detail> details(Collection<ClusterSnapshot.Topic> topics, Set<Integer> up) {
        List<Detail> out = new ArrayList<>();
        for (ClusterSnapshot.Topic t : sortedTopics(topics)) {
            for (ClusterSnapshot.Partition p : t.partitions()) {
                if (p.needsAttention()) {
                    out.add(new Detail(t.name(), t.internal(), p.partition(), p.leader(), p.replicas(), p.isr(), p.outOfSync(),
                            problems(p), causeOf(p, up).describe()));
                }
            }
        }
        out.sort(Comparator.comparing((Detail d) -> d.problems().get(0)).thenComparing(Detail::internal));
        return out;
    }

    /** The live brokers of a snapshot. */
    public static Set<Integer> up(ClusterSnapshot s) {
        return s.brokers().stream().filter(ClusterSnapshot.Broker::up).map(ClusterSnapshot.Broker::id).collect(Collectors.toSet());
    }

    private static final Comparator<TopicPartitions> TOPIC_ORDER = Comparator.comparing(TopicPartitions::internal)
            .thenComparing(Comparator.comparingInt((TopicPartitions tp) -> tp.partitions().size()).reversed())
            .thenComparing(TopicPartitions::topic);

    private static List<ClusterSnapshot.Topic> sortedTopics(Collection<ClusterSnapshot.Topic> topics) {
        return topics.stream().sorted(Comparator.comparing(ClusterSnapshot.Topic::internal).thenComparing(ClusterSnapshot.Topic::name)).toList();
    }

    static List<Problem> problems(ClusterSnapshot.Partition p) {
        if (p.offline()) {
            return List.of(Problem.OFFLINE);
        }
        List<Problem> out = new ArrayList<>();
        if (p.underMinIsr()) {
            out.add(Problem.UNDER_MIN_ISR);
        }
        if (p.underReplicated()) {
            out.add(Problem.UNDER_REPLICATED);
        }
        return out;
    }

    private record CauseKey(Kind kind, List<Integer> brokers) {
        String describe() {
            String ids = brokers.stream().map(String::valueOf).collect(Collectors.joining(","));
            String plural = brokers.size() == 1 ? "broker " : "brokers ";
            return switch (kind) {
                case BROKER_DOWN -> plural + ids + " down";
                case REPLICA_BEHIND -> plural + ids + " behind (up, but out of the ISR)";
                case NO_LEADER -> "no leader elected";
                case MIN_ISR_ABOVE_REPLICAS -> "min.insync.replicas above the replication factor";
            };
        }
    }

    private static CauseKey causeOf(ClusterSnapshot.Partition p, Set<Integer> up) {
        TreeSet<Integer> down = new TreeSet<>();
        TreeSet<Integer> behind = new TreeSet<>();
        for (int r : p.replicas()) {
            if (!up.contains(r)) {
                down.add(r);
            } else if (p.outOfSync().contains(r)) {
                behind.add(r);
            }
        }
        if (!down.isEmpty()) {
            return new CauseKey(Kind.BROKER_DOWN, List.copyOf(down));
        }
        if (!behind.isEmpty()) {
            return new CauseKey(Kind.REPLICA_BEHIND, List.copyOf(behind));
        }
        return new CauseKey(p.offline() ? Kind.NO_LEADER : Kind.MIN_ISR_ABOVE_REPLICAS, List.of());
    }

    /** "broker 3 down: 1 partition offline: orders-2; 56 partitions under-replicated: 6 of orders, 50 of __consumer_offsets". */
    static String summary(String cause, List<Effect> effects) {
        StringBuilder sb = new StringBuilder(cause).append(": ");
        for (int i = 0; i < effects.size(); i++) {
            Effect e = effects.get(i);
            sb.append(i == 0 ? "" : "; ").append(e.partitions()).append(e.partitions() == 1 ? " partition " : " partitions ")
                    .append(e.problem().label()).append(": ");
            sb.append(e.topicsText());
        }
        return sb.toString();
    }

    /** "orders-2" for one partition, "6 of orders" for more. */
    private static String describe(TopicPartitions tp) {
        return tp.partitions().size() == 1 ? tp.topic() + "-" + tp.partitions().get(0) : tp.partitions().size() + " of " + tp.topic();
    }
}
