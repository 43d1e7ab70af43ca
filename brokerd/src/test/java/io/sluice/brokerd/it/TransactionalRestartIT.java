package io.sluice.brokerd.it;

import io.sluice.brokerd.Broker;
import io.sluice.brokerd.log.AppendResult;
import io.sluice.brokerd.log.PartitionLog;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A broker restart keeps transactions as they were: an open transaction still holds the last stable offset, an
 * aborted one stays invisible to READ_COMMITTED consumers, whether the restart loads the producer snapshot written at
 * shutdown or, without one, rebuilds the state and the {@code .txnindex} from the segments. Markers are written
 * in-process (see TransactionalReadIT) until the transaction coordinator writes them.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TransactionalRestartIT {
    @TempDir
    Path dataDir;

    private static PartitionLog log(Broker b) throws InterruptedException {
        io.sluice.brokerd.common.TopicPartition tp = new io.sluice.brokerd.common.TopicPartition("t", 0);
        ItSupport.waitFor(() -> b.localLog(tp).isPresent() && b.localLog(tp).get().latestEpoch() >= 0,
                Duration.ofSeconds(20), "the log of t-0");
        return b.localLog(tp).orElseThrow();
    }

    private static void ok(AppendResult r) {
        assertThat(r).isInstanceOf(AppendResult.Appended.class);
    }

    private static void txn(PartitionLog pl, long pid, int seq, String value) {
        ok(pl.appendAsLeader(MemoryRecords.withTransactionalRecords(Compression.NONE, pid, (short) 0, seq,
                new SimpleRecord(System.currentTimeMillis(), null, value.getBytes(StandardCharsets.UTF_8))).buffer(),
                pl.latestEpoch(), System.currentTimeMillis()));
    }

    private static List<String> readCommitted(Broker b, long end) {
        TopicPartition tp = new TopicPartition("t", 0);
        List<String> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = ItSupport.consumer(b.bootstrapServers(),
                Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"))) {
            c.assign(List.of(tp));
            c.seek(tp, 0);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (c.position(tp) < end) {
                assertThat(System.nanoTime()).as("reading up to %d (at %d)", end, c.position(tp)).isLessThan(deadline);
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    out.add(new String(r.value(), StandardCharsets.UTF_8));
                }
            }
        }
        return out;
    }

    private static long lastStable(Admin admin) throws Exception {
        TopicPartition tp = new TopicPartition("t", 0);
        return admin.listOffsets(Map.of(tp, OffsetSpec.latest()), new ListOffsetsOptions(IsolationLevel.READ_COMMITTED))
                .partitionResult(tp).get().offset();
    }

    @ParameterizedTest(name = "snapshots kept: {0}")
    @ValueSource(booleans = {true, false})
    void transactionsSurviveARestart(boolean keepSnapshots) throws Exception {
        long openStart;
        try (Broker b = ItSupport.startBroker(dataDir, Map.of()); Admin admin = ItSupport.admin(b.bootstrapServers())) {
            ItSupport.createTopic(admin, "t", 1, Map.of("segment.bytes", "200"));
            PartitionLog pl = log(b);
            txn(pl, 10, 0, "committed-0");
            txn(pl, 11, 0, "aborted-0");
            txn(pl, 10, 1, "committed-1");
            txn(pl, 11, 1, "aborted-1");
            ok(pl.appendMarker(11, (short) 0, 0, false, pl.latestEpoch(), System.currentTimeMillis()));
            ok(pl.appendMarker(10, (short) 0, 0, true, pl.latestEpoch(), System.currentTimeMillis()));
            openStart = pl.logEndOffset();
            txn(pl, 12, 0, "open-0");
            assertThat(pl.segmentCount()).isGreaterThan(1);
            assertThat(lastStable(admin)).isEqualTo(openStart);
        }
        if (!keepSnapshots) {
            try (Stream<Path> files = Files.walk(dataDir)) {
                for (Path p : files.filter(p -> p.toString().endsWith(".snapshot") || p.toString().endsWith(".txnindex")).toList()) {
                    Files.delete(p);
                }
            }
        }
        try (Broker b = ItSupport.startBroker(dataDir, Map.of()); Admin admin = ItSupport.admin(b.bootstrapServers())) {
            PartitionLog pl = log(b);
            ItSupport.waitFor(() -> pl.highWatermark() == pl.logEndOffset(), Duration.ofSeconds(20), "the high watermark");
            assertThat(lastStable(admin)).as("producer 12's transaction is still open").isEqualTo(openStart);
            assertThat(readCommitted(b, openStart)).containsExactly("committed-0", "committed-1");
            ok(pl.appendMarker(12, (short) 0, 0, false, pl.latestEpoch(), System.currentTimeMillis()));
            long end = pl.logEndOffset();
            assertThat(lastStable(admin)).isEqualTo(end);
            assertThat(readCommitted(b, end)).containsExactly("committed-0", "committed-1");
        }
    }
}
