package io.sluice.brokerd.log;

import io.sluice.brokerd.common.TopicPartition;
import io.sluice.brokerd.config.TopicConfigDef;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.ControlRecordType;
import org.apache.kafka.common.record.EndTransactionMarker;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.SimpleRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The log's side of transactions: transactional batches, markers written only through {@link PartitionLog#appendMarker},
 * the last stable offset, READ_COMMITTED reads with their aborted transactions, the {@code .txnindex}, producer
 * snapshots and the rebuilding of all of it on restart and truncation.
 */
@Timeout(30)
class PartitionLogTransactionsTest {
    @TempDir
    Path dir;
    private static final TopicPartition TP = new TopicPartition("t", 0);
    private static final long NOW = 1_000_000;

    private Path logDir() {
        return dir.resolve("t-0");
    }

    private PartitionLog open(String... kv) throws Exception {
        return PartitionLog.open(TP, logDir(), PartitionLogTest.config(kv), false, 0, 0, -1,
                LogEnvironment.of(false), NOW);
    }

    private PartitionLog openAfterCrash(String... kv) throws Exception {
        return PartitionLog.open(TP, logDir(), PartitionLogTest.config(kv), true, 0, 0, -1,
                LogEnvironment.of(false), NOW);
    }

    static ByteBuffer txnBatch(long pid, short epoch, int seq, String... values) {
        SimpleRecord[] records = new SimpleRecord[values.length];
        for (int i = 0; i < values.length; i++) {
            records[i] = new SimpleRecord(NOW + i, null, values[i].getBytes(StandardCharsets.UTF_8));
        }
        return MemoryRecords.withTransactionalRecords(Compression.NONE, pid, epoch, seq, records).buffer();
    }

    private static AppendResult.Appended appended(AppendResult r) {
        assertThat(r).isInstanceOf(AppendResult.Appended.class);
        return (AppendResult.Appended) r;
    }

    private static AppendError rejected(AppendResult r) {
        assertThat(r).isInstanceOf(AppendResult.Rejected.class);
        return ((AppendResult.Rejected) r).error();
    }

    /** The values a READ_COMMITTED consumer keeps from {@code r}: aborted transactions' records and markers dropped. */
    private static List<String> committedValues(ReadResult.Records r) throws Exception {
        List<String> out = new ArrayList<>();
        List<AbortedTxn> aborted = new ArrayList<>(r.abortedTransactions());
        java.util.Set<Long> inAborted = new java.util.HashSet<>();
        for (RecordBatch b : MemoryRecords.readableRecords(r.slice().readFully()).batches()) {
            for (AbortedTxn t : List.copyOf(aborted)) {
                if (t.firstOffset() <= b.lastOffset()) {
                    inAborted.add(t.producerId());
                    aborted.remove(t);
                }
            }
            if (b.isControlBatch()) {
                inAborted.remove(b.producerId());
                continue;
            }
            if (b.isTransactional() && inAborted.contains(b.producerId())) {
                continue;
            }
            for (Record rec : b) {
                out.add(StandardCharsets.UTF_8.decode(rec.value()).toString());
            }
        }
        return out;
    }

    private static ReadResult.Records readCommitted(PartitionLog log, long from) {
        return (ReadResult.Records) log.read(from, 1 << 20, true, log.highWatermark(), true);
    }

    @Test
    void anOpenTransactionHoldsTheLastStableOffsetUntilItsMarkerIsBelowTheHighWatermark() throws Exception {
        try (PartitionLog log = open()) {
            log.appendAsLeader(PartitionLogTest.batch(NOW, "plain0"), 0, NOW);
            appended(log.appendAsLeader(txnBatch(7, (short) 0, 0, "t0", "t1"), 0, NOW));
            log.appendAsLeader(PartitionLogTest.batch(NOW, "plain1"), 0, NOW);
            assertThat(log.highWatermark()).isEqualTo(4);
            assertThat(log.lastStableOffset()).as("txn of producer 7 open from offset 1").isEqualTo(1);

            ReadResult.Records r = readCommitted(log, 0);
            assertThat(r.lastStableOffset()).isEqualTo(1);
            assertThat(committedValues(r)).containsExactly("plain0");
            assertThat(((ReadResult.Records) log.read(0, 1 << 20, true, log.highWatermark(), false)).abortedTransactions())
                    .as("READ_UNCOMMITTED reads carry no aborted list").isNull();

            // A follower holds the high watermark: the COMMIT is written but not replicated.
            log.updateReplicatedFloor(4);
            AppendResult.Appended marker = appended(log.appendMarker(7, (short) 0, 3, true, 0, NOW));
            assertThat(marker.firstOffset()).isEqualTo(4);
            assertThat(log.lastStableOffset()).as("the marker may still be lost with this leader").isEqualTo(1);
            log.updateReplicatedFloor(5);
            assertThat(log.lastStableOffset()).isEqualTo(5);
            assertThat(committedValues(readCommitted(log, 0))).containsExactly("plain0", "t0", "t1", "plain1");
            assertThat(readCommitted(log, 0).abortedTransactions()).isEmpty();
        }
    }

    @Test
    void anAbortedTransactionIsListedForReadCommittedReadsAndIndexedInKafkasLayout() throws Exception {
        try (PartitionLog log = open()) {
            appended(log.appendAsLeader(txnBatch(7, (short) 0, 0, "a0"), 0, NOW));   // offset 0
            appended(log.appendAsLeader(txnBatch(8, (short) 0, 0, "c0"), 0, NOW));   // 1
            appended(log.appendAsLeader(txnBatch(7, (short) 0, 1, "a1"), 0, NOW));   // 2
            appended(log.appendMarker(7, (short) 0, 5, false, 0, NOW));               // ABORT at 3
            assertThat(log.lastStableOffset()).as("producer 8's transaction is still open").isEqualTo(1);
            appended(log.appendMarker(8, (short) 0, 5, true, 0, NOW));                // COMMIT at 4
            assertThat(log.lastStableOffset()).isEqualTo(5);

            ReadResult.Records r = readCommitted(log, 0);
            assertThat(r.abortedTransactions()).containsExactly(new AbortedTxn(7, 0, 3, 1));
            assertThat(committedValues(r)).containsExactly("c0");
            assertThat(readCommitted(log, 4).abortedTransactions()).as("a read past the marker needs no entry").isEmpty();
            assertThat(PartitionLogTest.readValues(log, 0)).as("READ_UNCOMMITTED sees everything, markers last")
                    .hasSize(5).startsWith("a0", "c0", "a1");

            byte[] index = Files.readAllBytes(logDir().resolve(Segment.fileName(0) + ".txnindex"));
            ByteBuffer expected = ByteBuffer.allocate(34).putShort((short) 0).putLong(7).putLong(0).putLong(3).putLong(1);
            assertThat(index).isEqualTo(expected.array());

            // The markers are Kafka's control records, readable by Kafka's own classes.
            ReadResult.Records all = (ReadResult.Records) log.read(3, 1 << 20, true, 5, false);
            List<RecordBatch> batches = new ArrayList<>();
            MemoryRecords.readableRecords(all.slice().readFully()).batches().forEach(batches::add);
            assertThat(batches).hasSize(2);
            Record abort = batches.get(0).iterator().next();
            assertThat(batches.get(0).isControlBatch()).isTrue();
            assertThat(batches.get(0).isTransactional()).isTrue();
            assertThat(ControlRecordType.parse(abort.key())).isEqualTo(ControlRecordType.ABORT);
            assertThat(EndTransactionMarker.deserialize(abort).coordinatorEpoch()).isEqualTo(5);
            assertThat(ControlRecordType.parse(batches.get(1).iterator().next().key())).isEqualTo(ControlRecordType.COMMIT);
        }
    }

    @Test
    void onlyTheBrokerWritesMarkersAndTheyAreCheckedAsKafkaDoes() throws Exception {
        try (PartitionLog log = open()) {
            ByteBuffer clientMarker = MemoryRecords.withEndTransactionMarker(7, (short) 0,
                    new EndTransactionMarker(ControlRecordType.COMMIT, 0)).buffer();
            assertThat(rejected(log.appendAsLeader(clientMarker, 0, NOW))).isEqualTo(AppendError.INVALID_RECORD);

            appended(log.appendAsLeader(txnBatch(7, (short) 2, 0, "x"), 0, NOW));
            assertThat(rejected(log.appendAsLeader(PartitionLogTest.idempotentBatch(7, (short) 2, 1, "y"), 0, NOW)))
                    .as("a non-transactional batch inside an open transaction").isEqualTo(AppendError.INVALID_TXN_STATE);
            assertThat(rejected(log.appendMarker(7, (short) 1, 4, true, 0, NOW))).isEqualTo(AppendError.INVALID_PRODUCER_EPOCH);
            appended(log.appendMarker(7, (short) 2, 4, true, 0, NOW));
            long end = log.logEndOffset();
            AppendResult.Appended retry = appended(log.appendMarker(7, (short) 2, 4, true, 0, NOW));
            assertThat(retry.duplicate()).isTrue();
            assertThat(log.logEndOffset()).as("a retried marker is written once").isEqualTo(end);
            assertThat(rejected(log.appendMarker(7, (short) 3, 3, false, 0, NOW)))
                    .isEqualTo(AppendError.TRANSACTION_COORDINATOR_FENCED);
            appended(log.appendMarker(7, (short) 3, 4, false, 0, NOW));
            assertThat(rejected(log.appendAsLeader(txnBatch(7, (short) 2, 1, "z"), 0, NOW)))
                    .as("the bumped epoch fences the producer").isEqualTo(AppendError.INVALID_PRODUCER_EPOCH);
        }
    }

    @Test
    void aFirstTransactionalBatchNeedsAVerificationThatNoMarkerVoided() throws Exception {
        try (PartitionLog log = open()) {
            VerificationGuard guard = log.beginVerification(7, (short) 0, NOW);
            assertThat(guard.needsVerification()).isTrue();
            appended(log.appendAsLeader(txnBatch(7, (short) 0, 0, "a"), 0, NOW, guard));
            assertThat(log.beginVerification(7, (short) 0, NOW).needsVerification()).as("its transaction is open here").isFalse();
            appended(log.appendAsLeader(txnBatch(7, (short) 0, 1, "b"), 0, NOW, VerificationGuard.NOT_NEEDED));
            appended(log.appendMarker(7, (short) 0, 0, true, 0, NOW));

            VerificationGuard late = log.beginVerification(7, (short) 1, NOW);
            appended(log.appendMarker(7, (short) 1, 0, false, 0, NOW)); // the coordinator aborted meanwhile
            assertThat(rejected(log.appendAsLeader(txnBatch(7, (short) 1, 0, "late"), 0, NOW, late)))
                    .as("a late batch of an ended transaction must not open one nobody ends").isEqualTo(AppendError.INVALID_TXN_STATE);
            assertThat(log.lastStableOffset()).isEqualTo(log.logEndOffset());
        }
    }

    @Test
    void aCleanShutdownSnapshotsTheProducerStateAndARestartLoadsIt() throws Exception {
        long end;
        try (PartitionLog log = open()) {
            appended(log.appendAsLeader(txnBatch(7, (short) 0, 0, "a0"), 0, NOW));
            appended(log.appendAsLeader(txnBatch(8, (short) 0, 0, "b0"), 0, NOW));
            appended(log.appendMarker(8, (short) 0, 1, false, 0, NOW));
            end = log.logEndOffset();
        }
        assertThat(Files.exists(ProducerSnapshots.file(logDir(), end))).isTrue();
        try (PartitionLog log = open()) {
            assertThat(log.lastStableOffset()).as("producer 7's transaction survived the restart").isEqualTo(0);
            assertThat(log.producers()).extracting(p -> p.currentTxnStartOffset()).containsExactly(0L, -1L);
            assertThat(readCommitted(log, 0).abortedTransactions()).isEmpty(); // nothing below the LSO
            appended(log.appendMarker(7, (short) 0, 1, false, 0, NOW));
            assertThat(readCommitted(log, 0).abortedTransactions())
                    .containsExactly(new AbortedTxn(8, 1, 2, 0), new AbortedTxn(7, 0, 3, 4));
        }
    }

    @Test
    void afterACrashWithoutSnapshotsTheReplayRebuildsTransactionsAndTheirIndex() throws Exception {
        try (PartitionLog log = open(TopicConfigDef.SEGMENT_BYTES, "200")) {
            for (int i = 0; i < 4; i++) {
                appended(log.appendAsLeader(txnBatch(7, (short) 0, i, "a" + i), 0, NOW));
            }
            appended(log.appendMarker(7, (short) 0, 1, false, 0, NOW));
            appended(log.appendAsLeader(txnBatch(9, (short) 0, 0, "open"), 0, NOW));
            assertThat(log.segmentCount()).isGreaterThan(1);
        }
        try (Stream<Path> files = Files.list(logDir())) {
            for (Path p : files.toList()) {
                String name = p.getFileName().toString();
                if (name.endsWith(".snapshot") || name.endsWith(".txnindex")) {
                    Files.delete(p); // as if they never reached the disk
                }
            }
        }
        try (PartitionLog log = openAfterCrash(TopicConfigDef.SEGMENT_BYTES, "200")) {
            assertThat(log.lastStableOffset()).as("producer 9's transaction is open again").isEqualTo(5);
            ReadResult.Records r = readCommitted(log, 0);
            assertThat(r.abortedTransactions()).containsExactly(new AbortedTxn(7, 0, 4, 5));
            assertThat(committedValues(r)).isEmpty();
        }
    }

    @Test
    void aDamagedSnapshotIsDeletedAndTheLogReplayedInstead() throws Exception {
        long end;
        try (PartitionLog log = open()) {
            appended(log.appendAsLeader(txnBatch(7, (short) 0, 0, "a0"), 0, NOW));
            end = log.logEndOffset();
        }
        Path snapshot = ProducerSnapshots.file(logDir(), end);
        byte[] bytes = Files.readAllBytes(snapshot);
        bytes[bytes.length - 1] ^= 1;
        Files.write(snapshot, bytes);
        try (PartitionLog log = open()) {
            assertThat(log.lastStableOffset()).isEqualTo(0);
            assertThat(log.producers()).singleElement().satisfies(p -> assertThat(p.currentTxnStartOffset()).isZero());
        }
    }

    @Test
    void aRollSnapshotsTheStateAtTheNewSegmentAndARestartReplaysOnlyWhatFollows() throws Exception {
        ManualExecutor background = new ManualExecutor();
        LogEnvironment env = LogEnvironment.of(false).withBackground(background);
        long rolledAt;
        try (PartitionLog log = PartitionLog.open(TP, logDir(), PartitionLogTest.config(TopicConfigDef.SEGMENT_BYTES, "100"),
                false, 0, 0, -1, env, NOW)) {
            appended(log.appendAsLeader(txnBatch(7, (short) 0, 0, "a0"), 0, NOW));
            appended(log.appendAsLeader(txnBatch(7, (short) 0, 1, "a1"), 0, NOW));
            assertThat(log.segmentCount()).isEqualTo(2);
            rolledAt = log.logEndOffset() - 1;
            background.runAll();
            assertThat(Files.exists(ProducerSnapshots.file(logDir(), rolledAt))).isTrue();
            List<io.sluice.brokerd.producer.ProducerStateManager.SnapshotEntry> entries =
                    ProducerSnapshots.decode(Files.readAllBytes(ProducerSnapshots.file(logDir(), rolledAt)));
            assertThat(entries).hasSize(1);
            assertThat(entries.get(0).producerId()).isEqualTo(7);
            assertThat(entries.get(0).currentTxnFirstOffset()).isEqualTo(0);
            assertThat(entries.get(0).lastSequence()).isEqualTo(0);
            // A crash: no shutdown snapshot. The restart loads the roll's and replays the batch after it.
        }
        Files.deleteIfExists(ProducerSnapshots.file(logDir(), 2));
        try (PartitionLog log = openAfterCrash(TopicConfigDef.SEGMENT_BYTES, "100")) {
            assertThat(log.lastStableOffset()).isEqualTo(0);
            assertThat(log.producers()).singleElement().satisfies(p -> assertThat(p.lastSequence()).isEqualTo(1));
            assertThat(rejected(log.appendAsLeader(txnBatch(7, (short) 0, 5, "gap"), 0, NOW)))
                    .isEqualTo(AppendError.OUT_OF_ORDER_SEQUENCE_NUMBER);
        }
    }

    @Test
    void maintenanceDeletesTheSnapshotsNoRestartNeeds() throws Exception {
        try (PartitionLog log = open(TopicConfigDef.SEGMENT_BYTES, "100")) {
            for (int i = 0; i < 5; i++) {
                appended(log.appendAsLeader(txnBatch(7, (short) 0, i, "a" + i), 0, NOW));
            }
            assertThat(log.segmentCount()).isEqualTo(5);
            assertThat(ProducerSnapshots.list(logDir())).containsOnlyKeys(1L, 2L, 3L, 4L);
            log.maintain(NOW);
            assertThat(ProducerSnapshots.list(logDir())).as("from the segment before the active one on")
                    .containsOnlyKeys(3L, 4L);
        }
    }

    @Test
    void aFollowerCopiesTheStateAndATruncationBelowAMarkerReopensItsTransaction() throws Exception {
        List<ByteBuffer> leaderBatches = new ArrayList<>();
        try (PartitionLog leader = PartitionLog.open(new TopicPartition("l", 0), dir.resolve("l-0"), LogConfig.defaults(),
                false, 0, 0, -1, LogEnvironment.of(false), NOW)) {
            appended(leader.appendAsLeader(txnBatch(7, (short) 0, 0, "a0"), 0, NOW));
            appended(leader.appendMarker(7, (short) 0, 1, false, 0, NOW));
            ReadResult.Records r = (ReadResult.Records) leader.read(0, 1 << 20, true, leader.logEndOffset(), false);
            leaderBatches.add(r.slice().readFully());
        }
        try (PartitionLog follower = open()) {
            appended(follower.appendAsFollower(leaderBatches.get(0), NOW));
            follower.updateFollowerHighWatermark(2);
            assertThat(follower.lastStableOffset()).isEqualTo(2);
            assertThat(readCommitted(follower, 0).abortedTransactions()).containsExactly(new AbortedTxn(7, 0, 1, 2));

            follower.truncateTo(1); // the marker was not on the new leader
            assertThat(follower.lastStableOffset()).isEqualTo(0);
            assertThat(follower.producers()).singleElement().satisfies(p -> assertThat(p.currentTxnStartOffset()).isZero());
            assertThat(Files.size(logDir().resolve(Segment.fileName(0) + ".txnindex"))).isZero();
        }
    }
}
