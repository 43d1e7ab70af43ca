package io.sluice.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.ctl.SluiceCommand;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.ListGroupsOptions;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.LogDirDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.AppInfoParser;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * sluice's read commands against Apache Kafka (issue 5): one KRaft node started by {@link KafkaLauncher} from
 * {@code target/kafka-lib}, a topic and three consumer groups (no member, a classic member, a KIP-848 member) made
 * with kafka-clients, then every read command run in-process with {@code -o json} and its output compared, field by
 * field, with what the Admin API reports. The expected JSON is built from Admin answers and compared as a whole tree,
 * so a missing, extra or wrong field fails. {@code log dump|verify} read Kafka's own segment files.
 *
 * <p>Runs only with {@code -Pkafka-compare} (the profile fills target/kafka-lib and lifts the failsafe exclude):
 * {@code mvn -B verify -Pkafka-compare -pl brokerd,ops,tui,ctl,bench -Dtest=NONE -Dsurefire.failIfNoSpecifiedTests=false
 * -Dit.test=SluiceAgainstKafkaIT -Dfailsafe.failIfNoSpecifiedTests=false}. The commands only read, so the test
 * methods share one cluster and may run in any order.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class SluiceAgainstKafkaIT {
    static final String TOPIC = "orders";
    static final int PARTITIONS = 3;
    static final int RECORDS = 30;
    static final String RETENTION_MS = "3600000";
    /** One partition, five records, the first two deleted (DeleteRecords): its log starts at offset 2. */
    static final String TRIMMED = "trimmed";
    /** Committed with no member: p0 at 4 (lag 6), p1 at the end (lag 0), nothing for p2. */
    static final String IDLE_GROUP = "readers";
    /** One live member owning all partitions: p0 at the end, p1 at 2 (lag 8), nothing for p2. */
    static final String LIVE_GROUP = "live";
    /**
     * The same with the KIP-848 consumer protocol (group.protocol=consumer, which brokerd does not speak yet):
     * p0 at the end, nothing for p1, p2 at 5 (lag 5).
     */
    static final String KIP848_GROUP = "live-kip848";
    /** Committed at the end of every partition, no members: lag 0, lag status OK. */
    static final String CAUGHT_UP_GROUP = "caught-up";
    static final Duration START_TIMEOUT = Duration.ofSeconds(240);
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path workDir;
    static BrokerProcess kafka;
    static String bootstrap;
    static int clientPort;
    static Admin admin;
    static KafkaConsumer<byte[], byte[]> liveMember;
    static KafkaConsumer<byte[], byte[]> kip848Member;
    /** What the producer wrote, in the shape of sluice consume -o json, keyed by "partition/offset". */
    static final Map<String, Map<String, Object>> produced = new TreeMap<>();

    @BeforeAll
    @Timeout(value = 420, unit = TimeUnit.SECONDS)
    static void startKafkaAndFillIt() throws Exception {
        Path kafkaLib = Path.of(System.getProperty("basedir", "."), "target", "kafka-lib");
        if (!Files.isDirectory(kafkaLib)) {
            fail(kafkaLib + " is missing: run with -Pkafka-compare (its package phase copies Apache Kafka there)");
        }
        KafkaLauncher launcher = new KafkaLauncher(kafkaLib, workDir, List.of());
        KafkaLauncher.Ports ports = launcher.allocate(1);
        launcher.prepare(ports);
        kafka = launcher.launch(ports).get(0);
        bootstrap = ports.bootstrap();
        clientPort = ports.client()[0];
        try (ReadinessProbe probe = new ReadinessProbe(bootstrap)) {
            probe.awaitFirstProduce(kafka.launchNs(), List.of(kafka), START_TIMEOUT);
        }
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap));
        admin.createTopics(List.of(new NewTopic(TOPIC, PARTITIONS, (short) 1).configs(Map.of("retention.ms", RETENTION_MS))))
                .all().get(60, TimeUnit.SECONDS);
        produce();
        trim();
        commitWithoutMembers();
        admin.alterConsumerGroupOffsets(CAUGHT_UP_GROUP, Map.of(tp(0), new OffsetAndMetadata(RECORDS / PARTITIONS),
                tp(1), new OffsetAndMetadata(RECORDS / PARTITIONS), tp(2), new OffsetAndMetadata(RECORDS / PARTITIONS))).all().get(60, TimeUnit.SECONDS);
        liveMember = joinLiveMember(LIVE_GROUP, "classic", Map.of(tp(0), RECORDS / PARTITIONS, tp(1), 2));
        kip848Member = joinLiveMember(KIP848_GROUP, "consumer", Map.of(tp(0), RECORDS / PARTITIONS, tp(2), 5));
    }

    /**
     * Ten records per partition: UTF-8 keys and values, one null key, one binary value (base64 in JSON) and one
     * header, remembered as sluice consume should print them.
     */
    private static void produce() throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.ACKS_CONFIG, "all"), new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < RECORDS; i++) {
                byte[] key = i == 11 ? null : ("k" + i).getBytes(StandardCharsets.UTF_8);
                byte[] value = i == 7 ? new byte[]{(byte) 0xff, 0, 1} : ("v" + i).getBytes(StandardCharsets.UTF_8);
                List<org.apache.kafka.common.header.Header> headers = i == 5
                        ? List.of(new RecordHeader("h", "x".getBytes(StandardCharsets.UTF_8))) : List.of();
                RecordMetadata m = producer.send(new ProducerRecord<>(TOPIC, i % PARTITIONS, null, key, value, headers))
                        .get(60, TimeUnit.SECONDS);
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("topic", TOPIC);
                r.put("partition", m.partition());
                r.put("offset", m.offset());
                r.put("timestamp", m.timestamp());
                r.put("key", key == null ? null : "k" + i);
                r.put("keyEncoding", key == null ? null : "utf8");
                r.put("value", i == 7 ? Base64.getEncoder().encodeToString(value) : "v" + i);
                r.put("valueEncoding", i == 7 ? "base64" : "utf8");
                r.put("headers", i == 5 ? List.of(Map.of("key", "h", "value", "x", "valueEncoding", "utf8")) : List.of());
                produced.put(m.partition() + "/" + m.offset(), r);
            }
        }
    }

    private static void trim() throws Exception {
        TopicPartition t = new TopicPartition(TRIMMED, 0);
        admin.createTopics(List.of(new NewTopic(TRIMMED, 1, (short) 1))).all().get(60, TimeUnit.SECONDS);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < 5; i++) {
                producer.send(new ProducerRecord<>(TRIMMED, 0, null, ("t" + i).getBytes(StandardCharsets.UTF_8))).get(60, TimeUnit.SECONDS);
            }
        }
        admin.deleteRecords(Map.of(t, RecordsToDelete.beforeOffset(2))).all().get(60, TimeUnit.SECONDS);
    }

    private static Map<String, Object> consumerConfig(String group, String protocol) {
        return Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ConsumerConfig.GROUP_ID_CONFIG, group,
                ConsumerConfig.GROUP_PROTOCOL_CONFIG, protocol, ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false",
                ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, "900000");
    }

    private static void commitWithoutMembers() {
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(consumerConfig(IDLE_GROUP, "classic"), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            c.commitSync(Map.of(tp(0), new OffsetAndMetadata(4), tp(1), new OffsetAndMetadata(RECORDS / PARTITIONS)), Duration.ofSeconds(120));
        }
    }

    /**
     * Subscribes one member with the given group protocol, waits until it owns every partition, commits
     * {@code offsets} and returns it: it stays in the group (the client heartbeats in the background) until {@link #stop}.
     */
    private static KafkaConsumer<byte[], byte[]> joinLiveMember(String group, String protocol, Map<TopicPartition, Integer> offsets) {
        KafkaConsumer<byte[], byte[]> member = new KafkaConsumer<>(consumerConfig(group, protocol), new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
        member.subscribe(List.of(TOPIC));
        long deadlineNs = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (member.assignment().size() < PARTITIONS) {
            if (System.nanoTime() > deadlineNs) {
                fail("the member of " + group + " got no assignment within 120 s: " + member.assignment());
            }
            member.poll(Duration.ofMillis(200));
        }
        Map<TopicPartition, OffsetAndMetadata> commit = new LinkedHashMap<>();
        offsets.forEach((t, o) -> commit.put(t, new OffsetAndMetadata(o)));
        member.commitSync(commit, Duration.ofSeconds(60));
        return member;
    }

    @AfterAll
    static void stop() throws InterruptedException {
        for (KafkaConsumer<byte[], byte[]> member : new ArrayList<>(java.util.Arrays.asList(liveMember, kip848Member))) {
            if (member != null) {
                member.close(CloseOptions.timeout(Duration.ofSeconds(10)));
            }
        }
        if (admin != null) {
            admin.close(Duration.ofSeconds(10));
        }
        if (kafka != null) {
            int exit = kafka.stop(Duration.ofSeconds(30));
            System.out.println("kafka (pid " + kafka.pid() + ") stopped, exit " + exit);
        }
    }

    static TopicPartition tp(int partition) {
        return new TopicPartition(TOPIC, partition);
    }

    // ---- the in-process runner ----------------------------------------------------------------------------------

    /** One sluice invocation: exit code and what it printed. */
    record Run(int exit, String out, String err) {
    }

    /** Runs sluice in this JVM against the Kafka node, as {@code sluice --brokers HOST:PORT --timeout 60 ARGS}. */
    static Run sluice(String... args) {
        CommandLine cmd = SluiceCommand.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cmd.setOut(new PrintWriter(out));
        cmd.setErr(new PrintWriter(err));
        List<String> all = new ArrayList<>(List.of("--brokers", bootstrap, "--timeout", "60"));
        all.addAll(List.of(args));
        int exit = cmd.execute(all.toArray(String[]::new));
        return new Run(exit, out.toString(), err.toString());
    }

    /** {@code sluice ARGS -o json}, which must succeed quietly; its output parsed. */
    static JsonNode sluiceJson(String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("-o", "json"));
        Run r = sluice(all.toArray(String[]::new));
        assertThat(r.exit()).as("sluice %s: %s", all, r.err()).isZero();
        assertThat(r.err()).as("stderr of sluice %s", all).isEmpty();
        return JSON.readTree(r.out());
    }

    /** The expected value as JSON text would read back, so 5 and 5L compare equal. */
    static JsonNode tree(Object expected) throws Exception {
        return JSON.readTree(JSON.writeValueAsString(expected));
    }

    /** Whole-tree equality; a failure names each differing path first (the trees can be long). */
    static void assertJson(JsonNode actual, Object expected) throws Exception {
        JsonNode want = tree(expected);
        List<String> differences = new ArrayList<>();
        diff("$", want, actual, differences);
        assertThat(actual).as("differences (path: expected <> actual): %s", differences).isEqualTo(want);
    }

    private static void diff(String path, JsonNode want, JsonNode got, List<String> out) {
        if (want.equals(got)) {
            return;
        }
        if (want.isObject() && got != null && got.isObject()) {
            Set<String> names = new TreeSet<>();
            want.fieldNames().forEachRemaining(names::add);
            got.fieldNames().forEachRemaining(names::add);
            for (String n : names) {
                diff(path + "." + n, want.path(n), got.path(n), out);
            }
        } else if (want.isArray() && got != null && got.isArray() && want.size() == got.size()) {
            for (int i = 0; i < want.size(); i++) {
                diff(path + "[" + i + "]", want.get(i), got.get(i), out);
            }
        } else {
            out.add(path + ": " + want + " <> " + got);
        }
    }

    // ---- what the Admin API reports, in sluice's JSON shapes ----------------------------------------------------

    static Map<String, Object> obj(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    static List<Integer> ids(List<Node> nodes) {
        return nodes.stream().map(Node::id).toList();
    }

    static int leader(TopicPartitionInfo p) {
        return p.leader() == null || p.leader().isEmpty() ? -1 : p.leader().id();
    }

    static List<Map<String, Object>> adminBrokers() throws Exception {
        return admin.describeCluster().nodes().get().stream().sorted(Comparator.comparingInt(Node::id))
                .map(n -> obj("id", n.id(), "host", n.host(), "port", n.port(), "rack", n.rack())).toList();
    }

    static int adminController() throws Exception {
        Node c = admin.describeCluster().controller().get();
        return c == null ? -1 : c.id();
    }

    static Set<String> adminTopicNames(boolean internal) throws Exception {
        return new TreeSet<>(admin.listTopics(new ListTopicsOptions().listInternal(internal)).names().get());
    }

    static Map<String, TopicDescription> adminTopics(Set<String> names) throws Exception {
        return new TreeMap<>(admin.describeTopics(names).allTopicNames().get());
    }

    static Map<TopicPartition, Long> adminOffsets(List<TopicPartition> tps, OffsetSpec spec) throws Exception {
        Map<TopicPartition, OffsetSpec> req = new LinkedHashMap<>();
        tps.forEach(t -> req.put(t, spec));
        return admin.listOffsets(req).all().get().entrySet().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
    }

    static List<TopicPartition> partitionsOf(TopicDescription t) {
        return t.partitions().stream().map(p -> new TopicPartition(t.name(), p.partition())).toList();
    }

    static Config adminConfig(ConfigResource res) throws Exception {
        return admin.describeConfigs(List.of(res)).all().get().get(res);
    }

    static int minInsyncReplicas(String topic) throws Exception {
        ConfigEntry e = adminConfig(new ConfigResource(ConfigResource.Type.TOPIC, topic)).get("min.insync.replicas");
        return e == null || e.value() == null ? 1 : Integer.parseInt(e.value());
    }

    /** Replica sizes per partition on the (only) broker, from DescribeLogDirs. */
    static Map<TopicPartition, Long> adminReplicaSizes() throws Exception {
        Map<TopicPartition, Long> out = new java.util.HashMap<>();
        for (Map<String, LogDirDescription> byDir : admin.describeLogDirs(List.of(1)).allDescriptions().get().values()) {
            byDir.values().forEach(d -> d.replicaInfos().forEach((t, info) -> out.merge(t, info.size(), Long::sum)));
        }
        return out;
    }

    static long sumOf(Map<TopicPartition, Long> sizes) {
        return sizes.values().stream().mapToLong(Long::longValue).sum();
    }

    // ---- cluster and brokers ------------------------------------------------------------------------------------

    @Test
    void clusterInfoAndHealthMatchTheAdminApi() throws Exception {
        Set<String> names = adminTopicNames(true);
        int partitions = adminTopics(names).values().stream().mapToInt(t -> t.partitions().size()).sum();
        Map<String, Object> expected = obj("clusterId", admin.describeCluster().clusterId().get(), "controller", adminController(),
                "brokers", adminBrokers(), "topics", names.size(), "partitions", partitions, "offlinePartitions", 0,
                "underReplicatedPartitions", 0, "underMinIsrPartitions", 0, "problems", List.of(), "healthy", true, "causes", List.of());
        assertThat(names).contains(TOPIC, "__consumer_offsets");
        assertJson(sluiceJson("cluster", "info"), expected);
        assertJson(sluiceJson("cluster", "health"), expected);

        Run health = sluice("cluster", "health");
        assertThat(health.exit()).as("a healthy single node: %s", health.err()).isZero();
        assertThat(health.out()).contains("HEALTHY      true").contains("127.0.0.1:" + clientPort);
    }

    @Test
    void brokerListAndDescribeMatchTheAdminApi() throws Exception {
        assertJson(sluiceJson("broker", "list"), adminBrokers());
        assertThat(adminBrokers()).hasSize(1);

        List<Map<String, Object>> configs = new ArrayList<>();
        adminConfig(new ConfigResource(ConfigResource.Type.BROKER, "1")).entries().stream()
                .sorted(Comparator.comparing(ConfigEntry::name))
                .forEach(e -> configs.add(obj("name", e.name(), "value", e.isSensitive() ? null : e.value(),
                        "source", e.source().name(), "readOnly", e.isReadOnly(), "sensitive", e.isSensitive())));
        JsonNode d = sluiceJson("broker", "describe", "1");
        assertJson(d, obj("broker", adminBrokers().get(0), "controller", adminController() == 1, "configs", configs));
        assertThat(d.get("configs").size()).as("Kafka reports its whole broker config").isGreaterThan(100);
        assertThat(sluice("broker", "describe", "7").exit()).as("no broker 7").isEqualTo(3);
    }

    // ---- topics and partitions ----------------------------------------------------------------------------------

    @Test
    void topicListMatchesTheAdminApi() throws Exception {
        for (boolean internal : new boolean[]{false, true}) {
            Map<String, TopicDescription> topics = adminTopics(adminTopicNames(internal));
            List<Map<String, Object>> expected = new ArrayList<>();
            topics.values().forEach(t -> expected.add(obj("name", t.name(), "partitions", t.partitions().size(),
                    "replicationFactor", t.partitions().get(0).replicas().size(), "internal", t.isInternal())));
            assertJson(internal ? sluiceJson("topic", "list", "--internal") : sluiceJson("topic", "list"), expected);
        }
        assertJson(sluiceJson("topic", "list", "ord*"), List.of(obj("name", TOPIC, "partitions", PARTITIONS,
                "replicationFactor", 1, "internal", false)));
    }

    @Test
    void topicDescribeMatchesTheAdminApi() throws Exception {
        TopicDescription t = adminTopics(Set.of(TOPIC)).get(TOPIC);
        Map<TopicPartition, Long> start = adminOffsets(partitionsOf(t), OffsetSpec.earliest());
        Map<TopicPartition, Long> end = adminOffsets(partitionsOf(t), OffsetSpec.latest());
        Map<TopicPartition, Long> sizes = adminReplicaSizes();
        List<Map<String, Object>> partitions = new ArrayList<>();
        for (TopicPartitionInfo p : t.partitions()) {
            TopicPartition tp = tp(p.partition());
            partitions.add(obj("partition", p.partition(), "leader", leader(p), "replicas", ids(p.replicas()), "isr", ids(p.isr()),
                    "logStartOffset", start.get(tp), "logEndOffset", end.get(tp), "sizeBytes", sizes.get(tp)));
        }
        List<Map<String, Object>> configs = new ArrayList<>();
        adminConfig(new ConfigResource(ConfigResource.Type.TOPIC, TOPIC)).entries().stream().sorted(Comparator.comparing(ConfigEntry::name))
                .forEach(e -> configs.add(obj("name", e.name(), "value", e.value(), "source", e.source().name())));
        JsonNode d = sluiceJson("topic", "describe", TOPIC);
        assertJson(d, obj("name", TOPIC, "topicId", t.topicId().toString(), "internal", false, "partitions", partitions, "configs", configs));
        assertThat(d.get("partitions").get(0).get("logEndOffset").asLong()).isEqualTo(RECORDS / PARTITIONS);
        assertThat(d.get("partitions").get(0).get("sizeBytes").asLong()).isPositive();
        assertThat(configs).contains(obj("name", "retention.ms", "value", RETENTION_MS, "source", "DYNAMIC_TOPIC_CONFIG"));
        assertThat(sluice("topic", "describe", "nope").exit()).as("unknown topic").isEqualTo(3);
    }

    @Test
    void aTrimmedTopicStartsWhereKafkaSays() throws Exception {
        TopicPartition t = new TopicPartition(TRIMMED, 0);
        long start = adminOffsets(List.of(t), OffsetSpec.earliest()).get(t);
        long end = adminOffsets(List.of(t), OffsetSpec.latest()).get(t);
        assertThat(start).isEqualTo(2);
        assertJson(sluiceJson("topic", "offsets", TRIMMED), List.of(obj("partition", 0, "earliest", start, "latest", end, "atTimestamp", null)));
        JsonNode d = sluiceJson("topic", "describe", TRIMMED);
        assertThat(d.get("partitions").get(0).get("logStartOffset").asLong()).isEqualTo(start);
        assertThat(d.get("partitions").get(0).get("logEndOffset").asLong()).isEqualTo(end);
        Run consumed = sluice("consume", TRIMMED, "--format", "%o:%v\\n");
        assertThat(consumed.exit()).as(consumed.err()).isZero();
        assertThat(consumed.out()).isEqualTo("2:t2\n3:t3\n4:t4\n");
        Run fromDeleted = sluice("consume", TRIMMED, "--from", "0", "--format", "%o\\n");
        assertThat(fromDeleted.out()).as("an offset below the log start reads from the log start").isEqualTo("2\n3\n4\n");
    }

    @Test
    void topicOffsetsMatchTheAdminApi() throws Exception {
        List<TopicPartition> tps = List.of(tp(0), tp(1), tp(2));
        Map<TopicPartition, Long> start = adminOffsets(tps, OffsetSpec.earliest());
        Map<TopicPartition, Long> end = adminOffsets(tps, OffsetSpec.latest());
        List<Map<String, Object>> expected = new ArrayList<>();
        tps.forEach(tp -> expected.add(obj("partition", tp.partition(), "earliest", start.get(tp), "latest", end.get(tp), "atTimestamp", null)));
        assertJson(sluiceJson("topic", "offsets", TOPIC), expected);

        long at = (Long) produced.get("1/5").get("timestamp");
        Map<TopicPartition, Long> byTime = adminOffsets(tps, OffsetSpec.forTimestamp(at));
        List<Map<String, Object>> expectedAt = new ArrayList<>();
        tps.forEach(tp -> expectedAt.add(obj("partition", tp.partition(), "earliest", start.get(tp), "latest", end.get(tp),
                "atTimestamp", byTime.get(tp))));
        assertJson(sluiceJson("topic", "offsets", TOPIC, "--at", String.valueOf(at)), expectedAt);
        assertThat(byTime.get(tp(1))).as("a record stamped `at` is in partition 1 at or before offset 5").isBetween(0L, 5L);
    }

    @Test
    void partitionListMatchesTheAdminApi() throws Exception {
        for (boolean internal : new boolean[]{false, true}) {
            List<Map<String, Object>> expected = new ArrayList<>();
            for (TopicDescription t : adminTopics(adminTopicNames(internal)).values()) {
                for (TopicPartitionInfo p : t.partitions()) {
                    List<Integer> replicas = ids(p.replicas());
                    List<Integer> isr = ids(p.isr());
                    List<Integer> outOfSync = replicas.stream().filter(r -> !isr.contains(r)).toList();
                    expected.add(obj("topic", t.name(), "partition", p.partition(), "leader", leader(p), "replicas", replicas,
                            "isr", isr, "outOfSync", outOfSync, "preferredLeader", replicas.get(0) == leader(p),
                            "underReplicated", leader(p) >= 0 && !outOfSync.isEmpty(), "offline", leader(p) < 0));
                }
            }
            assertJson(internal ? sluiceJson("partition", "list", "--internal") : sluiceJson("partition", "list"), expected);
        }
        assertJson(sluiceJson("partition", "list", "--problems"), List.of());
    }

    @Test
    void configGetMatchesTheAdminApi() throws Exception {
        ConfigEntry e = adminConfig(new ConfigResource(ConfigResource.Type.TOPIC, TOPIC)).get("retention.ms");
        assertJson(sluiceJson("config", "get", "topic:" + TOPIC, "retention.ms"), List.of(obj("name", "retention.ms",
                "value", e.value(), "source", e.source().name(), "readOnly", e.isReadOnly(), "sensitive", e.isSensitive())));
        assertThat(e.value()).isEqualTo(RETENTION_MS);
        assertThat(e.source()).isEqualTo(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG);

        ConfigEntry b = adminConfig(new ConfigResource(ConfigResource.Type.BROKER, "1")).get("num.partitions");
        assertJson(sluiceJson("config", "get", "broker:1", "num.partitions"), List.of(obj("name", "num.partitions",
                "value", b.value(), "source", b.source().name(), "readOnly", b.isReadOnly(), "sensitive", b.isSensitive())));
    }

    // ---- groups -------------------------------------------------------------------------------------------------

    @Test
    void groupListMatchesTheAdminApi() throws Exception {
        List<Map<String, Object>> expected = new ArrayList<>();
        for (GroupListing g : admin.listGroups(ListGroupsOptions.forConsumerGroups()).all().get().stream()
                .sorted(Comparator.comparing(GroupListing::groupId)).toList()) {
            Map<String, Object> described = adminGroup(g.groupId());
            expected.add(obj("group", g.groupId(), "state", g.groupState().map(Enum::toString).orElse("Unknown"),
                    "type", g.type().map(Enum::toString).orElse(""), "protocolType", g.protocol(), "status", described.get("status"),
                    "totalLag", described.get("totalLag")));
        }
        JsonNode list = sluiceJson("group", "list", "--window", "0");
        assertJson(list, expected);
        assertThat(list.findValuesAsText("group")).contains(IDLE_GROUP, LIVE_GROUP, KIP848_GROUP);
        assertThat(types(list)).containsEntry(IDLE_GROUP, "Classic").containsEntry(LIVE_GROUP, "Classic")
                .containsEntry(KIP848_GROUP, "Consumer");
    }

    static Map<String, String> types(JsonNode groups) {
        Map<String, String> out = new TreeMap<>();
        groups.forEach(g -> out.put(g.get("group").asText(), g.get("type").asText()));
        return out;
    }

    /** What sluice group describe must print, from DescribeGroups, OffsetFetch and ListOffsets; lag = end - committed. */
    static Map<String, Object> adminGroup(String group) throws Exception {
        ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(group)).all().get().get(group);
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
        List<Map<String, Object>> members = new ArrayList<>();
        Map<TopicPartition, String> owner = new java.util.HashMap<>();
        for (MemberDescription m : d.members()) {
            m.assignment().topicPartitions().forEach(t -> owner.put(t, m.consumerId()));
            members.add(obj("memberId", m.consumerId(), "clientId", m.clientId(), "host", m.host(),
                    "assignment", m.assignment().topicPartitions().stream().map(TopicPartition::toString).sorted().toList()));
        }
        TreeSet<TopicPartition> tps = new TreeSet<>(Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition));
        tps.addAll(committed.keySet());
        tps.addAll(owner.keySet());
        Map<TopicPartition, Long> end = adminOffsets(new ArrayList<>(tps), OffsetSpec.latest());
        Map<TopicPartition, Long> start = adminOffsets(new ArrayList<>(tps), OffsetSpec.earliest());
        List<Map<String, Object>> partitions = new ArrayList<>();
        long total = 0;
        List<String> statuses = new ArrayList<>();
        for (TopicPartition t : tps) {
            long c = committed.get(t) == null ? -1 : committed.get(t).offset();
            long lag = c < 0 ? -1 : end.get(t) - c;
            total += Math.max(0, lag);
            String status = oneLookStatus(c, start.get(t), lag);
            statuses.add(status);
            partitions.add(obj("topic", t.topic(), "partition", t.partition(), "committed", c, "end", end.get(t), "lag", lag,
                    "memberId", owner.getOrDefault(t, ""), "status", status));
        }
        String worst = statuses.isEmpty() ? "UNKNOWN" : statuses.contains("ERR") ? "ERR" : statuses.contains("UNKNOWN") ? "UNKNOWN" : "OK";
        return obj("group", group, "state", d.groupState().toString(), "coordinator", String.valueOf(d.coordinator().id()),
                "members", members, "partitions", partitions, "totalLag", total, "status", worst);
    }

    /**
     * What one look (--window 0) can say of a partition: OK when caught up, ERR when the committed offset is below
     * the log start, otherwise UNKNOWN (a lagging partition needs a window; nothing committed).
     */
    static String oneLookStatus(long committed, long logStart, long lag) {
        if (committed < 0) {
            return "UNKNOWN";
        }
        return committed < logStart ? "ERR" : lag == 0 ? "OK" : "UNKNOWN";
    }

    @Test
    void groupDescribeMatchesTheAdminApi() throws Exception {
        JsonNode idle = sluiceJson("group", "describe", IDLE_GROUP, "--window", "0");
        assertJson(idle, adminGroup(IDLE_GROUP));
        assertThat(idle.get("state").asText()).isEqualTo("Empty");
        assertThat(idle.get("totalLag").asLong()).isEqualTo(6);
        assertThat(idle.get("partitions")).hasSize(2);

        JsonNode live = sluiceJson("group", "describe", LIVE_GROUP, "--window", "0");
        assertJson(live, adminGroup(LIVE_GROUP));
        assertThat(live.get("state").asText()).isEqualTo("Stable");
        assertThat(live.get("members")).hasSize(1);
        assertThat(live.get("members").get(0).get("assignment").toString()).isEqualTo("[\"orders-0\",\"orders-1\",\"orders-2\"]");
        assertThat(live.get("partitions").get(2).get("committed").asLong()).as("nothing committed for p2").isEqualTo(-1);
        assertThat(live.get("partitions").get(2).get("lag").asLong()).isEqualTo(-1);
        assertThat(live.get("totalLag").asLong()).isEqualTo(8);

        JsonNode kip848 = sluiceJson("group", "describe", KIP848_GROUP, "--window", "0");
        assertJson(kip848, adminGroup(KIP848_GROUP));
        assertThat(kip848.get("state").asText()).isEqualTo("Stable");
        assertThat(kip848.get("members")).hasSize(1);
        assertThat(kip848.get("members").get(0).get("assignment")).hasSize(PARTITIONS);
        assertThat(kip848.get("totalLag").asLong()).isEqualTo(5);

        assertThat(sluice("group", "describe", "nobody", "--window", "0").exit()).as("unknown group").isEqualTo(3);
    }

    static Map<String, String> partitionStatuses(JsonNode group) {
        Map<String, String> out = new TreeMap<>();
        group.get("partitions").forEach(p -> out.put(p.get("topic").asText() + "-" + p.get("partition").asInt(), p.get("status").asText()));
        return out;
    }

    /**
     * Lag status over a window, against Kafka: the group without members lags on p0 and does not move (STOP), the
     * live members hold partitions they do not commit past (STALL), nothing committed is UNKNOWN, caught up is OK;
     * group check exits 4 for the first and 0 for the caught-up group.
     */
    @Test
    void lagStatusOverAWindowAndGroupCheck() throws Exception {
        JsonNode idle = sluiceJson("group", "describe", IDLE_GROUP, "--window", "2s", "--samples", "2");
        assertThat(partitionStatuses(idle)).containsExactly(Map.entry("orders-0", "STOP"), Map.entry("orders-1", "OK"));
        assertThat(idle.get("status").asText()).isEqualTo("STOP");
        JsonNode live = sluiceJson("group", "describe", LIVE_GROUP, "--window", "2s", "--samples", "2");
        assertThat(partitionStatuses(live)).containsExactly(Map.entry("orders-0", "OK"), Map.entry("orders-1", "STALL"),
                Map.entry("orders-2", "UNKNOWN"));
        assertThat(live.get("status").asText()).isEqualTo("STALL");
        JsonNode kip848 = sluiceJson("group", "describe", KIP848_GROUP, "--window", "2s", "--samples", "2");
        assertThat(partitionStatuses(kip848)).containsExactly(Map.entry("orders-0", "OK"), Map.entry("orders-1", "UNKNOWN"),
                Map.entry("orders-2", "STALL"));

        Run check = sluice("group", "check", IDLE_GROUP, LIVE_GROUP, CAUGHT_UP_GROUP, "--window", "2s", "--samples", "2", "-o", "json");
        assertThat(check.exit()).as(check.err()).isEqualTo(4);
        Map<String, JsonNode> verdicts = new TreeMap<>();
        JSON.readTree(check.out()).forEach(v -> verdicts.put(v.get("group").asText(), v));
        assertThat(verdicts.get(IDLE_GROUP).get("reasons").get(0).asText()).isEqualTo("status STOP: orders-0 STOP");
        assertThat(verdicts.get(LIVE_GROUP).get("healthy").asBoolean()).isFalse();
        assertThat(verdicts.get(CAUGHT_UP_GROUP).get("healthy").asBoolean()).isTrue();
        Run ok = sluice("group", "check", CAUGHT_UP_GROUP, "--window", "2s", "--samples", "2", "--max-lag", "0", "--max-lag-seconds", "60");
        assertThat(ok.exit()).as(ok.out() + ok.err()).isZero();
        assertThat(ok.out()).containsPattern(CAUGHT_UP_GROUP + " +Empty +OK +0 +0s +ok");
    }

    /**
     * Doctor against Kafka: the controller quorum is answered (DescribeQuorum) and reported as the Admin API sees
     * it; the stopped and stalled groups are findings with the commands that fix them; a healthy single node has no
     * partition or config finding.
     */
    @Test
    void doctorReportsTheQuorumAndTheGroups() throws Exception {
        Run run = sluice("doctor", "--window", "2s", "--samples", "2", "-o", "json");
        assertThat(run.exit()).as(run.err()).isIn(4, 5);
        JsonNode report = JSON.readTree(run.out());
        org.apache.kafka.clients.admin.QuorumInfo q = admin.describeMetadataQuorum().quorumInfo().get();
        assertThat(report.get("quorum").get("known").asBoolean()).isTrue();
        assertThat(report.get("quorum").get("leaderId").asInt()).isEqualTo(q.leaderId());
        List<Integer> voters = new ArrayList<>();
        report.get("quorum").get("voters").forEach(v -> voters.add(v.get("id").asInt()));
        assertThat(voters).containsExactlyElementsOf(q.voters().stream().map(org.apache.kafka.clients.admin.QuorumInfo.ReplicaState::replicaId).toList());
        Map<String, JsonNode> groupFindings = new TreeMap<>();
        List<String> checks = new ArrayList<>();
        for (JsonNode f : report.get("findings")) {
            checks.add(f.get("check").asText());
            if (f.get("check").asText().equals("groups")) {
                groupFindings.put(f.get("subject").asText(), f);
            }
        }
        assertThat(checks).doesNotContain("partitions", "brokers", "configs", "quorum", "single-replica");
        assertThat(groupFindings.keySet()).containsExactlyInAnyOrder(IDLE_GROUP, LIVE_GROUP, KIP848_GROUP);
        assertThat(groupFindings.get(IDLE_GROUP).get("message").asText()).isEqualTo("group readers STOP: orders-0 STOP (lag 6)");
        assertThat(groupFindings.get(IDLE_GROUP).get("command").asText()).isEqualTo("sluice group delete " + IDLE_GROUP);
        assertThat(groupFindings.get(LIVE_GROUP).get("message").asText()).isEqualTo("group live STALL: orders-1 STALL (lag 8)");
        assertThat(groupFindings.get(LIVE_GROUP).get("severity").asText()).isEqualTo("WARNING");
        Run text = sluice("doctor", "--window", "0");
        assertThat(text.out()).contains("controller quorum: leader " + q.leaderId() + ", epoch " + q.leaderEpoch());
    }

    // ---- records ------------------------------------------------------------------------------------------------

    static List<JsonNode> lines(String out) throws Exception {
        List<JsonNode> records = new ArrayList<>();
        for (String line : out.split("\n")) {
            if (!line.isBlank()) {
                records.add(JSON.readTree(line));
            }
        }
        return records;
    }

    @Test
    void consumePrintsWhatWasProduced() throws Exception {
        Run all = sluice("consume", TOPIC, "-n", String.valueOf(RECORDS), "-o", "json");
        assertThat(all.exit()).as(all.err()).isZero();
        List<JsonNode> records = lines(all.out());
        records.sort(Comparator.comparingInt((JsonNode r) -> r.get("partition").asInt()).thenComparingLong(r -> r.get("offset").asLong()));
        assertJson(JSON.valueToTree(records), sortedProduced());

        Run some = sluice("consume", TOPIC, "-n", "4", "-o", "json");
        assertThat(some.exit()).as(some.err()).isZero();
        assertThat(lines(some.out())).hasSize(4);

        Run tail = sluice("consume", TOPIC, "-p", "1", "--from", "7", "-o", "json");
        assertThat(tail.exit()).as(tail.err()).isZero();
        assertJson(JSON.valueToTree(lines(tail.out())), List.of(produced.get("1/7"), produced.get("1/8"), produced.get("1/9")));

        Run last = sluice("consume", TOPIC, "-p", "0", "--from", "-2", "-o", "json");
        assertThat(last.exit()).as(last.err()).isZero();
        assertJson(JSON.valueToTree(lines(last.out())), List.of(produced.get("0/8"), produced.get("0/9")));

        long at = (Long) produced.get("2/4").get("timestamp");
        long firstAt = adminOffsets(List.of(tp(2)), OffsetSpec.forTimestamp(at)).get(tp(2));
        Run byTime = sluice("consume", TOPIC, "-p", "2", "--from", "@" + at, "-o", "json");
        assertThat(byTime.exit()).as(byTime.err()).isZero();
        List<Map<String, Object>> expected = new ArrayList<>();
        for (long o = firstAt; o < RECORDS / PARTITIONS; o++) {
            expected.add(produced.get("2/" + o));
        }
        assertJson(JSON.valueToTree(lines(byTime.out())), expected);
    }

    /** --from/--to by time (epoch ms and RFC 3339), --filter and --count against Apache Kafka, checked with the Admin API. */
    @Test
    void consumeFindsRecordsByTimeAndFilter() throws Exception {
        long from = (Long) produced.get("2/4").get("timestamp");
        long to = (Long) produced.get("2/7").get("timestamp");
        long fromOffset = adminOffsets(List.of(tp(2)), OffsetSpec.forTimestamp(from)).get(tp(2));
        long toOffset = adminOffsets(List.of(tp(2)), OffsetSpec.forTimestamp(to)).get(tp(2));
        List<Map<String, Object>> window = new ArrayList<>();
        for (long o = fromOffset; o < toOffset; o++) {
            window.add(produced.get("2/" + o));
        }
        Run byEpoch = sluice("consume", TOPIC, "-p", "2", "--from", "@" + from, "--to", "@" + to, "-o", "json");
        assertThat(byEpoch.exit()).as(byEpoch.err()).isZero();
        assertJson(JSON.valueToTree(lines(byEpoch.out())), window);
        Run byRfc3339 = sluice("consume", TOPIC, "-p", "2", "--from", java.time.Instant.ofEpochMilli(from).toString(),
                "--to", java.time.Instant.ofEpochMilli(to).toString(), "-o", "json");
        assertJson(JSON.valueToTree(lines(byRfc3339.out())), window);
        Run lastHour = sluice("consume", TOPIC, "--from", "-1h", "-o", "json");
        assertThat(lines(lastHour.out())).hasSize(RECORDS);
        Run future = sluice("consume", TOPIC, "--from", "now", "-o", "json");
        assertThat(future.out()).isEmpty();

        Run byHeader = sluice("consume", TOPIC, "--filter", "header.h == 'x' or key == null", "-o", "json");
        assertThat(byHeader.exit()).as(byHeader.err()).isZero();
        List<JsonNode> found = lines(byHeader.out());
        found.sort(Comparator.comparing((JsonNode r) -> r.get("value").asText()));
        assertJson(JSON.valueToTree(found), produced.values().stream().filter(r -> r.get("key") == null
                || !((List<?>) r.get("headers")).isEmpty()).sorted(Comparator.comparing(r -> (String) r.get("value"))).toList());
        Run counted = sluice("consume", TOPIC, "--filter", "value ~ '^v1' and partition != 2", "--count", "-o", "json");
        long expected = produced.values().stream().filter(r -> ((String) r.get("value")).startsWith("v1") && (Integer) r.get("partition") != 2).count();
        assertJson(JSON.readTree(counted.out()), obj("topic", TOPIC, "scanned", (long) RECORDS, "matched", expected));
    }

    static List<Map<String, Object>> sortedProduced() {
        return produced.values().stream().sorted(Comparator.comparingInt((Map<String, Object> r) -> (Integer) r.get("partition"))
                .thenComparingLong(r -> (Long) r.get("offset"))).toList();
    }

    /**
     * {@code sluice log dump|verify} read Kafka's own segment files (KafkaLauncher puts node 1's log in data-1): one
     * batch per acknowledged send, offsets and timestamps as the producer was told, the producer id the broker reports
     * through DescribeProducers, batches packed back to back up to the size DescribeLogDirs reports.
     */
    @Test
    void logDumpReadsKafkasSegments() throws Exception {
        Path partitionDir = workDir.resolve("data-1").resolve(TOPIC + "-0");
        long producerId = admin.describeProducers(List.of(tp(0))).partitionResult(tp(0)).get().activeProducers().get(0).producerId();
        JsonNode dump = sluiceJson("log", "dump", partitionDir.toString());
        assertThat(dump).hasSize(1);
        JsonNode segment = dump.get(0);
        assertThat(segment.get("file").asText()).isEqualTo(partitionDir.resolve("00000000000000000000.log").toString());
        assertThat(segment.get("trailingBytes").asLong()).isZero();
        assertThat(segment.get("valid").asBoolean()).isTrue();
        List<Map<String, Object>> expected = new ArrayList<>();
        long position = 0;
        for (int offset = 0; offset < RECORDS / PARTITIONS; offset++) {
            JsonNode b = segment.get("batches").get(offset);
            int size = b == null ? 0 : b.get("sizeBytes").asInt();
            expected.add(obj("baseOffset", offset, "lastOffset", offset, "records", 1, "position", position, "sizeBytes", size,
                    "crcValid", true, "compression", "none", "maxTimestamp", produced.get("0/" + offset).get("timestamp"),
                    "producerId", producerId));
            position += size;
        }
        assertJson(segment.get("batches"), expected);
        assertThat(position).as("batches fill the segment").isEqualTo(adminReplicaSizes().get(tp(0)));

        assertJson(sluiceJson("log", "verify", partitionDir.toString()), List.of(obj("file", segment.get("file").asText(),
                "batches", RECORDS / PARTITIONS, "trailingBytes", 0, "valid", true)));
    }

    // ---- version and top ----------------------------------------------------------------------------------------

    @Test
    void versionReportsTheClientAndTheCluster() throws Exception {
        String cli = SluiceCommand.class.getPackage().getImplementationVersion();
        assertJson(sluiceJson("version"), obj("version", cli == null ? "dev" : cli, "kafkaClients", AppInfoParser.getVersion(),
                "java", System.getProperty("java.version"), "cluster", obj("clusterId", admin.describeCluster().clusterId().get(),
                        "controller", adminController(), "brokers", adminBrokers())));
    }

    @Test
    void topOnceMatchesTheAdminApi() throws Exception {
        long sizeBefore = sumOf(adminReplicaSizes());
        long before = System.currentTimeMillis();
        JsonNode s = sluiceJson("top", "--once");
        long after = System.currentTimeMillis();
        long sizeAfter = sumOf(adminReplicaSizes());
        long takenAtMs = s.get("takenAtMs").asLong();
        assertThat(takenAtMs).isBetween(before, after);
        long logSizeBytes = s.get("brokers").get(0).get("logSizeBytes").asLong();
        assertThat(logSizeBytes).as("log dirs only grow while nothing is deleted").isBetween(sizeBefore, sizeAfter);

        Map<String, TopicDescription> described = adminTopics(adminTopicNames(true));
        Map<TopicPartition, Long> sizes = adminReplicaSizes();
        List<TopicPartition> all = described.values().stream().flatMap(t -> partitionsOf(t).stream()).toList();
        Map<TopicPartition, Long> start = adminOffsets(all, OffsetSpec.earliest());
        Map<TopicPartition, Long> end = adminOffsets(all, OffsetSpec.latest());
        List<Map<String, Object>> topics = new ArrayList<>();
        int leaders = 0;
        for (TopicDescription t : described.values()) {
            int minIsr = minInsyncReplicas(t.name());
            List<Map<String, Object>> parts = new ArrayList<>();
            long topicSize = 0;
            for (TopicPartitionInfo p : t.partitions().stream().sorted(Comparator.comparingInt(TopicPartitionInfo::partition)).toList()) {
                TopicPartition tp = new TopicPartition(t.name(), p.partition());
                leaders += leader(p) == 1 ? 1 : 0;
                topicSize += sizes.get(tp);
                parts.add(obj("partition", p.partition(), "leader", leader(p), "replicas", ids(p.replicas()), "isr", ids(p.isr()),
                        "outOfSync", List.of(), "offline", false, "underReplicated", false, "underMinIsr", p.isr().size() < minIsr,
                        "logStartOffset", start.get(tp), "logEndOffset", end.get(tp), "sizeBytes", sizes.get(tp)));
            }
            topics.add(obj("name", t.name(), "internal", t.isInternal(), "replicationFactor", 1, "minInsyncReplicas", minIsr,
                    "sizeBytes", topicSize, "offlinePartitions", 0, "underReplicatedPartitions", 0, "underMinIsrPartitions", 0,
                    "partitions", parts));
        }
        List<Map<String, Object>> groups = new ArrayList<>();
        long totalLag = 0;
        List<Map<String, Object>> byName = new ArrayList<>();
        for (String g : new TreeSet<>(List.of(IDLE_GROUP, LIVE_GROUP, KIP848_GROUP, CAUGHT_UP_GROUP))) {
            byName.add(adminGroup(g));
        }
        JsonNode expectedGroups = JSON.valueToTree(byName);
        for (JsonNode g : expectedGroups) {
            JsonNode actual = findGroup(s, g.get("group").asText());
            List<Map<String, Object>> parts = new ArrayList<>();
            long maxTimeLag = -1;
            for (int i = 0; i < g.get("partitions").size(); i++) {
                JsonNode p = g.get("partitions").get(i);
                long timeLag = expectedTimeLag(p, actual.get("partitions").get(i).get("timeLagMs").asLong(), takenAtMs);
                maxTimeLag = Math.max(maxTimeLag, timeLag);
                parts.add(obj("topic", p.get("topic").asText(), "partition", p.get("partition").asInt(), "committed", p.get("committed").asLong(),
                        "end", p.get("end").asLong(), "lag", p.get("lag").asLong(), "timeLagMs", timeLag, "memberId", p.get("memberId").asText()));
            }
            totalLag += g.get("totalLag").asLong();
            groups.add(obj("group", g.get("group").asText(), "state", g.get("state").asText(), "members", g.get("members").size(),
                    "totalLag", g.get("totalLag").asLong(), "maxTimeLagMs", maxTimeLag, "partitions", parts));
        }
        int partitionCount = all.size();
        Map<String, Object> broker = adminBrokers().get(0);
        broker.putAll(obj("up", true, "leaders", leaders, "replicas", partitionCount, "outOfSyncReplicas", 0,
                "logDirPartitions", sizes.size(), "logSizeBytes", logSizeBytes));
        assertJson(s, obj("takenAtMs", takenAtMs, "clusterId", admin.describeCluster().clusterId().get(), "controllerId", adminController(),
                "summary", obj("brokersUp", 1, "brokersDown", 0, "topics", described.size(), "partitions", partitionCount,
                        "offlinePartitions", 0, "underReplicatedPartitions", 0, "underMinIsrPartitions", 0, "totalLag", totalLag),
                "brokers", List.of(broker), "topics", topics, "groups", groups, "warnings", List.of(), "denied", List.of()));
        assertThat(totalLag).isEqualTo(6 + 8 + 5);
    }

    static JsonNode findGroup(JsonNode snapshot, String group) {
        for (JsonNode g : snapshot.get("groups")) {
            if (g.get("group").asText().equals(group)) {
                return g;
            }
        }
        throw new AssertionError("group " + group + " is not in the snapshot: " + snapshot.get("groups"));
    }

    /**
     * Time lag as the snapshot must show it: 0 when caught up; for a lagging partition the age of the record at the
     * committed offset at {@code takenAtMs}, or -1 when the probe got no answer within its budget (allowed: it is
     * best effort); -1 when nothing was committed.
     */
    static long expectedTimeLag(JsonNode p, long actual, long takenAtMs) {
        long lag = p.get("lag").asLong();
        if (lag == 0) {
            return 0;
        }
        if (lag < 0 || actual == -1) {
            return -1;
        }
        long ts = (Long) produced.get(p.get("partition").asInt() + "/" + p.get("committed").asLong()).get("timestamp");
        return Math.max(0, takenAtMs - ts);
    }

    // ---- tables -------------------------------------------------------------------------------------------------

    @Test
    void everyReadCommandAlsoPrintsATable() {
        List<List<String>> commands = List.of(List.of("cluster", "info"), List.of("cluster", "health"), List.of("broker", "list"),
                List.of("broker", "describe", "1"), List.of("topic", "list"), List.of("topic", "describe", TOPIC),
                List.of("topic", "offsets", TOPIC), List.of("group", "list", "--window", "0"), List.of("group", "describe", IDLE_GROUP, "--window", "0"),
                List.of("group", "describe", LIVE_GROUP, "--window", "0"), List.of("group", "describe", KIP848_GROUP, "--window", "0"),
                List.of("partition", "list"), List.of("config", "get", "topic:" + TOPIC, "retention.ms"),
                List.of("version"), List.of("top", "--once"), List.of("log", "dump", workDir.resolve("data-1").resolve(TOPIC + "-1").toString()));
        for (List<String> args : commands) {
            Run r = sluice(args.toArray(String[]::new));
            assertThat(r.exit()).as("sluice %s: %s", args, r.err()).isZero();
            assertThat(r.err()).as("stderr of sluice %s", args).isEmpty();
            assertThat(r.out()).as("sluice %s", args).isNotBlank();
        }
        assertThat(sluice("topic", "describe", TOPIC).out()).containsPattern("\\nretention\\.ms +" + RETENTION_MS + " +DYNAMIC_TOPIC_CONFIG\\n");
        assertThat(sluice("group", "describe", IDLE_GROUP, "--window", "0").out()).contains("TOTAL-LAG    6")
                .containsPattern("\\norders +0 +4 +10 +6 +UNKNOWN +-\\n");
    }
}
