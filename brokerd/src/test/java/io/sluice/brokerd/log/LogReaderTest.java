package io.sluice.brokerd.log;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static io.sluice.brokerd.log.LogTestSegments.append;
import static io.sluice.brokerd.log.LogTestSegments.values;
import static org.assertj.core.api.Assertions.assertThat;

@Timeout(10)
class LogReaderTest {
    @TempDir
    Path dir;
    private LogSegments segments;
    private LogReader reader;

    /** Batches [0,2) [2,3) | [3,5) [5,6) in two segments; timestamps 100.., 200.., 300.., 400... */
    @BeforeEach
    void fill() throws Exception {
        segments = new LogSegments(dir, "t-0", LogFileChannels.DEFAULT);
        segments.createActive(0, 4096, 1_000);
        append(segments, 0, 100, "a", "b");
        append(segments, 0, 200, "c");
        segments.createActive(3, 4096, 1_000);
        append(segments, 0, 300, "d", "e");
        append(segments, 0, 400, "f");
        reader = new LogReader(segments);
    }

    @AfterEach
    void close() {
        segments.closeAll();
    }

    @Test
    void aSliceStartsAtTheBatchHoldingTheOffsetAndStopsAtTheUpperOffset() throws Exception {
        assertThat(values(reader.slice(1, 1 << 20, true, 6), 0)).as("whole first batch, then the segment's end")
                .containsExactly("a", "b", "c");
        assertThat(values(reader.slice(3, 1 << 20, true, 5), 0)).as("the upper offset cuts before batch 5")
                .containsExactly("d", "e");
        assertThat(values(reader.slice(2, 1 << 20, true, 6), 0)).containsExactly("c");
        assertThat(reader.slice(5, 1 << 20, true, 5).sizeBytes()).as("nothing below the bound").isZero();
    }

    @Test
    void maxBytesCutsTheSliceUnlessOneWholeBatchIsOwed() throws Exception {
        int firstBatch = segments.first().batchSizeAt(0);
        assertThat(reader.slice(0, 10, true, 6).sizeBytes()).as("one batch past max bytes").isEqualTo(firstBatch);
        assertThat(reader.slice(0, 10, false, 6).sizeBytes()).as("a partial batch, as Kafka sends").isEqualTo(10);
    }

    @Test
    void timestampsFindTheFirstRecordAtOrAfterAndTheMaximum() throws Exception {
        assertThat(reader.offsetForTimestamp(200, 0)).contains(new TimestampOffset(200, 2));
        assertThat(reader.offsetForTimestamp(301, 0)).contains(new TimestampOffset(301, 4));
        assertThat(reader.offsetForTimestamp(101, 3)).as("not below the log start").contains(new TimestampOffset(300, 3));
        assertThat(reader.offsetForTimestamp(401, 0)).isEmpty();
        assertThat(reader.maxTimestamp()).contains(new TimestampOffset(400, 5));
    }

    @Test
    void aFullScanVisitsEveryRecordFromTheLogStart() throws Exception {
        List<Long> offsets = new ArrayList<>();
        reader.forEachRecord(kv -> offsets.add(kv.offset()), (base, last, cause) -> {
            throw new AssertionError("every batch is readable", cause);
        }, 1);
        assertThat(offsets).containsExactly(1L, 2L, 3L, 4L, 5L);
    }
}
