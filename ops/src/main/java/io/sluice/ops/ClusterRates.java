package io.sluice.ops;

import org.apache.kafka.common.TopicPartition;

import java.util.HashMap;
import java.util.Map;

/**
 * Throughput between two snapshots, in records per second: produce ("in") from the growth of each partition's end
 * offset, consume ("out") from the growth of each group's committed offsets. A topic's out rate is the sum over the
 * groups reading it. Offsets that went backwards (a topic deleted and recreated, a group reset) count as 0. Immutable.
 *
 * <p>{@link #NONE} stands for "not known yet" (first snapshot): every rate is then 0 and {@link #known()} false.
 */
public record ClusterRates(boolean known, double intervalSeconds, double inPerSec, double outPerSec,
                           Map<String, Double> topicInPerSec, Map<String, Double> topicOutPerSec,
                           Map<TopicPartition, Double> partitionInPerSec, Map<String, Double> groupOutPerSec) {

    public static final ClusterRates NONE = new ClusterRates(false, 0, 0, 0, Map.of(), Map.of(), Map.of(), Map.of());

    public ClusterRates {
        topicInPerSec = Map.copyOf(topicInPerSec);
        topicOutPerSec = Map.copyOf(topicOutPerSec);
        partitionInPerSec = Map.copyOf(partitionInPerSec);
        groupOutPerSec = Map.copyOf(groupOutPerSec);
    }

    /** Rates from {@code previous} to {@code current}; {@link #NONE} without a previous snapshot or elapsed time. */
    public static ClusterRates between(ClusterSnapshot previous, ClusterSnapshot current) {
        if (previous == null || current.takenAtMs() <= previous.takenAtMs()) {
            return NONE;
        }
        double seconds = (current.takenAtMs() - previous.takenAtMs()) / 1000.0;
        Map<TopicPartition, Double> partitionIn = new HashMap<>();
        Map<String, Double> topicIn = new HashMap<>();
        for (ClusterSnapshot.Topic t : current.topics()) {
            ClusterSnapshot.Topic before = previous.topic(t.name());
            double sum = 0;
            for (ClusterSnapshot.Partition p : t.partitions()) {
                ClusterSnapshot.Partition b = before == null ? null : before.partition(p.partition());
                double rate = b == null ? 0 : perSecond(b.logEndOffset(), p.logEndOffset(), seconds);
                partitionIn.put(new TopicPartition(t.name(), p.partition()), rate);
                sum += rate;
            }
            topicIn.put(t.name(), sum);
        }
        Map<String, Double> groupOut = new HashMap<>();
        Map<String, Double> topicOut = new HashMap<>();
        for (ClusterSnapshot.Group g : current.groups()) {
            ClusterSnapshot.Group before = previous.group(g.group());
            Map<TopicPartition, Long> committedBefore = new HashMap<>();
            if (before != null) {
                before.partitions().forEach(p -> committedBefore.put(new TopicPartition(p.topic(), p.partition()), p.committed()));
            }
            double sum = 0;
            for (ClusterSnapshot.GroupPartition p : g.partitions()) {
                Long b = committedBefore.get(new TopicPartition(p.topic(), p.partition()));
                double rate = b == null ? 0 : perSecond(b, p.committed(), seconds);
                topicOut.merge(p.topic(), rate, Double::sum);
                sum += rate;
            }
            groupOut.put(g.group(), sum);
        }
        double in = topicIn.values().stream().mapToDouble(Double::doubleValue).sum();
        double out = groupOut.values().stream().mapToDouble(Double::doubleValue).sum();
        return new ClusterRates(true, seconds, in, out, topicIn, topicOut, partitionIn, groupOut);
    }

    private static double perSecond(long before, long after, double seconds) {
        return before < 0 || after < before ? 0 : (after - before) / seconds;
    }

    public double topicIn(String topic) {
        return topicInPerSec.getOrDefault(topic, 0.0);
    }

    public double topicOut(String topic) {
        return topicOutPerSec.getOrDefault(topic, 0.0);
    }

    public double partitionIn(String topic, int partition) {
        return partitionInPerSec.getOrDefault(new TopicPartition(topic, partition), 0.0);
    }

    public double groupOut(String group) {
        return groupOutPerSec.getOrDefault(group, 0.0);
    }
}
