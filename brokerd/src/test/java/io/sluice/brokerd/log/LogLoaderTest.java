package io.sluice.brokerd.log;

import io.sluice.brokerd.producer.SequenceCheck;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static io.sluice.brokerd.log.LogTestSegments.append;
import static org.assertj.core.api.Assertions.assertThat;

@Timeout(10)
class LogLoaderTest {
    @TempDir
    Path dir;

    private LogLoader.Loaded load(boolean recover, long recoveryPoint) throws Exception {
        return LogLoader.load(dir, "t-0", 4096, recover, recoveryPoint, LogFileChannels.DEFAULT, 1_000);
    }

    /** Segments [0,3) [3,6) [6,9) on disk, epochs 1, 2, 2, closed. */
    private void writeThreeSegments() throws Exception {
        LogSegments segments = new LogSegments(dir, "t-0", LogFileChannels.DEFAULT);
        for (int s = 0; s < 3; s++) {
            segments.createActive(3L * s, 4096, 1_000);
            append(segments, s == 0 ? 1 : 2, 1_000, "v" + 3 * s, "v" + (3 * s + 1), "v" + (3 * s + 2));
        }
        segments.closeAll();
    }

    private List<String> files() throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /** Flips a byte inside the records (not the header) of the batch starting the segment based at {@code base}. */
    private void corruptRecordsOf(long base) throws Exception {
        try (RandomAccessFile f = new RandomAccessFile(dir.resolve(Segment.fileName(base) + ".log").toFile(), "rw")) {
            f.seek(RecordBatchHeader.HEADER_BYTES + 5);
            int b = f.read();
            f.seek(RecordBatchHeader.HEADER_BYTES + 5);
            f.write(b ^ 0xff);
        }
    }

    @Test
    void anEmptyDirectoryGetsOneEmptySegment() throws Exception {
        LogLoader.Loaded loaded = load(false, 0);
        assertThat(loaded.segments().count()).isOne();
        assertThat(loaded.logEndOffset()).isZero();
        loaded.segments().closeAll();
    }

    @Test
    void leftoversOfInterruptedWorkAreRemoved() throws Exception {
        writeThreeSegments();
        for (String leftover : List.of("00000000000000000003.log.deleted", "00000000000000000009.log.cleaned", "x.tmp")) {
            Files.writeString(dir.resolve(leftover), "junk");
        }
        LogLoader.Loaded loaded = load(false, 9);
        assertThat(files()).noneMatch(n -> n.endsWith(".deleted") || n.endsWith(".cleaned") || n.endsWith(".tmp"));
        assertThat(loaded.logEndOffset()).isEqualTo(9);
        loaded.segments().closeAll();
    }

    @Test
    void aCompleteSwapFileReplacesTheSegmentItRewrote() throws Exception {
        writeThreeSegments();
        // A compacted rewrite of segment 3 keeping only offset 5.
        Path swap = dir.resolve(Segment.fileName(3) + ".log.swap");
        Files.write(swap, bytes(LogTestSegments.batchAt(5, 2, 1_000, "v5-compacted")));
        LogLoader.Loaded loaded = load(false, 9);
        assertThat(files()).doesNotContain(Segment.fileName(3) + ".log.swap");
        FileSlice s = new LogReader(loaded.segments()).slice(3, 1 << 20, true, 6);
        assertThat(LogTestSegments.values(s, 3)).containsExactly("v5-compacted");
        loaded.segments().closeAll();
    }

    @Test
    void afterAnUncleanStopOnlySegmentsFromTheRecoveryPointOnAreChecked() throws Exception {
        writeThreeSegments();
        corruptRecordsOf(0);
        LogLoader.Loaded trusted = load(true, 6);
        assertThat(trusted.logEndOffset()).as("segment 0 lies below the recovery point: not checked").isEqualTo(9);
        trusted.segments().closeAll();

        LogLoader.Loaded checked = load(true, 0);

        assertThat(checked.logEndOffset()).as("the corrupt batch ends the log").isZero();
        assertThat(checked.truncatedBytes()).isPositive();
        assertThat(checked.segments().count()).as("the segments after the cut are gone").isOne();
        assertThat(files()).noneMatch(n -> n.startsWith(Segment.fileName(3)) || n.startsWith(Segment.fileName(6)));
        checked.segments().closeAll();
    }

    @Test
    void aTornTailIsCutAtTheLastWholeBatch() throws Exception {
        writeThreeSegments();
        Path last = dir.resolve(Segment.fileName(6) + ".log");
        try (RandomAccessFile f = new RandomAccessFile(last.toFile(), "rw")) {
            f.setLength(f.length() - 3);
        }
        LogLoader.Loaded loaded = load(true, 6);
        assertThat(loaded.logEndOffset()).isEqualTo(6);
        loaded.segments().closeAll();
    }

    @Test
    void theReplayRebuildsLeaderEpochsAndProducerState() throws Exception {
        LogSegments segments = new LogSegments(dir, "t-0", LogFileChannels.DEFAULT);
        segments.createActive(0, 4096, 1_000);
        append(segments, 1, 1_000, "a", "b");
        ByteBuffer idempotent = MemoryRecords.withIdempotentRecords(Compression.NONE, 42L, (short) 0, 0,
                new SimpleRecord("p".getBytes(StandardCharsets.UTF_8))).buffer();
        RecordBatchHeader.setBaseOffset(idempotent, 0, 2);
        RecordBatchHeader.setLeaderEpoch(idempotent, 0, 4);
        segments.active().append(idempotent);
        segments.closeAll();

        LogLoader.Loaded loaded = load(false, 3);
        LeaderEpochCache epochs = new LeaderEpochCache(dir, "t-0");
        ProducerStateTracker producers = new ProducerStateTracker(60_000);
        LogLoader.replay(loaded.segments(), epochs, producers);

        assertThat(epochs.entries()).containsExactly(Map.entry(1, 0L), Map.entry(4, 2L));
        assertThat(producers.check(idempotent, 1, null, true)).isEqualTo(new SequenceCheck.Duplicate(2, 2));
        loaded.segments().closeAll();
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }
}
