package io.sluice.ops;

import io.sluice.ops.LagEvaluator.Sample;
import io.sluice.ops.LagEvaluator.Status;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Each lag status from a crafted window of samples, the group's status, and the sliding window that feeds them. */
@Timeout(10)
class LagEvaluatorTest {
    static final long WINDOW_MS = 10_000;

    /** Samples 5 s apart from t=0: {committed, end} pairs; log start 0, owned as given. */
    static List<Sample> window(boolean owned, long[]... committedAndEnd) {
        List<Sample> out = new ArrayList<>();
        for (int i = 0; i < committedAndEnd.length; i++) {
            out.add(new Sample(i * 5_000L, committedAndEnd[i][0], 0, committedAndEnd[i][1], owned));
        }
        return out;
    }

    static long[] at(long committed, long end) {
        return new long[]{committed, end};
    }

    static Status status(List<Sample> w) {
        return LagEvaluator.partition(w, WINDOW_MS);
    }

    @Test
    void okWhenTheLagWasZeroSomewhereInTheWindow() {
        assertThat(status(window(true, at(100, 100), at(100, 150), at(100, 200)))).as("caught up at first, stopped since: not yet a full window of lag")
                .isEqualTo(Status.OK);
        assertThat(status(window(false, at(0, 0)))).as("one look suffices when caught up").isEqualTo(Status.OK);
    }

    @Test
    void okWhenMovingAndTheLagWentDownAtLeastOnce() {
        assertThat(status(window(true, at(100, 200), at(180, 260), at(250, 300)))).isEqualTo(Status.OK);
        assertThat(status(window(true, at(100, 200), at(150, 300), at(290, 350)))).as("grew, then shrank").isEqualTo(Status.OK);
    }

    @Test
    void warnWhenMovingButTheLagNeverShrankAndGrew() {
        assertThat(status(window(true, at(100, 200), at(150, 300), at(200, 400)))).isEqualTo(Status.WARN);
        assertThat(status(window(true, at(100, 200), at(150, 250), at(200, 310)))).as("flat, then up").isEqualTo(Status.WARN);
        assertThat(status(window(true, at(100, 200), at(150, 250), at(200, 300)))).as("a constant lag is not growing")
                .isEqualTo(Status.OK);
    }

    @Test
    void stallWhenAnOwnedPartitionDoesNotMoveForTheWholeWindowWithLag() {
        assertThat(status(window(true, at(100, 200), at(100, 300), at(100, 400)))).isEqualTo(Status.STALL);
        assertThat(status(window(true, at(100, 200), at(100, 200), at(100, 200)))).as("nothing new arrives either").isEqualTo(Status.STALL);
    }

    @Test
    void stopWhenNobodyOwnsAPartitionThatDoesNotMoveWithLag() {
        assertThat(status(window(false, at(100, 200), at(100, 300), at(100, 400)))).isEqualTo(Status.STOP);
        List<Sample> leftMidWindow = new ArrayList<>(window(true, at(100, 200), at(100, 300)));
        leftMidWindow.add(new Sample(10_000, 100, 0, 400, false));
        assertThat(status(leftMidWindow)).as("the newest sample says who owns it now").isEqualTo(Status.STOP);
    }

    @Test
    void rewindWhenTheCommittedOffsetWentBackwards() {
        assertThat(status(window(true, at(500, 600), at(100, 650), at(150, 700)))).isEqualTo(Status.REWIND);
        assertThat(status(window(true, at(500, 500), at(0, 500)))).as("even from a lag of 0 (a reset to the start)").isEqualTo(Status.REWIND);
        assertThat(status(window(true, at(500, 600), at(100, 650), at(550, 700)))).as("past its old position again: judged as usual")
                .isEqualTo(Status.OK);
    }

    @Test
    void errWhenTheCommittedOffsetIsBelowTheLogStart() {
        List<Sample> w = List.of(new Sample(0, 100, 50, 400, true), new Sample(5_000, 100, 250, 400, true));
        assertThat(status(w)).isEqualTo(Status.ERR);
        assertThat(status(List.of(new Sample(0, 100, 250, 400, false)))).as("one look suffices").isEqualTo(Status.ERR);
        assertThat(status(List.of(new Sample(0, 100, -1, 400, false), new Sample(10_000, 100, -1, 400, false))))
                .as("an unknown log start is not an error").isEqualTo(Status.STOP);
    }

    @Test
    void unknownWithoutEnoughToJudge() {
        assertThat(status(List.of())).isEqualTo(Status.UNKNOWN);
        assertThat(status(window(true, at(100, 200)))).as("one look at a lagging partition").isEqualTo(Status.UNKNOWN);
        assertThat(status(List.of(new Sample(0, 100, 0, 200, true), new Sample(6_000, 100, 0, 300, true))))
                .as("samples less than the window apart").isEqualTo(Status.UNKNOWN);
        assertThat(status(window(true, at(-1, 200), at(-1, 300), at(-1, 400)))).as("nothing committed").isEqualTo(Status.UNKNOWN);
        assertThat(status(window(true, at(100, 200), at(100, 300), at(100, -1)))).as("offline now").isEqualTo(Status.UNKNOWN);
        assertThat(LagEvaluator.partition(window(true, at(100, 200)), 0)).as("with no window to wait for, one look is all there is")
                .isEqualTo(Status.UNKNOWN);
    }

    @Test
    void aGroupIsAsBadAsItsWorstPartition() {
        assertThat(LagEvaluator.group(List.of(Status.OK, Status.WARN, Status.STALL))).isEqualTo(Status.STALL);
        assertThat(LagEvaluator.group(List.of(Status.STOP, Status.ERR, Status.REWIND))).isEqualTo(Status.ERR);
        assertThat(LagEvaluator.group(List.of(Status.OK, Status.UNKNOWN))).as("OK only when every partition is").isEqualTo(Status.UNKNOWN);
        assertThat(LagEvaluator.group(List.of(Status.UNKNOWN, Status.WARN))).isEqualTo(Status.WARN);
        assertThat(LagEvaluator.group(List.of(Status.OK, Status.OK))).isEqualTo(Status.OK);
        assertThat(LagEvaluator.group(List.of(Status.UNKNOWN))).isEqualTo(Status.UNKNOWN);
        assertThat(LagEvaluator.group(List.of())).isEqualTo(Status.UNKNOWN);
        assertThat(Status.OK.healthy()).isTrue();
        assertThat(List.of(Status.UNKNOWN, Status.WARN, Status.REWIND, Status.STALL, Status.STOP, Status.ERR))
                .noneMatch(Status::healthy);
    }

    @Test
    void theWindowSlidesAndKeepsJustEnoughToCoverItsSpan() {
        LagWindow w = new LagWindow(WINDOW_MS);
        for (long t = 0; t <= 30_000; t += 2_500) {
            w = w.with(t, List.of(new LagWindow.Observed("g", "orders", 0, 100, 0, 200 + t, true)));
        }
        List<Sample> kept = w.samples("g", "orders", 0);
        assertThat(kept.get(0).timeMs()).as("the newest sample at or before the window's start").isEqualTo(20_000);
        assertThat(kept.get(kept.size() - 1).timeMs()).isEqualTo(30_000);
        assertThat(kept).hasSize(5);
        assertThat(w.status("g", "orders", 0)).isEqualTo(Status.STALL);
        assertThat(w.status("g")).isEqualTo(Status.STALL);
        assertThat(w.status("other")).isEqualTo(Status.UNKNOWN);

        LagWindow moved = w.with(32_500, List.of(new LagWindow.Observed("g", "orders", 1, 0, 0, 0, true)));
        assertThat(moved.status("g", "orders", 1)).isEqualTo(Status.OK);
        assertThat(moved.samples("g", "orders", 0)).as("a partition no longer seen is dropped").isEmpty();
        assertThat(moved.status("g")).isEqualTo(Status.OK);
    }

    @Test
    void theWindowFollowsSnapshotsWithTheTopicsLogStart() {
        LagWindow w = new LagWindow(WINDOW_MS);
        for (long t = 0; t <= 10_000; t += 5_000) {
            w = w.with(snapshot(t, 1_000 + t, 300, 500));
        }
        assertThat(w.samples("billing", "orders", 0)).extracting(Sample::logStart).containsOnly(500L);
        assertThat(w.status("billing", "orders", 0)).as("committed 300 < log start 500").isEqualTo(Status.ERR);
        assertThat(w.status("billing")).isEqualTo(Status.ERR);
        w = new LagWindow(WINDOW_MS);
        for (long t = 0; t <= 10_000; t += 5_000) {
            w = w.with(snapshot(t, 1_000 + t, 300, 0));
        }
        assertThat(w.status("billing", "orders", 0)).as("owned by m1, never moving").isEqualTo(Status.STALL);
    }

    static ClusterSnapshot snapshot(long atMs, long end, long committed, long logStart) {
        ClusterSnapshot.Topic t = ClusterSnapshot.Topic.of("orders", false, 1, List.of(
                ClusterSnapshot.Partition.of(0, 1, List.of(1), List.of(1), 1, logStart, end, 1000)));
        ClusterSnapshot.Group g = ClusterSnapshot.Group.of("billing", "Stable", 1, List.of(
                new ClusterSnapshot.GroupPartition("orders", 0, committed, end, end - committed, -1, "m1")));
        return ClusterSnapshot.of(atMs, "c1", 1, List.of(new ClusterSnapshot.Node(1, "h1", 9092, null)), Map.of(), List.of(t), List.of(g));
    }
}
