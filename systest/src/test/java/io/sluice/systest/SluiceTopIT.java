package io.sluice.systest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.brokerd.Broker;
import io.sluice.brokerd.config.BrokerConfig;
import io.sluice.ops.ClusterConnection;
import io.sluice.ops.ClusterRates;
import io.sluice.ops.ClusterSnapshot;
import io.sluice.ops.LagTrend;
import io.sluice.ops.RecordProbe;
import io.sluice.ops.SnapshotCollector;
import io.sluice.ops.SnapshotPoller;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * sluice top's data path against a real single brokerd (RF 1): snapshots through the Admin API, lag growing by exactly
 * the number of records produced past a group's committed offsets, rates, the poller's error and recovery, and the
 * {@code --once -o json|text} output.
 */
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class SluiceTopIT {
    static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    static Path dataDir;
    static Broker broker;
    static Admin admin;

    @BeforeAll
    static void start() throws Exception {
        broker = Broker.start(BrokerConfig.load(null, Map.of("listeners", "127.0.0.1:0", "data.dir", dataDir.toString(),
                "metrics.listener", "", "group.initial.rebalance.delay.ms", "0", "offsets.topic.num.partitions", "2")));
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()));
        admin.createTopics(List.of(new NewTopic("clicks", 2, (short) 1))).all().get();
        produce(broker.bootstrapServers(), "clicks", 6, 4);
        // the group read everything so far and committed: lag 0 before the test produces more
        admin.alterConsumerGroupOffsets("dash", Map.of(new TopicPartition("clicks", 0), new OffsetAndMetadata(6),
                new TopicPartition("clicks", 1), new OffsetAndMetadata(4))).all().get();
    }

    @AfterAll
    static void stop() {
        admin.close();
        broker.close();
    }

    static void produce(String bootstrap, String topic, int toPartition0, int toPartition1) throws Exception {
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < toPartition0 + toPartition1; i++) {
                int partition = i < toPartition0 ? 0 : 1;
                p.send(new ProducerRecord<>(topic, partition, ("k" + i).getBytes(StandardCharsets.UTF_8),
                        ("click " + i).getBytes(StandardCharsets.UTF_8))).get();
            }
        }
    }

    static ClusterConnection connect(String bootstrap) {
        return new ClusterConnection(bootstrap, Map.of(), Duration.ofSeconds(5));
    }

    @Test
    void everyGroupsTimeLagIsMeasuredEvenWhenGroupsShareAPartition() throws Exception {
        admin.createTopics(List.of(new NewTopic("shared", 1, (short) 1))).all().get();
        produce(broker.bootstrapServers(), "shared", 10, 0);
        admin.alterConsumerGroupOffsets("early", Map.of(new TopicPartition("shared", 0), new OffsetAndMetadata(2))).all().get();
        admin.alterConsumerGroupOffsets("late", Map.of(new TopicPartition("shared", 0), new OffsetAndMetadata(7))).all().get();
        try (ClusterConnection c = connect(broker.bootstrapServers()); RecordProbe probe = new RecordProbe(broker.bootstrapServers(), Map.of())) {
            SnapshotCollector collector = new SnapshotCollector(c, probe);
            // One position per partition is read per snapshot; the other fills in at the next one.
            collector.collect(System.currentTimeMillis());
            ClusterSnapshot second = collector.collect(System.currentTimeMillis());
            assertThat(second.group("early").partitions().get(0).timeLagMs()).isNotNegative();
            assertThat(second.group("late").partitions().get(0).timeLagMs()).isNotNegative();
        }
    }

    @Test
    void lagGrowsByExactlyTheRecordsProducedAndRatesFollowOffsets() throws Exception {
        try (ClusterConnection c = connect(broker.bootstrapServers()); RecordProbe probe = new RecordProbe(broker.bootstrapServers(), Map.of())) {
            SnapshotCollector collector = new SnapshotCollector(c, probe);
            long t1 = System.currentTimeMillis();
            ClusterSnapshot before = collector.collect(t1);
            ClusterSnapshot.Group dashBefore = before.group("dash");
            assertThat(dashBefore).isNotNull();
            assertThat(dashBefore.state()).isEqualTo("Empty");
            assertThat(dashBefore.totalLag()).isZero();
            assertThat(dashBefore.maxTimeLagMs()).isZero();
            assertThat(before.warnings()).isEmpty();

            long producedAtMs = System.currentTimeMillis();
            produce(broker.bootstrapServers(), "clicks", 15, 10);
            long t2 = Math.max(t1 + 1, System.currentTimeMillis());
            ClusterSnapshot after = collector.collect(t2);
            ClusterSnapshot.Group dash = after.group("dash");
            assertThat(dash.totalLag() - dashBefore.totalLag()).isEqualTo(25);
            assertThat(dash.partitions()).extracting(ClusterSnapshot.GroupPartition::lag).containsExactly(15L, 10L);
            assertThat(dash.partitions()).extracting(ClusterSnapshot.GroupPartition::committed).containsExactly(6L, 4L);
            assertThat(dash.partitions()).extracting(ClusterSnapshot.GroupPartition::end).containsExactly(21L, 14L);
            // time lag: the next record the group would read was produced in this test
            for (ClusterSnapshot.GroupPartition p : dash.partitions()) {
                assertThat(p.timeLagMs()).isBetween(0L, t2 - producedAtMs + 1000);
            }
            assertThat(after.summary().totalLag() - before.summary().totalLag()).isEqualTo(25);

            ClusterSnapshot.Topic clicks = after.topic("clicks");
            assertThat(clicks.replicationFactor()).isEqualTo(1);
            assertThat(clicks.partitions()).extracting(ClusterSnapshot.Partition::logEndOffset).containsExactly(21L, 14L);
            assertThat(clicks.partitions()).allSatisfy(p -> {
                assertThat(p.leader()).isEqualTo(broker.nodeId());
                assertThat(p.isr()).containsExactly(broker.nodeId());
                assertThat(p.outOfSync()).isEmpty();
                assertThat(p.needsAttention()).isFalse();
                assertThat(p.logStartOffset()).isZero();
                assertThat(p.sizeBytes()).isPositive();
            });
            assertThat(after.clusterId()).isEqualTo(admin.describeCluster().clusterId().get());
            assertThat(after.controllerId()).isEqualTo(broker.nodeId());
            assertThat(after.brokers()).singleElement().satisfies(b -> {
                assertThat(b.up()).isTrue();
                assertThat(b.leaders()).isEqualTo(b.replicas());
                assertThat(b.logSizeBytes()).isGreaterThanOrEqualTo(clicks.sizeBytes());
            });
            assertThat(after.summary().offlinePartitions()).isZero();
            assertThat(after.summary().underReplicatedPartitions()).isZero();

            ClusterRates rates = ClusterRates.between(before, after);
            double seconds = (t2 - t1) / 1000.0;
            assertThat(rates.topicIn("clicks")).isEqualTo(15 / seconds + 10 / seconds, org.assertj.core.data.Offset.offset(1e-9));
            assertThat(rates.groupOut("dash")).isZero();
            LagTrend trend = new LagTrend(10, 60_000).with(before).with(after);
            assertThat(trend.eta("dash").direction()).isEqualTo(LagTrend.Direction.FALLING_BEHIND);
        }
    }

    @Test
    void pollerPublishesSnapshotsShowsTheErrorWhileTheBrokerIsDownAndRecovers(@TempDir Path dir) throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Map<String, String> config = Map.of("listeners", "127.0.0.1:" + port, "data.dir", dir.toString(), "metrics.listener", "",
                "offsets.topic.num.partitions", "1");
        Broker own = Broker.start(BrokerConfig.load(null, config));
        List<SnapshotPoller.State> seen = new ArrayList<>();
        AtomicReference<SnapshotPoller.State> latest = new AtomicReference<>();
        try (ClusterConnection c = new ClusterConnection(own.bootstrapServers(), Map.of(), Duration.ofSeconds(2));
             RecordProbe probe = new RecordProbe(own.bootstrapServers(), Map.of());
             SnapshotPoller poller = new SnapshotPoller(c, probe, 500, System::currentTimeMillis, st -> {
                 synchronized (seen) {
                     seen.add(st);
                     latest.set(st);
                     seen.notifyAll();
                 }
             })) {
            poller.start();
            SnapshotPoller.State first = await(seen, st -> st.observation() != null && st.error() == null, "a first snapshot");
            long goodAt = first.lastSuccessMs();
            own.close();
            SnapshotPoller.State failing = await(seen, st -> st.error() != null, "the poller to report the stopped broker");
            assertThat(failing.observation()).as("the last good data stays on show").isNotNull();
            assertThat(failing.lastSuccessMs()).isGreaterThanOrEqualTo(goodAt);
            assertThat(failing.error()).doesNotContain("\n");
            own = Broker.start(BrokerConfig.load(null, config));
            SnapshotPoller.State back = await(seen, st -> st.error() == null && st.lastSuccessMs() > failing.lastAttemptMs(),
                    "the poller to recover after the broker came back");
            assertThat(back.observation().snapshot().brokers()).singleElement().satisfies(b -> assertThat(b.up()).isTrue());
            poller.paused(true);
            assertThat(poller.state().paused()).isTrue();
        } finally {
            own.close();
        }
    }

    static SnapshotPoller.State await(List<SnapshotPoller.State> seen, Predicate<SnapshotPoller.State> condition, String what)
            throws InterruptedException {
        long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        synchronized (seen) {
            while (true) {
                for (Iterator<SnapshotPoller.State> it = seen.iterator(); it.hasNext(); ) {
                    SnapshotPoller.State st = it.next();
                    it.remove();
                    if (condition.test(st)) {
                        return st;
                    }
                }
                long leftMs = TimeUnit.NANOSECONDS.toMillis(deadlineNs - System.nanoTime());
                if (leftMs <= 0) {
                    throw new AssertionError("timed out waiting for " + what);
                }
                seen.wait(leftMs);
            }
        }
    }

    @Test
    void tailWithARecordFilterShowsTheMatchesAmongRecentRecords() throws Exception {
        admin.createTopics(List.of(new NewTopic("tailed", 1, (short) 1))).all().get();
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers", broker.bootstrapServers()),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < 200; i++) {
                p.send(new ProducerRecord<>("tailed", 0, ("k" + i).getBytes(StandardCharsets.UTF_8),
                        ("{\"n\": " + i + "}").getBytes(StandardCharsets.UTF_8))).get();
            }
        }
        List<SnapshotPoller.State> seen = new ArrayList<>();
        try (ClusterConnection c = connect(broker.bootstrapServers()); RecordProbe probe = new RecordProbe(broker.bootstrapServers(), Map.of());
             SnapshotPoller poller = new SnapshotPoller(c, probe, 500, System::currentTimeMillis, st -> {
                 synchronized (seen) {
                     seen.add(st);
                     seen.notifyAll();
                 }
             })) {
            poller.start();
            io.sluice.ops.RecordFilter filter = io.sluice.ops.RecordFilter.parse("value.n >= 195 or key == 'k5'");
            poller.tail(new SnapshotPoller.TailRequest("tailed", -1, 50, filter));
            SnapshotPoller.State st = await(seen, s -> s.tail() != null && s.tail().request().filter().equals(filter), "a filtered tail");
            assertThat(st.tail().error()).isNull();
            assertThat(st.tail().records()).extracting(r -> new String(r.key(), StandardCharsets.UTF_8))
                    .containsExactly("k5", "k195", "k196", "k197", "k198", "k199");
            assertThat(st.tail().scanned()).as("all 200 records are within the filtered read window").isEqualTo(200);
            poller.tail(new SnapshotPoller.TailRequest("tailed", -1, 50));
            SnapshotPoller.State plain = await(seen, s -> s.tail() != null && s.tail().request().filter().matchesAll(), "a plain tail");
            assertThat(plain.tail().records()).hasSize(50);
            assertThat(plain.tail().records().get(0).offset()).isEqualTo(150);
        }
    }

    static SluiceCommandsIT.Run sluice(String... args) {
        return SluiceCommandsIT.sluiceAt(broker.bootstrapServers(), args);
    }

    @Test
    void onceJsonHasTheDocumentedFieldsAndTextShowsThePages() throws Exception {
        admin.createTopics(List.of(new NewTopic("views", 1, (short) 1))).all().get();
        produce(broker.bootstrapServers(), "views", 7, 0);
        admin.alterConsumerGroupOffsets("viewers", Map.of(new TopicPartition("views", 0), new OffsetAndMetadata(2))).all().get();
        SluiceCommandsIT.Run run = sluice("top", "--once", "-o", "json");
        assertThat(run.exit()).as(run.err()).isZero();
        JsonNode s = JSON.readTree(run.out());
        assertThat(fields(s)).containsExactly("takenAtMs", "clusterId", "controllerId", "summary", "brokers", "topics", "groups", "warnings", "denied",
                "quorum");
        assertThat(fields(s.get("quorum"))).containsExactly("leaderId", "leaderEpoch", "highWatermark", "members");
        assertThat(s.get("quorum").get("leaderId").asInt()).as("a single node leads its own quorum").isEqualTo(broker.nodeId());
        assertThat(fields(s.get("quorum").get("members").get(0))).containsExactly("id", "role", "logEndOffset", "lag", "lastFetchTimestamp",
                "lastCaughtUpTimestamp");
        assertThat(s.get("quorum").get("members").get(0).get("role").asText()).isEqualTo("leader");
        assertThat(s.get("warnings")).isEmpty();
        assertThat(s.get("denied")).as("no authorizer: nothing hidden").isEmpty();
        assertThat(fields(s.get("summary"))).containsExactly("brokersUp", "brokersDown", "topics", "partitions", "offlinePartitions",
                "underReplicatedPartitions", "underMinIsrPartitions", "totalLag");
        assertThat(fields(s.get("brokers").get(0))).containsExactly("id", "host", "port", "rack", "up", "leaders", "replicas",
                "outOfSyncReplicas", "logDirPartitions", "logSizeBytes");
        assertThat(s.get("summary").get("brokersUp").asInt()).isEqualTo(1);
        assertThat(s.get("brokers").get(0).get("id").asInt()).isEqualTo(broker.nodeId());
        JsonNode views = null;
        for (JsonNode t : s.get("topics")) {
            if (t.get("name").asText().equals("views")) {
                views = t;
            }
        }
        assertThat(views).isNotNull();
        assertThat(fields(views)).containsExactly("name", "internal", "replicationFactor", "minInsyncReplicas", "sizeBytes",
                "offlinePartitions", "underReplicatedPartitions", "underMinIsrPartitions", "partitions");
        JsonNode p0 = views.get("partitions").get(0);
        assertThat(fields(p0)).containsExactly("partition", "leader", "replicas", "isr", "outOfSync", "offline", "underReplicated",
                "underMinIsr", "logStartOffset", "logEndOffset", "sizeBytes");
        assertThat(p0.get("logEndOffset").asLong()).isEqualTo(7);
        assertThat(p0.get("isr").get(0).asInt()).isEqualTo(broker.nodeId());
        JsonNode viewers = null;
        for (JsonNode g : s.get("groups")) {
            if (g.get("group").asText().equals("viewers")) {
                viewers = g;
            }
        }
        assertThat(viewers).isNotNull();
        assertThat(fields(viewers)).containsExactly("group", "state", "members", "totalLag", "maxTimeLagMs", "partitions");
        assertThat(viewers.get("totalLag").asLong()).isEqualTo(5);
        JsonNode gp = viewers.get("partitions").get(0);
        assertThat(fields(gp)).containsExactly("topic", "partition", "committed", "end", "lag", "timeLagMs", "memberId");
        assertThat(gp.get("committed").asLong()).isEqualTo(2);
        assertThat(gp.get("end").asLong()).isEqualTo(7);
        assertThat(gp.get("lag").asLong()).isEqualTo(5);
        assertThat(gp.get("timeLagMs").asLong()).isNotNegative();

        SluiceCommandsIT.Run text = sluice("top", "--once", "-o", "text");
        assertThat(text.exit()).as(text.err()).isZero();
        assertThat(text.out()).contains("cluster " + s.get("clusterId").asText()).contains("Partitions  0 offline, 0 under-replicated")
                .contains("Brokers  1 up, 0 down").contains("PARTITION").contains("Group viewers").containsPattern("views +0 +2 +7 +5 ");
        assertThat(sluice("top", "--once", "--interval", "0.1").exit()).isEqualTo(2);
        SluiceCommandsIT.Run jsonWithoutOnce = sluice("top", "-o", "json");
        assertThat(jsonWithoutOnce.exit()).isEqualTo(2);
        assertThat(jsonWithoutOnce.err()).isEqualTo("sluice: -o json prints a snapshot: add --once\n");
    }

    static List<String> fields(JsonNode n) {
        List<String> out = new ArrayList<>();
        n.fieldNames().forEachRemaining(out::add);
        return out;
    }
}
