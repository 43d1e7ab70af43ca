package io.sluice.systest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.brokerd.Broker;
import io.sluice.brokerd.config.BrokerConfig;
import io.sluice.ctl.SluiceCommand;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** sluice topic and group commands against a real brokerd: JSON and tables checked against the Admin API. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SluiceCommandsIT {
    @TempDir
    static Path dataDir;
    static Broker broker;
    static Admin admin;
    static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void start() {
        broker = Broker.start(BrokerConfig.load(null, Map.of("listeners", "127.0.0.1:0", "data.dir", dataDir.toString(),
                "metrics.listener", "", "group.initial.rebalance.delay.ms", "0", "offsets.topic.num.partitions", "2")));
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()));
    }

    @AfterAll
    static void stop() {
        admin.close();
        broker.close();
    }

    /** Result of one sluice invocation. */
    record Run(int exit, String out, String err) {
    }

    static Run sluice(String... args) {
        CommandLine cmd = SluiceCommand.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cmd.setOut(new PrintWriter(out));
        cmd.setErr(new PrintWriter(err));
        String[] all = new String[args.length + 2];
        all[0] = "--brokers";
        all[1] = broker.bootstrapServers();
        System.arraycopy(args, 0, all, 2, args.length);
        int exit = cmd.execute(all);
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void topicCreateListDescribeDelete() throws Exception {
        Run create = sluice("topic", "create", "orders", "-p", "3", "-c", "retention.ms=3600000");
        assertThat(create.exit()).as(create.err()).isZero();
        assertThat(create.out()).isEqualTo("topic orders created\n");
        assertThat(sluice("topic", "create", "orders", "-p", "3", "--if-not-exists").out()).isEqualTo("topic orders exists\n");
        Run again = sluice("topic", "create", "orders", "-p", "3");
        assertThat(again.exit()).isEqualTo(2);
        assertThat(again.err()).startsWith("sluice: creating topic orders:").contains("already exists").doesNotContain("Exception");

        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers", broker.bootstrapServers()),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < 10; i++) {
                p.send(new ProducerRecord<>("orders", i % 3, null, new byte[100])).get();
            }
        }
        JsonNode list = JSON.readTree(sluice("topic", "list", "ord*", "-o", "json").out());
        assertThat(list).hasSize(1);
        assertThat(list.get(0).get("name").asText()).isEqualTo("orders");
        assertThat(list.get(0).get("partitions").asInt()).isEqualTo(3);
        assertThat(list.get(0).get("replicationFactor").asInt()).isEqualTo(1);
        assertThat(sluice("topic", "list", "ord*", "--no-headers").out()).startsWith("orders  3");
        assertThat(sluice("topic", "list", "nomatch*").out()).isEqualTo("NAME  PARTITIONS  REPLICAS\n");

        JsonNode d = JSON.readTree(sluice("topic", "describe", "orders", "-o", "json").out());
        TopicDescription td = admin.describeTopics(List.of("orders")).allTopicNames().get().get("orders");
        assertThat(d.get("topicId").asText()).isEqualTo(td.topicId().toString());
        assertThat(d.get("partitions")).hasSize(3);
        for (JsonNode p : d.get("partitions")) {
            TopicPartition tp = new TopicPartition("orders", p.get("partition").asInt());
            long end = admin.listOffsets(Map.of(tp, OffsetSpec.latest())).partitionResult(tp).get().offset();
            assertThat(p.get("logEndOffset").asLong()).isEqualTo(end);
            assertThat(p.get("logStartOffset").asLong()).isZero();
            assertThat(p.get("leader").asInt()).isEqualTo(td.partitions().get(tp.partition()).leader().id());
            assertThat(p.get("sizeBytes").asLong()).isPositive();
        }
        JsonNode retention = null;
        for (JsonNode c : d.get("configs")) {
            if (c.get("name").asText().equals("retention.ms")) {
                retention = c;
            }
        }
        assertThat(retention.get("value").asText()).isEqualTo("3600000");
        assertThat(retention.get("source").asText()).isEqualTo("DYNAMIC_TOPIC_CONFIG");
        assertThat(sluice("topic", "describe", "orders").out()).contains("retention.ms  3600000  DYNAMIC_TOPIC_CONFIG")
                .contains("PARTITION  LEADER  REPLICAS  ISR  LOG-START  LOG-END  SIZE");

        Run missing = sluice("topic", "describe", "nope");
        assertThat(missing.exit()).isEqualTo(3);
        assertThat(missing.err()).startsWith("sluice: describing topic nope:").doesNotContain("\tat ");
        Run delete = sluice("topic", "delete", "orders");
        assertThat(delete.exit()).isZero();
        assertThat(admin.listTopics().names().get()).doesNotContain("orders");
    }

    @Test
    void groupListAndDescribeShowLag() throws Exception {
        admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic("events", 2, (short) 1))).all().get();
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers", broker.bootstrapServers()),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < 20; i++) {
                p.send(new ProducerRecord<>("events", i % 2, null, new byte[10])).get();
            }
        }
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of("bootstrap.servers", broker.bootstrapServers(), "group.id", "readers"),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            c.commitSync(Map.of(new TopicPartition("events", 0), new OffsetAndMetadata(4), new TopicPartition("events", 1), new OffsetAndMetadata(10)));
        }
        JsonNode groups = JSON.readTree(sluice("group", "list", "-o", "json").out());
        assertThat(groups).anySatisfy(g -> {
            assertThat(g.get("group").asText()).isEqualTo("readers");
            assertThat(g.get("state").asText()).isEqualTo("Empty");
        });
        JsonNode d = JSON.readTree(sluice("group", "describe", "readers", "-o", "json").out());
        assertThat(d.get("totalLag").asLong()).isEqualTo(6);
        assertThat(d.get("partitions")).hasSize(2);
        assertThat(d.get("partitions").get(0).get("committed").asLong()).isEqualTo(4);
        assertThat(d.get("partitions").get(0).get("end").asLong()).isEqualTo(10);
        assertThat(d.get("partitions").get(0).get("lag").asLong()).isEqualTo(6);
        assertThat(d.get("partitions").get(1).get("lag").asLong()).isZero();
        assertThat(sluice("group", "describe", "readers").out()).contains("TOTAL-LAG    6").contains("events  0          4          10   6    -");
        Run yaml = sluice("group", "describe", "readers", "-o", "yaml");
        assertThat(yaml.out()).contains("totalLag: 6");
        assertThat(sluice("group", "describe", "nobody").exit()).isEqualTo(3);
    }

    @Test
    void badInputGivesOneLineAndTheDocumentedExitCode() throws Exception {
        Run badFlag = sluice("topic", "list", "--frobnicate");
        assertThat(badFlag.exit()).isEqualTo(2);
        assertThat(badFlag.err()).contains("Unknown option: '--frobnicate'");
        Run badConfig = sluice("topic", "create", "cfg", "-c", "retention.ms=soon");
        assertThat(badConfig.exit()).isEqualTo(2);
        assertThat(badConfig.err()).contains("retention.ms").doesNotContain("\tat ");
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        CommandLine cmd = SluiceCommand.commandLine();
        StringWriter err = new StringWriter();
        cmd.setErr(new PrintWriter(err));
        cmd.setOut(new PrintWriter(new StringWriter()));
        long start = System.nanoTime();
        int exit = cmd.execute("--brokers", "127.0.0.1:" + port, "--timeout", "3", "topic", "list");
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(exit).isEqualTo(1);
        assertThat(err.toString()).contains("no answer from 127.0.0.1:" + port + " within 3 s");
        assertThat(tookMs).isLessThan(15_000);
    }
}
