package io.sluice.brokerd.it;

import io.sluice.brokerd.Broker;
import io.sluice.brokerd.config.BrokerConfig;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Shared helpers for integration tests: brokers on 127.0.0.1 with ephemeral ports, real Kafka clients. */
final class ItSupport {
    private ItSupport() {
    }

    static Broker startBroker(Path dataDir, Map<String, String> extra) {
        Map<String, String> o = new HashMap<>();
        o.put("listeners", "127.0.0.1:0");
        o.put("data.dir", dataDir.toString());
        o.put("log.retention.check.interval.ms", "200");
        o.put("metrics.listener", "127.0.0.1:0");
        o.putAll(extra);
        return Broker.start(BrokerConfig.load(null, o));
    }

    static Admin admin(String bootstrap) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "15000");
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "20000");
        return Admin.create(p);
    }

    static KafkaProducer<byte[], byte[]> producer(String bootstrap, Map<String, Object> extra) {
        Map<String, Object> p = new HashMap<>();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30000);
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 20000);
        p.putAll(extra);
        return new KafkaProducer<>(p);
    }

    static KafkaConsumer<byte[], byte[]> consumer(String bootstrap, Map<String, Object> extra) {
        Map<String, Object> p = new HashMap<>();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.putAll(extra);
        return new KafkaConsumer<>(p);
    }

    static void createTopic(Admin admin, String name, int partitions, Map<String, String> configs) throws Exception {
        admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1).configs(configs))).all().get();
    }

    /** Reads {@code tp} from {@code fromOffset} (assign, no group) until {@code count} records arrived or the deadline. */
    static List<ConsumerRecord<byte[], byte[]>> readAll(String bootstrap, TopicPartition tp, long fromOffset, int count,
                                                        Duration timeout) {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = consumer(bootstrap, Map.of())) {
            c.assign(List.of(tp));
            c.seek(tp, fromOffset);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (out.size() < count && System.nanoTime() < deadline) {
                c.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }

    /** The broker's /metrics, parsed: series (name with its labels, as exposed) to value. */
    static Map<String, Double> metrics(Broker broker) {
        try {
            java.net.http.HttpResponse<String> r = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create("http://127.0.0.1:" + broker.metricsAddress().getPort() + "/metrics")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            return io.sluice.brokerd.metrics.PrometheusText.parse(r.body());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** One series of {@link #metrics}, 0 when the broker does not expose it (yet). */
    static double metric(Broker broker, String series) {
        return metrics(broker).getOrDefault(series, 0.0);
    }

    /** Waits for {@code condition} until the deadline; fails with {@code what} otherwise. */
    static void waitFor(BooleanSupplier condition, Duration timeout, String what) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(50);
        }
    }

    /** kcat, confluent-kafka-python...: outside CI a missing tool skips the test; in CI (CI=true) it fails. */
    static void requireTool(boolean present, String what) {
        if ("true".equals(System.getenv("CI"))) {
            assertThat(present).as(what + " must be installed in CI (.ci/run installs it)").isTrue();
        }
        assumeTrue(present, what + " is not installed");
    }

    /** Runs a command with a deadline; returns its output, failing with it when the command exits non-zero. */
    static String run(Path scratchDir, List<String> cmd, String stdin) throws IOException, InterruptedException {
        Exit e = exec(scratchDir, cmd, stdin);
        assertThat(e.code()).as("%s exited with output:%n%s", cmd, e.output()).isZero();
        return e.output();
    }

    /** A finished command: its exit code and its output (stdout and stderr together). */
    record Exit(int code, String output) {
    }

    /** Runs a command with a deadline and returns how it ended, for tests that expect a failure. */
    static Exit exec(Path scratchDir, List<String> cmd, String stdin) throws IOException, InterruptedException {
        Path out = Files.createTempFile(scratchDir, "out", ".txt");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        if (stdin != null) {
            p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        p.getOutputStream().close();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(cmd + " did not finish in time: " + Files.readString(out));
        }
        return new Exit(p.exitValue(), Files.readString(out));
    }
}
