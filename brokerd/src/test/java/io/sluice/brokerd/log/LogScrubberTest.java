package io.sluice.brokerd.log;

import io.sluice.brokerd.common.TopicPartition;
import io.sluice.brokerd.config.TopicConfigDef;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The scrubber finds a batch damaged on disk after it was written (a flipped bit in its records, its framing, the
 * base offset or leader epoch the CRC does not cover) and says where the log must be cut; the cut keeps every batch
 * before it and the log appends on from there; a leader marked damaged serves only what lies before.
 */
@Timeout(30)
class LogScrubberTest {
    private static final TopicPartition TP = new TopicPartition("t", 0);
    private static final long NOW = 1_000;

    @TempDir
    Path dir;
    private PartitionLog log;
    private final LogScrubber scrubber = new LogScrubber(Long.MAX_VALUE);

    @AfterEach
    void close() {
        if (log != null) {
            log.close();
        }
    }

    /** 30 one-record batches in segments of about 3 batches; batch i holds "value-i" at offset i, epoch i / 10. */
    private PartitionLog filledLog() throws Exception {
        log = PartitionLog.open(TP, dir.resolve("t-0"), PartitionLogTest.config(TopicConfigDef.SEGMENT_BYTES, "250"),
                false, 0, 0, false, NOW);
        for (int i = 0; i < 30; i++) {
            assertThat(log.appendAsLeader(PartitionLogTest.batch(NOW, "value-" + i), i / 10, NOW)).isInstanceOf(AppendResult.Appended.class);
        }
        assertThat(log.segmentCount()).isGreaterThan(5);
        return log;
    }

    /** The segment holding {@code offset} and the file position of the batch at {@code offset}. */
    private record Where(Segment segment, int position) {
    }

    private Where where(long offset) throws Exception {
        for (Segment s : log.allSegments()) {
            if (offset >= s.baseOffset && offset < s.nextOffset()) {
                return new Where(s, s.positionOf(offset));
            }
        }
        throw new AssertionError("no segment holds " + offset);
    }

    private static void flipBit(Path file, long position, int bit) throws Exception {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(position);
            int b = f.read();
            f.seek(position);
            f.write(b ^ (1 << bit));
        }
    }

    private LogScrubber.DamagedBatch damagedAfterFlipping(long offset, int byteInBatch) throws Exception {
        Where w = where(offset);
        flipBit(w.segment().logFile(), w.position() + byteInBatch, 3);
        return scrubber.scrub(log);
    }

    @Test
    void anIntactLogHasNoDamage() throws Exception {
        filledLog();
        assertThat(scrubber.scrub(log)).isNull();
    }

    @Test
    void aFlippedBitInARecordIsACrcMismatchAndTheLogIsCutJustBeforeIt() throws Exception {
        filledLog();
        Where w = where(13);
        LogScrubber.DamagedBatch d = damagedAfterFlipping(13, RecordBatchHeader.HEADER_BYTES + 3);
        assertThat(d).isNotNull();
        assertThat(d.reason()).isEqualTo("CRC mismatch");
        assertThat(d.segmentBase()).isEqualTo(w.segment().baseOffset);
        assertThat(d.position()).isEqualTo(w.position());
        assertThat(d.fromOffset()).isEqualTo(13);
        assertThat(d.file()).isEqualTo(w.segment().logFile());

        log.truncateAtDamage(d);
        assertThat(log.logEndOffset()).isEqualTo(13);
        assertThat(PartitionLogTest.readValues(log, 0)).hasSize(13).endsWith("value-12");
        assertThat(scrubber.scrub(log)).as("nothing damaged is left").isNull();
        // The log appends on from the cut, as a follower fetching the rest again does.
        List<String> again = new ArrayList<>();
        for (int i = 13; i < 30; i++) {
            again.add("value-" + i);
            assertThat(log.appendAsLeader(PartitionLogTest.batch(NOW, "value-" + i), i / 10, NOW)).isInstanceOf(AppendResult.Appended.class);
        }
        assertThat(PartitionLogTest.readValues(log, 13)).containsExactlyElementsOf(again);
    }

    @Test
    void theFirstBatchOfASegmentCutsTheLogAtTheSegmentsBaseOffset() throws Exception {
        filledLog();
        Segment second = log.allSegments().get(1);
        LogScrubber.DamagedBatch d = damagedAfterFlipping(second.baseOffset, RecordBatchHeader.HEADER_BYTES + 1);
        assertThat(d.position()).isZero();
        assertThat(d.fromOffset()).isEqualTo(second.baseOffset);
        log.truncateAtDamage(d);
        assertThat(log.logEndOffset()).isEqualTo(second.baseOffset);
    }

    @Test
    void theFieldsOutsideTheCrcAreCheckedTooAndBadFramingStopsTheScan() throws Exception {
        filledLog();
        // A flipped bit of the base offset (bit 3 of its last byte: +8).
        assertThat(damagedAfterFlipping(4, RecordBatchHeader.BATCH_LENGTH - 1).reason())
                .isEqualTo("base offset 12 where 4 was expected");
    }

    @Test
    void aLeaderEpochTheLogDoesNotHoldThereIsDamage() throws Exception {
        filledLog();
        // Offset 5 was written in epoch 0: bit 3 makes it epoch 8.
        assertThat(damagedAfterFlipping(5, RecordBatchHeader.LEADER_EPOCH + 3).reason())
                .isEqualTo("leader epoch 8 where the log's epochs say 0");
    }

    @Test
    void aBatchLengthThatDoesNotFitIsDamage() throws Exception {
        filledLog();
        LogScrubber.DamagedBatch d = damagedAfterFlipping(7, RecordBatchHeader.BATCH_LENGTH + 1);
        assertThat(d.reason()).contains("does not fit the segment");
        assertThat(d.fromOffset()).isEqualTo(7);
    }

    @Test
    void theActiveSegmentIsLeftToRecovery() throws Exception {
        filledLog();
        Segment active = log.allSegments().get(log.segmentCount() - 1);
        flipBit(active.logFile(), RecordBatchHeader.HEADER_BYTES + 1, 2);
        assertThat(scrubber.scrub(log)).isNull();
    }

    @Test
    void aDamagedLeaderServesOnlyWhatLiesBeforeTheDamage() throws Exception {
        filledLog();
        LogScrubber.DamagedBatch d = damagedAfterFlipping(13, RecordBatchHeader.HEADER_BYTES + 3);
        log.markDamaged(d);
        assertThat(log.read(13, 1 << 20, true, log.highWatermark())).isInstanceOf(ReadResult.StorageError.class);
        assertThat(log.read(20, 1 << 20, true, log.highWatermark())).as("past the damage too").isInstanceOf(ReadResult.StorageError.class);
        ReadResult.Records r = (ReadResult.Records) log.read(12, 1 << 20, true, log.highWatermark());
        ByteBuffer bytes = r.slice().readFully();
        long last = -1;
        for (int pos = 0; pos + RecordBatchHeader.HEADER_BYTES <= bytes.limit(); pos += RecordBatchHeader.totalSize(bytes, pos)) {
            last = RecordBatchHeader.lastOffset(bytes, pos);
        }
        assertThat(last).as("the slice ends before the damaged batch").isEqualTo(12);
        List<LogScrubber.DamagedBatch> told = new ArrayList<>();
        assertThat(scrubber.scrub(List.of(log), (pl, batch) -> told.add(batch))).as("known, not counted again").isZero();
        assertThat(told).as("but told again, so that the leader tries to hand over again").containsExactly(d);
    }
}
