package io.sluice.brokerd.log;

import io.sluice.brokerd.producer.SequenceCheck;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** Producer fields read from real v2 batch headers, as the log hands them over. */
@Timeout(10)
class ProducerStateTrackerTest {
    private final ProducerStateTracker tracker = new ProducerStateTracker(60_000);

    /** An idempotent batch of {@code count} records from sequence {@code seq}, its base offset set to {@code offset}. */
    private static ByteBuffer batch(long pid, int seq, int count, long offset) {
        SimpleRecord[] rs = new SimpleRecord[count];
        for (int i = 0; i < count; i++) {
            rs[i] = new SimpleRecord(1_000, null, ("v" + i).getBytes(StandardCharsets.UTF_8));
        }
        ByteBuffer b = MemoryRecords.withIdempotentRecords(Compression.NONE, pid, (short) 0, seq, rs).buffer();
        RecordBatchHeader.setBaseOffset(b, 0, offset);
        return b;
    }

    private static ByteBuffer concat(ByteBuffer... batches) {
        int size = 0;
        for (ByteBuffer b : batches) {
            size += b.remaining();
        }
        ByteBuffer all = ByteBuffer.allocate(size);
        for (ByteBuffer b : batches) {
            all.put(b.duplicate());
        }
        return all.flip();
    }

    @Test
    void aRetriedBatchIsADuplicateWithItsOriginalOffsetsAndAGapIsRefused() throws Exception {
        tracker.onAppended(concat(batch(7, 0, 3, 0), batch(7, 3, 2, 3)), null);
        assertThat(tracker.check(batch(7, 3, 2, -1), 1, null, true)).isEqualTo(new SequenceCheck.Duplicate(3, 4));
        assertThat(tracker.check(batch(7, 5, 1, -1), 1, null, true)).isInstanceOf(SequenceCheck.Accept.class);
        SequenceCheck gap = tracker.check(batch(7, 9, 1, -1), 1, null, true);
        assertThat(((SequenceCheck.Reject) gap).reason()).isEqualTo(SequenceCheck.Reason.OUT_OF_ORDER_SEQUENCE_NUMBER);
    }

    @Test
    void aRequestOfSeveralBatchesThatRepeatsOneIsRefusedWhole() throws Exception {
        tracker.onAppended(batch(7, 0, 3, 0), null);
        SequenceCheck c = tracker.check(concat(batch(7, 0, 3, -1), batch(7, 3, 1, -1)), 2, null, true);
        assertThat(((SequenceCheck.Reject) c).message()).contains("several batches");
    }

    @Test
    void batchesWithoutAProducerAreNotTracked() throws Exception {
        ByteBuffer plain = MemoryRecords.withRecords(Compression.NONE, new SimpleRecord("x".getBytes(StandardCharsets.UTF_8))).buffer();
        tracker.onAppended(plain, null);
        assertThat(tracker.producerCount()).isZero();
        assertThat(tracker.check(plain, 1, null, true)).isInstanceOf(SequenceCheck.Accept.class);
    }

    @Test
    void clearForgetsEveryProducer() throws Exception {
        tracker.onAppended(concat(batch(7, 0, 3, 0), batch(7, 3, 2, 3)), null);
        tracker.clear();
        assertThat(tracker.producerCount()).isZero();
        assertThat(tracker.check(batch(7, 3, 2, -1), 1, null, true)).as("no longer a duplicate").isInstanceOf(SequenceCheck.Accept.class);
    }

    @Test
    void silentProducersExpire() throws Exception {
        tracker.onAppended(batch(7, 0, 1, 0), null);
        tracker.removeExpired(1_000 + 60_000);
        assertThat(tracker.producerCount()).isOne();
        tracker.removeExpired(1_000 + 60_001);
        assertThat(tracker.producerCount()).isZero();
    }
}
