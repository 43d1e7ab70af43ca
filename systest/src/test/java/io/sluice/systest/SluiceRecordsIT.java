package io.sluice.systest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.brokerd.Broker;
import io.sluice.brokerd.config.BrokerConfig;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static io.sluice.systest.SluiceCommandsIT.Run;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Lossless records and finding records against real brokerd clusters: consume -o json -> file -> produce --format
 * json copies every byte of keys, values, headers and timestamps (and partitions when asked), within a cluster and
 * between two (a profile per side); consume --from/--to by time, --filter, --count and progress.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class SluiceRecordsIT {
    @TempDir
    static Path dirs;
    static Broker source;
    static Broker target;
    static Admin admin;
    static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void start() {
        source = Broker.start(BrokerConfig.load(null, Map.of("listeners", "127.0.0.1:0", "data.dir", dirs.resolve("a").toString(),
                "metrics.listener", "", "group.initial.rebalance.delay.ms", "0", "offsets.topic.num.partitions", "2")));
        target = Broker.start(BrokerConfig.load(null, Map.of("listeners", "127.0.0.1:0", "data.dir", dirs.resolve("b").toString(),
                "metrics.listener", "", "offsets.topic.num.partitions", "1")));
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, source.bootstrapServers()));
    }

    @AfterAll
    static void stop() {
        admin.close();
        target.close();
        source.close();
    }

    static Run sluice(String... args) {
        return SluiceCommandsIT.sluiceAt(source.bootstrapServers(), args);
    }

    private static KafkaProducer<byte[], byte[]> producer(Broker b) {
        return new KafkaProducer<>(Map.of("bootstrap.servers", b.bootstrapServers()), new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** Every record of {@code topic}, partition by partition in offset order. */
    private static List<ConsumerRecord<byte[], byte[]>> readAll(Broker b, String topic, int partitions) {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of("bootstrap.servers", b.bootstrapServers()),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            for (int p = 0; p < partitions; p++) {
                TopicPartition tp = new TopicPartition(topic, p);
                c.assign(List.of(tp));
                c.seekToBeginning(List.of(tp));
                long end = c.endOffsets(List.of(tp)).get(tp);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (c.position(tp) < end && System.nanoTime() < deadline) {
                    c.poll(Duration.ofMillis(200)).forEach(out::add);
                }
                assertThat(c.position(tp)).as("read %s to its end", tp).isEqualTo(end);
            }
        }
        return out;
    }

    private static void assertSameRecords(List<ConsumerRecord<byte[], byte[]>> expected, List<ConsumerRecord<byte[], byte[]>> actual) {
        assertThat(actual).hasSameSizeAs(expected);
        for (int i = 0; i < expected.size(); i++) {
            ConsumerRecord<byte[], byte[]> e = expected.get(i);
            ConsumerRecord<byte[], byte[]> a = actual.get(i);
            String at = "record " + i + " (partition " + e.partition() + " offset " + e.offset() + ")";
            assertThat(a.partition()).as(at).isEqualTo(e.partition());
            assertThat(a.key()).as(at + " key").isEqualTo(e.key());
            assertThat(a.value()).as(at + " value").isEqualTo(e.value());
            assertThat(a.timestamp()).as(at + " timestamp").isEqualTo(e.timestamp());
            Header[] eh = e.headers().toArray();
            Header[] ah = a.headers().toArray();
            assertThat(ah).as(at + " headers").hasSameSizeAs(eh);
            for (int h = 0; h < eh.length; h++) {
                assertThat(ah[h].key()).as(at + " header " + h).isEqualTo(eh[h].key());
                assertThat(ah[h].value()).as(at + " header " + h + " value").isEqualTo(eh[h].value());
            }
        }
    }

    @Test
    void consumeToFileThenProduceCopiesEveryByteWithinAndBetweenClusters(@TempDir Path tmp) throws Exception {
        admin.createTopics(List.of(new NewTopic("src", 3, (short) 1), new NewTopic("copy", 3, (short) 1))).all().get();
        Random random = new Random(42);
        long t0 = System.currentTimeMillis() - 120_000L;
        try (KafkaProducer<byte[], byte[]> p = producer(source)) {
            for (int i = 0; i < 60; i++) {
                byte[] value = new byte[random.nextInt(300)];
                random.nextBytes(value);
                byte[] key = switch (i % 4) {
                    case 0 -> null;
                    case 1 -> new byte[0];
                    case 2 -> ("key-" + i).getBytes(StandardCharsets.UTF_8);
                    default -> new byte[]{(byte) 0xff, (byte) i, 0};
                };
                List<Header> headers = List.of(new RecordHeader("trace", ("t" + i).getBytes(StandardCharsets.UTF_8)),
                        new RecordHeader("trace", new byte[]{(byte) 0xc3, 0x28}), new RecordHeader("none", null),
                        new RecordHeader("empty", new byte[0]));
                byte[] v = i % 10 == 0 ? null : i % 10 == 1 ? new byte[0] : i == 2 ? all256() : value;
                p.send(new ProducerRecord<>("src", i % 3, t0 + i * 1000L, key, v, i % 5 == 0 ? List.of() : headers)).get();
            }
        }
        Run dump = sluice("consume", "src", "-o", "json");
        assertThat(dump.exit()).as(dump.err()).isZero();
        assertThat(dump.out().lines()).hasSize(60);
        Path file = tmp.resolve("src.jsonl");
        Files.writeString(file, dump.out() + "\n");

        Run replay = sluice("produce", "copy", file.toString(), "--format", "json", "--keep-partition", "-o", "json");
        assertThat(replay.exit()).as(replay.err()).isZero();
        assertThat(JSON.readTree(replay.out()).get("records").asInt()).isEqualTo(60);
        List<ConsumerRecord<byte[], byte[]>> original = readAll(source, "src", 3);
        assertSameRecords(original, readAll(source, "copy", 3));

        // Between clusters, a profile for each side; the target topic is created by auto-create (1 partition):
        // without --keep-partition the producer places the records itself.
        System.setProperty("sluice.config", tmp.resolve("profiles.yaml").toString());
        try {
            assertThat(SluiceCommandsIT.bare("profile", "create", "a", "--set-brokers", source.bootstrapServers()).exit()).isZero();
            assertThat(SluiceCommandsIT.bare("profile", "create", "b", "--set-brokers", target.bootstrapServers()).exit()).isZero();
            Run fromA = SluiceCommandsIT.bare("-P", "a", "consume", "src", "-p", "1", "-o", "json");
            assertThat(fromA.exit()).as(fromA.err()).isZero();
            Path part1 = tmp.resolve("p1.jsonl");
            Files.writeString(part1, fromA.out());
            Run intoB = SluiceCommandsIT.bare("-P", "b", "produce", "mirror", part1.toString(), "--format", "json");
            assertThat(intoB.exit()).as(intoB.err()).isZero();
            List<ConsumerRecord<byte[], byte[]>> p1 = original.stream().filter(r -> r.partition() == 1).toList();
            List<ConsumerRecord<byte[], byte[]>> mirrored = readAll(target, "mirror", 1);
            assertThat(mirrored).hasSize(p1.size());
            for (int i = 0; i < p1.size(); i++) {
                assertThat(mirrored.get(i).key()).isEqualTo(p1.get(i).key());
                assertThat(mirrored.get(i).value()).isEqualTo(p1.get(i).value());
                assertThat(mirrored.get(i).timestamp()).isEqualTo(p1.get(i).timestamp());
                assertThat(Arrays.stream(mirrored.get(i).headers().toArray()).map(Header::key).toList())
                        .isEqualTo(Arrays.stream(p1.get(i).headers().toArray()).map(Header::key).toList());
            }
        } finally {
            System.clearProperty("sluice.config");
        }

        Files.writeString(file, "{\"partition\": 7, \"value\": \"x\"}\n");
        Run tooFar = sluice("produce", "copy", file.toString(), "--format", "json", "--keep-partition");
        assertThat(tooFar.exit()).isEqualTo(2);
        assertThat(tooFar.err()).contains("line 1: partition 7, but copy has 3 partitions");
    }

    private static byte[] all256() {
        byte[] b = new byte[256];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) i;
        }
        return b;
    }

    @Test
    void deadLetterRedriveFindsRecordsByHeaderAndReplaysThem(@TempDir Path tmp) throws Exception {
        admin.createTopics(List.of(new NewTopic("orders-dlq", 2, (short) 1), new NewTopic("orders-retry", 2, (short) 1))).all().get();
        try (KafkaProducer<byte[], byte[]> p = producer(source)) {
            for (int i = 0; i < 20; i++) {
                String reason = i % 3 == 0 ? "timeout" : "schema";
                p.send(new ProducerRecord<>("orders-dlq", i % 2, null, ("o" + i).getBytes(StandardCharsets.UTF_8),
                        ("{\"id\": " + i + "}").getBytes(StandardCharsets.UTF_8),
                        List.of(new RecordHeader("error", reason.getBytes(StandardCharsets.UTF_8))))).get();
            }
        }
        Run found = sluice("consume", "orders-dlq", "--filter", "header.error == 'timeout'", "-o", "json");
        assertThat(found.exit()).as(found.err()).isZero();
        assertThat(found.out().lines()).hasSize(7);
        Path file = tmp.resolve("timeouts.jsonl");
        Files.writeString(file, found.out());
        Run redrive = sluice("produce", "orders-retry", file.toString(), "--format", "json", "--keep-partition", "-H", "redriven=1");
        assertThat(redrive.exit()).as(redrive.err()).isZero();
        Run back = sluice("consume", "orders-retry", "--format", "%k %h\\n");
        assertThat(back.out().lines().sorted().toList()).containsExactly("o0 error=timeout,redriven=1", "o12 error=timeout,redriven=1",
                "o15 error=timeout,redriven=1", "o18 error=timeout,redriven=1", "o3 error=timeout,redriven=1",
                "o6 error=timeout,redriven=1", "o9 error=timeout,redriven=1");
    }

    @Test
    void timeRangesFiltersAndCountsFindTheRightRecords() throws Exception {
        admin.createTopics(List.of(new NewTopic("events", 2, (short) 1))).all().get();
        long now = System.currentTimeMillis();
        long base = now - 3_600_000L * 3; // three hours ago, one record a minute
        try (KafkaProducer<byte[], byte[]> p = producer(source)) {
            for (int i = 0; i < 180; i++) {
                String status = i % 10 == 0 ? "FAILED" : "OK";
                String value = "{\"n\": " + i + ", \"status\": \"" + status + "\", \"items\": [{\"sku\": \"S" + (i % 7) + "\"}]}";
                p.send(new ProducerRecord<>("events", i % 2, base + i * 60_000L, ("k" + i).getBytes(StandardCharsets.UTF_8),
                        value.getBytes(StandardCharsets.UTF_8))).get();
            }
        }
        // [base + 30 min, base + 40 min): records 30..39, whatever partition they are in.
        String from = Instant.ofEpochMilli(base + 30 * 60_000L).toString();
        String to = Instant.ofEpochMilli(base + 40 * 60_000L).toString();
        Run window = sluice("consume", "events", "--from", from, "--to", to, "--format", "%k\\n");
        assertThat(window.exit()).as(window.err()).isZero();
        assertThat(window.out().lines().sorted().toList()).containsExactlyInAnyOrderElementsOf(
                java.util.stream.IntStream.range(30, 40).mapToObj(i -> "k" + i).toList());
        Run epoch = sluice("consume", "events", "--from", "@" + (base + 170 * 60_000L), "--format", "%k\\n");
        assertThat(epoch.out().lines()).hasSize(10);
        Run lastHalfHour = sluice("consume", "events", "--from", "-30m", "--format", "%k\\n");
        assertThat(lastHalfHour.out().lines().count()).as("records 150..179 are at most 30 min old").isBetween(29L, 31L);

        Run failed = sluice("consume", "events", "--filter", "value.status == \"FAILED\" and value.n >= 100", "--format", "%k\\n");
        assertThat(failed.exit()).as(failed.err()).isZero();
        assertThat(failed.out().lines().sorted().toList()).containsExactly("k100", "k110", "k120", "k130", "k140", "k150", "k160", "k170");
        Run count = sluice("consume", "events", "--filter", "value.items[0].sku == 'S3'", "--count");
        assertThat(count.out()).isEqualTo("26\n");
        Run countJson = sluice("consume", "events", "--filter", "value.status == 'FAILED'", "--to", to, "--count", "-o", "json");
        JsonNode c = JSON.readTree(countJson.out());
        assertThat(c.get("matched").asLong()).isEqualTo(4);
        assertThat(c.get("scanned").asLong()).isEqualTo(40);
        Run firstTwo = sluice("consume", "events", "-p", "0", "--filter", "value.status == 'FAILED'", "-n", "2", "--format", "%k\\n");
        assertThat(firstTwo.out()).isEqualTo("k0\nk10\n");

        // With a group, what was scanned is committed, matching or not.
        Run grouped = sluice("consume", "events", "-p", "1", "--group", "finder", "--filter", "key == 'k9'", "-n", "1", "--format", "%k\\n");
        assertThat(grouped.out()).isEqualTo("k9\n");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of("bootstrap.servers", source.bootstrapServers(),
                "group.id", "finder"), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            OffsetAndMetadata committed = consumer.committed(java.util.Set.of(new TopicPartition("events", 1))).get(new TopicPartition("events", 1));
            assertThat(committed.offset()).as("k9 is the 5th record of partition 1").isEqualTo(5);
        }

        Run progress = sluice("--progress", "always", "consume", "events", "--filter", "key == 'k179'", "--format", "%k\\n");
        assertThat(progress.out()).isEqualTo("k179\n");
        assertThat(progress.err()).contains("reading events: ").contains(" matched").endsWith("\r");
        assertThat(sluice("consume", "events", "--filter", "key == 'k179'").err()).as("not a terminal: quiet").isEmpty();
    }
}
