package io.sluice.brokerd.log;

import io.sluice.brokerd.common.TopicPartition;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.RecordBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A read bounded by the high watermark (a consumer) or the log end offset (a follower) never returns a record at or
 * above its bound, whenever a concurrent append lands. The append is made from inside the read, at the point where
 * the reader has looked at the segment, so the interleaving is forced rather than hoped for.
 */
@Timeout(30)
class ReadBoundTest {
    private static final long NOW = 1_000;

    @TempDir
    Path dir;

    private PartitionLog open() throws Exception {
        return PartitionLog.open(new TopicPartition("t", 0), dir.resolve("t-0"), LogConfig.defaults(), false, 0, 0, false, NOW);
    }

    private static List<Long> offsets(ReadResult result) throws Exception {
        List<Long> out = new ArrayList<>();
        for (RecordBatch b : MemoryRecords.readableRecords(((ReadResult.Records) result).slice().readFully()).batches()) {
            for (long o = b.baseOffset(); o <= b.lastOffset(); o++) {
                out.add(o);
            }
        }
        return out;
    }

    /** Appends one batch the first time the reader reaches the interleaving point. */
    private static void appendOnceDuringReads(PartitionLog log) {
        boolean[] done = {false};
        log.interleaveReads(() -> {
            if (!done[0]) {
                done[0] = true;
                assertThat(log.appendAsLeader(PartitionLogTest.batch(NOW, "late-1", "late-2"), 0, NOW))
                        .isInstanceOf(AppendResult.Appended.class);
            }
        });
    }

    @Test
    void aConsumerReadAtTheHighWatermarkGetsNothingAppendedDuringTheRead() throws Exception {
        try (PartitionLog log = open()) {
            for (int i = 0; i < 5; i++) {
                log.appendAsLeader(PartitionLogTest.batch(NOW, "v" + i), 0, NOW);
            }
            log.updateReplicatedFloor(5);
            long hw = log.highWatermark();
            assertThat(hw).isEqualTo(5);
            appendOnceDuringReads(log);

            ReadResult r = log.read(0, 1 << 20, true, hw);

            assertThat(log.logEndOffset()).as("the append landed during the read").isEqualTo(7);
            assertThat(offsets(r)).containsExactly(0L, 1L, 2L, 3L, 4L);
        }
    }

    @Test
    void aFollowerReadAtTheLogEndGetsNothingAppendedDuringTheRead() throws Exception {
        try (PartitionLog log = open()) {
            for (int i = 0; i < 3; i++) {
                log.appendAsLeader(PartitionLogTest.batch(NOW, "v" + i), 0, NOW);
            }
            long end = log.logEndOffset();
            appendOnceDuringReads(log);

            ReadResult r = log.read(1, 1 << 20, true, end);

            assertThat(offsets(r)).containsExactly(1L, 2L);
        }
    }
}
