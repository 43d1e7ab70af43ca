package io.sluice.brokerd.it;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.CreatePartitionsRequestData;
import org.apache.kafka.common.message.CreatePartitionsResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A brokerd process that runs out of file descriptors (its limit lowered with {@code prlimit} once it is up, a
 * little above what it holds then) while creating the logs of a grown topic: the fuzzer's finding (issue 12, seed
 * -4792077325337849394, CreatePartitions to 8,192 partitions), and issue 16's 8,000-partition topic at this
 * machine's limit, scaled down. The partitions hit must go offline loudly and at once, and the controller must keep
 * serving; a topic that needs more than one descriptor per partition's active segment must not be refused.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class DescriptorExhaustionIT {
    @TempDir
    Path dir;

    @Test
    void runningOutOfDescriptorsCreatingLogsTakesThemOfflineLoudlyAndTheControllerKeepsServing() throws Exception {
        try (ChildBroker broker = ChildBroker.start(dir)) {
            try (Admin admin = ItSupport.admin(broker.bootstrap())) {
                ItSupport.createTopic(admin, "wide", 1, Map.of());
            }
            int limit = broker.limitDescriptorsToHeldPlus(150);

            // The fuzzer's request: grow the topic far past what the descriptors left can hold.
            try (RawClient c = broker.raw()) {
                c.setReadTimeoutMs(60_000);
                CreatePartitionsResponseData r = (CreatePartitionsResponseData) c.call(ApiKeys.CREATE_PARTITIONS, (short) 3,
                        new CreatePartitionsRequestData().setTimeoutMs(30_000).setTopics(
                                new CreatePartitionsRequestData.CreatePartitionsTopicCollection(List.of(
                                        new CreatePartitionsRequestData.CreatePartitionsTopic().setName("wide").setCount(400)
                                                .setAssignments(null)).iterator())));
                assertThat(Errors.forCode(r.results().get(0).errorCode())).isEqualTo(Errors.NONE);
            }
            ItSupport.waitFor(() -> broker.health().contains("Too many open files"), Duration.ofSeconds(60),
                    "/health to name the exhausted descriptors");
            assertThat(broker.healthStatus()).isEqualTo(503);
            assertThat(broker.health()).contains("offline");
            assertThat(broker.metric("sluice_log_dir_offline{dir=\"" + broker.dataDir() + "\"}")).isEqualTo(1.0);
            assertThat(broker.log()).containsPattern("ERROR .*creating the log of wide-\\d+.*Too many open files");

            // A produce to a partition beyond the limit is answered with an error at once, not after its timeout.
            try (RawClient c = broker.raw()) {
                long startNs = System.nanoTime();
                Errors error = produce(c, "wide", 399);
                assertThat(error).isIn(Errors.KAFKA_STORAGE_ERROR, Errors.NOT_LEADER_OR_FOLLOWER);
                assertThat(Duration.ofNanos(System.nanoTime() - startNs)).isLessThan(Duration.ofSeconds(5));
            }
            // The controller keeps applying entries: a config change is committed and served.
            try (Admin admin = ItSupport.admin(broker.bootstrap())) {
                ConfigResource wide = new ConfigResource(ConfigResource.Type.TOPIC, "wide");
                admin.incrementalAlterConfigs(Map.of(wide, List.of(new AlterConfigOp(new ConfigEntry("retention.ms", "3600000"),
                        AlterConfigOp.OpType.SET)))).all().get(30, TimeUnit.SECONDS);
                assertThat(admin.describeConfigs(List.of(wide)).all().get(30, TimeUnit.SECONDS).get(wide).get("retention.ms").value())
                        .isEqualTo("3600000");
                assertThat(admin.describeTopics(List.of("wide")).allTopicNames().get(30, TimeUnit.SECONDS).get("wide").partitions())
                        .hasSize(400);
            }
            // The offline directory's files were closed: the broker has descriptors for new connections again.
            ItSupport.waitFor(() -> broker.openDescriptors() < limit - 100, Duration.ofSeconds(30),
                    "the offline logs' descriptors to be given back");
            try (RawClient c = broker.raw()) {
                ApiVersionsResponseData r = (ApiVersionsResponseData) c.call(ApiKeys.API_VERSIONS, (short) 3,
                        new ApiVersionsRequestData().setClientSoftwareName("exhaustion").setClientSoftwareVersion("1"));
                assertThat(r.errorCode()).isEqualTo(Errors.NONE.code());
            }
            assertThat(broker.isAlive()).isTrue();
        }
    }

    /** Fails with three descriptors per partition (360 here); one per partition's active segment fits. */
    @Test
    void aTopicGetsOneDescriptorPerPartitionAndFitsUnderTheLimit() throws Exception {
        try (ChildBroker broker = ChildBroker.start(dir)) {
            long held = broker.openDescriptors();
            broker.limitDescriptorsToHeldPlus(150);
            try (Admin admin = ItSupport.admin(broker.bootstrap())) {
                ItSupport.createTopic(admin, "wide", 120, Map.of());
            }
            try (RawClient c = broker.raw()) {
                for (int p : new int[]{0, 60, 119}) {
                    assertThat(produce(c, "wide", p)).as("produce to wide-%d", p).isEqualTo(Errors.NONE);
                }
            }
            assertThat(broker.healthStatus()).as(broker.health()).isEqualTo(200);
            assertThat(broker.openDescriptors() - held).as("descriptors for 120 partitions").isBetween(120L, 140L);
            assertThat(broker.log()).doesNotContain("Too many open files");
        }
    }

    static Errors produce(RawClient c, String topic, int partition) throws IOException {
        ProduceRequestData req = new ProduceRequestData().setAcks((short) 1).setTimeoutMs(30_000);
        ProduceRequestData.TopicProduceData td = new ProduceRequestData.TopicProduceData().setName(topic);
        td.partitionData().add(new ProduceRequestData.PartitionProduceData().setIndex(partition).setRecords(
                MemoryRecords.withRecords(Compression.NONE, new SimpleRecord("v".getBytes(StandardCharsets.UTF_8)))));
        req.topicData().add(td);
        ProduceResponseData r = (ProduceResponseData) c.call(ApiKeys.PRODUCE, (short) 9, req);
        return Errors.forCode(r.responses().iterator().next().partitionResponses().get(0).errorCode());
    }

    /** brokerd as its own process (its descriptor limit is its own), on ephemeral ports and a temp dir. */
    static final class ChildBroker implements AutoCloseable {
        private final Process process;
        private final int port;
        private final int metricsPort;
        private final Path logFile;
        private final Path dataDir;

        private ChildBroker(Process process, int port, int metricsPort, Path logFile, Path dataDir) {
            this.dataDir = dataDir;
            this.process = process;
            this.port = port;
            this.metricsPort = metricsPort;
            this.logFile = logFile;
        }

        static ChildBroker start(Path dir) throws Exception {
            int port = freePort();
            int metricsPort = freePort();
            Path logFile = dir.resolve("brokerd.log");
            List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m",
                    "-XX:+ExitOnOutOfMemoryError", "-cp", System.getProperty("java.class.path"), "io.sluice.brokerd.Main",
                    "--set", "listeners=127.0.0.1:" + port, "--set", "data.dir=" + dir.resolve("data"),
                    "--set", "metrics.listener=127.0.0.1:" + metricsPort);
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(logFile.toFile()).start();
            ChildBroker broker = new ChildBroker(p, port, metricsPort, logFile, dir.resolve("data"));
            try {
                ItSupport.waitFor(() -> {
                    assertThat(p.isAlive()).as("brokerd running; its log:%n%s", broker.log()).isTrue();
                    return broker.log().contains("ready in");
                }, Duration.ofSeconds(90), "brokerd to start");
            } catch (Throwable t) {
                broker.close();
                throw t;
            }
            return broker;
        }

        Path dataDir() {
            return dataDir;
        }

        String bootstrap() {
            return "127.0.0.1:" + port;
        }

        RawClient raw() throws IOException {
            return new RawClient("127.0.0.1", port);
        }

        boolean isAlive() {
            return process.isAlive();
        }

        /** Descriptors the process holds now (/proc/PID/fd). */
        long openDescriptors() {
            try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(process.pid()), "fd"))) {
                return fds.count();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        /** Lowers the process' descriptor limit (soft and hard) to what it holds now plus {@code headroom}; returns it. */
        int limitDescriptorsToHeldPlus(int headroom) throws Exception {
            int limit = (int) openDescriptors() + headroom;
            Process p = new ProcessBuilder("prlimit", "--pid", Long.toString(process.pid()), "--nofile=" + limit + ":" + limit)
                    .redirectErrorStream(true).start();
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isZero();
            return limit;
        }

        String log() {
            try {
                return Files.readString(logFile);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        private HttpResponse<String> get(String path) throws IOException, InterruptedException {
            return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + path))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        }

        String health() {
            try {
                return get("/health").body();
            } catch (IOException e) {
                return "";
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }

        int healthStatus() throws Exception {
            return get("/health").statusCode();
        }

        double metric(String series) throws Exception {
            return io.sluice.brokerd.metrics.PrometheusText.parse(get("/metrics").body()).getOrDefault(series, Double.NaN);
        }

        @Override
        public void close() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
        }

        private static int freePort() throws IOException {
            try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
                return s.getLocalPort();
            }
        }
    }
}
