package io.sluice.brokerd.replica;

import io.sluice.brokerd.common.TopicPartition;
import io.sluice.brokerd.log.AppendResult;
import io.sluice.brokerd.log.LogConfig;
import io.sluice.brokerd.log.LogManager;
import io.sluice.brokerd.log.PartitionLog;
import io.sluice.brokerd.log.RecordBatchBuilder;
import io.sluice.brokerd.metadata.PartitionState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** The leader's high watermark and ISR rules, with time passed in. */
@Timeout(60)
class PartitionTest {
    static final TopicPartition TP = new TopicPartition("t", 0);
    static final long LAG_MS = 10_000;
    @TempDir
    Path dir;
    LogManager logs;
    PartitionLog log;

    @BeforeEach
    void open() {
        logs = LogManager.open(dir, t -> LogConfig.defaults(), Clock.systemUTC());
        log = logs.getOrCreate(TP, LogConfig.defaults());
    }

    @AfterEach
    void close() {
        logs.close();
    }

    void append(int records, int epoch) {
        List<RecordBatchBuilder.Entry> entries = new ArrayList<>();
        for (int i = 0; i < records; i++) {
            entries.add(new RecordBatchBuilder.Entry(null, ("v" + i).getBytes(StandardCharsets.UTF_8)));
        }
        assertThat(log.appendAsLeader(RecordBatchBuilder.build(entries, 1_000), epoch, 1_000)).isInstanceOf(AppendResult.Appended.class);
    }

    static PartitionState state(List<Integer> isr, int partitionEpoch) {
        return new PartitionState(0, List.of(1, 2, 3), isr, 1, 5, partitionEpoch);
    }

    @Test
    void aFetchOffsetPastTheLogEndOrFromAReplicaOutsideTheAssignmentMovesNothing() {
        Partition p = new Partition(TP, 1, log);
        p.makeLeader(state(List.of(1, 2, 3), 0), 0);
        append(10, 5);
        p.onFollowerFetch(2, 10, 1);
        assertThat(log.highWatermark()).isZero();
        // Replica 3 is in the ISR: a fetch claiming records past the leader's log end must not count for it.
        assertThat(p.onFollowerFetch(3, 1_000_000, 1)).isFalse();
        assertThat(log.highWatermark()).as("the high watermark waits for replica 3").isZero();
        assertThat(p.maybeChangeIsr(LAG_MS + 1, LAG_MS)).as("replica 3 did not catch up either").isNotNull()
                .satisfies(c -> assertThat(c.isr()).containsExactly(1, 2));
        // Replica 4 holds no replica of the partition, and the leader is not its own follower.
        assertThat(p.isFollower(4)).isFalse();
        assertThat(p.isFollower(1)).isFalse();
        assertThat(p.onFollowerFetch(4, 10, 1)).isFalse();
        assertThat(p.isFollower(3)).isTrue();
        assertThat(p.onFollowerFetch(3, 10, 1)).isTrue();
        assertThat(log.highWatermark()).isEqualTo(10);
    }

    @Test
    void highWatermarkIsTheSmallestLogEndOffsetInTheIsr() {
        Partition p = new Partition(TP, 1, log);
        p.makeLeader(state(List.of(1, 2, 3), 0), 0);
        append(10, 5);
        p.onLeaderAppend();
        assertThat(log.highWatermark()).as("followers have not fetched yet").isZero();
        p.onFollowerFetch(2, 10, 1);
        assertThat(log.highWatermark()).isZero();
        p.onFollowerFetch(3, 4, 1);
        assertThat(log.highWatermark()).isEqualTo(4);
        p.onFollowerFetch(3, 10, 2);
        assertThat(log.highWatermark()).isEqualTo(10);
        // A replica outside the ISR does not hold the high watermark back.
        p.makeLeader(state(List.of(1, 2), 1), 3);
        append(5, 5);
        p.onLeaderAppend();
        p.onFollowerFetch(2, 15, 4);
        assertThat(log.highWatermark()).isEqualTo(15);
        // An ISR of one commits every append at once.
        p.makeLeader(state(List.of(1), 2), 5);
        append(1, 5);
        p.onLeaderAppend();
        assertThat(log.highWatermark()).isEqualTo(16);
    }

    @Test
    void laggingFollowersLeaveTheIsrAndCaughtUpOnesJoinIt() {
        Partition p = new Partition(TP, 1, log);
        p.makeLeader(state(List.of(1, 2, 3), 0), 0);
        append(10, 5);
        p.onFollowerFetch(2, 10, 1_000);
        p.onFollowerFetch(3, 3, 1_000);
        assertThat(p.maybeChangeIsr(5_000, LAG_MS)).isNull();
        assertThat(p.availableInSyncReplicas(5_000, LAG_MS)).isEqualTo(3);
        p.onFollowerFetch(2, 10, 11_000);
        Partition.IsrChange shrink = p.maybeChangeIsr(11_001, LAG_MS);
        assertThat(shrink.isr()).containsExactly(1, 2);
        assertThat(p.availableInSyncReplicas(11_001, LAG_MS)).isEqualTo(2);
        assertThat(p.maybeChangeIsr(11_002, LAG_MS)).as("one proposal in flight").isNull();
        p.isrChangeFailed();
        assertThat(p.maybeChangeIsr(11_003, LAG_MS).isr()).containsExactly(1, 2);

        // Committed: 3 is out. It catches up to the high watermark and is proposed back.
        p.makeLeader(state(List.of(1, 2), 1), 12_000);
        assertThat(log.highWatermark()).isEqualTo(10);
        p.onFollowerFetch(3, 7, 12_500);
        assertThat(p.maybeChangeIsr(12_600, LAG_MS)).isNull();
        p.onFollowerFetch(3, 10, 13_000);
        assertThat(p.maybeChangeIsr(13_100, LAG_MS).isr()).containsExactlyInAnyOrder(1, 2, 3);
    }

    /**
     * From the fault suite: a follower (at 10, behind leader A's 15 in epoch 3) became leader in epoch 4, appended
     * 10..12 and died; a follower of it got those; A, which never saw epoch 4, leads again in epoch 5. Asked about
     * epoch 4, A answers "epoch 3, ends at 15". Truncating the epoch-4 follower to 15 (its log end is 13) kept
     * 10..12 of epoch 4, so every fetch diverged again, hundreds of thousands of times; it must go back to 10.
     */
    @Test
    void aFollowerThatMovedToANewerEpochEarlierThanTheLeaderTruncatesToWhereItLeftTheOlderOne() {
        append(10, 3);
        log.assignEpochStart(4);
        append(3, 4);
        assertThat(log.divergenceTruncationOffset(3, 15)).isEqualTo(10);
        log.truncateTo(10);
        assertThat(log.latestEpoch()).isEqualTo(3);
        assertThat(log.divergenceTruncationOffset(3, 15)).as("the leader's end of epoch 3 is past ours: nothing to cut")
                .isEqualTo(10);
    }

    @Test
    void aFollowerAheadInTheSameEpochTruncatesToTheLeadersEndOfIt() {
        append(10, 3);
        append(5, 3);
        assertThat(log.divergenceTruncationOffset(3, 12)).isEqualTo(12);
        assertThat(log.divergenceTruncationOffset(2, 7)).as("an epoch older than any here").isEqualTo(0);
    }

    /**
     * From ReassignmentIT: a follower proposed into the ISR at the high watermark; while the proposal was in flight
     * the other followers acknowledged more records; the commit that added it also made it leader (the reassignment
     * completed), and the records it lacked were lost. The high watermark must wait for it until the change commits.
     */
    @Test
    void theHighWatermarkWaitsForAFollowerBeingAddedToTheIsr() {
        Partition p = new Partition(TP, 1, log);
        p.makeLeader(state(List.of(1, 2), 0), 0);
        append(10, 5);
        p.onFollowerFetch(2, 10, 1_000);
        p.onFollowerFetch(3, 10, 1_000);
        assertThat(log.highWatermark()).isEqualTo(10);
        Partition.IsrChange expand = p.maybeChangeIsr(1_100, LAG_MS);
        assertThat(expand.isr()).containsExactlyInAnyOrder(1, 2, 3);
        append(5, 5);
        p.onLeaderAppend();
        p.onFollowerFetch(2, 15, 1_200);
        assertThat(log.highWatermark()).as("broker 3, being added, has only 10").isEqualTo(10);
        p.onFollowerFetch(3, 15, 1_300);
        assertThat(log.highWatermark()).isEqualTo(15);
        // Refused: the committed ISR alone counts again.
        append(5, 5);
        p.onLeaderAppend();
        p.onFollowerFetch(2, 20, 1_400);
        assertThat(log.highWatermark()).isEqualTo(15);
        p.isrChangeFailed();
        p.onFollowerFetch(2, 20, 1_500);
        assertThat(log.highWatermark()).isEqualTo(20);
    }

    @Test
    void aFencedFollowerDoesNotKeepOtherCaughtUpFollowersOutOfTheIsr() {
        Partition p = new Partition(TP, 1, log);
        p.makeLeader(state(List.of(1), 0), 0);
        append(10, 5);
        p.onFollowerFetch(2, 10, 1_000);
        p.onFollowerFetch(3, 10, 1_000);
        Partition.IsrChange change = p.maybeChangeIsr(1_100, LAG_MS, broker -> broker != 2);
        assertThat(change.isr()).as("broker 2 is fenced: the controller would refuse it").containsExactly(1, 3);
        p.isrChangeFailed();
        assertThat(p.maybeChangeIsr(1_200, LAG_MS, broker -> false)).as("no follower may join").isNull();
    }

    /**
     * A leader notes its epoch's start before appending; replaced before it appended anything, it holds an empty
     * epoch at its log end that the new leader never had. Truncating to its own log end offset must drop it, or
     * the next fetch (with that epoch as the last fetched one) diverges at the same offset again, forever
     * (seen in systest ReplicationFaultIT.hardBounceOfTheSameBrokerFiveTimes: "Truncating faults-0 to offset 2400"
     * tens of thousands of times).
     */
    @Test
    void truncatingToTheLogEndDropsAnEmptyEpochAtTheEnd() {
        append(5, 1);
        log.assignEpochStart(2);
        assertThat(log.latestEpoch()).isEqualTo(2);
        log.truncateTo(5);
        assertThat(log.logEndOffset()).isEqualTo(5);
        assertThat(log.latestEpoch()).as("epoch 2 held no record").isEqualTo(1);
        assertThat(log.endOffsetForEpoch(1)).isEqualTo(new io.sluice.brokerd.log.EpochEndOffset(1, 5));
    }

    @Test
    void followersTakeTheLeadersHighWatermarkAndTruncateToTheEpochBoundary() {
        append(5, 1);
        append(5, 2);
        log.updateReplicatedFloor(Long.MAX_VALUE);
        assertThat(log.endOffsetForEpoch(1)).isEqualTo(new io.sluice.brokerd.log.EpochEndOffset(1, 5));
        assertThat(log.endOffsetForEpoch(2)).isEqualTo(new io.sluice.brokerd.log.EpochEndOffset(2, 10));
        assertThat(log.endOffsetForEpoch(0)).isEqualTo(new io.sluice.brokerd.log.EpochEndOffset(0, 0));
        log.truncateTo(5);
        assertThat(log.logEndOffset()).isEqualTo(5);
        assertThat(log.highWatermark()).isEqualTo(5);
        assertThat(log.latestEpoch()).isEqualTo(1);
        log.updateFollowerHighWatermark(100);
        assertThat(log.highWatermark()).isEqualTo(5);
    }

    /**
     * Seeded random histories of appends, follower fetches (each follower's log end offset only grows and never
     * passes the leader's) and ISR changes: the high watermark never goes back, never passes the leader's log end
     * offset, and never passes the log end offset of an ISR member that has fetched.
     */
    @Test
    void highWatermarkInvariantsHoldUnderRandomHistories() {
        Path base = dir;
        for (long seed = 1; seed <= 20; seed++) {
            Random rnd = new Random(seed);
            logs.close();
            dir = base.resolve("s" + seed);
            open();
            Partition p = new Partition(TP, 1, log);
            List<Integer> isr = new ArrayList<>(List.of(1, 2, 3));
            int partitionEpoch = 0;
            p.makeLeader(state(isr, partitionEpoch), 0);
            Map<Integer, Long> followerEnd = new HashMap<>(Map.of(2, 0L, 3, 0L));
            long lastHw = 0;
            for (int step = 0; step < 300; step++) {
                int action = rnd.nextInt(10);
                if (action < 4) {
                    append(1 + rnd.nextInt(3), 5);
                    p.onLeaderAppend();
                } else if (action < 9) {
                    int f = 2 + rnd.nextInt(2);
                    long end = followerEnd.get(f) + rnd.nextInt((int) (log.logEndOffset() - followerEnd.get(f)) + 1);
                    followerEnd.put(f, end);
                    p.onFollowerFetch(f, end, step);
                } else {
                    isr = rnd.nextBoolean() ? new ArrayList<>(List.of(1, 2, 3)) : new ArrayList<>(List.of(1, 2 + rnd.nextInt(2)));
                    boolean joinAllowed = isr.stream().allMatch(r -> r == 1 || followerEnd.get(r) >= log.highWatermark());
                    if (joinAllowed) {
                        p.makeLeader(state(isr, ++partitionEpoch), step);
                    } else {
                        isr = p.state().isr();
                    }
                }
                long hw = log.highWatermark();
                assertThat(hw).as("seed %s step %s: monotonic", seed, step).isGreaterThanOrEqualTo(lastHw);
                assertThat(hw).as("seed %s step %s: at most the leader's end", seed, step).isLessThanOrEqualTo(log.logEndOffset());
                for (int r : isr) {
                    if (r != 1) {
                        assertThat(hw).as("seed %s step %s: at most ISR member %s's end", seed, step, r)
                                .isLessThanOrEqualTo(Math.max(followerEnd.get(r), lastHw));
                    }
                }
                lastHw = hw;
            }
        }
    }
}
