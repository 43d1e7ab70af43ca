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
        return sluiceAt(broker.bootstrapServers(), args);
    }

    /** Runs sluice in-process against {@code bootstrap}, capturing its output (other ITs use it too). */
    static Run sluiceAt(String bootstrap, String... args) {
        CommandLine cmd = SluiceCommand.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cmd.setOut(new PrintWriter(out));
        cmd.setErr(new PrintWriter(err));
        String[] all = new String[args.length + 2];
        all[0] = "--brokers";
        all[1] = bootstrap;
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
        Run plan = sluice("topic", "delete", "orders");
        assertThat(plan.exit()).as(plan.err()).isZero();
        assertThat(plan.out()).contains("TOPIC   PARTITIONS  REPLICAS  RECORDS").contains("orders  3           1         10")
                .contains("dry run: nothing changed");
        assertThat(admin.listTopics().names().get()).as("a plan deletes nothing").contains("orders");
        Run delete = sluice("topic", "delete", "orders", "--execute");
        assertThat(delete.exit()).isZero();
        assertThat(delete.out()).isEqualTo("topic orders deleted\n");
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
        JsonNode groups = JSON.readTree(sluice("group", "list", "--window", "0", "-o", "json").out());
        assertThat(groups).anySatisfy(g -> {
            assertThat(g.get("group").asText()).isEqualTo("readers");
            assertThat(g.get("state").asText()).isEqualTo("Empty");
            assertThat(g.get("type").asText()).isEqualTo("Classic");
            assertThat(g.has("protocolType")).isTrue();
            assertThat(g.get("totalLag").asLong()).isEqualTo(6);
            assertThat(g.get("status").asText()).as("one look cannot judge a lagging group").isEqualTo("UNKNOWN");
        });
        JsonNode d = JSON.readTree(sluice("group", "describe", "readers", "--window", "0", "-o", "json").out());
        assertThat(d.get("totalLag").asLong()).isEqualTo(6);
        assertThat(d.get("partitions")).hasSize(2);
        assertThat(d.get("partitions").get(0).get("committed").asLong()).isEqualTo(4);
        assertThat(d.get("partitions").get(0).get("end").asLong()).isEqualTo(10);
        assertThat(d.get("partitions").get(0).get("lag").asLong()).isEqualTo(6);
        assertThat(d.get("partitions").get(1).get("lag").asLong()).isZero();
        assertThat(d.get("partitions").get(1).get("status").asText()).as("caught up: one look suffices").isEqualTo("OK");
        assertThat(sluice("group", "describe", "readers", "--window", "0").out()).contains("TOTAL-LAG    6")
                .contains("events  0          4          10   6    UNKNOWN  -").contains("events  1          10         10   0    OK       -");
        Run yaml = sluice("group", "describe", "readers", "--window", "0", "-o", "yaml");
        assertThat(yaml.out()).contains("totalLag: 6");
        assertThat(sluice("group", "describe", "nobody", "--window", "0").exit()).isEqualTo(3);

        Run delOffsets = sluice("group", "delete-offsets", "readers", "--topic", "events", "-o", "json");
        assertThat(delOffsets.exit()).as(delOffsets.err()).isZero();
        assertThat(JSON.readTree(delOffsets.out()).get("partitions")).hasSize(2);
        assertThat(admin.listConsumerGroupOffsets("readers").partitionsToOffsetAndMetadata().get()).isEmpty();
        assertThat(sluice("group", "delete-offsets", "readers", "--topic", "events").exit()).isEqualTo(3);
        admin.alterConsumerGroupOffsets("readers", Map.of(new TopicPartition("events", 0), new OffsetAndMetadata(1))).all().get();
        assertThat(sluice("group", "delete", "readers").exit()).isZero();
        assertThat(admin.listConsumerGroups().all().get()).noneMatch(g -> g.groupId().equals("readers"));
        assertThat(sluice("group", "delete", "readers").exit()).isEqualTo(3);
    }

    @Test
    void groupSeekPlansByDefaultExecutesOnRequestAndRefusesActiveGroups() throws Exception {
        admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic("seeking", 2, (short) 1))).all().get();
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers", broker.bootstrapServers()),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < 40; i++) {
                p.send(new ProducerRecord<>("seeking", i % 2, null, new byte[10])).get();
            }
        }
        TopicPartition p0 = new TopicPartition("seeking", 0);
        TopicPartition p1 = new TopicPartition("seeking", 1);
        admin.alterConsumerGroupOffsets("seekers", Map.of(p0, new OffsetAndMetadata(15), p1, new OffsetAndMetadata(5))).all().get();

        Run dry = sluice("group", "seek", "seekers", "--to", "-5", "-o", "json");
        assertThat(dry.exit()).as(dry.err()).isZero();
        JsonNode plan = JSON.readTree(dry.out());
        assertThat(plan.get("executed").asBoolean()).isFalse();
        assertThat(plan.get("moves").get(0).get("current").asLong()).isEqualTo(15);
        assertThat(plan.get("moves").get(0).get("target").asLong()).isEqualTo(10);
        assertThat(plan.get("moves").get(0).get("delta").asLong()).isEqualTo(-5);
        assertThat(plan.get("moves").get(1).get("target").asLong()).isZero();
        Map<TopicPartition, OffsetAndMetadata> unchanged = admin.listConsumerGroupOffsets("seekers").partitionsToOffsetAndMetadata().get();
        assertThat(unchanged.get(p0).offset()).as("a dry run changes nothing").isEqualTo(15);
        assertThat(unchanged.get(p1).offset()).isEqualTo(5);
        assertThat(sluice("group", "seek", "seekers", "--to", "-5").out()).contains("re-read 5").contains("dry run: nothing changed");

        Run exec = sluice("group", "seek", "seekers", "--to", "end", "--execute", "-o", "json");
        assertThat(exec.exit()).as(exec.err()).isZero();
        JsonNode done = JSON.readTree(exec.out());
        assertThat(done.get("executed").asBoolean()).isTrue();
        Map<TopicPartition, OffsetAndMetadata> moved = admin.listConsumerGroupOffsets("seekers").partitionsToOffsetAndMetadata().get();
        for (JsonNode m : done.get("moves")) {
            TopicPartition tp = new TopicPartition(m.get("topic").asText(), m.get("partition").asInt());
            assertThat(moved.get(tp).offset()).as("moved exactly as planned").isEqualTo(m.get("target").asLong()).isEqualTo(20);
        }

        try (KafkaConsumer<byte[], byte[]> active = new KafkaConsumer<>(Map.of("bootstrap.servers", broker.bootstrapServers(), "group.id", "seekers"),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            active.subscribe(List.of("seeking"));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (active.assignment().isEmpty() && System.nanoTime() < deadline) {
                active.poll(java.time.Duration.ofMillis(100));
            }
            Run refused = sluice("group", "seek", "seekers", "--to", "start", "--execute");
            assertThat(refused.exit()).isEqualTo(1);
            assertThat(refused.err()).contains("active member").hasLineCount(1);
        }
        assertThat(admin.listConsumerGroupOffsets("seekers").partitionsToOffsetAndMetadata().get().get(p0).offset()).isEqualTo(20);
        assertThat(sluice("group", "seek", "seekers", "--to", "soon").exit()).isEqualTo(2);
        assertThat(sluice("group", "seek", "seekers").exit()).as("needs --to or --to-file").isEqualTo(2);
        Path file = dataDir.resolveSibling("seek-" + System.nanoTime() + ".csv");
        java.nio.file.Files.writeString(file, "# topic,partition,offset\nseeking,0,7\nseeking,1,99\n");
        JsonNode fromFile = JSON.readTree(sluice("group", "seek", "seekers", "--to-file", file.toString(), "--execute", "-o", "json").out());
        assertThat(fromFile.get("moves").get(0).get("target").asLong()).isEqualTo(7);
        assertThat(fromFile.get("moves").get(1).get("target").asLong()).as("clamped to the end").isEqualTo(20);
        assertThat(admin.listConsumerGroupOffsets("seekers").partitionsToOffsetAndMetadata().get().get(p0).offset()).isEqualTo(7);
        java.nio.file.Files.writeString(file, "seeking;0;7\n");
        assertThat(sluice("group", "seek", "seekers", "--to-file", file.toString()).exit()).isEqualTo(2);
    }

    @Test
    void addPartitionsAlterConfigOffsetsAndDeleteRecords() throws Exception {
        assertThat(sluice("topic", "create", "tuned", "-p", "1").exit()).isZero();
        long t0 = System.currentTimeMillis() - 60_000;
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers", broker.bootstrapServers()),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < 10; i++) {
                p.send(new ProducerRecord<>("tuned", 0, t0 + i * 1000L, null, new byte[10])).get();
            }
        }
        Run grow = sluice("topic", "add-partitions", "tuned", "-p", "3");
        assertThat(grow.exit()).as(grow.err()).isZero();
        assertThat(admin.describeTopics(List.of("tuned")).allTopicNames().get().get("tuned").partitions()).hasSize(3);
        assertThat(sluice("topic", "add-partitions", "tuned", "-p", "2").exit()).isEqualTo(2);

        org.apache.kafka.common.config.ConfigResource res = new org.apache.kafka.common.config.ConfigResource(
                org.apache.kafka.common.config.ConfigResource.Type.TOPIC, "tuned");
        Run planned = sluice("topic", "alter-config", "tuned", "--set", "retention.ms=7200000", "--set", "max.message.bytes=4096");
        assertThat(planned.out()).contains("retention.ms       604800000  DEFAULT_CONFIG  7200000").contains("dry run: nothing changed");
        assertThat(admin.describeConfigs(List.of(res)).all().get().get(res).get("retention.ms").value()).isEqualTo("604800000");
        assertThat(sluice("topic", "alter-config", "tuned", "--set", "retention.ms=7200000", "--set", "max.message.bytes=4096",
                "--execute").exit()).isZero();
        assertThat(admin.describeConfigs(List.of(res)).all().get().get(res).get("retention.ms").value()).isEqualTo("7200000");
        assertThat(sluice("topic", "alter-config", "tuned", "--delete", "retention.ms", "--execute").exit()).isZero();
        assertThat(admin.describeConfigs(List.of(res)).all().get().get(res).get("retention.ms").value()).isEqualTo("604800000");
        Run bad = sluice("topic", "alter-config", "tuned", "--set", "retention.ms=soon");
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err()).contains("retention.ms");

        JsonNode offsets = JSON.readTree(sluice("topic", "offsets", "tuned", "--at", String.valueOf(t0 + 3500), "-o", "json").out());
        assertThat(offsets.get(0).get("earliest").asLong()).isZero();
        assertThat(offsets.get(0).get("latest").asLong()).isEqualTo(10);
        assertThat(offsets.get(0).get("atTimestamp").asLong()).isEqualTo(4);

        Run unconfirmed = sluice("records", "delete", "tuned", "--before", "6");
        assertThat(unconfirmed.exit()).as(unconfirmed.err()).isZero();
        assertThat(unconfirmed.out()).contains("PARTITION  LOG-START  LOG-END  NEW-LOG-START  RECORDS").contains("0          0          10       6              6")
                .contains("--execute deletes these 6 records for good");
        TopicPartition p0 = new TopicPartition("tuned", 0);
        assertThat(admin.listOffsets(Map.of(p0, OffsetSpec.earliest())).partitionResult(p0).get().offset()).isZero();
        Run del = sluice("records", "delete", "tuned", "--before", "6", "--yes", "-o", "json");
        assertThat(del.exit()).as(del.err()).isZero();
        assertThat(JSON.readTree(del.out()).get("logStartOffsets").get("0").asLong()).isEqualTo(6);
        assertThat(admin.listOffsets(Map.of(p0, OffsetSpec.earliest())).partitionResult(p0).get().offset()).isEqualTo(6);
    }

    @Test
    void produceThenConsumeRoundTripsTextAndBinary(@TempDir Path tmp) throws Exception {
        assertThat(sluice("topic", "create", "lines", "-p", "1").exit()).isZero();
        Path text = tmp.resolve("lines.txt");
        java.nio.file.Files.writeString(text, "k1:hello world\nk2:second line\nno key here\n");
        Run produced = sluice("produce", "lines", text.toString(), "-k", ":", "-H", "source=test", "-o", "json");
        assertThat(produced.exit()).as(produced.err()).isZero();
        assertThat(JSON.readTree(produced.out()).get("records").asInt()).isEqualTo(3);
        Run consumed = sluice("consume", "lines", "--format", "%p/%o %k=%v [%h]\\n");
        assertThat(consumed.exit()).as(consumed.err()).isZero();
        assertThat(consumed.out()).isEqualTo("0/0 k1=hello world [source=test]\n0/1 k2=second line [source=test]\n0/2 =no key here [source=test]\n");
        assertThat(sluice("consume", "lines", "--from", "-1").out()).isEqualTo("no key here\n");
        assertThat(sluice("consume", "lines", "--from", "1", "-n", "1").out()).isEqualTo("second line\n");

        byte[] binary = new byte[256];
        for (int i = 0; i < binary.length; i++) {
            binary[i] = (byte) i;
        }
        Path bin = tmp.resolve("binary.b64");
        java.nio.file.Files.writeString(bin, java.util.Base64.getEncoder().encodeToString(binary) + "\n");
        assertThat(sluice("produce", "lines", bin.toString(), "--base64").exit()).isZero();
        JsonNode rec = JSON.readTree(sluice("consume", "lines", "--from", "3", "-o", "json").out().trim());
        assertThat(rec.get("offset").asLong()).isEqualTo(3);
        assertThat(rec.get("valueEncoding").asText()).isEqualTo("base64");
        assertThat(java.util.Base64.getDecoder().decode(rec.get("value").asText())).isEqualTo(binary);
        assertThat(rec.get("key").isNull()).isTrue();

        Run grouped = sluice("consume", "lines", "--group", "tail", "-n", "2");
        assertThat(grouped.out()).isEqualTo("hello world\nsecond line\n");
        assertThat(sluice("consume", "lines", "--group", "tail", "-n", "1").out()).as("resumes at the committed offset").isEqualTo("no key here\n");
        assertThat(sluice("consume", "lines", "--from", "soon").exit()).isEqualTo(2);
        assertThat(sluice("produce", "lines", bin.toString().replace("binary", "missing")).exit()).isEqualTo(3);
    }

    @Test
    void produceFormatTemplatesSetPartitionTimestampKeyAndHeaders(@TempDir Path tmp) throws Exception {
        // the records carry 2023 timestamps: unbounded retention keeps maintenance from deleting them mid-test
        assertThat(sluice("topic", "create", "templated", "-p", "2", "-c", "retention.ms=-1").exit()).isZero();
        Path input = tmp.resolve("templated.txt");
        java.nio.file.Files.writeString(input, "1 1700000000000 user-1=clicked|via=web\n0 1700000000500 user-2=left|via=app,try=2\n");
        Run produced = sluice("produce", "templated", input.toString(), "--format", "%p %T %k=%v|%h", "-o", "json");
        assertThat(produced.exit()).as(produced.err()).isZero();
        Run back = sluice("consume", "templated", "-n", "2", "--format", "%p %T %k=%v [%h]\\n");
        assertThat(back.exit()).as(back.err()).isZero();
        assertThat(back.out().lines().sorted().toList()).containsExactly("0 1700000000500 user-2=left [via=app,try=2]",
                "1 1700000000000 user-1=clicked [via=web]");
        java.nio.file.Files.writeString(input, "not a partition\n");
        Run bad = sluice("produce", "templated", input.toString(), "--format", "%p %v");
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err()).contains("line 1").contains("does not match --format");
    }

    @Test
    void configGetSetDeleteForTopicsAndBrokers() throws Exception {
        assertThat(sluice("topic", "create", "configured", "-p", "1").exit()).isZero();
        Run set = sluice("config", "set", "topic:configured", "retention.ms=1000000", "cleanup.policy=compact", "--execute");
        assertThat(set.exit()).as(set.err()).isZero();
        JsonNode got = JSON.readTree(sluice("config", "get", "topic:configured", "retention.ms", "cleanup.policy", "-o", "json").out());
        assertThat(got).hasSize(2);
        assertThat(got.get(0).get("name").asText()).isEqualTo("cleanup.policy");
        assertThat(got.get(0).get("value").asText()).isEqualTo("compact");
        assertThat(got.get(1).get("value").asText()).isEqualTo("1000000");
        assertThat(got.get(1).get("source").asText()).isEqualTo("DYNAMIC_TOPIC_CONFIG");
        assertThat(sluice("config", "delete", "topic:configured", "retention.ms", "--execute").exit()).isZero();
        JsonNode after = JSON.readTree(sluice("config", "get", "topic:configured", "retention.ms", "-o", "json").out());
        assertThat(after.get(0).get("source").asText()).isEqualTo("DEFAULT_CONFIG");

        JsonNode broker1 = JSON.readTree(sluice("config", "get", "broker:" + broker.nodeId(), "num.partitions", "-o", "json").out());
        assertThat(broker1.get(0).get("value").asText()).isEqualTo("1");
        assertThat(broker1.get(0).get("readOnly").asBoolean()).isTrue();
        Run brokerSet = sluice("config", "set", "broker:" + broker.nodeId(), "num.partitions=3");
        assertThat(brokerSet.exit()).isEqualTo(2);
        assertThat(brokerSet.err()).contains("not supported");
        assertThat(sluice("config", "get", "cluster:x").exit()).isEqualTo(2);
        assertThat(sluice("config", "set", "topic:configured", "noequals").exit()).isEqualTo(2);
        assertThat(sluice("config", "get", "topic:absent").exit()).isEqualTo(3);
    }

    @Test
    void brokerListDescribeAndCompletion(@TempDir Path tmp) throws Exception {
        JsonNode brokers = JSON.readTree(sluice("broker", "list", "-o", "json").out());
        assertThat(brokers).hasSize(1);
        assertThat(brokers.get(0).get("id").asInt()).isEqualTo(broker.nodeId());
        assertThat(sluice("broker", "list").out()).contains("controller");
        JsonNode d = JSON.readTree(sluice("broker", "describe", String.valueOf(broker.nodeId()), "-o", "json").out());
        assertThat(d.get("controller").asBoolean()).isTrue();
        assertThat(d.get("configs")).anySatisfy(c -> assertThat(c.get("name").asText()).isEqualTo("listeners"));
        assertThat(sluice("broker", "describe", "42").exit()).isEqualTo(3);

        Run completion = sluice("completion", "bash");
        assertThat(completion.exit()).isZero();
        Path script = tmp.resolve("sluice-completion.bash");
        java.nio.file.Files.writeString(script, completion.out());
        Process p = new ProcessBuilder("bash", "-c", "source " + script + " && complete -p sluice").redirectErrorStream(true).start();
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(new String(p.getInputStream().readAllBytes())).contains("sluice");
        assertThat(p.exitValue()).isZero();
        assertThat(sluice("completion", "fish").exit()).isEqualTo(2);
    }

    @Test
    void logDumpAndVerifyReadBrokerdSegmentsAndFindDamage(@TempDir Path tmp) throws Exception {
        assertThat(sluice("topic", "create", "dumped", "-p", "1").exit()).isZero();
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers", broker.bootstrapServers(), "compression.type", "lz4"),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < 5; i++) {
                p.send(new ProducerRecord<>("dumped", 0, null, ("v" + i).getBytes())).get();
            }
        }
        Path segment = dataDir.resolve("dumped-0").resolve("00000000000000000000.log");
        Path copy = tmp.resolve("00000000000000000000.log");
        java.nio.file.Files.copy(segment, copy);
        JsonNode dump = JSON.readTree(sluice("log", "dump", copy.toString(), "-o", "json").out());
        JsonNode batches = dump.get(0).get("batches");
        assertThat(batches).hasSize(5);
        for (int i = 0; i < 5; i++) {
            assertThat(batches.get(i).get("baseOffset").asLong()).isEqualTo(i);
            assertThat(batches.get(i).get("crcValid").asBoolean()).isTrue();
            assertThat(batches.get(i).get("compression").asText()).isEqualTo("lz4");
        }
        assertThat(sluice("log", "verify", copy.toString()).exit()).isZero();
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(copy.toFile(), "rw")) {
            long lastStart = batches.get(4).get("position").asLong();
            f.seek(lastStart + 30);
            f.write(new byte[]{1, 2, 3, 4});
        }
        Run damaged = sluice("log", "verify", copy.toString());
        assertThat(damaged.exit()).isEqualTo(1);
        assertThat(damaged.out()).contains("DAMAGED");
        assertThat(sluice("log", "dump", copy.toString()).out()).contains("BAD");
        assertThat(sluice("log", "verify", tmp.resolve("missing.log").toString()).exit()).isEqualTo(3);
    }

    @Test
    void profilesRememberClusters(@TempDir Path tmp) throws Exception {
        System.setProperty("sluice.config", tmp.resolve("config.yaml").toString());
        try {
            Run noCluster = bare("--timeout", "2", "topic", "list", "--brokers", "127.0.0.1:1");
            assertThat(noCluster.exit()).isEqualTo(1);
            Run create = bare("profile", "create", "local", "--set-brokers", broker.bootstrapServers(), "--property", "client.id=from-profile");
            assertThat(create.exit()).as(create.err()).isZero();
            assertThat(create.out()).contains("(current)");
            assertThat(java.nio.file.Files.readString(tmp.resolve("config.yaml"))).contains("current: \"local\"").contains(broker.bootstrapServers());
            Run list = bare("topic", "list");
            assertThat(list.exit()).as("the current profile supplies the brokers: " + list.err()).isZero();
            assertThat(bare("profile", "create", "elsewhere", "--set-brokers", "127.0.0.1:1").exit()).isZero();
            JsonNode profiles = JSON.readTree(bare("profile", "list", "-o", "json").out());
            assertThat(profiles).hasSize(2);
            assertThat(profiles.get(1).get("name").asText()).isEqualTo("local");
            assertThat(profiles.get(1).get("current").asBoolean()).isTrue();
            assertThat(bare("--timeout", "2", "--profile", "elsewhere", "topic", "list").exit()).isEqualTo(1);
            assertThat(bare("--profile", "nope", "topic", "list").exit()).isEqualTo(3);
            assertThat(bare("profile", "use", "elsewhere").exit()).isZero();
            assertThat(bare("--timeout", "2", "topic", "list").exit()).isEqualTo(1);
            assertThat(bare("profile", "delete", "elsewhere").exit()).isZero();
            assertThat(bare("profile", "use", "elsewhere").exit()).isEqualTo(3);
        } finally {
            System.clearProperty("sluice.config");
        }
    }

    /** sluice without the default --brokers of {@link #sluice}. */
    static Run bare(String... args) {
        CommandLine cmd = SluiceCommand.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cmd.setOut(new PrintWriter(out));
        cmd.setErr(new PrintWriter(err));
        return new Run(cmd.execute(args), out.toString(), err.toString());
    }

    @Test
    void clusterInfoAndHealth() throws Exception {
        Run info = sluice("cluster", "info", "-o", "json");
        assertThat(info.exit()).as(info.err()).isZero();
        JsonNode i = JSON.readTree(info.out());
        assertThat(i.get("clusterId").asText()).isEqualTo(broker.clusterId());
        assertThat(i.get("controller").asInt()).isEqualTo(broker.nodeId());
        assertThat(i.get("brokers")).hasSize(1);
        assertThat(i.get("brokers").get(0).get("port").asInt()).isEqualTo(broker.boundAddress().getPort());
        assertThat(i.get("healthy").asBoolean()).isTrue();
        assertThat(i.get("partitions").asInt()).isEqualTo(admin.describeTopics(admin.listTopics(new org.apache.kafka.clients.admin.ListTopicsOptions()
                .listInternal(true)).names().get()).allTopicNames().get().values().stream().mapToInt(t -> t.partitions().size()).sum());
        // A single node is its quorum's only voter and leader, with no observers.
        JsonNode quorum = i.get("quorum");
        assertThat(quorum.get("leaderId").asInt()).isEqualTo(broker.nodeId());
        assertThat(quorum.get("highWatermark").asLong()).isPositive();
        assertThat(quorum.get("members")).hasSize(1);
        assertThat(quorum.get("members").get(0).get("role").asText()).isEqualTo("leader");
        assertThat(quorum.get("members").get(0).get("lag").asLong()).isZero();
        Run health = sluice("cluster", "health");
        assertThat(health.exit()).isZero();
        assertThat(health.out()).contains("HEALTHY      true");
        assertThat(health.out()).contains("QUORUM       leader " + broker.nodeId() + ", epoch ").contains("1 voters, 0 observers");
    }

    @Test
    void producingABigFileShowsProgressOnlyWhenAsked(@TempDir Path tmp) throws Exception {
        assertThat(sluice("topic", "create", "big", "-p", "3").exit()).isZero();
        Path file = tmp.resolve("big.txt");
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 50_000; i++) {
            sb.append("key-").append(i).append(':').append("value-").append(i).append('\n');
        }
        java.nio.file.Files.writeString(file, sb);

        Run piped = sluice("produce", "big", file.toString(), "-k", ":", "-o", "json");
        assertThat(piped.exit()).as(piped.err()).isZero();
        assertThat(JSON.readTree(piped.out()).get("records").asLong()).isEqualTo(50_000);
        assertThat(piped.err()).as("stderr is not a terminal here: no progress").isEmpty();

        Run forced = sluice("--progress", "always", "produce", "big", file.toString(), "-k", ":", "-o", "json");
        assertThat(forced.exit()).as(forced.err()).isZero();
        assertThat(JSON.readTree(forced.out()).get("records").asLong()).isEqualTo(50_000);
        assertThat(forced.err()).startsWith("\rproducing to big: 1 sent, ").contains("acknowledged (").contains("% read)")
                .as("the line is erased at the end").endsWith("\r").doesNotContain("\n");
        TopicPartition p0 = new TopicPartition("big", 0);
        TopicPartition p1 = new TopicPartition("big", 1);
        TopicPartition p2 = new TopicPartition("big", 2);
        assertThat(admin.listOffsets(Map.of(p0, OffsetSpec.latest(), p1, OffsetSpec.latest(), p2, OffsetSpec.latest())).all().get()
                .values().stream().mapToLong(o -> o.offset()).sum()).isEqualTo(100_000);

        java.nio.file.Files.writeString(tmp.resolve("bad.b64"), "aGVsbG8=\nnot base64!\n");
        Run bad = sluice("produce", "big", tmp.resolve("bad.b64").toString(), "--base64");
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err()).contains("bad.b64 line 2 is not base64").hasLineCount(1);
    }

    @Test
    void seekShowsItsStepsOnlyWhenAsked() throws Exception {
        admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic("stepped", 4, (short) 1))).all().get();
        admin.alterConsumerGroupOffsets("steppers", Map.of(new TopicPartition("stepped", 0), new OffsetAndMetadata(0))).all().get();
        Run quiet = sluice("group", "seek", "steppers", "--to", "start", "--topics", "stepped", "--execute");
        assertThat(quiet.exit()).as(quiet.err()).isZero();
        assertThat(quiet.err()).isEmpty();
        Run forced = sluice("--progress", "always", "group", "seek", "steppers", "--to", "end", "--topics", "stepped", "--execute");
        assertThat(forced.exit()).as(forced.err()).isZero();
        assertThat(forced.err()).contains("\rseek steppers: reading the end offsets of 4 partition(s)")
                .contains("\rseek steppers: committing the new offsets of 4 partition(s)").endsWith("\r");
        assertThat(forced.out()).contains("offsets of group steppers moved");
    }

    @Test
    void versionShowsTheClusterItTalksTo() throws Exception {
        Run json = sluice("version", "-o", "json");
        assertThat(json.exit()).as(json.err()).isZero();
        JsonNode v = JSON.readTree(json.out());
        assertThat(v.get("version").asText()).isNotEmpty();
        assertThat(v.get("kafkaClients").asText()).isEqualTo(org.apache.kafka.common.utils.AppInfoParser.getVersion());
        assertThat(v.get("cluster").get("clusterId").asText()).isEqualTo(broker.clusterId());
        assertThat(v.get("cluster").get("controller").asInt()).isEqualTo(broker.nodeId());
        assertThat(v.get("cluster").get("brokers")).hasSize(1);
        assertThat(v.get("cluster").get("brokers").get(0).get("port").asInt()).isEqualTo(broker.boundAddress().getPort());
        assertThat(sluice("version").out()).contains("CLUSTER-ID     " + broker.clusterId())
                .contains("BROKERS        " + broker.nodeId() + "@");

        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Run unreachable = bare("--brokers", "127.0.0.1:" + port, "--timeout", "2", "version", "-o", "json");
        assertThat(unreachable.exit()).isEqualTo(1);
        assertThat(JSON.readTree(unreachable.out()).get("cluster").isNull()).as("the client part is still printed").isTrue();
        assertThat(unreachable.err()).contains("no answer from 127.0.0.1:" + port).hasLineCount(1);
    }

    @Test
    void badInputGivesOneLineAndTheDocumentedExitCode() throws Exception {
        Run badFlag = sluice("topic", "list", "--frobnicate");
        assertThat(badFlag.exit()).isEqualTo(2);
        assertThat(badFlag.err()).contains("Unknown option: '--frobnicate'");
        assertThat(badFlag.err()).as("one line with a hint, not the whole usage").hasLineCount(1)
                .contains("see 'sluice topic list --help'").doesNotContain("Usage:");
        assertThat(sluice("topic", "list", "--interna").err()).contains("did you mean --internal?").hasLineCount(1);
        Run badConfig = sluice("topic", "create", "cfg", "-c", "retention.ms=soon");
        assertThat(badConfig.exit()).isEqualTo(2);
        assertThat(badConfig.err()).contains("retention.ms").hasLineCount(1);
        for (String malformed : List.of("retention.ms", "=5", "nosuch.config=1")) {
            Run bad = sluice("topic", "create", "cfg", "-c", malformed);
            assertThat(bad.exit()).as(malformed).isEqualTo(2);
            assertThat(bad.err()).as(malformed).startsWith("sluice: ").hasLineCount(1);
        }
        assertThat(sluice("topic", "create", "cfg", "-c", "=5").err()).contains("expected KEY=VALUE with a config name as KEY");
        assertThat(sluice("topic", "alter-config", "cfg", "--set", "=5").exit()).isEqualTo(2);
        Run notANumber = sluice("topic", "create", "cfg", "-p", "many");
        assertThat(notANumber.exit()).isEqualTo(2);
        assertThat(notANumber.err()).contains("'many' is not an int").hasLineCount(1);
        assertThat(admin.listTopics().names().get()).doesNotContain("cfg");

        Run missing = sluice("topic", "describe", "nope");
        assertThat(missing.err()).isEqualTo("sluice: describing topic nope: no such topic or partition (sluice topic list shows the topics)\n");
        for (List<String> cmd : List.of(List.of("topic", "delete", "nope"), List.of("topic", "offsets", "nope"), List.of("consume", "nope"),
                List.of("topic", "add-partitions", "nope", "-p", "2"), List.of("records", "delete", "nope", "--before", "1", "--yes"),
                List.of("group", "seek", "g", "--to", "start", "--topics", "nope"), List.of("config", "get", "topic:nope"))) {
            Run r = sluice(cmd.toArray(String[]::new));
            assertThat(r.exit()).as(cmd + ": " + r.err()).isEqualTo(3);
            assertThat(r.err()).as(cmd.toString()).contains("nope").hasLineCount(1);
        }
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

        Path input = dataDir.resolveSibling("produce-" + System.nanoTime() + ".txt");
        java.nio.file.Files.writeString(input, "a\nb\n");
        long produceStart = System.nanoTime();
        Run produce = bare("--brokers", "127.0.0.1:" + port, "--timeout", "3", "produce", "t", input.toString());
        assertThat(produce.exit()).isEqualTo(1);
        assertThat(produce.err()).contains("no answer from 127.0.0.1:" + port + " within 3 s").hasLineCount(1);
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - produceStart)).isLessThan(15_000);
    }

    @Test
    void producingToAMissingTopicWithoutAutoCreateSaysSoWithinTheTimeout(@TempDir Path tmp) throws Exception {
        try (Broker strict = Broker.start(BrokerConfig.load(null, Map.of("listeners", "127.0.0.1:0", "data.dir", tmp.resolve("data").toString(),
                "metrics.listener", "", "auto.create.topics.enable", "false")))) {
            Path input = tmp.resolve("in.txt");
            java.nio.file.Files.writeString(input, "a\n");
            long start = System.nanoTime();
            Run r = bare("--brokers", strict.bootstrapServers(), "--timeout", "3", "produce", "absent", input.toString());
            assertThat(r.exit()).as(r.err()).isEqualTo(3);
            assertThat(r.err()).isEqualTo("sluice: producing to absent: topic absent does not exist and the cluster did not create it"
                    + " (sluice topic create absent)\n");
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(15_000);
        }
        Path input = tmp.resolve("auto.txt");
        java.nio.file.Files.writeString(input, "a\n");
        assertThat(sluice("produce", "auto-created", input.toString()).exit()).as("brokerd's default creates it").isZero();
        assertThat(admin.listTopics().names().get()).contains("auto-created");
    }

    @Test
    void seekCanStartAGroupThatDoesNotExistYet() throws Exception {
        admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic("fresh", 2, (short) 1))).all().get();
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers", broker.bootstrapServers()),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < 6; i++) {
                p.send(new ProducerRecord<>("fresh", i % 2, null, new byte[1])).get();
            }
        }
        Run r = sluice("group", "seek", "newcomers", "--to", "end", "--topics", "fresh", "--execute");
        assertThat(r.exit()).as(r.err()).isZero();
        Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets("newcomers").partitionsToOffsetAndMetadata().get();
        assertThat(offsets.get(new TopicPartition("fresh", 0)).offset()).isEqualTo(3);
        assertThat(offsets.get(new TopicPartition("fresh", 1)).offset()).isEqualTo(3);
    }
}
