package io.sluice.brokerd.log;

import io.sluice.brokerd.common.TopicPartition;
import io.sluice.brokerd.config.TopicConfigDef;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Offset and timestamp lookups and record counts walk batch headers a block at a time: checked against positions
 * computed from what was appended, with batch sizes from ~70 bytes to several blocks so headers fall on block
 * boundaries, inside blocks and past them.
 */
@Timeout(30)
class BatchHeaderScannerTest {
    @TempDir
    Path dir;

    /** Batch i: file position, first offset, record count, timestamp of its first record. */
    private record Appended(int position, long firstOffset, int records, long timestampMs, int sizeBytes) {
    }

    private final List<Appended> appended = new ArrayList<>();

    private PartitionLog fill(long seed, int batches) throws Exception {
        PartitionLog log = PartitionLog.open(new TopicPartition("t", 0), dir.resolve("t-0"),
                PartitionLogTest.config(TopicConfigDef.INDEX_INTERVAL_BYTES, "4096"), false, 0, 0, false, 1_000);
        SplittableRandom random = new SplittableRandom(seed);
        int position = 0;
        long offset = 0;
        for (int i = 0; i < batches; i++) {
            int records = random.nextInt(10) == 0 ? 1 + random.nextInt(300) : 1 + random.nextInt(3);
            String[] values = new String[records];
            char[] value = new char[1 + random.nextInt(120)];
            Arrays.fill(value, 'v');
            Arrays.fill(values, new String(value));
            ByteBuffer batch = PartitionLogTest.batch(1000L * i, values);
            int size = batch.remaining();
            assertThat(log.appendAsLeader(batch, 0, 5_000)).isInstanceOf(AppendResult.Appended.class);
            appended.add(new Appended(position, offset, records, 1000L * i, size));
            position += size;
            offset += records;
        }
        return log;
    }

    @Test
    void everyOffsetIsFoundInItsBatch() throws Exception {
        try (PartitionLog log = fill(11, 700)) {
            assertThat(appended.stream().mapToInt(Appended::sizeBytes).max().getAsInt())
                    .isGreaterThan(BatchHeaderScanner.BLOCK_BYTES);
            for (Appended a : appended) {
                for (long o = a.firstOffset(); o < a.firstOffset() + a.records(); o++) {
                    ReadResult.Records r = (ReadResult.Records) log.read(o, 1, true, Long.MAX_VALUE);
                    assertThat(r.slice().position()).as("offset %d", o).isEqualTo(a.position());
                    assertThat(r.slice().sizeBytes()).as("offset %d", o).isEqualTo(a.sizeBytes());
                }
            }
            long end = log.logEndOffset();
            assertThat(((ReadResult.Records) log.read(end, 1, true, Long.MAX_VALUE)).slice().sizeBytes()).isZero();
        }
    }

    /** Reads at the tail use the segment's memory of its newest batch, which truncation must forget. */
    @Test
    void theNewestBatchIsFoundAfterEachAppendAndAfterTruncation() throws Exception {
        try (PartitionLog log = fill(14, 50)) {
            Appended newest = appended.get(appended.size() - 1);
            for (long o = newest.firstOffset(); o < newest.firstOffset() + newest.records(); o++) {
                ReadResult.Records r = (ReadResult.Records) log.read(o, 1, true, Long.MAX_VALUE);
                assertThat(r.slice().position()).isEqualTo(newest.position());
                assertThat(r.slice().sizeBytes()).isEqualTo(newest.sizeBytes());
            }
            Appended previous = appended.get(appended.size() - 2);
            log.truncateTo(previous.firstOffset());
            ByteBuffer replacement = PartitionLogTest.batch(99_000, "a", "b", "c", "d", "e", "f", "g");
            int size = replacement.remaining();
            assertThat(log.appendAsLeader(replacement, 0, 5_000)).isInstanceOf(AppendResult.Appended.class);
            for (long o = previous.firstOffset(); o < previous.firstOffset() + 7; o++) {
                ReadResult.Records r = (ReadResult.Records) log.read(o, 1, true, Long.MAX_VALUE);
                assertThat(r.slice().position()).as("offset %d", o).isEqualTo(previous.position());
                assertThat(r.slice().sizeBytes()).as("offset %d", o).isEqualTo(size);
                assertThat(r.slice().recordCount()).isEqualTo(7);
            }
            ReadResult.Records older = (ReadResult.Records) log.read(appended.get(3).firstOffset(), 1, true, Long.MAX_VALUE);
            assertThat(older.slice().position()).isEqualTo(appended.get(3).position());
        }
    }

    @Test
    void readsStopAtTheUpperOffsetAndCountTheWholeBatchesOfASlice() throws Exception {
        try (PartitionLog log = fill(12, 400)) {
            SplittableRandom random = new SplittableRandom(5);
            for (int n = 0; n < 300; n++) {
                int first = random.nextInt(appended.size());
                int last = first + random.nextInt(Math.min(60, appended.size() - first));
                Appended from = appended.get(first);
                Appended upTo = appended.get(last);
                long upper = upTo.firstOffset() + upTo.records(); // exclusive: batches first..last
                int maxBytes = 1 + random.nextInt(40_000);
                ReadResult.Records r = (ReadResult.Records) log.read(from.firstOffset(), maxBytes, true, upper);
                FileSlice slice = r.slice();
                int whole = upTo.position() + upTo.sizeBytes() - from.position();
                assertThat(slice.position()).isEqualTo(from.position());
                assertThat(slice.sizeBytes()).isEqualTo(Math.max(Math.min(whole, maxBytes), Math.min(from.sizeBytes(), whole)));
                long expectedRecords = 0;
                for (int i = first; i <= last && appended.get(i).position() + appended.get(i).sizeBytes() <= from.position() + slice.sizeBytes(); i++) {
                    expectedRecords += appended.get(i).records();
                }
                assertThat(slice.recordCount()).as("records in %s", slice).isEqualTo(expectedRecords);
            }
        }
    }

    @Test
    void timestampsAreFoundInTheirBatch() throws Exception {
        try (PartitionLog log = fill(13, 500)) {
            for (int i = 0; i < appended.size(); i += 7) {
                Appended a = appended.get(i);
                assertThat(log.offsetForTimestamp(a.timestampMs())).contains(new TimestampOffset(a.timestampMs(), a.firstOffset()));
            }
        }
    }
}
