package io.sluice.brokerd.log;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static io.sluice.brokerd.log.LogTestSegments.append;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(10)
class LogFlusherTest {
    private static final Clock CLOCK = Clock.fixed(Instant.ofEpochMilli(7_000), ZoneOffset.UTC);

    @TempDir
    Path dir;
    private final StallingFileChannels disk = new StallingFileChannels();
    private final ManualExecutor background = new ManualExecutor();
    private final AtomicInteger metadataSyncs = new AtomicInteger();
    private final AtomicBoolean offline = new AtomicBoolean();
    private LogSegments segments;
    private long logEnd;

    /** Segments [0,2) [2,4) and the active one from 4, nothing flushed (recovery point 0). */
    @BeforeEach
    void fill() throws Exception {
        segments = new LogSegments(dir, "t-0", disk);
        segments.createActive(0, 4096, 1_000);
        append(segments, 0, 1_000, "a", "b");
        segments.createActive(2, 4096, 1_000);
        append(segments, 0, 1_000, "c", "d");
        segments.createActive(4, 4096, 1_000);
        logEnd = 4;
    }

    @AfterEach
    void close() {
        segments.closeAll();
    }

    private LogFlusher flusher(java.util.concurrent.Executor executor) {
        return new LogFlusher(dir, "t-0", segments, executor, CLOCK, () -> logEnd, metadataSyncs::incrementAndGet,
                (what, e) -> offline.set(true), 0, 1_000);
    }

    @Test
    void theRecoveryPointFollowsTheFsyncButNeverPassesTheLogEndNorMovesDown() throws Exception {
        LogFlusher flusher = flusher(background);
        flusher.flushUpTo(2, 5_000);
        assertThat(flusher.recoveryPoint()).isEqualTo(2);
        assertThat(flusher.lastFlushMs()).isEqualTo(5_000);
        assertThat(disk.fsyncThreads()).as("segment 0's three files").hasSize(3);
        flusher.flushUpTo(1, 6_000);
        assertThat(flusher.recoveryPoint()).isEqualTo(2);
        flusher.flushUpTo(100, 6_000);
        assertThat(flusher.recoveryPoint()).as("clamped to the log end").isEqualTo(4);
    }

    @Test
    void aBackgroundFlushRunsOnTheExecutorThenTheMetadataFollows() {
        LogFlusher flusher = flusher(background);
        flusher.segmentsChanged();
        flusher.flushInBackground(4);
        assertThat(flusher.recoveryPoint()).isZero();
        assertThat(disk.fsyncThreads()).isEmpty();

        background.runAll();

        assertThat(flusher.recoveryPoint()).isEqualTo(4);
        assertThat(flusher.lastFlushMs()).as("stamped by the log's clock").isEqualTo(7_000);
        assertThat(metadataSyncs).hasValue(1);
    }

    @Test
    void aTruncationLowersTheRecoveryPointAndARestartSetsIt() throws Exception {
        LogFlusher flusher = flusher(background);
        flusher.flushUpTo(4, 5_000);
        logEnd = 3;
        flusher.truncated(3, false);
        assertThat(flusher.recoveryPoint()).isEqualTo(3);
        logEnd = 500;
        flusher.truncated(500, true);
        assertThat(flusher.recoveryPoint()).isEqualTo(500);
    }

    @Test
    void aRetiredSegmentWhoseFilesClosedIsSkippedAnyOtherClosedOneTakesTheLogOffline() throws Exception {
        LogFlusher flusher = flusher(background);
        Segment first = segments.first();
        segments.retire(first, 0);
        segments.deleteDue(0);
        flusher.flushUpTo(2, 5_000);
        assertThat(offline).isFalse();
        assertThat(flusher.recoveryPoint()).isEqualTo(2);

        segments.get(2).close();
        assertThatThrownBy(() -> flusher.flushUpTo(4, 5_000)).isInstanceOf(ClosedChannelException.class);
        assertThat(offline).isTrue();
        assertThat(flusher.recoveryPoint()).isEqualTo(2);
    }

    @Test
    void aStoppingExecutorRefusesQuietlyAndAClosedFlusherDoesNothing() throws IOException {
        LogFlusher refused = flusher(task -> {
            throw new RejectedExecutionException("shutting down");
        });
        refused.flushInBackground(4);
        assertThat(refused.recoveryPoint()).isZero();

        LogFlusher closed = flusher(background);
        closed.close();
        closed.flushUpTo(4, 5_000);
        assertThat(closed.recoveryPoint()).isZero();
        assertThat(disk.fsyncThreads()).isEmpty();
    }
}
