package io.sluice.brokerd.it;

import io.sluice.brokerd.metrics.PrometheusText;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.message.ResponseHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Misbehaving clients against brokerd as users run it: a separate process with the installed launcher's JVM options
 * (read from install.sh: -Xmx1g, MaxDirectMemorySize=256m, ExitOnOutOfMemoryError) and the default limits. While a
 * well-behaved producer and consumer keep doing round trips, clients from other addresses (127.0.0.2-4) pipeline
 * 60 MiB produce requests, open more connections than max.connections.per.ip allows, and announce 100 MiB requests
 * of which they send 40 MiB and then stall. The broker must stay up, answer every complete request, keep the
 * well-behaved client going, and keep the bytes held by requests and its direct memory bounded (sampled from
 * /metrics throughout; the maxima are printed).
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class HostileClientsIT {
    private static final Path REPO = Path.of("..");
    private static final int BIG_RECORD_BYTES = 60 << 20;
    private static final int ANNOUNCED_BYTES = 104_857_600; // socket.request.max.bytes, the largest frame accepted
    private static final int SENT_OF_ANNOUNCED_BYTES = 40 << 20;
    /** Defaults: queued.max.request.bytes, socket.request.max.bytes, 64 KiB per connection sending one small request. */
    private static final long REQUEST_BYTES_BOUND = (128L << 20) + ANNOUNCED_BYTES + 64 * (64L << 10);
    private static final long DIRECT_BYTES_BOUND = 96L << 20;

    @TempDir
    Path dir;

    /** The JVM options of the brokerd launcher install.sh writes, so this runs what users run. */
    static List<String> launcherJvmOptions() throws IOException {
        Matcher m = Pattern.compile("exec java (.*?) \\\\\\$cds").matcher(Files.readString(REPO.resolve("install.sh")));
        assertThat(m.find()).as("install.sh has the brokerd launcher line").isTrue();
        List<String> options = Arrays.asList(m.group(1).trim().split("\\s+"));
        assertThat(options).contains("-Xmx1g", "-XX:MaxDirectMemorySize=256m", "-XX:+ExitOnOutOfMemoryError");
        return options;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** Maxima of what /metrics shows, sampled until stopped. */
    static final class Sampler implements Runnable {
        final int metricsPort;
        final Process broker;
        final Map<String, Double> maxima = new ConcurrentHashMap<>();
        final AtomicBoolean stop = new AtomicBoolean();
        final HttpClient http = HttpClient.newHttpClient();

        Sampler(int metricsPort, Process broker) {
            this.metricsPort = metricsPort;
            this.broker = broker;
        }

        Map<String, Double> scrape() throws IOException, InterruptedException {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/metrics"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            return PrometheusText.parse(r.body());
        }

        @Override
        public void run() {
            while (!stop.get() && broker.isAlive()) {
                try {
                    scrape().forEach((k, v) -> maxima.merge(k, v, Math::max));
                    Thread.sleep(200);
                } catch (IOException e) {
                    maxima.merge("scrape_failures", 1.0, Double::sum);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        double max(String series) {
            return maxima.getOrDefault(series, 0.0);
        }
    }

    /** Produce-and-read-back round trips of one small record, timed, until stopped. */
    static final class WellBehavedClient implements Runnable {
        final String bootstrap;
        final AtomicBoolean stop = new AtomicBoolean();
        final AtomicInteger roundTrips = new AtomicInteger();
        final AtomicLong slowestMs = new AtomicLong();
        final List<Throwable> failures = new CopyOnWriteArrayList<>();

        WellBehavedClient(String bootstrap) {
            this.bootstrap = bootstrap;
        }

        @Override
        public void run() {
            TopicPartition tp = new TopicPartition("victim", 0);
            try (KafkaProducer<byte[], byte[]> p = ItSupport.producer(bootstrap, Map.of(ProducerConfig.ACKS_CONFIG, "all",
                    ProducerConfig.LINGER_MS_CONFIG, 0));
                 KafkaConsumer<byte[], byte[]> c = ItSupport.consumer(bootstrap, Map.of())) {
                c.assign(List.of(tp));
                while (!stop.get()) {
                    long startNs = System.nanoTime();
                    byte[] value = ("round trip " + roundTrips.get()).getBytes(StandardCharsets.UTF_8);
                    long offset = p.send(new ProducerRecord<>("victim", 0, null, value)).get(30, TimeUnit.SECONDS).offset();
                    c.seek(tp, offset);
                    List<ConsumerRecord<byte[], byte[]>> got = new ArrayList<>();
                    while (got.isEmpty() && System.nanoTime() - startNs < TimeUnit.SECONDS.toNanos(30)) {
                        c.poll(Duration.ofMillis(200)).forEach(got::add);
                    }
                    assertThat(got).as("record at offset %d read back", offset).isNotEmpty();
                    assertThat(got.get(0).value()).isEqualTo(value);
                    slowestMs.accumulateAndGet(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNs), Math::max);
                    roundTrips.incrementAndGet();
                }
            } catch (Throwable t) {
                failures.add(t);
            }
        }
    }

    /** One Produce v9 frame (acks=1) carrying a single batch of one {@code recordBytes} record, for "big". */
    private static byte[] bigProduceFrame(int correlationId, int recordBytes) {
        MemoryRecords records = MemoryRecords.withRecords(Compression.NONE, new SimpleRecord(null, new byte[recordBytes]));
        ProduceRequestData req = new ProduceRequestData().setAcks((short) 1).setTimeoutMs(60_000);
        req.topicData().add(new ProduceRequestData.TopicProduceData().setName("big")
                .setPartitionData(List.of(new ProduceRequestData.PartitionProduceData().setIndex(0).setRecords(records))));
        return RawClient.frame(ApiKeys.PRODUCE, (short) 9, correlationId, req);
    }

    /** Sends {@code count} big produce requests back to back, then reads their responses; returns their errors. */
    private static List<Errors> pipelineBigProduces(int port, String from, byte[] template, int count) throws IOException {
        byte[] frame = template.clone();
        try (RawClient c = new RawClient("127.0.0.1", port, from, 0)) {
            c.setReadTimeoutMs(120_000);
            for (int i = 1; i <= count; i++) {
                ByteBuffer.wrap(frame).putInt(8, i); // the correlation id
                c.sendBytes(frame);
            }
            List<Errors> errors = new ArrayList<>();
            for (int i = 1; i <= count; i++) {
                ByteBufferAccessor a = new ByteBufferAccessor(c.readFrame());
                assertThat(new ResponseHeaderData(a, ApiKeys.PRODUCE.responseHeaderVersion((short) 9)).correlationId())
                        .isEqualTo(i);
                ProduceResponseData r = new ProduceResponseData();
                r.read(a, (short) 9);
                errors.add(Errors.forCode(r.responses().iterator().next().partitionResponses().get(0).errorCode()));
            }
            return errors;
        }
    }

    @Test
    void theBrokerStaysUpBoundedAndServingWhileClientsMisbehave() throws Exception {
        int port = freePort();
        int metricsPort = freePort();
        String bootstrap = "127.0.0.1:" + port;
        Path log = dir.resolve("brokerd.log");
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(launcherJvmOptions());
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.sluice.brokerd.Main",
                "--set", "listeners=" + bootstrap, "--set", "data.dir=" + dir.resolve("data"),
                "--set", "metrics.listener=127.0.0.1:" + metricsPort,
                // disk hygiene only: the big topic's old segments go within a second
                "--set", "log.retention.check.interval.ms=1000"));
        Process broker = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        ExecutorService threads = Executors.newCachedThreadPool();
        List<Socket> held = new ArrayList<>();
        Sampler sampler = new Sampler(metricsPort, broker);
        WellBehavedClient client = new WellBehavedClient(bootstrap);
        try {
            ItSupport.waitFor(() -> {
                assertThat(broker.isAlive()).as("brokerd running").isTrue();
                try {
                    return Files.readString(log).contains("ready in");
                } catch (IOException e) {
                    return false;
                }
            }, Duration.ofSeconds(60), "brokerd to start");
            try (Admin admin = ItSupport.admin(bootstrap)) {
                ItSupport.createTopic(admin, "victim", 1, Map.of());
                ItSupport.createTopic(admin, "big", 1, Map.of("max.message.bytes", String.valueOf(ANNOUNCED_BYTES),
                        "segment.bytes", String.valueOf(128 << 20), "retention.bytes", String.valueOf(128 << 20)));
            }
            threads.submit(sampler);
            threads.submit(client);
            ItSupport.waitFor(() -> client.roundTrips.get() > 0 || !client.failures.isEmpty(), Duration.ofSeconds(60),
                    "the well-behaved client's first round trip");

            // 1. Three connections pipeline three 60 MiB produces each: every one is appended and answered.
            byte[] frame = bigProduceFrame(1, BIG_RECORD_BYTES);
            List<Future<List<Errors>>> pipelined = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                pipelined.add(threads.submit(() -> pipelineBigProduces(port, "127.0.0.2", frame, 3)));
            }
            for (Future<List<Errors>> f : pipelined) {
                assertThat(f.get(180, TimeUnit.SECONDS)).containsOnly(Errors.NONE);
            }

            // 2. More connections from one address than max.connections.per.ip (1024) allows.
            for (int i = 0; i < 1100; i++) {
                Socket s = new Socket();
                s.bind(new java.net.InetSocketAddress("127.0.0.3", 0));
                s.connect(new java.net.InetSocketAddress("127.0.0.1", port), 10_000);
                held.add(s);
            }
            ItSupport.waitFor(() -> sampler.max("sluice_connections_refused_total{limit=\"max.connections.per.ip\"}") >= 76,
                    Duration.ofSeconds(30), "the connections beyond max.connections.per.ip to be refused");

            // 3. Four connections announce 100 MiB requests, send 40 MiB of each and stall.
            byte[] part = new byte[SENT_OF_ANNOUNCED_BYTES];
            ByteBuffer.wrap(part).putInt(ANNOUNCED_BYTES);
            List<Future<?>> stalls = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                Socket s = new Socket();
                s.bind(new java.net.InetSocketAddress("127.0.0.4", 0));
                s.connect(new java.net.InetSocketAddress("127.0.0.1", port), 10_000);
                held.add(s);
                // The broker stops reading two of them: their writes block, so they run on their own threads.
                stalls.add(threads.submit(() -> {
                    s.getOutputStream().write(part);
                    return null;
                }));
            }
            ItSupport.waitFor(() -> {
                try {
                    return sampler.scrape().getOrDefault("sluice_queued_request_bytes", 0.0) >= 2.0 * ANNOUNCED_BYTES;
                } catch (IOException | InterruptedException e) {
                    return false;
                }
            }, Duration.ofSeconds(60), "two stalled requests to hold queued.max.request.bytes");
            int before = client.roundTrips.get();
            ItSupport.waitFor(() -> client.roundTrips.get() >= before + 5 || !client.failures.isEmpty(), Duration.ofSeconds(60),
                    "five more round trips of the well-behaved client while the budget is held");

            assertThat(broker.isAlive()).as("brokerd is still running").isTrue();
            assertThat(client.failures).as("the well-behaved client never failed").isEmpty();
            for (Socket s : held) {
                s.close();
            }
            held.clear();
            ItSupport.waitFor(() -> {
                try {
                    return sampler.scrape().getOrDefault("sluice_queued_request_bytes", -1.0) == 0.0;
                } catch (IOException | InterruptedException e) {
                    return false;
                }
            }, Duration.ofSeconds(30), "the requests' bytes to be given back");
            client.stop.set(true);
            sampler.stop.set(true);
            threads.shutdown();
            assertThat(threads.awaitTermination(60, TimeUnit.SECONDS)).isTrue();

            System.out.printf("HostileClientsIT: %d round trips, slowest %d ms; max sluice_queued_request_bytes %.0f, "
                            + "max direct %.0f, max heap used %.0f, max connections %.0f, refused %.0f%n", client.roundTrips.get(),
                    client.slowestMs.get(), sampler.max("sluice_queued_request_bytes"),
                    sampler.max("jvm_buffer_memory_used_bytes{pool=\"direct\"}"), sampler.max("jvm_memory_used_bytes{area=\"heap\"}"),
                    sampler.max("sluice_connections"), sampler.max("sluice_connections_refused_total{limit=\"max.connections.per.ip\"}"));
            assertThat(client.failures).isEmpty();
            assertThat(client.slowestMs.get()).as("slowest round trip, ms").isLessThan(30_000);
            assertThat(sampler.max("sluice_queued_request_bytes")).isLessThanOrEqualTo((double) REQUEST_BYTES_BOUND);
            assertThat(sampler.max("jvm_buffer_memory_used_bytes{pool=\"direct\"}")).isLessThanOrEqualTo((double) DIRECT_BYTES_BOUND);
            assertThat(sampler.max("sluice_connections")).isLessThanOrEqualTo(1024 + 16);
            assertThat(Files.readString(log)).doesNotContain("OutOfMemoryError").doesNotContain("Out of memory");
            assertThat(broker.isAlive()).isTrue();
        } finally {
            client.stop.set(true);
            sampler.stop.set(true);
            for (Socket s : held) {
                s.close();
            }
            threads.shutdownNow();
            broker.destroy();
            if (!broker.waitFor(30, TimeUnit.SECONDS)) {
                broker.destroyForcibly();
            }
        }
    }
}
