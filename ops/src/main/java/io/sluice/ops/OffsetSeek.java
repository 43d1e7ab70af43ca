package io.sluice.ops;

import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Offset-reset plans for a consumer group: where each partition's committed offset would move, shown before anything
 * is changed, and executed only on request and only while the group has no active members (a running consumer would
 * overwrite the new offsets with its next commit). Stateless.
 */
public final class OffsetSeek {

    /** Where to: start, end, an absolute offset, a timestamp, or a shift relative to the committed offset. */
    public sealed interface Target {
        record Start() implements Target {
        }

        record End() implements Target {
        }

        record Offset(long offset) implements Target {
        }

        record Timestamp(long timestampMs) implements Target {
        }

        record Shift(long by) implements Target {
        }

        /** Parses start, end, 42, +10, -10, and times: @1700000000000, 2024-05-01T12:00:00Z, -1h (see {@link TimeSpec}). */
        static Target parse(String s) {
            if (TimeSpec.looksLikeTime(s)) {
                return new Timestamp(TimeSpec.parse("--to", s, System.currentTimeMillis()));
            }
            try {
                if (s.equals("start") || s.equals("earliest")) {
                    return new Start();
                }
                if (s.equals("end") || s.equals("latest")) {
                    return new End();
                }
                if (s.startsWith("@")) {
                    return new Timestamp(Long.parseLong(s.substring(1)));
                }
                if (s.startsWith("+") || s.startsWith("-")) {
                    return new Shift(Long.parseLong(s));
                }
                return new Offset(Long.parseLong(s));
            } catch (NumberFormatException e) {
                throw new OpsException(OpsException.Kind.USAGE, "--to " + s + ": expected start, end, OFFSET, +N, -N or a time "
                        + "(@EPOCH_MS, 2024-05-01T12:00:00Z, -1h)", e);
            }
        }
    }

    /** One partition of a plan: committed now (-1 if none), where it goes, and the records that skips (+) or re-reads (-). */
    public record Move(String topic, int partition, long current, long target, long delta) {
    }

    public record Plan(String group, String to, boolean executed, List<Move> moves) {
    }

    private OffsetSeek() {
    }

    public static Target parseTarget(String s) {
        return Target.parse(s);
    }

    /** Plans the move of {@code group} on {@code topics} (all topics it has offsets for when empty). */
    public static Plan plan(ClusterConnection c, String group, List<String> topics, String to) {
        return plan(c, group, topics, to, step -> { });
    }

    /** As {@link #plan(ClusterConnection, String, List, String)}, telling {@code step} what it asks the cluster next. */
    public static Plan plan(ClusterConnection c, String group, List<String> topics, String to, Consumer<String> step) {
        Target target = Target.parse(to);
        step.accept("reading the committed offsets of group " + group);
        Map<TopicPartition, OffsetAndMetadata> committed = Futures.get(c.admin().listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata(),
                c, "listing offsets of group " + group);
        List<TopicPartition> tps = new ArrayList<>();
        if (topics.isEmpty()) {
            tps.addAll(committed.keySet());
        } else {
            step.accept("describing " + topics.size() + " topic(s)");
            Map<String, TopicDescription> d = Futures.get(c.admin().describeTopics(topics).allTopicNames(), c, "describing " + String.join(", ", topics));
            d.values().forEach(t -> t.partitions().forEach(p -> tps.add(new TopicPartition(t.name(), p.partition()))));
        }
        if (tps.isEmpty()) {
            throw new OpsException(OpsException.Kind.NOT_FOUND, "group " + group + " has no committed offsets; name the topics with --topics");
        }
        tps.sort(Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition));
        step.accept("reading the start offsets of " + tps.size() + " partition(s)");
        Map<TopicPartition, Long> start = Topics.offsets(c, tps, OffsetSpec.earliest());
        step.accept("reading the end offsets of " + tps.size() + " partition(s)");
        Map<TopicPartition, Long> end = Topics.offsets(c, tps, OffsetSpec.latest());
        Map<TopicPartition, Long> byTime = Map.of();
        if (target instanceof Target.Timestamp t) {
            step.accept("finding the offsets at " + t.timestampMs() + " in " + tps.size() + " partition(s)");
            byTime = Topics.offsets(c, tps, OffsetSpec.forTimestamp(t.timestampMs()));
        }
        List<Move> moves = new ArrayList<>();
        for (TopicPartition tp : tps) {
            long cur = committed.containsKey(tp) && committed.get(tp) != null ? committed.get(tp).offset() : -1;
            long lo = start.get(tp);
            long hi = end.get(tp);
            long to2 = resolve(target, cur, lo, hi, byTime.getOrDefault(tp, -1L));
            long clamped = Math.max(lo, Math.min(hi, to2));
            moves.add(new Move(tp.topic(), tp.partition(), cur, clamped, cur < 0 ? 0 : clamped - cur));
        }
        return new Plan(group, to, false, moves);
    }

    private static long resolve(Target target, long current, long start, long end, long forTimestamp) {
        if (target instanceof Target.Start) {
            return start;
        }
        if (target instanceof Target.End) {
            return end;
        }
        if (target instanceof Target.Offset o) {
            return o.offset();
        }
        if (target instanceof Target.Timestamp) {
            return forTimestamp < 0 ? end : forTimestamp;
        }
        return (current < 0 ? start : current) + ((Target.Shift) target).by();
    }

    /**
     * Plans from a file of {@code topic,partition,offset} lines (as written by {@code group describe} users or other
     * tools); blank lines and lines starting with # are skipped. Offsets are clamped to each partition's range.
     */
    public static Plan planFromFile(ClusterConnection c, String group, java.nio.file.Path file) {
        return planFromFile(c, group, file, step -> { });
    }

    /** As {@link #planFromFile(ClusterConnection, String, java.nio.file.Path)}, telling {@code step} what it asks next. */
    public static Plan planFromFile(ClusterConnection c, String group, java.nio.file.Path file, Consumer<String> step) {
        List<String> lines;
        try {
            lines = java.nio.file.Files.readAllLines(file);
        } catch (java.io.IOException e) {
            throw new OpsException(OpsException.Kind.NOT_FOUND, "cannot read " + file + ": " + e.getMessage(), e);
        }
        Map<TopicPartition, Long> wanted = new java.util.LinkedHashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).trim();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split(",");
            try {
                if (f.length != 3) {
                    throw new NumberFormatException("expected 3 fields");
                }
                wanted.put(new TopicPartition(f[0].trim(), Integer.parseInt(f[1].trim())), Long.parseLong(f[2].trim()));
            } catch (NumberFormatException e) {
                throw new OpsException(OpsException.Kind.USAGE, file + " line " + (i + 1) + ": expected topic,partition,offset", e);
            }
        }
        List<TopicPartition> tps = new ArrayList<>(wanted.keySet());
        step.accept("reading the committed offsets of group " + group);
        Map<TopicPartition, OffsetAndMetadata> committed = Futures.get(c.admin().listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata(),
                c, "listing offsets of group " + group);
        step.accept("reading the start offsets of " + tps.size() + " partition(s)");
        Map<TopicPartition, Long> start = Topics.offsets(c, tps, OffsetSpec.earliest());
        step.accept("reading the end offsets of " + tps.size() + " partition(s)");
        Map<TopicPartition, Long> end = Topics.offsets(c, tps, OffsetSpec.latest());
        List<Move> moves = new ArrayList<>();
        for (TopicPartition tp : tps) {
            long cur = committed.get(tp) == null ? -1 : committed.get(tp).offset();
            long target = Math.max(start.get(tp), Math.min(end.get(tp), wanted.get(tp)));
            moves.add(new Move(tp.topic(), tp.partition(), cur, target, cur < 0 ? 0 : target - cur));
        }
        return new Plan(group, "file:" + file, false, moves);
    }

    /**
     * The offsets {@code plan} replaces, as the {@code topic,partition,offset} lines {@link #planFromFile} reads (and
     * {@code kafka-consumer-groups.sh --reset-offsets --from-file} too): seeking to them undoes the plan. A partition
     * that had no committed offset is a comment: a seek cannot take a commit away.
     */
    public static String undoCsv(Plan plan, String command) {
        StringBuilder sb = new StringBuilder();
        sb.append("# offsets of group ").append(plan.group()).append(" before: ").append(command).append('\n');
        sb.append("# undo: sluice group seek ").append(plan.group()).append(" --from-file THIS_FILE --execute\n");
        for (Move m : plan.moves()) {
            if (m.current() < 0) {
                sb.append("# ").append(m.topic()).append(',').append(m.partition()).append(" had no committed offset\n");
            } else {
                sb.append(m.topic()).append(',').append(m.partition()).append(',').append(m.current()).append('\n');
            }
        }
        return sb.toString();
    }

    /** Members of the group; 0 for a group the coordinator does not know yet (seeking it creates its offsets). */
    private static int activeMembers(ClusterConnection c, String group) {
        try {
            ConsumerGroupDescription d = Futures.get(c.admin().describeConsumerGroups(List.of(group)).all(), c,
                    "describing group " + group).get(group);
            return d.members().size();
        } catch (OpsException e) {
            if (e.getCause() instanceof org.apache.kafka.common.errors.GroupIdNotFoundException) {
                return 0;
            }
            throw e;
        }
    }

    /** Applies a plan; refuses while the group has members. */
    public static Plan execute(ClusterConnection c, Plan plan) {
        return execute(c, plan, step -> { });
    }

    /** As {@link #execute(ClusterConnection, Plan)}, telling {@code step} what it asks the cluster next. */
    public static Plan execute(ClusterConnection c, Plan plan, Consumer<String> step) {
        step.accept("checking that group " + plan.group() + " has no active members");
        int members = activeMembers(c, plan.group());
        if (members > 0) {
            throw new OpsException(OpsException.Kind.ERROR, "group " + plan.group() + " has " + members
                    + " active member(s); stop its consumers before moving its offsets");
        }
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        plan.moves().forEach(m -> offsets.put(new TopicPartition(m.topic(), m.partition()), new OffsetAndMetadata(m.target())));
        step.accept("committing the new offsets of " + offsets.size() + " partition(s)");
        Futures.get(c.admin().alterConsumerGroupOffsets(plan.group(), offsets).all(), c, "moving offsets of group " + plan.group());
        return new Plan(plan.group(), plan.to(), true, plan.moves());
    }
}
