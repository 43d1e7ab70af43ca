package io.sluice.ops;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The recent total lag of every group, one sample per snapshot, at most {@code capacity} samples a group, and what it
 * says about the future: the lag's slope over the last {@code windowMs} gives the time to catch up, or says the group is
 * falling behind. Immutable: {@link #with} returns the next trend; groups gone from the snapshot are dropped.
 */
public final class LagTrend {

    /** One total-lag sample of a group. */
    public record Sample(long timeMs, long lag) {
    }

    /** Where a group is heading. */
    public enum Direction { UNKNOWN, CAUGHT_UP, DRAINING, STALLED, FALLING_BEHIND }

    /** {@code secondsToCatchUp} is meaningful only for {@link Direction#DRAINING}; -1 otherwise. */
    public record Eta(Direction direction, long secondsToCatchUp) {
    }

    private final int capacity;
    private final long windowMs;
    private final Map<String, List<Sample>> samples;

    public LagTrend(int capacity, long windowMs) {
        this(capacity, windowMs, Map.of());
    }

    private LagTrend(int capacity, long windowMs, Map<String, List<Sample>> samples) {
        if (capacity < 2) {
            throw new IllegalArgumentException("capacity must be at least 2, was " + capacity);
        }
        this.capacity = capacity;
        this.windowMs = windowMs;
        this.samples = samples;
    }

    /** The trend after {@code snapshot}: each group's total lag appended at the snapshot's time. */
    public LagTrend with(ClusterSnapshot snapshot) {
        Map<String, List<Sample>> next = new HashMap<>();
        for (ClusterSnapshot.Group g : snapshot.groups()) {
            List<Sample> s = new ArrayList<>(samples.getOrDefault(g.group(), List.of()));
            s.add(new Sample(snapshot.takenAtMs(), g.totalLag()));
            while (s.size() > capacity) {
                s.remove(0);
            }
            next.put(g.group(), List.copyOf(s));
        }
        return new LagTrend(capacity, windowMs, Map.copyOf(next));
    }

    /** The group's samples, oldest first; empty for an unknown group. */
    public List<Sample> samples(String group) {
        return samples.getOrDefault(group, List.of());
    }

    /**
     * From the oldest sample within the window to the newest: lag 0 is caught up; a falling lag is draining, with the
     * seconds to reach 0 at the current slope (rounded up); a rising lag is falling behind; an unchanged one stalled.
     */
    public Eta eta(String group) {
        List<Sample> s = samples(group);
        if (s.isEmpty()) {
            return new Eta(Direction.UNKNOWN, -1);
        }
        Sample last = s.get(s.size() - 1);
        if (last.lag() == 0) {
            return new Eta(Direction.CAUGHT_UP, 0);
        }
        Sample first = null;
        for (Sample x : s) {
            if (last.timeMs() - x.timeMs() <= windowMs && x.timeMs() < last.timeMs()) {
                first = x;
                break;
            }
        }
        if (first == null) {
            return new Eta(Direction.UNKNOWN, -1);
        }
        double perSecond = (last.lag() - first.lag()) * 1000.0 / (last.timeMs() - first.timeMs());
        if (perSecond < 0) {
            return new Eta(Direction.DRAINING, (long) Math.ceil(last.lag() / -perSecond));
        }
        return new Eta(perSecond > 0 ? Direction.FALLING_BEHIND : Direction.STALLED, -1);
    }
}
