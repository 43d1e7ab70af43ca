package io.sluice.ops;

import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.GroupIdNotFoundException;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * A window of lag history for commands that run once ({@code sluice group list|describe|check}, {@code sluice
 * doctor}): the groups' offsets looked at {@code samples} times, evenly spread over {@code windowMs}, fed into a
 * {@link LagWindow}. Sampling, rather than a state file of earlier runs, keeps every run self-contained: the same
 * command gives the same answer on any machine, from cron or by hand, with no history to go stale or be shared
 * between clusters; the price is that the command takes the window to answer. A window of 0 looks once: then only
 * what one look shows is judged (caught up, committed offset below the log start), lagging partitions are UNKNOWN.
 *
 * <p>Each round asks DescribeGroups, OffsetFetch per group, Metadata for the topics involved, and ListOffsets
 * (earliest, latest) of the partitions that have a leader. A partition without a leader or a topic gone since the
 * commit gets end offset -1 (status UNKNOWN) rather than failing the round. Time is passed in through {@link Clock}.
 */
public final class LagSampler {

    /** How long to watch and how many looks to take; one look when {@code windowMs} is 0. */
    public record Plan(long windowMs, int samples) {
        public static final Plan DEFAULT = new Plan(10_000, 5);
        public static final int MAX_SAMPLES = 100;

        public Plan {
            if (windowMs < 0) {
                throw new OpsException(OpsException.Kind.USAGE, "--window must not be negative");
            }
            if (windowMs == 0) {
                samples = 1;
            } else if (samples < 2 || samples > MAX_SAMPLES) {
                throw new OpsException(OpsException.Kind.USAGE, "--samples " + samples + ": expected 2 to " + MAX_SAMPLES
                        + " looks over the window (or --window 0 for one look)");
            }
        }

        /** Parses a duration: 500ms, 10s, 2m, 1h, or a number of seconds. */
        public static long parseDurationMs(String text) {
            String s = text.strip().toLowerCase(Locale.ROOT);
            long unit = 1000;
            String number = s;
            if (s.endsWith("ms")) {
                unit = 1;
                number = s.substring(0, s.length() - 2);
            } else if (s.endsWith("s")) {
                number = s.substring(0, s.length() - 1);
            } else if (s.endsWith("m")) {
                unit = 60_000;
                number = s.substring(0, s.length() - 1);
            } else if (s.endsWith("h")) {
                unit = 3_600_000;
                number = s.substring(0, s.length() - 1);
            }
            try {
                double value = Double.parseDouble(number);
                if (value < 0 || Double.isNaN(value) || Double.isInfinite(value)) {
                    throw new NumberFormatException("negative");
                }
                return Math.round(value * unit);
            } catch (NumberFormatException e) {
                throw new OpsException(OpsException.Kind.USAGE, "'" + text + "' is not a duration (e.g. 500ms, 10s, 2m, 1h)", e);
            }
        }
    }

    /** The time source and the wait between looks; tests pass a fake. */
    public interface Clock {
        long nowMs();

        void sleepUntil(long timeMs) throws InterruptedException;
    }

    /** Wall-clock time and real sleeps. */
    public static final Clock SYSTEM = new Clock() {
        @Override
        public long nowMs() {
            return System.currentTimeMillis();
        }

        @Override
        public void sleepUntil(long timeMs) throws InterruptedException {
            long left;
            while ((left = timeMs - System.currentTimeMillis()) > 0) {
                Thread.sleep(left);
            }
        }
    };

    /**
     * What one look saw: the groups that exist with their description and committed offsets, the ones that do not,
     * and the log start and end offsets of every partition involved (-1 unknown).
     */
    record Round(long timeMs, Map<String, ConsumerGroupDescription> described, Map<String, Map<TopicPartition, OffsetAndMetadata>> committed,
                 Set<String> missing, Map<TopicPartition, Long> start, Map<TopicPartition, Long> end) {
    }

    /** The window after the last look, and that look. */
    record Sampled(LagWindow window, Round last) {
    }

    private LagSampler() {
    }

    /** Looks at {@code groups} as {@code plan} says; {@code step} hears what it does next (for a progress line). */
    static Sampled sample(ClusterConnection c, Collection<String> groups, Plan plan, Clock clock, Consumer<String> step) {
        LagWindow window = new LagWindow(plan.windowMs());
        long firstMs = -1;
        Round last = null;
        for (int i = 0; i < plan.samples(); i++) {
            if (i > 0) {
                // Stamped with the time the look starts, at or after its target: the looks span at least the window.
                try {
                    clock.sleepUntil(firstMs + plan.windowMs() * i / (plan.samples() - 1));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new OpsException(OpsException.Kind.ERROR, "interrupted while watching the groups' offsets", e);
                }
            }
            step.accept(plan.samples() == 1 ? "reading the groups' offsets"
                    : "watching the groups' offsets: look " + (i + 1) + " of " + plan.samples() + " over " + plan.windowMs() / 1000.0 + " s");
            long nowMs = clock.nowMs();
            firstMs = i == 0 ? nowMs : firstMs;
            last = round(c, groups, nowMs);
            window = window.with(last.timeMs(), observed(last));
        }
        return new Sampled(window, last);
    }

    static Round round(ClusterConnection c, Collection<String> groups, long timeMs) {
        Map<String, KafkaFuture<ConsumerGroupDescription>> pending = c.admin().describeConsumerGroups(groups).describedGroups();
        Map<String, KafkaFuture<Map<TopicPartition, OffsetAndMetadata>>> offsets = new HashMap<>();
        groups.forEach(g -> offsets.put(g, c.admin().listConsumerGroupOffsets(g).partitionsToOffsetAndMetadata()));
        Map<String, ConsumerGroupDescription> described = new HashMap<>();
        Map<String, Map<TopicPartition, OffsetAndMetadata>> committed = new HashMap<>();
        Set<String> missing = new HashSet<>();
        for (String g : groups) {
            ConsumerGroupDescription d;
            try {
                d = Futures.get(pending.get(g), c, "describing group " + g);
            } catch (OpsException e) {
                if (e.getCause() instanceof GroupIdNotFoundException) {
                    missing.add(g);
                    continue;
                }
                throw e;
            }
            if (d.groupState().toString().equals("Dead")) {
                missing.add(g);
                continue;
            }
            described.put(g, d);
            Map<TopicPartition, OffsetAndMetadata> mine = new HashMap<>();
            Futures.get(offsets.get(g), c, "listing offsets of group " + g).forEach((tp, o) -> {
                if (o != null) {
                    mine.put(tp, o);
                }
            });
            committed.put(g, mine);
        }
        Set<TopicPartition> partitions = new HashSet<>();
        committed.values().forEach(m -> partitions.addAll(m.keySet()));
        described.values().forEach(d -> partitions.addAll(Groups.owners(d).keySet()));
        List<TopicPartition> led = ledPartitions(c, partitions);
        return new Round(timeMs, described, committed, missing, offsets(c, led, OffsetSpec.earliest()), offsets(c, led, OffsetSpec.latest()));
    }

    /** Those of {@code partitions} that exist and have a leader now (ListOffsets would wait out its timeout on the rest). */
    private static List<TopicPartition> ledPartitions(ClusterConnection c, Set<TopicPartition> partitions) {
        Set<String> topics = new HashSet<>();
        partitions.forEach(tp -> topics.add(tp.topic()));
        if (topics.isEmpty()) {
            return List.of();
        }
        Map<String, KafkaFuture<TopicDescription>> described = c.admin().describeTopics(topics).topicNameValues();
        Set<TopicPartition> led = new HashSet<>();
        for (Map.Entry<String, KafkaFuture<TopicDescription>> e : described.entrySet()) {
            TopicDescription t;
            try {
                t = Futures.get(e.getValue(), c, "describing topic " + e.getKey());
            } catch (OpsException gone) {
                if (gone.kind() == OpsException.Kind.NOT_FOUND) {
                    continue; // committed offsets of a deleted topic: their end offset stays unknown
                }
                throw gone;
            }
            for (TopicPartitionInfo p : t.partitions()) {
                if (p.leader() != null && !p.leader().isEmpty()) {
                    led.add(new TopicPartition(t.name(), p.partition()));
                }
            }
        }
        return partitions.stream().filter(led::contains).toList();
    }

    private static Map<TopicPartition, Long> offsets(ClusterConnection c, List<TopicPartition> tps, OffsetSpec spec) {
        return tps.isEmpty() ? Map.of() : Topics.offsets(c, tps, spec);
    }

    /** One round as the window's input: every partition each existing group committed or is assigned. */
    static List<LagWindow.Observed> observed(Round r) {
        List<LagWindow.Observed> out = new ArrayList<>();
        r.described().forEach((g, d) -> {
            Map<TopicPartition, String> owner = Groups.owners(d);
            Map<TopicPartition, OffsetAndMetadata> mine = r.committed().get(g);
            for (TopicPartition tp : Groups.partitionsOf(mine, owner)) {
                OffsetAndMetadata o = mine.get(tp);
                out.add(new LagWindow.Observed(g, tp.topic(), tp.partition(), o == null ? -1 : o.offset(),
                        r.start().getOrDefault(tp, -1L), r.end().getOrDefault(tp, -1L), owner.containsKey(tp)));
            }
        });
        return out;
    }
}
