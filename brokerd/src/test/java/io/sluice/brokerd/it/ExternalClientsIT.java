package io.sluice.brokerd.it;

import io.sluice.brokerd.Broker;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.record.MemoryRecords;
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

    /** librdkafka compresses its own way (raw snappy blocks, its lz4 frames): the leader's record walk reads them. */
    @Test
    void kcatProducesWithEveryCodec() throws Exception {
        requireTool(Files.isExecutable(KCAT), "kcat");
        String bootstrap = broker.bootstrapServers();
        for (String codec : List.of("gzip", "snappy", "lz4", "zstd")) {
            String topic = "kcat-" + codec;
            StringBuilder lines = new StringBuilder();
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                String line = "key" + i + ":" + codec + " line " + i + " " + "x".repeat(i % 40);
                expected.add(line);
                lines.append(line).append('\n');
            }
            run(List.of(KCAT.toString(), "-b", bootstrap, "-P", "-t", topic, "-K", ":", "-p", "0", "-z", codec,
                    "-X", "linger.ms=50"), lines.toString());
            String consumed = run(List.of(KCAT.toString(), "-b", bootstrap, "-C", "-t", topic, "-e", "-o", "beginning",
                    "-q", "-f", "%k:%s\n"), null);
            assertThat(consumed.lines().toList()).as(codec).isEqualTo(expected);
            // librdkafka sends a batch uncompressed when compressing does not make it smaller.
            assertThat(storedCodecs(topic)).as("kcat -z %s stored compressed batches", codec).contains(codec);
        }
    }

    /** The codecs of the batches stored in partition 0 of {@code topic}, read with a raw Fetch. */
    private static List<String> storedCodecs(String topic) throws Exception {
        FetchRequestData req = new FetchRequestData().setReplicaId(-1).setMaxWaitMs(0).setMinBytes(0).setMaxBytes(1 << 20);
        req.topics().add(new FetchRequestData.FetchTopic().setTopic(topic).setPartitions(List.of(new FetchRequestData.FetchPartition()
                .setPartition(0).setFetchOffset(0).setPartitionMaxBytes(1 << 20))));
        try (RawClient c = new RawClient("127.0.0.1", broker.boundAddress().getPort())) {
            FetchResponseData resp = (FetchResponseData) c.call(ApiKeys.FETCH, (short) 12, req);
            MemoryRecords records = (MemoryRecords) resp.responses().get(0).partitions().get(0).records();
            List<String> codecs = new ArrayList<>();
            records.batches().forEach(b -> codecs.add(b.compressionType().name));
            return codecs;
        }
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
