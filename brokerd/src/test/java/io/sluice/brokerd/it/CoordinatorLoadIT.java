package io.sluice.brokerd.it;

import io.sluice.brokerd.Broker;
import io.sluice.brokerd.log.AppendResult;
import io.sluice.brokerd.log.LogConfig;
import io.sluice.brokerd.log.LogManager;
import io.sluice.brokerd.log.PartitionLog;
import io.sluice.brokerd.log.RecordBatchBuilder;
import io.sluice.brokerd.log.RecordBatchHeader;
import io.sluice.brokerd.metrics.PrometheusText;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Records in __consumer_offsets the coordinator cannot decode (written straight into the log, as a buggy tool or a
 * client before internal topics refused produce could have) are skipped at load: the partition's groups load and
 * are served, with a WARN per record and a counter on /metrics.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CoordinatorLoadIT {
    static final String GROUP = "survivors";
    static final int OFFSETS_PARTITIONS = 5;

    @TempDir
    Path dataDir;

    Broker start() {
        return ItSupport.startBroker(dataDir, Map.of("offsets.topic.num.partitions", String.valueOf(OFFSETS_PARTITIONS),
                "group.initial.rebalance.delay.ms", "0"));
    }

    static KafkaConsumer<byte[], byte[]> consumer(Broker broker) {
        return ItSupport.consumer(broker.bootstrapServers(), Map.of("group.id", GROUP, "default.api.timeout.ms", 20_000));
    }

    /** Kafka's (and brokerd's) mapping of a group to its __consumer_offsets partition. */
    static int offsetsPartition(String groupId) {
        return (groupId.hashCode() & 0x7fffffff) % OFFSETS_PARTITIONS;
    }

    @Test
    void undecodableRecordsAreSkippedAndThePartitionsGroupsLoadAndServe() throws Exception {
        TopicPartition events = new TopicPartition("events", 0);
        try (Broker broker = start(); Admin admin = ItSupport.admin(broker.bootstrapServers())) {
            ItSupport.createTopic(admin, "events", 1, Map.of());
            try (KafkaConsumer<byte[], byte[]> c = consumer(broker)) {
                c.assign(List.of(events));
                c.commitSync(Map.of(events, new OffsetAndMetadata(10)));
            }
        }
        writeGarbage(offsetsPartition(GROUP));

        try (Broker broker = start()) {
            try (KafkaConsumer<byte[], byte[]> c = consumer(broker)) {
                assertThat(c.committed(java.util.Set.of(events)).get(events).offset()).isEqualTo(10);
                c.assign(List.of(events));
                c.commitSync(Map.of(events, new OffsetAndMetadata(20)));
            }
            Map<String, Double> metrics = PrometheusText.parse(scrapeMetrics(broker));
            assertThat(metrics).containsEntry("sluice_coordinator_load_skipped_records_total", 3.0)
                    .containsEntry("sluice_coordinator_partitions_loading", 0.0);
        }
        // The commit after the garbage is loaded too: loading went past it.
        try (Broker broker = start(); KafkaConsumer<byte[], byte[]> c = consumer(broker)) {
            assertThat(c.committed(java.util.Set.of(events)).get(events).offset()).isEqualTo(20);
        }
    }

    /**
     * Appends to the stopped broker's log of {@code __consumer_offsets-partition}: a batch with a 1-byte key and a key
     * of an unknown version, then a batch whose records cannot be read at all (valid CRC, record length past its end).
     */
    private void writeGarbage(int partition) {
        try (LogManager logs = LogManager.open(dataDir, topic -> LogConfig.from(Map.of("cleanup.policy", "compact")), Clock.systemUTC())) {
            PartitionLog log = logs.get(new io.sluice.brokerd.common.TopicPartition("__consumer_offsets", partition)).orElseThrow();
            ByteBuffer odd = RecordBatchBuilder.build(List.of(
                    new RecordBatchBuilder.Entry(new byte[]{1}, "x".getBytes(StandardCharsets.UTF_8)),
                    new RecordBatchBuilder.Entry(ByteBuffer.allocate(4).putShort((short) 42).putShort((short) 0).array(),
                            "y".getBytes(StandardCharsets.UTF_8))), System.currentTimeMillis());
            appendRaw(log, odd);
            ByteBuffer unreadable = RecordBatchBuilder.build(List.of(new RecordBatchBuilder.Entry(
                    "k".getBytes(StandardCharsets.UTF_8), "v".getBytes(StandardCharsets.UTF_8))), System.currentTimeMillis());
            unreadable.put(RecordBatchHeader.HEADER_BYTES, (byte) 0x7e); // record length 63, with far fewer bytes left
            appendRaw(log, unreadable);
        }
    }

    private static void appendRaw(PartitionLog log, ByteBuffer batch) {
        RecordBatchHeader.setBaseOffset(batch, 0, log.logEndOffset());
        RecordBatchHeader.setLeaderEpoch(batch, 0, Math.max(0, log.latestEpoch()));
        batch.putInt(RecordBatchHeader.CRC, (int) RecordBatchHeader.computeCrc(batch, 0));
        assertThat(log.appendAsFollower(batch, System.currentTimeMillis())).isInstanceOf(AppendResult.Appended.class);
        log.updateFollowerHighWatermark(log.logEndOffset());
    }

    private static String scrapeMetrics(Broker broker) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + broker.metricsAddress().getPort() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return r.body();
    }
}
