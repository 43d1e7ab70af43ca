package io.sluice.systest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.brokerd.Broker;
import io.sluice.brokerd.config.BrokerConfig;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.sluice.systest.SluiceCommandsIT.Run;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Safe changes against a real brokerd: --execute writes a rollback file of what it replaces, in the rollback directory,
 * and --from-file reloads it to undo the change (offsets, config values); a change refused before it applies leaves no
 * rollback file behind.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SluiceSafeChangesIT {
    @TempDir
    static Path dataDir;
    static Broker broker;
    static Admin admin;
    static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void start() {
        broker = Broker.start(BrokerConfig.load(null, Map.of("listeners", "127.0.0.1:0", "data.dir", dataDir.toString(),
                "metrics.listener", "", "group.initial.rebalance.delay.ms", "0", "offsets.topic.num.partitions", "1")));
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()));
    }

    @AfterAll
    static void stop() {
        admin.close();
        broker.close();
    }

    static Run sluice(String... args) {
        return SluiceCommandsIT.sluiceAt(broker.bootstrapServers(), args);
    }

    private static Map<TopicPartition, OffsetAndMetadata> committed(String group) throws Exception {
        return admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
    }

    @Test
    void seekWritesTheOffsetsItReplacesAndFromFilePutsThemBack() throws Exception {
        admin.createTopics(List.of(new NewTopic("ledger", 3, (short) 1))).all().get();
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers", broker.bootstrapServers()),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < 30; i++) {
                p.send(new ProducerRecord<>("ledger", i % 3, null, new byte[8])).get();
            }
        }
        TopicPartition l0 = new TopicPartition("ledger", 0);
        TopicPartition l1 = new TopicPartition("ledger", 1);
        TopicPartition l2 = new TopicPartition("ledger", 2);
        admin.alterConsumerGroupOffsets("auditors", Map.of(l0, new OffsetAndMetadata(4), l1, new OffsetAndMetadata(7))).all().get();

        Run exec = sluice("group", "seek", "auditors", "--to", "start", "--topics", "ledger", "--execute", "-o", "json");
        assertThat(exec.exit()).as(exec.err()).isZero();
        JsonNode result = JSON.readTree(exec.out());
        assertThat(result.get("executed").asBoolean()).isTrue();
        Path rollback = Path.of(result.get("rollbackFile").asText());
        assertThat(rollback.getParent()).isEqualTo(Path.of(System.getProperty("sluice.rollback.dir")).toAbsolutePath());
        assertThat(rollback.getFileName().toString()).matches("\\d{8}T\\d{6}\\.\\d{3}Z-group-seek-auditors\\.csv");
        assertThat(Files.readAllLines(rollback)).contains("ledger,0,4", "ledger,1,7", "# ledger,2 had no committed offset")
                .anySatisfy(l -> assertThat(l).startsWith("# undo: sluice group seek auditors --from-file"));
        assertThat(committed("auditors")).containsEntry(l0, new OffsetAndMetadata(0)).containsEntry(l1, new OffsetAndMetadata(0))
                .containsEntry(l2, new OffsetAndMetadata(0));

        Run table = sluice("group", "seek", "auditors", "--from-file", rollback.toString());
        assertThat(table.out()).contains("ledger  0          0        4    skip 4").contains("dry run: nothing changed");
        Run undo = sluice("group", "seek", "auditors", "--from-file", rollback.toString(), "--execute");
        assertThat(undo.exit()).as(undo.err()).isZero();
        assertThat(undo.out()).contains("offsets of group auditors moved; undo: sluice group seek auditors --from-file ");
        assertThat(committed("auditors")).containsEntry(l0, new OffsetAndMetadata(4)).containsEntry(l1, new OffsetAndMetadata(7));

        // Refused before anything changed: no rollback file is left behind.
        long filesBefore = rollbackFiles();
        try (KafkaConsumer<byte[], byte[]> member = new KafkaConsumer<>(Map.of("bootstrap.servers", broker.bootstrapServers(),
                "group.id", "auditors"), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            member.subscribe(List.of("ledger"));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (member.assignment().isEmpty() && System.nanoTime() < deadline) {
                member.poll(Duration.ofMillis(100));
            }
            assertThat(member.assignment()).isNotEmpty();
            Run refused = sluice("group", "seek", "auditors", "--to", "end", "--execute");
            assertThat(refused.exit()).isEqualTo(1);
            assertThat(refused.err()).contains("active member");
        }
        assertThat(rollbackFiles()).isEqualTo(filesBefore);
    }

    private static long rollbackFiles() throws Exception {
        Path dir = Path.of(System.getProperty("sluice.rollback.dir"));
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (var files = Files.list(dir)) {
            return files.filter(f -> !f.getFileName().toString().startsWith(".")).count();
        }
    }

    private static Map<String, String> overrides(String topic) throws Exception {
        ConfigResource res = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        Map<String, String> out = new java.util.TreeMap<>();
        admin.describeConfigs(List.of(res)).all().get().get(res).entries().stream()
                .filter(e -> e.source() == org.apache.kafka.clients.admin.ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG)
                .forEach(e -> out.put(e.name(), e.value()));
        return out;
    }

    @Test
    void configChangesWriteThePreviousValuesAndFromFileRestoresThem() throws Exception {
        admin.createTopics(List.of(new NewTopic("settings", 1, (short) 1).configs(Map.of("retention.ms", "100000")))).all().get();
        Run exec = sluice("config", "set", "topic:settings", "retention.ms=200000", "cleanup.policy=compact", "--execute", "-o", "json");
        assertThat(exec.exit()).as(exec.err()).isZero();
        JsonNode result = JSON.readTree(exec.out());
        assertThat(result.get("set").get("retention.ms").asText()).isEqualTo("200000");
        assertThat(result.get("changes").get(0).get("current").asText()).isEqualTo("100000");
        assertThat(result.get("changes").get(0).get("source").asText()).isEqualTo("DYNAMIC_TOPIC_CONFIG");
        assertThat(overrides("settings")).isEqualTo(Map.of("retention.ms", "200000", "cleanup.policy", "compact"));
        Path rollback = Path.of(result.get("rollbackFile").asText());
        JsonNode undo = JSON.readTree(Files.readString(rollback));
        assertThat(undo.get("resource").asText()).isEqualTo("topic:settings");
        assertThat(undo.get("set").get("retention.ms").asText()).isEqualTo("100000");
        assertThat(undo.get("delete")).extracting(JsonNode::asText).containsExactly("cleanup.policy");

        Run plan = sluice("config", "set", "--from-file", rollback.toString());
        assertThat(plan.out()).contains("retention.ms    200000   DYNAMIC_TOPIC_CONFIG  100000")
                .contains("cleanup.policy  compact  DYNAMIC_TOPIC_CONFIG  (default)");
        assertThat(overrides("settings")).as("a plan changes nothing").containsEntry("cleanup.policy", "compact");
        Run restored = sluice("config", "set", "--from-file", rollback.toString(), "--execute");
        assertThat(restored.exit()).as(restored.err()).isZero();
        assertThat(overrides("settings")).isEqualTo(Map.of("retention.ms", "100000"));

        // config delete and topic alter-config write the same kind of file; alter-config reads it too.
        Run deleted = sluice("config", "delete", "topic:settings", "retention.ms", "--execute", "-o", "json");
        assertThat(overrides("settings")).isEmpty();
        Path deleteRollback = Path.of(JSON.readTree(deleted.out()).get("rollbackFile").asText());
        assertThat(sluice("topic", "alter-config", "--from-file", deleteRollback.toString(), "--execute").exit()).isZero();
        assertThat(overrides("settings")).isEqualTo(Map.of("retention.ms", "100000"));
        Run wrongTopic = sluice("topic", "alter-config", "other", "--from-file", deleteRollback.toString());
        assertThat(wrongTopic.exit()).isEqualTo(2);
        assertThat(wrongTopic.err()).contains("changes topic:settings, not topic:other");

        // A bad value is refused by the cluster at plan time: nothing applied, no rollback file.
        long filesBefore = rollbackFiles();
        Run bad = sluice("config", "set", "topic:settings", "retention.ms=soon", "--execute");
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(rollbackFiles()).isEqualTo(filesBefore);
        assertThat(overrides("settings")).isEqualTo(Map.of("retention.ms", "100000"));
    }

    @Test
    void destructiveCommandsOnlyShowTheirPlanWithoutExecute() throws Exception {
        admin.createTopics(List.of(new NewTopic("precious", 2, (short) 1))).all().get();
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers", broker.bootstrapServers()),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < 8; i++) {
                p.send(new ProducerRecord<>("precious", i % 2, null, new byte[8])).get();
            }
        }
        JsonNode topicPlan = JSON.readTree(sluice("topic", "delete", "precious", "-o", "json").out());
        assertThat(topicPlan.get("executed").asBoolean()).isFalse();
        assertThat(topicPlan.get("deleted")).isEmpty();
        assertThat(topicPlan.get("topics").get(0).get("records").asLong()).isEqualTo(8);
        JsonNode recordsPlan = JSON.readTree(sluice("records", "delete", "precious", "--before", "end", "-o", "json").out());
        assertThat(recordsPlan.get("executed").asBoolean()).isFalse();
        assertThat(recordsPlan.get("partitions")).allSatisfy(p -> assertThat(p.get("records").asLong()).isEqualTo(4));
        assertThat(recordsPlan.get("logStartOffsets").isNull()).isTrue();
        assertThat(admin.listTopics().names().get()).contains("precious");
        TopicPartition p0 = new TopicPartition("precious", 0);
        assertThat(admin.listOffsets(Map.of(p0, org.apache.kafka.clients.admin.OffsetSpec.earliest())).partitionResult(p0).get().offset()).isZero();
        assertThat(sluice("records", "delete", "precious", "--before", "end", "--execute", "--dry-run").exit()).isEqualTo(2);
        Run gone = sluice("records", "delete", "precious", "--before", "end", "--execute");
        assertThat(gone.out()).contains("8 records of precious deleted");
        assertThat(admin.listOffsets(Map.of(p0, org.apache.kafka.clients.admin.OffsetSpec.earliest())).partitionResult(p0).get().offset()).isEqualTo(4);
        assertThat(sluice("topic", "delete", "precious", "--execute").exit()).isZero();
        BrokerCluster.waitFor(() -> {
            try {
                return !admin.listTopics().names().get().contains("precious");
            } catch (Exception e) {
                return false;
            }
        }, Duration.ofSeconds(10), "precious to be deleted");
    }
}
