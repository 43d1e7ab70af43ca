package io.sluice.brokerd.replica;

import io.sluice.brokerd.common.TopicPartition;
import io.sluice.brokerd.log.PartitionLog;
import io.sluice.brokerd.metadata.PartitionState;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntPredicate;

/**
 * This broker's replica of one partition and its role, driven by committed metadata:
 * <pre>
 *   (none) --makeLeader--> LEADER  --makeFollower--> FOLLOWER --makeLeader--> LEADER ...
 * </pre>
 * As leader it tracks every follower's log end offset (the offset of its latest fetch) and when it was last caught
 * up, keeps the log's high watermark at the smallest log end offset in the ISR, and proposes ISR changes: a member
 * not caught up for {@code replica.lag.time.max.ms} is dropped, a replica that reached the high watermark (and the
 * start of the current leader epoch) is added. Proposals go to the controller one at a time; the ISR used here is
 * the committed one, except that the high watermark also waits for followers an expansion in flight adds. Time is passed in.
 * <p>
 * Thread-safety: changes run on the object's monitor, which a follower's fetcher also holds while it appends or
 * truncates. {@link #state()} and {@link #isLeader()} read volatile fields without it, so that request threads
 * (the event loop answering a fetch or a produce) never wait for a follower's disk I/O to learn the role.
 */
final class Partition {
    /** A follower as the leader sees it. */
    private static final class Follower {
        long logEndOffset = -1;
        long lastCaughtUpMs;
        long lastFetchMs;
        long leaderEndOffsetAtLastFetch;

        Follower(long nowMs) {
            this.lastCaughtUpMs = nowMs;
        }
    }

    /** An ISR change to propose: the committed state it applies to and the new ISR. */
    record IsrChange(TopicPartition tp, PartitionState base, List<Integer> isr, String reason) {
    }

    private final TopicPartition tp;
    private final int localId;
    private final PartitionLog log;
    private volatile PartitionState state;
    private volatile boolean leader;
    private final Map<Integer, Follower> followers = new HashMap<>();
    private boolean isrChangeInFlight;
    /**
     * The ISR of the change in flight, or empty. Until it is committed the high watermark counts its members too
     * (Kafka's "maximal ISR"): a follower being added must hold every record acknowledged meanwhile, because the
     * commit that adds it may also make it leader (a reassignment completing, an election right after).
     */
    private List<Integer> pendingIsr = List.of();
    /** First offset of the current leader epoch: a follower joins the ISR only once it has it. */
    private long leaderEpochStartOffset;

    Partition(TopicPartition tp, int localId, PartitionLog log) {
        this.tp = tp;
        this.localId = localId;
        this.log = log;
    }

    PartitionLog log() {
        return log;
    }

    PartitionState state() {
        return state;
    }

    boolean isLeader() {
        return leader;
    }

    /** True while this replica follows {@code leaderId} in {@code leaderEpoch}. */
    synchronized boolean isFollowerOf(int leaderId, int leaderEpoch) {
        return !leader && state != null && state.leader() == leaderId && state.leaderEpoch() == leaderEpoch;
    }

    /** Becomes (or stays) leader with the committed {@code s}. Returns true when the high watermark moved. */
    synchronized boolean makeLeader(PartitionState s, long nowMs) {
        boolean newEpoch = !leader || state == null || state.leaderEpoch() != s.leaderEpoch();
        if (newEpoch) {
            followers.clear();
            leaderEpochStartOffset = log.logEndOffset();
            log.assignEpochStart(s.leaderEpoch());
        }
        state = s;
        leader = true;
        isrChangeInFlight = false;
        pendingIsr = List.of();
        for (int r : s.replicas()) {
            if (r != localId) {
                followers.computeIfAbsent(r, id -> new Follower(nowMs));
            }
        }
        followers.keySet().retainAll(s.replicas());
        return updateHighWatermark();
    }

    synchronized void makeFollower(PartitionState s) {
        leader = false; // first: a lock-free reader that sees the new state sees the new role too
        state = s;
        isrChangeInFlight = false;
        pendingIsr = List.of();
        followers.clear();
    }

    /** True while this replica leads and {@code replicaId} is one of the other replicas of the partition. */
    synchronized boolean isFollower(int replicaId) {
        return leader && followers.containsKey(replicaId);
    }

    /** As {@link #onFollowerFetch(int, long, long, long)} with the log end offset of now as the one the read saw. */
    synchronized boolean onFollowerFetch(int replicaId, long fetchOffset, long nowMs) {
        return onFollowerFetch(replicaId, fetchOffset, log.logEndOffset(), nowMs);
    }

    /**
     * A follower's fetch at {@code fetchOffset} (its log end offset), recorded after the read it asked for succeeded;
     * {@code leaderEndOffset} is this log's end offset that read saw. A replica that is not a follower of this
     * partition, or an offset past this log's end (no follower can have records the leader does not), changes
     * nothing. Returns true when the high watermark moved.
     */
    synchronized boolean onFollowerFetch(int replicaId, long fetchOffset, long leaderEndOffset, long nowMs) {
        Follower f = followers.get(replicaId);
        if (!leader || f == null || fetchOffset > log.logEndOffset()) {
            return false;
        }
        long leaderEnd = leaderEndOffset;
        if (fetchOffset >= leaderEnd) {
            f.lastCaughtUpMs = Math.max(f.lastCaughtUpMs, nowMs);
        } else if (fetchOffset >= f.leaderEndOffsetAtLastFetch) {
            f.lastCaughtUpMs = Math.max(f.lastCaughtUpMs, f.lastFetchMs);
        }
        f.leaderEndOffsetAtLastFetch = leaderEnd;
        f.lastFetchMs = nowMs;
        f.logEndOffset = fetchOffset;
        return updateHighWatermark();
    }

    /** After a local append as leader (an ISR of one moves the high watermark at once). */
    synchronized boolean onLeaderAppend() {
        return leader && updateHighWatermark();
    }

    private boolean updateHighWatermark() {
        long before = log.highWatermark();
        // A member of both lists counts twice, which does not change a minimum.
        long floor = Math.min(smallestLogEnd(state.isr(), before), smallestLogEnd(pendingIsr, before));
        return log.updateReplicatedFloor(floor) > before;
    }

    /** Smallest log end offset among the followers in {@code replicas} ({@code unknown} for one not heard from). */
    private long smallestLogEnd(List<Integer> replicas, long unknown) {
        long floor = Long.MAX_VALUE;
        for (int r : replicas) {
            if (r == localId) {
                continue;
            }
            Follower f = followers.get(r);
            floor = Math.min(floor, f == null || f.logEndOffset < 0 ? unknown : f.logEndOffset);
        }
        return floor;
    }

    /** The ISR change this leader should propose now, or null. */
    synchronized IsrChange maybeChangeIsr(long nowMs, long replicaLagMaxMs) {
        return maybeChangeIsr(nowMs, replicaLagMaxMs, broker -> true);
    }

    /**
     * As above, adding only caught-up followers that {@code mayJoin} (registered and not fenced, as the controller
     * requires): one fenced follower must not hold every other caught-up follower out of the ISR with it.
     */
    synchronized IsrChange maybeChangeIsr(long nowMs, long replicaLagMaxMs, IntPredicate mayJoin) {
        if (!leader || isrChangeInFlight) {
            return null;
        }
        List<Integer> isr = new ArrayList<>(state.isr());
        List<String> why = new ArrayList<>();
        for (int r : state.isr()) {
            Follower f = followers.get(r);
            if (r != localId && f != null && nowMs - f.lastCaughtUpMs > replicaLagMaxMs) {
                isr.remove(Integer.valueOf(r));
                why.add("broker " + r + " not caught up for " + (nowMs - f.lastCaughtUpMs) + " ms (at offset "
                        + f.logEndOffset + " of " + log.logEndOffset() + ")");
            }
        }
        long hw = log.highWatermark();
        for (Map.Entry<Integer, Follower> e : followers.entrySet()) {
            Follower f = e.getValue();
            if (!isr.contains(e.getKey()) && !state.isr().contains(e.getKey()) && f.logEndOffset >= hw
                    && f.logEndOffset >= leaderEpochStartOffset && mayJoin.test(e.getKey())) {
                isr.add(e.getKey());
                why.add("broker " + e.getKey() + " caught up to offset " + f.logEndOffset);
            }
        }
        if (isr.equals(state.isr())) {
            return null;
        }
        isrChangeInFlight = true;
        pendingIsr = List.copyOf(isr);
        return new IsrChange(tp, state, isr, String.join("; ", why));
    }

    /** The proposal failed or was refused: propose again at the next check. */
    synchronized void isrChangeFailed() {
        isrChangeInFlight = false;
        pendingIsr = List.of();
    }

    /**
     * ISR members that can acknowledge now: the leader plus the followers caught up within {@code lagMs}. Smaller
     * than the committed ISR while a shrink is due but not yet committed (or cannot be: the controller quorum may
     * be down), so acks=all is refused rather than left to time out.
     */
    synchronized int availableInSyncReplicas(long nowMs, long lagMs) {
        if (state == null || !leader) {
            return 0;
        }
        int n = 0;
        for (int r : state.isr()) {
            Follower f = followers.get(r);
            if (r == localId || (f != null && nowMs - f.lastCaughtUpMs <= lagMs)) {
                n++;
            }
        }
        return n;
    }
}
