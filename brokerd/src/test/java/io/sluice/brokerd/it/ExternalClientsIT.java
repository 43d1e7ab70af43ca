package io.sluice.brokerd.it;

import io.sluice.brokerd.Broker;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * librdkafka (kcat) and confluent-kafka-python against brokerd. Outside CI a missing tool skips the test; in CI
 * (CI=true) it fails, because .ci/run installs them.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ExternalClientsIT {
    private static final Path KCAT = Path.of("/usr/bin/kcat");
    private static final Path PYTHON = Path.of("/usr/bin/python3");
    @TempDir
    static Path dataDir;
    static Broker broker;

    @BeforeAll
    static void start() {
        broker = ItSupport.startBroker(dataDir, Map.of());
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    private static void requireTool(boolean present, String what) {
        ItSupport.requireTool(present, what);
    }

    private static String run(List<String> cmd, String stdin) throws IOException, InterruptedException {
        return ItSupport.run(dataDir, cmd, stdin);
    }

    @Test
    void kcatListsProducesAndConsumes() throws Exception {
        requireTool(Files.isExecutable(KCAT), "kcat");
        String bootstrap = broker.bootstrapServers();
        StringBuilder lines = new StringBuilder();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            expected.add("key" + i + ":line " + i);
            lines.append("key").append(i).append(":line ").append(i).append('\n');
        }
        run(List.of(KCAT.toString(), "-b", bootstrap, "-P", "-t", "kcat-topic", "-K", ":", "-p", "0"), lines.toString());
        String metadata = run(List.of(KCAT.toString(), "-b", bootstrap, "-L", "-t", "kcat-topic"), null);
        assertThat(metadata).contains("topic \"kcat-topic\" with 1 partitions").contains("leader " + broker.nodeId());
        String consumed = run(List.of(KCAT.toString(), "-b", bootstrap, "-C", "-t", "kcat-topic", "-e", "-o", "beginning",
                "-q", "-f", "%k:%s\n"), null);
        assertThat(consumed.lines().toList()).isEqualTo(expected);
        // And what librdkafka wrote, the Java client reads back at the same offsets.
        List<ConsumerRecord<byte[], byte[]>> got = ItSupport.readAll(bootstrap, new TopicPartition("kcat-topic", 0), 0, 200, Duration.ofSeconds(20));
        assertThat(got).hasSize(200);
        assertThat(new String(got.get(123).value(), StandardCharsets.UTF_8)).isEqualTo("line 123");
        assertThat(got.get(123).offset()).isEqualTo(123);
    }

    @Test
    void confluentKafkaPythonRoundTrips() throws Exception {
        boolean present = Files.isExecutable(PYTHON)
                && new ProcessBuilder(PYTHON.toString(), "-c", "import confluent_kafka").start().waitFor() == 0;
        requireTool(present, "python3-confluent-kafka");
        Path script = Path.of("src/test/python/roundtrip.py").toAbsolutePath();
        String out = run(List.of(PYTHON.toString(), script.toString(), broker.bootstrapServers(), "py-topic", "1000"), null);
        assertThat(out).contains("ok 1000");
    }
}
