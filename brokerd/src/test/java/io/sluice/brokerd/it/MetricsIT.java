package io.sluice.brokerd.it;

import io.sluice.brokerd.Broker;
import io.sluice.brokerd.metrics.PrometheusText;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** /metrics after a known workload: counters match what was produced, consumed, refused and committed. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MetricsIT {
    @TempDir
    Path dataDir;

    @Test
    void countersMatchAKnownWorkload() throws Exception {
        try (Broker broker = ItSupport.startBroker(dataDir, Map.of("group.initial.rebalance.delay.ms", "0", "offsets.topic.num.partitions", "2"));
             Admin admin = ItSupport.admin(broker.bootstrapServers())) {
            ItSupport.createTopic(admin, "metered", 2, Map.of("max.message.bytes", "2000"));
            long bytesProduced = 0;
            try (KafkaProducer<byte[], byte[]> p = ItSupport.producer(broker.bootstrapServers(), Map.of(ProducerConfig.LINGER_MS_CONFIG, 0))) {
                for (int i = 0; i < 123; i++) {
                    p.send(new ProducerRecord<>("metered", i % 2, null, new byte[50])).get();
                }
                assertThatThrownBy(() -> p.send(new ProducerRecord<>("metered", 0, null, new byte[5000])).get())
                        .hasCauseInstanceOf(RecordTooLargeException.class);
            }
            for (int part = 0; part < 2; part++) {
                assertThat(ItSupport.readAll(broker.bootstrapServers(), new TopicPartition("metered", part), 0, part == 0 ? 62 : 61,
                        Duration.ofSeconds(20))).hasSize(part == 0 ? 62 : 61);
            }
            try (KafkaConsumer<byte[], byte[]> c = ItSupport.consumer(broker.bootstrapServers(), Map.of("group.id", "metered-group"))) {
                c.commitSync(Map.of(new TopicPartition("metered", 0), new OffsetAndMetadata(50),
                        new TopicPartition("metered", 1), new OffsetAndMetadata(61)));
            }
            String body = scrape(broker, "/metrics", 200);
            Map<String, Double> m = PrometheusText.parse(body);
            assertThat(m).containsEntry("sluice_topic_records_in_total{topic=\"metered\"}", 123.0);
            assertThat(m.get("sluice_topic_bytes_in_total{topic=\"metered\"}")).isGreaterThan(123.0 * 50);
            assertThat(m.get("sluice_topic_bytes_out_total{topic=\"metered\"}")).isGreaterThanOrEqualTo(m.get("sluice_topic_bytes_in_total{topic=\"metered\"}"));
            assertThat(m).as("each record was fetched exactly once").containsEntry("sluice_topic_records_out_total{topic=\"metered\"}", 123.0);
            assertThat(m).containsEntry("sluice_request_errors_total{api=\"Produce\",error=\"MESSAGE_TOO_LARGE\"}", 1.0);
            assertThat(m.get("sluice_requests_total{api=\"Produce\"}")).isGreaterThanOrEqualTo(124.0);
            assertThat(m.get("sluice_request_duration_seconds_count{api=\"Produce\"}")).isEqualTo(m.get("sluice_requests_total{api=\"Produce\"}"));
            assertThat(m.get("sluice_log_size_bytes{topic=\"metered\"}")).isEqualTo(m.get("sluice_topic_bytes_in_total{topic=\"metered\"}"));
            assertThat(m).containsEntry("sluice_group_lag_records{group=\"metered-group\"}", 12.0);
            assertThat(m).containsEntry("sluice_groups{state=\"Empty\"}", 1.0);
            assertThat(m).containsEntry("sluice_partitions_offline", 0.0);
            assertThat(m).containsKeys("jvm_memory_used_bytes{area=\"heap\"}", "sluice_connections", "sluice_fetch_long_poll_waiters",
                    "process_cpu_seconds_total");
            assertThat(scrape(broker, "/ready", 200)).isEqualTo("ready\n");
            assertThat(scrape(broker, "/health", 200)).isEqualTo("healthy\n");
        }
    }

    private static String scrape(Broker broker, String path, int expectedStatus) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + broker.metricsAddress().getPort() + path)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(expectedStatus);
        return r.body();
    }
}
