package io.sluice.brokerd.log;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

@Timeout(10)
class LeaderEpochCacheTest {
    @TempDir
    Path dir;

    /** Epoch 3 from 0, 5 from 120, 6 from 300. */
    private LeaderEpochCache threeEpochs() {
        LeaderEpochCache cache = new LeaderEpochCache(dir, "t-0");
        assertThat(cache.assign(3, 0)).isTrue();
        assertThat(cache.assign(5, 120)).isTrue();
        assertThat(cache.assign(6, 300)).isTrue();
        return cache;
    }

    @Test
    void onlyANewerEpochMovesTheCacheOlderOnesKeepTheirStart() {
        LeaderEpochCache cache = threeEpochs();
        assertThat(cache.assign(6, 350)).as("same epoch again").isFalse();
        assertThat(cache.assign(4, 200)).as("an older epoch").isFalse();
        assertThat(cache.assign(-1, 400)).as("no leader").isFalse();
        assertThat(cache.entries()).containsExactly(Map.entry(3, 0L), Map.entry(5, 120L), Map.entry(6, 300L));
        assertThat(cache.latestEpoch()).isEqualTo(6);
    }

    @Test
    void anEpochEndsWhereTheNextStartsTheLatestAtTheLogEnd() {
        LeaderEpochCache cache = threeEpochs();
        assertThat(cache.endOffsetFor(6, 410)).isEqualTo(new EpochEndOffset(6, 410));
        assertThat(cache.endOffsetFor(5, 410)).isEqualTo(new EpochEndOffset(5, 300));
        assertThat(cache.endOffsetFor(4, 410)).as("the largest epoch below 4 is 3").isEqualTo(new EpochEndOffset(3, 120));
        assertThat(cache.endOffsetFor(1, 410)).as("older than the log").isEqualTo(new EpochEndOffset(1, 0));
        assertThat(cache.endOffsetFor(7, 410)).as("newer than the log").isEqualTo(EpochEndOffset.UNDEFINED);
        assertThat(cache.endOffsetFor(-1, 410)).isEqualTo(EpochEndOffset.UNDEFINED);
        assertThat(new LeaderEpochCache(dir, "t-0").endOffsetFor(2, 0)).as("an empty log").isEqualTo(new EpochEndOffset(2, 0));
    }

    @Test
    void truncationDropsTheEpochsThatStartAtOrAfterTheCut() {
        LeaderEpochCache cache = threeEpochs();
        assertThat(cache.truncateFromEnd(301)).isFalse();
        assertThat(cache.truncateFromEnd(300)).isTrue();
        assertThat(cache.entries().keySet()).containsExactly(3, 5);
        cache.clear();
        assertThat(cache.latestEpoch()).isEqualTo(-1);
    }

    @Test
    void aReaderKeepsTheSnapshotItTookWhileTheCacheChanges() {
        LeaderEpochCache cache = threeEpochs();
        var before = cache.entries();
        cache.truncateFromEnd(120);
        cache.assign(9, 120);
        assertThat(before.keySet()).containsExactly(3, 5, 6);
        assertThat(cache.entries().keySet()).containsExactly(3, 9);
    }

    @Test
    void aFollowerTruncatesWhereItsOwnEpochEndsWhenItMovedOnEarlierThanTheLeader() {
        LeaderEpochCache cache = threeEpochs();
        assertThat(cache.divergenceTruncationOffset(5, 250, 410)).as("both hold epoch 5: the earlier end").isEqualTo(250);
        assertThat(cache.divergenceTruncationOffset(4, 200, 410)).as("this log left epoch 3 at 120").isEqualTo(120);
        assertThat(cache.divergenceTruncationOffset(8, 500, 410)).as("unknown epoch: never past the log end").isEqualTo(410);
    }

    @Test
    void theCheckpointIsKafkasFormat() throws Exception {
        threeEpochs().writeCheckpoint();
        assertThat(Files.readAllLines(dir.resolve(LeaderEpochCache.CHECKPOINT)))
                .isEqualTo(List.of("0", "3", "3 0", "5 120", "6 300"));
    }
}
