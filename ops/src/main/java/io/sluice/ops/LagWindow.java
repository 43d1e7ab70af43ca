package io.sluice.ops;

import io.sluice.ops.LagEvaluator.Sample;
import io.sluice.ops.LagEvaluator.Status;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The sliding window of {@link LagEvaluator}: per group and partition, the samples of the last {@code windowMs}, and
 * the statuses they give. Immutable: {@link #with} returns the next window; partitions not seen in a round are
 * dropped (a deleted group or topic, offsets deleted). Statuses are computed once per round, not per read.
 *
 * <p>It keeps every sample newer than {@code windowMs} before the newest, plus the newest one older than that, so a
 * window that has run long enough always spans at least {@code windowMs}; at most {@link #MAX_SAMPLES} per partition.
 */
public final class LagWindow {
    static final int MAX_SAMPLES = 512;

    /** One partition of one group. */
    public record Key(String group, String topic, int partition) {
    }

    /** What one round saw of one partition of a group; becomes a {@link Sample} at the round's time. */
    public record Observed(String group, String topic, int partition, long committed, long logStart, long end, boolean owned) {
    }

    private final long windowMs;
    private final Map<Key, List<Sample>> samples;
    private final Map<Key, Status> partitionStatus;
    private final Map<String, Status> groupStatus;

    public LagWindow(long windowMs) {
        this(windowMs, Map.of());
    }

    private LagWindow(long windowMs, Map<Key, List<Sample>> samples) {
        if (windowMs < 0) {
            throw new IllegalArgumentException("windowMs must not be negative, was " + windowMs);
        }
        this.windowMs = windowMs;
        this.samples = samples;
        Map<Key, Status> byPartition = new HashMap<>();
        Map<String, List<Status>> byGroup = new HashMap<>();
        samples.forEach((k, s) -> {
            Status st = LagEvaluator.partition(s, windowMs);
            byPartition.put(k, st);
            byGroup.computeIfAbsent(k.group(), g -> new ArrayList<>()).add(st);
        });
        Map<String, Status> groups = new HashMap<>();
        byGroup.forEach((g, st) -> groups.put(g, LagEvaluator.group(st)));
        this.partitionStatus = Map.copyOf(byPartition);
        this.groupStatus = Map.copyOf(groups);
    }

    public long windowMs() {
        return windowMs;
    }

    /** The window after a round at {@code timeMs} that saw {@code seen}. */
    public LagWindow with(long timeMs, Collection<Observed> seen) {
        Map<Key, List<Sample>> next = new HashMap<>();
        for (Observed o : seen) {
            Key k = new Key(o.group(), o.topic(), o.partition());
            List<Sample> s = new ArrayList<>(samples.getOrDefault(k, List.of()));
            s.add(new Sample(timeMs, o.committed(), o.logStart(), o.end(), o.owned()));
            next.put(k, trim(s, timeMs - windowMs));
        }
        return new LagWindow(windowMs, Map.copyOf(next));
    }

    /** Drops the samples before the newest one at or before {@code cutoffMs}, and any beyond {@link #MAX_SAMPLES}. */
    private static List<Sample> trim(List<Sample> s, long cutoffMs) {
        int first = 0;
        for (int i = 0; i < s.size(); i++) {
            if (s.get(i).timeMs() <= cutoffMs) {
                first = i;
            }
        }
        first = Math.max(first, s.size() - MAX_SAMPLES);
        return List.copyOf(s.subList(first, s.size()));
    }

    /** The window after {@code snapshot}: each group's partitions with the topic's log start offset. */
    public LagWindow with(ClusterSnapshot snapshot) {
        List<Observed> seen = new ArrayList<>();
        for (ClusterSnapshot.Group g : snapshot.groups()) {
            for (ClusterSnapshot.GroupPartition p : g.partitions()) {
                ClusterSnapshot.Topic t = snapshot.topic(p.topic());
                ClusterSnapshot.Partition tp = t == null ? null : t.partition(p.partition());
                seen.add(new Observed(g.group(), p.topic(), p.partition(), p.committed(), tp == null ? -1 : tp.logStartOffset(),
                        p.end(), !p.memberId().isEmpty()));
            }
        }
        return with(snapshot.takenAtMs(), seen);
    }

    /** The samples of one partition of a group, oldest first; empty when unknown. */
    public List<Sample> samples(String group, String topic, int partition) {
        return samples.getOrDefault(new Key(group, topic, partition), List.of());
    }

    /** The status of one partition of a group; UNKNOWN when not seen. */
    public Status status(String group, String topic, int partition) {
        return partitionStatus.getOrDefault(new Key(group, topic, partition), Status.UNKNOWN);
    }

    /** A group's status (its worst partition's); UNKNOWN for a group without seen partitions. */
    public Status status(String group) {
        return groupStatus.getOrDefault(group, Status.UNKNOWN);
    }
}
