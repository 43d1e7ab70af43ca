package io.sluice.brokerd.log;

import io.sluice.brokerd.config.TopicConfigDef;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.SimpleRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static io.sluice.brokerd.log.LogCleanerTest.CLEANER;
import static io.sluice.brokerd.log.LogCleanerTest.NOW;
import static org.assertj.core.api.Assertions.assertThat;

/** Compaction of transactional data, as Kafka's cleaner does it. */
@Timeout(60)
class LogCleanerTransactionsTest {
    @TempDir
    Path dir;

    private static ByteBuffer txn(long pid, int seq, String key, String value) {
        return MemoryRecords.withTransactionalRecords(Compression.NONE, pid, (short) 0, seq,
                new SimpleRecord(NOW, key.getBytes(StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8))).buffer();
    }

    private static ByteBuffer plain(String key, String value) {
        return MemoryRecords.withRecords(Compression.NONE,
                new SimpleRecord(NOW, key.getBytes(StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8))).buffer();
    }

    /** Every data record as "offset:key=value", and the markers as "offset:COMMIT/ABORT". */
    private static List<String> contents(PartitionLog log) throws Exception {
        List<String> out = new ArrayList<>();
        for (long from = log.logStartOffset(); from < log.logEndOffset(); ) {
          ReadResult.Records r = (ReadResult.Records) log.read(from, 1 << 24, true, log.logEndOffset(), false);
          for (RecordBatch b : MemoryRecords.readableRecords(r.slice().readFully()).batches()) {
            from = b.lastOffset() + 1;
            for (Record rec : b) {
                if (b.isControlBatch()) {
                    out.add(rec.offset() + ":" + org.apache.kafka.common.record.ControlRecordType.parse(rec.key()));
                } else {
                    out.add(rec.offset() + ":" + StandardCharsets.UTF_8.decode(rec.key()) + "="
                            + StandardCharsets.UTF_8.decode(rec.value()));
                }
            }
          }
        }
        return out;
    }

    private static void ok(AppendResult r) {
        assertThat(r).isInstanceOf(AppendResult.Appended.class);
    }

    @Test
    void abortedRecordsGoWithoutSupersedingCommittedOnesAndMarkersGoAfterDeleteRetention() throws Exception {
        LogConfig cfg = LogCleanerTest.compactConfig(TopicConfigDef.SEGMENT_BYTES, "200", TopicConfigDef.DELETE_RETENTION_MS, "1000",
                TopicConfigDef.MIN_CLEANABLE_DIRTY_RATIO, "0.01");
        try (PartitionLog log = PartitionLog.open(LogCleanerTest.TP, dir.resolve("compacted-0"), cfg, false, 0, 0, false, NOW)) {
            ok(log.appendAsLeader(plain("a", "v1"), 0, NOW));                 // 0
            ok(log.appendAsLeader(txn(7, 0, "a", "aborted"), 0, NOW));        // 1
            ok(log.appendMarker(7, (short) 0, 0, false, 0, NOW));              // 2 ABORT
            ok(log.appendAsLeader(txn(8, 0, "b", "committed"), 0, NOW));      // 3
            ok(log.appendMarker(8, (short) 0, 0, true, 0, NOW));               // 4 COMMIT
            ok(log.appendAsLeader(txn(7, 1, "g", "committed"), 0, NOW));      // 5
            ok(log.appendMarker(7, (short) 0, 0, true, 0, NOW));               // 6 COMMIT
            ok(log.appendAsLeader(txn(9, 0, "c", "open"), 0, NOW));           // 7: open, nothing from here is cleaned
            ok(log.appendAsLeader(plain("c", "later"), 0, NOW));              // 8
            ok(log.appendAsLeader(plain("d", "x"), 0, NOW));                  // 9
            assertThat(log.segmentCount()).isGreaterThan(3);

            CLEANER.maybeClean(log, NOW + 10, LogCleaner.StepHook.NONE);
            List<String> after = contents(log);
            assertThat(after).as("aborted records never supersede committed ones").doesNotContain("1:a=aborted")
                    .contains("0:a=v1", "3:b=committed", "5:g=committed", "7:c=open", "8:c=later");
            assertThat(after).as("markers outlive delete.retention.ms").contains("2:ABORT", "4:COMMIT", "6:COMMIT");

            ok(log.appendMarker(9, (short) 0, 0, true, 0, NOW + 5000));        // 10
            ok(log.appendAsLeader(plain("e", "y"), 0, NOW + 5000));
            ok(log.appendAsLeader(plain("f", "z"), 0, NOW + 5000));
            CLEANER.maybeClean(log, NOW + 5000, LogCleaner.StepHook.NONE);
            assertThat(contents(log)).as("found removable, the marker waits delete.retention.ms").contains("2:ABORT");
            log.appendAsLeader(plain("h", "1"), 0, NOW + 10_000);
            log.appendAsLeader(plain("i", "1"), 0, NOW + 10_000);
            CLEANER.maybeClean(log, NOW + 10_000, LogCleaner.StepHook.NONE);
            after = contents(log);
            assertThat(after).doesNotContain("2:ABORT", "7:c=open")
                    .contains("0:a=v1", "3:b=committed", "4:COMMIT", "5:g=committed", "8:c=later");
        }
    }
}
