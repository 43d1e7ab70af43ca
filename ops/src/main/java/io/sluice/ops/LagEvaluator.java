package io.sluice.ops;

import java.util.Collection;
import java.util.List;

/**
 * A consumer's health from how its committed offsets move, not from a lag threshold: the rules of LinkedIn's Burrow
 * (its wiki's "Consumer Lag Evaluation Rules"), rewritten for what the Kafka Admin API shows. Stateless; the window of
 * samples comes from {@link LagWindow}.
 *
 * <p>A sample is what one look at the cluster saw for one partition of a group: the committed offset, the partition's
 * log start and end offsets, and whether a live member of the group owns the partition. A window is the samples of
 * the last {@code windowMs} (the dashboard keeps them as it refreshes; the one-shot CLI commands take several over
 * {@code --window}). Burrow stores each commit with the time the consumer made it; OffsetFetch does not return that
 * time, so a commit is seen only when the committed offset changes between samples, and a consumer that keeps
 * committing the same offset cannot be told from one that stopped committing. Membership separates the two here: a
 * partition that a live member owns but does not move past is stalled; one that nobody owns is stopped.
 *
 * <p>The rules, in order; the first that matches gives the partition's status (lag = end - committed, never below 0):
 * <ol>
 *   <li>{@link Status#UNKNOWN}: no sample, or the newest has no committed offset or no end offset (partition
 *       offline).</li>
 *   <li>{@link Status#ERR}: the newest committed offset is below the log start offset: the records between were
 *       deleted (retention, DeleteRecords) before the group read them; its consumers will reset by
 *       auto.offset.reset.</li>
 *   <li>{@link Status#REWIND}: the newest committed offset is below one committed earlier in the window (a reset, a
 *       consumer that lost its position); once the group passes its old position again the rules below apply.</li>
 *   <li>{@link Status#OK}: the lag was 0 in some sample of the window (the consumer caught up).</li>
 *   <li>{@link Status#UNKNOWN}: the samples do not cover the window yet (fewer than two, or less than
 *       {@code windowMs} apart): a lagging partition cannot be judged from one look.</li>
 *   <li>{@link Status#STALL}: the committed offset did not move in the whole window, with lag in every sample, while a
 *       live member owns the partition: the consumer is there but makes no progress (a poison record, a stuck
 *       thread, a downstream that blocks).</li>
 *   <li>{@link Status#STOP}: the same, and no live member owns the partition: nobody consumes it (the consumers are
 *       gone, or the group is abandoned).</li>
 *   <li>{@link Status#WARN}: the committed offset moves but the lag never shrank from one sample to the next and is
 *       larger at the end of the window than at its start: the consumer is falling behind.</li>
 *   <li>{@link Status#OK} otherwise: it moves and its lag went down at least once.</li>
 * </ol>
 * A group's status is its worst partition's, in the order of {@link Status}: a group is OK only when every partition
 * is, and UNKNOWN when some partition cannot be judged but none is worse. The window must span at least two of the group's commits, or a healthy consumer that commits
 * rarely looks stalled: the Java client auto-commits every 5 s by default, so 10 s is the CLI's default window.
 */
public final class LagEvaluator {

    /** Partition and group statuses, least severe first (the JSON value is the name). */
    public enum Status {
        /** Caught up at some point in the window, or moving and gaining ground. */
        OK,
        /** Not enough to judge: nothing committed, partition offline, or a lagging partition seen for less than the window. */
        UNKNOWN,
        /** Moving, but the lag grew over the whole window. */
        WARN,
        /** The committed offset went backwards within the window. */
        REWIND,
        /** Owned by a live member, committed offset unchanged for the whole window, lag all along. */
        STALL,
        /** Owned by nobody, committed offset unchanged for the whole window, lag all along. */
        STOP,
        /** Committed offset below the log start: records lost to retention before the group read them. */
        ERR;

        /** Whether this status alone fails {@code sluice group check}: anything but OK. */
        public boolean healthy() {
            return this == OK;
        }
    }

    /**
     * One look at one partition of a group at {@code timeMs}: committed offset (-1 none), log start and end offsets
     * (-1 unknown), and whether a live member of the group owns the partition.
     */
    public record Sample(long timeMs, long committed, long logStart, long end, boolean owned) {
        /** end - committed, never below 0; -1 when either is unknown. */
        public long lag() {
            return committed < 0 || end < 0 ? -1 : Math.max(0, end - committed);
        }

        boolean usable() {
            return committed >= 0 && end >= 0;
        }
    }

    private LagEvaluator() {
    }

    /** The status of one partition from its samples, oldest first; see the class comment for the rules. */
    public static Status partition(List<Sample> window, long windowMs) {
        if (window.isEmpty()) {
            return Status.UNKNOWN;
        }
        Sample newest = window.get(window.size() - 1);
        if (!newest.usable()) {
            return Status.UNKNOWN;
        }
        if (newest.logStart() >= 0 && newest.committed() < newest.logStart()) {
            return Status.ERR;
        }
        List<Sample> usable = window.stream().filter(Sample::usable).toList();
        long highestBefore = usable.subList(0, usable.size() - 1).stream().mapToLong(Sample::committed).max().orElse(-1);
        if (newest.committed() < highestBefore) {
            return Status.REWIND;
        }
        if (usable.stream().anyMatch(s -> s.lag() == 0)) {
            return Status.OK;
        }
        Sample oldest = usable.get(0);
        if (usable.size() < 2 || newest.timeMs() - oldest.timeMs() < windowMs) {
            return Status.UNKNOWN;
        }
        if (usable.stream().allMatch(s -> s.committed() == newest.committed())) {
            return newest.owned() ? Status.STALL : Status.STOP;
        }
        return lagNeverShrank(usable) && newest.lag() > oldest.lag() ? Status.WARN : Status.OK;
    }

    private static boolean lagNeverShrank(List<Sample> samples) {
        for (int i = 1; i < samples.size(); i++) {
            if (samples.get(i).lag() < samples.get(i - 1).lag()) {
                return false;
            }
        }
        return true;
    }

    /** A group's status: its worst partition's; UNKNOWN for a group without partitions. */
    public static Status group(Collection<Status> partitions) {
        if (partitions.isEmpty()) {
            return Status.UNKNOWN;
        }
        Status worst = Status.OK;
        for (Status s : partitions) {
            if (s.compareTo(worst) > 0) {
                worst = s;
            }
        }
        return worst;
    }
}
