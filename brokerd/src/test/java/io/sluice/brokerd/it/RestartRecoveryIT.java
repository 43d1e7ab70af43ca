package io.sluice.brokerd.it;

import io.sluice.brokerd.Broker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.ServerSocket;
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

/** Data survives clean restarts, kill -9 and damaged segment tails; retention moves the earliest offset. */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class RestartRecoveryIT {
    @TempDir
    Path dataDir;

    private static List<String> produce(String bootstrap, String topic, int from, int count, Map<String, Object> extra) throws Exception {
        List<String> values = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> p = ItSupport.producer(bootstrap, extra)) {
            for (int i = from; i < from + count; i++) {
                String v = "value-" + i;
                values.add(v);
                p.send(new ProducerRecord<>(topic, 0, ("k" + i).getBytes(StandardCharsets.UTF_8), v.getBytes(StandardCharsets.UTF_8)));
            }
            p.flush();
        }
        return values;
    }

    private static List<String> values(List<ConsumerRecord<byte[], byte[]>> records) {
        return records.stream().map(r -> new String(r.value(), StandardCharsets.UTF_8)).toList();
    }

    @Test
    void dataSurvivesACleanRestart() throws Exception {
        List<String> expected;
        try (Broker b = ItSupport.startBroker(dataDir, Map.of()); Admin admin = ItSupport.admin(b.bootstrapServers())) {
            ItSupport.createTopic(admin, "durable", 1, Map.of("segment.bytes", "4096"));
            expected = produce(b.bootstrapServers(), "durable", 0, 500, Map.of());
        }
        assertThat(dataDir.resolve(".kafka_cleanshutdown")).exists();
        try (Broker b = ItSupport.startBroker(dataDir, Map.of())) {
            List<ConsumerRecord<byte[], byte[]>> got = ItSupport.readAll(b.bootstrapServers(), new TopicPartition("durable", 0), 0, 500, Duration.ofSeconds(30));
            assertThat(values(got)).isEqualTo(expected);
            // New appends continue at the right offset.
            try (KafkaProducer<byte[], byte[]> p = ItSupport.producer(b.bootstrapServers(), Map.of())) {
                RecordMetadata md = p.send(new ProducerRecord<>("durable", 0, null, "after".getBytes(StandardCharsets.UTF_8))).get();
                assertThat(md.offset()).isEqualTo(500);
            }
        }
    }

    @Test
    void aSecondBrokerOnTheSameDataDirIsRefused() {
        try (Broker b = ItSupport.startBroker(dataDir, Map.of())) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> ItSupport.startBroker(dataDir, Map.of()))
                    .isInstanceOf(io.sluice.brokerd.log.DataDirLockedException.class)
                    .hasMessageContaining(dataDir.toString())
                    .hasMessageContaining("in use by another brokerd");
        }
    }

    @Test
    void aNodeThatLostItsControllerMetadataRefusesToStartAndKeepsItsLogs() throws Exception {
        String clusterId;
        try (Broker b = ItSupport.startBroker(dataDir, Map.of()); Admin admin = ItSupport.admin(b.bootstrapServers())) {
            clusterId = b.clusterId();
            ItSupport.createTopic(admin, "kept", 1, Map.of());
            produce(b.bootstrapServers(), "kept", 0, 10, Map.of());
        }
        String meta = Files.readString(dataDir.resolve("meta.properties"));
        deleteRecursively(dataDir.resolve("__controller"));
        // Twice: the refused start has left a __controller behind, which must not make the second one go through.
        for (int attempt = 0; attempt < 2; attempt++) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> ItSupport.startBroker(dataDir, Map.of()))
                    .isInstanceOf(io.sluice.brokerd.config.ConfigException.class)
                    .hasMessageContaining("1 partition logs of cluster " + clusterId)
                    .hasMessageContaining("the controller quorum has no metadata")
                    .hasMessageContaining("refusing to start");
            assertThat(dataDir.resolve("kept-0").resolve("00000000000000000000.log")).exists();
            assertThat(Files.readString(dataDir.resolve("meta.properties"))).isEqualTo(meta);
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    @Test
    void ackedRecordsSurviveKillMinus9() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        String bootstrap = "127.0.0.1:" + port;
        Process proc = startProcess(port);
        List<String> expected;
        try {
            waitForListener(port, proc);
            try (Admin admin = ItSupport.admin(bootstrap)) {
                ItSupport.createTopic(admin, "killed", 1, Map.of("segment.bytes", "8192"));
            }
            expected = produce(bootstrap, "killed", 0, 2000, Map.of(ProducerConfig.ACKS_CONFIG, "all"));
        } finally {
            proc.destroyForcibly(); // SIGKILL: no shutdown hook, no flush, no clean-shutdown marker
            proc.waitFor(30, TimeUnit.SECONDS);
        }
        assertThat(dataDir.resolve(".kafka_cleanshutdown")).doesNotExist();
        try (Broker b = ItSupport.startBroker(dataDir, Map.of())) {
            List<ConsumerRecord<byte[], byte[]>> got = ItSupport.readAll(b.bootstrapServers(), new TopicPartition("killed", 0), 0, 2000, Duration.ofSeconds(30));
            assertThat(values(got)).isEqualTo(expected);
        }
    }

    @Test
    void sigtermShutsDownCleanly() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Process proc = startProcess(port);
        List<String> expected;
        try {
            waitForListener(port, proc);
            expected = produce("127.0.0.1:" + port, "termed", 0, 100, Map.of());
            proc.destroy(); // SIGTERM
            assertThat(proc.waitFor(30, TimeUnit.SECONDS)).as("brokerd exits after SIGTERM").isTrue();
        } finally {
            proc.destroyForcibly();
        }
        assertThat(proc.exitValue()).as("JVM exit status after SIGTERM").isEqualTo(143);
        String log = Files.readString(dataDir.resolveSibling(dataDir.getFileName() + "-brokerd.log"));
        assertThat(log).contains("ready in").contains("Shut down cleanly");
        assertThat(dataDir.resolve(".kafka_cleanshutdown")).exists();
        assertThat(dataDir.resolve(".lock")).exists();
        try (Broker b = ItSupport.startBroker(dataDir, Map.of())) {
            List<ConsumerRecord<byte[], byte[]>> got = ItSupport.readAll(b.bootstrapServers(), new TopicPartition("termed", 0), 0, 100, Duration.ofSeconds(20));
            assertThat(values(got)).isEqualTo(expected);
        }
    }

    private Process startProcess(int port) throws IOException {
        Path cfg = dataDir.resolveSibling(dataDir.getFileName() + "-brokerd.yaml");
        Files.writeString(cfg, "listeners: 127.0.0.1:" + port + "\ndata.dir: " + dataDir + "\nmetrics.listener: 127.0.0.1:0\n");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(java, "-XX:+ExitOnOutOfMemoryError", "-cp", System.getProperty("java.class.path"), "io.sluice.brokerd.Main",
                "--config", cfg.toString())
                .redirectErrorStream(true).redirectOutput(dataDir.resolveSibling(dataDir.getFileName() + "-brokerd.log").toFile()).start();
    }

    private static void waitForListener(int port, Process proc) throws InterruptedException {
        ItSupport.waitFor(() -> {
            if (!proc.isAlive()) {
                throw new AssertionError("brokerd exited with " + proc.exitValue());
            }
            try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
                return true;
            } catch (IOException e) {
                return false;
            }
        }, Duration.ofSeconds(30), "brokerd to listen on " + port);
    }

    private Path onlySegmentLog(String topicPartitionDir) throws IOException {
        try (Stream<Path> files = Files.list(dataDir.resolve(topicPartitionDir))) {
            List<Path> logs = files.filter(p -> p.toString().endsWith(".log")).sorted().toList();
            return logs.get(logs.size() - 1);
        }
    }

    @Test
    void aTailCutMidBatchRecoversToTheLastValidBatch() throws Exception {
        List<String> expected = damageAndRestart("torn", (log, lastBatchStart, size) -> {
            try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "rw")) {
                f.setLength(lastBatchStart + (size - lastBatchStart) / 2);
            }
        });
        assertThat(expected).hasSize(9);
    }

    @Test
    void aTailOverwrittenWithGarbageRecoversToTheLastValidBatch() throws Exception {
        List<String> expected = damageAndRestart("garbage", (log, lastBatchStart, size) -> {
            try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "rw")) {
                f.seek(lastBatchStart + 20);
                byte[] junk = new byte[(int) (size - lastBatchStart - 20)];
                new java.util.Random(7).nextBytes(junk);
                f.write(junk);
            }
        });
        assertThat(expected).hasSize(9);
    }

    interface Damage {
        void apply(Path log, long lastBatchStart, long size) throws IOException;
    }

    /** Produces ten single-record batches, damages the last one, restarts without the clean marker, checks 0-8 remain. */
    private List<String> damageAndRestart(String topic, Damage damage) throws Exception {
        List<String> all = new ArrayList<>();
        long lastBatchStart;
        try (Broker b = ItSupport.startBroker(dataDir, Map.of()); Admin admin = ItSupport.admin(b.bootstrapServers())) {
            ItSupport.createTopic(admin, topic, 1, Map.of());
            try (KafkaProducer<byte[], byte[]> p = ItSupport.producer(b.bootstrapServers(), Map.of())) {
                for (int i = 0; i < 10; i++) {
                    if (i == 9) {
                        p.flush();
                    }
                    String v = "v" + i;
                    all.add(v);
                    p.send(new ProducerRecord<>(topic, 0, null, v.getBytes(StandardCharsets.UTF_8))).get();
                }
            }
            lastBatchStart = -1;
        }
        Path log = onlySegmentLog(topic + "-0");
        long size = Files.size(log);
        lastBatchStart = lastBatchStart(log);
        damage.apply(log, lastBatchStart, size);
        Files.delete(dataDir.resolve(".kafka_cleanshutdown"));
        List<String> expected = all.subList(0, 9);
        try (Broker b = ItSupport.startBroker(dataDir, Map.of()); Admin admin = ItSupport.admin(b.bootstrapServers())) {
            TopicPartition tp = new TopicPartition(topic, 0);
            assertThat(admin.listOffsets(Map.of(tp, OffsetSpec.latest())).partitionResult(tp).get().offset()).isEqualTo(9);
            List<ConsumerRecord<byte[], byte[]>> got = ItSupport.readAll(b.bootstrapServers(), tp, 0, 9, Duration.ofSeconds(20));
            assertThat(values(got)).isEqualTo(expected);
            try (KafkaProducer<byte[], byte[]> p = ItSupport.producer(b.bootstrapServers(), Map.of())) {
                assertThat(p.send(new ProducerRecord<>(topic, 0, null, "new".getBytes(StandardCharsets.UTF_8))).get().offset()).isEqualTo(9);
            }
        }
        return expected;
    }

    /** File position of the last batch, found by walking batch lengths. */
    private static long lastBatchStart(Path log) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "r")) {
            long pos = 0;
            long last = 0;
            while (pos < f.length()) {
                f.seek(pos + 8);
                int len = f.readInt();
                last = pos;
                pos += 12 + len;
            }
            return last;
        }
    }

    @Test
    void retentionRemovesOldSegmentsAndMovesTheEarliestOffset() throws Exception {
        try (Broker b = ItSupport.startBroker(dataDir, Map.of()); Admin admin = ItSupport.admin(b.bootstrapServers())) {
            ItSupport.createTopic(admin, "retained", 1, Map.of("segment.bytes", "1024", "retention.bytes", "4096",
                    "file.delete.delay.ms", "0"));
            // Small producer batches so the records spread over many 1 KiB segments (the active one is never removed).
            produce(b.bootstrapServers(), "retained", 0, 300, Map.of(ProducerConfig.LINGER_MS_CONFIG, 0, ProducerConfig.BATCH_SIZE_CONFIG, 200));
            TopicPartition tp = new TopicPartition("retained", 0);
            ItSupport.waitFor(() -> {
                try {
                    return admin.listOffsets(Map.of(tp, OffsetSpec.earliest())).partitionResult(tp).get().offset() > 0;
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, Duration.ofSeconds(30), "retention to move the earliest offset");
            long earliest = admin.listOffsets(Map.of(tp, OffsetSpec.earliest())).partitionResult(tp).get().offset();
            List<ConsumerRecord<byte[], byte[]>> got = ItSupport.readAll(b.bootstrapServers(), tp, earliest, 1, Duration.ofSeconds(20));
            assertThat(new String(got.get(0).value(), StandardCharsets.UTF_8)).isEqualTo("value-" + earliest);
            ItSupport.waitFor(() -> {
                try (Stream<Path> files = Files.list(dataDir.resolve("retained-0"))) {
                    return files.noneMatch(p -> p.getFileName().toString().startsWith("00000000000000000000.log"));
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }, Duration.ofSeconds(30), "the first segment's files to be deleted");
        }
    }
}
