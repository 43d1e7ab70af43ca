package io.sluice.brokerd.it;

import io.sluice.brokerd.Broker;
import io.sluice.brokerd.FaultInjection;
import io.sluice.brokerd.config.BrokerConfig;
import io.sluice.brokerd.log.DiskFaults;
import io.sluice.brokerd.metrics.PrometheusText;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.LogDirDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A broker whose disk fails, with a real producer and consumer: an I/O error takes the log directory offline at once
 * and loudly (the producer's request fails with KAFKA_STORAGE_ERROR, not a timeout; /health 503; the metrics count
 * it) and nothing acknowledged is lost across a restart; a full disk refuses produces with KAFKA_STORAGE_ERROR and
 * the broker takes them again once space returns, serving reads throughout.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class LogDirFailureIT {
    @TempDir
    Path dataDir;

    private Broker start(FaultInjection faults) {
        Map<String, String> o = new HashMap<>();
        o.put("listeners", "127.0.0.1:0");
        o.put("data.dir", dataDir.toString());
        o.put("metrics.listener", "127.0.0.1:0");
        o.put("offsets.topic.num.partitions", "1");
        return Broker.start(BrokerConfig.load(null, o), faults);
    }

    /** A producer that does not retry: each refusal comes back as it is. */
    private static KafkaProducer<byte[], byte[]> noRetries(String bootstrap) {
        return ItSupport.producer(bootstrap, Map.of(ProducerConfig.RETRIES_CONFIG, 0, ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false, ProducerConfig.LINGER_MS_CONFIG, 0));
    }

    private static RecordMetadata send(KafkaProducer<byte[], byte[]> p, String value) throws Exception {
        return p.send(new ProducerRecord<>("t", 0, null, value.getBytes(StandardCharsets.UTF_8))).get(30, TimeUnit.SECONDS);
    }

    private static HttpResponse<String> http(Broker broker, String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + broker.metricsAddress().getPort() + path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static double metric(Broker broker, String sample) throws Exception {
        Double v = PrometheusText.parse(http(broker, "/metrics").body()).get(sample);
        return v == null ? -1 : v;
    }

    @Test
    void aDiskErrorTakesTheDirectoryOfflineAtOnceAndLoudlyAndLosesNothingAcknowledged() throws Exception {
        FaultInjection faults = new FaultInjection();
        try (Broker broker = start(faults); Admin admin = ItSupport.admin(broker.bootstrapServers());
             KafkaProducer<byte[], byte[]> p = noRetries(broker.bootstrapServers())) {
            ItSupport.createTopic(admin, "t", 1, Map.of());
            for (int i = 0; i < 20; i++) {
                send(p, "before-" + i);
            }
            faults.disk().fail(EnumSet.of(DiskFaults.Op.WRITE));
            long startNs = System.nanoTime();
            assertThatThrownBy(() -> send(p, "refused")).hasCauseInstanceOf(KafkaStorageException.class);
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNs)).as("refused at once, not timed out").isLessThan(10_000);

            HttpResponse<String> health = http(broker, "/health");
            assertThat(health.statusCode()).isEqualTo(503);
            assertThat(health.body()).contains("log directory " + dataDir).contains("offline").contains("Input/output error");
            assertThat(metric(broker, "sluice_log_dir_offline{dir=\"" + dataDir + "\"}")).isEqualTo(1.0);
            assertThat(metric(broker, "sluice_partitions_offline")).as("t-0 and __consumer_offsets-0, at least").isGreaterThanOrEqualTo(1.0);
            // DescribeLogDirs reports the directory as Kafka reports an offline one: its error, nothing in it.
            LogDirDescription dir = admin.describeLogDirs(List.of(broker.nodeId())).allDescriptions().get(30, TimeUnit.SECONDS)
                    .get(broker.nodeId()).get(dataDir.toAbsolutePath().toString());
            assertThat(dir.error()).isInstanceOf(KafkaStorageException.class);
            assertThat(dir.replicaInfos()).isEmpty();
            assertThat(dir.totalBytes()).isEmpty();
            // The controller (this single node) took the replicas offline: the partition has no leader now.
            ItSupport.waitFor(() -> {
                try {
                    return admin.describeTopics(List.of("t")).allTopicNames().get().get("t").partitions().get(0).leader() == null;
                } catch (Exception e) {
                    return false;
                }
            }, Duration.ofSeconds(30), "t-0 to have no leader");
        }
        // Restarted on a healthy disk: every acknowledged record is there, and the broker is healthy.
        try (Broker broker = start(null); KafkaProducer<byte[], byte[]> p = noRetries(broker.bootstrapServers())) {
            assertThat(http(broker, "/health").statusCode()).isEqualTo(200);
            List<String> values = ItSupport.readAll(broker.bootstrapServers(), new TopicPartition("t", 0), 0, 20, Duration.ofSeconds(60))
                    .stream().map(r -> new String(r.value(), StandardCharsets.UTF_8)).toList();
            for (int i = 0; i < 20; i++) {
                assertThat(values).contains("before-" + i);
            }
            assertThat(send(p, "after").offset()).isGreaterThanOrEqualTo(20);
        }
    }

    @Test
    void aFullDiskRefusesProducesUntilSpaceReturnsAndKeepsServingReads() throws Exception {
        FaultInjection faults = new FaultInjection();
        try (Broker broker = start(faults); Admin admin = ItSupport.admin(broker.bootstrapServers());
             KafkaProducer<byte[], byte[]> refusing = noRetries(broker.bootstrapServers());
             KafkaProducer<byte[], byte[]> retrying = ItSupport.producer(broker.bootstrapServers(),
                     Map.of(ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000,
                             ProducerConfig.LINGER_MS_CONFIG, 0))) {
            ItSupport.createTopic(admin, "t", 1, Map.of());
            for (int i = 0; i < 10; i++) {
                send(refusing, "before-" + i);
            }
            faults.disk().full();
            assertThatThrownBy(() -> send(refusing, "refused")).hasCauseInstanceOf(KafkaStorageException.class);
            HttpResponse<String> health = http(broker, "/health");
            assertThat(health.statusCode()).isEqualTo(503);
            assertThat(health.body()).contains("is full").contains("No space left on device");
            assertThat(metric(broker, "sluice_log_dir_full{dir=\"" + dataDir + "\"}")).isEqualTo(1.0);
            assertThat(metric(broker, "sluice_log_dir_offline{dir=\"" + dataDir + "\"}")).isEqualTo(0.0);
            assertThat(ItSupport.readAll(broker.bootstrapServers(), new TopicPartition("t", 0), 0, 10, Duration.ofSeconds(30)))
                    .as("reads go on").hasSize(10);
            // A producer that retries keeps its record until space returns.
            Future<RecordMetadata> waiting = retrying.send(new ProducerRecord<>("t", 0, null, "waits".getBytes(StandardCharsets.UTF_8)));
            ItSupport.waitFor(() -> {
                try {
                    return metric(broker, "sluice_request_errors_total{api=\"Produce\",error=\"KAFKA_STORAGE_ERROR\"}") >= 2;
                } catch (Exception e) {
                    return false;
                }
            }, Duration.ofSeconds(30), "the retrying producer to be refused too");
            assertThat(waiting).isNotDone();

            faults.disk().clear();
            assertThat(waiting.get(60, TimeUnit.SECONDS).offset()).isEqualTo(10);
            assertThat(send(refusing, "after").offset()).isEqualTo(11);
            assertThat(http(broker, "/health").statusCode()).isEqualTo(200);
            assertThat(metric(broker, "sluice_log_dir_full{dir=\"" + dataDir + "\"}")).isEqualTo(0.0);
        }
    }
}
