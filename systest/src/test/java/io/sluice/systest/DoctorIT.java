package io.sluice.systest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code sluice doctor} and {@code sluice cluster health} on three brokerd processes with one broker killed, the one
 * holding the single replica of topic solo: the cause is said once ("broker N down: 1 partition offline: solo-0; 16
 * partitions under-replicated: 6 of orders, 10 of __consumer_offsets"), user topics first, the partitions only with
 * -o wide; doctor exits 5 for the offline partition and reports the controller quorum as unknown (brokerd does not
 * answer DescribeQuorum).
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class DoctorIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static final int OFFSETS_PARTITIONS = 10;
    @TempDir
    static Path root;
    static BrokerCluster cluster;
    static Admin admin;
    /** The broker that holds solo's only replica (brokerd places replicas itself: it does not take an assignment). */
    static int victim;

    @BeforeAll
    static void start() throws Exception {
        cluster = new BrokerCluster(root, 3, Map.of("broker.session.timeout.ms", "3000", "broker.heartbeat.interval.ms", "300",
                "replica.lag.time.max.ms", "10000", "group.initial.rebalance.delay.ms", "0",
                "offsets.topic.num.partitions", String.valueOf(OFFSETS_PARTITIONS)));
        cluster.startAll();
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap(),
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000, AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000));
        BrokerCluster.waitFor(() -> {
            try {
                return admin.describeCluster().nodes().get().size() == 3;
            } catch (Exception e) {
                return false;
            }
        }, Duration.ofSeconds(60), "three registered brokers");
        victim = Topics.createAndAwait(admin, new NewTopic("orders", 6, (short) 3), new NewTopic("solo", 1, (short) 1))
                .get("solo").partitions().get(0).replicas().get(0).id();
        // a commit creates __consumer_offsets (replication factor 3 here)
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of("bootstrap.servers", cluster.bootstrap(), "group.id", "readers"),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            c.commitSync(Map.of(new TopicPartition("orders", 0), new OffsetAndMetadata(0)));
        }
    }

    @AfterAll
    static void stop() throws Exception {
        if (admin != null) {
            admin.close(Duration.ofSeconds(5));
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    static String liveBootstrap() {
        return String.join(",", cluster.ids().stream().filter(id -> id != victim).map(cluster::bootstrap).toList());
    }

    static SluiceCommandsIT.Run sluice(String... args) {
        return SluiceCommandsIT.sluiceAt(liveBootstrap(), args);
    }

    /** Partitions of {@code topic} with more than one replica, one of them on the victim. */
    static int replicatedOnVictim(String topic) throws Exception {
        TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
        int n = 0;
        for (TopicPartitionInfo p : d.partitions()) {
            n += p.replicas().stream().anyMatch(r -> r.id() == victim) && p.replicas().size() > 1 ? 1 : 0;
        }
        return n;
    }

    @Test
    void oneBrokerDownIsOneCauseInHealthAndDoctor() throws Exception {
        assertThat(admin.listTopics(new ListTopicsOptions().listInternal(true)).names().get()).contains("__consumer_offsets");
        assertThat(replicatedOnVictim("__consumer_offsets")).isEqualTo(OFFSETS_PARTITIONS);
        assertThat(replicatedOnVictim("orders")).isEqualTo(6);

        // a fenced broker leaves every ISR at once; on a loaded machine a follower may also fall behind for a while
        BrokerCluster.waitFor(() -> SluiceCommandsIT.sluiceAt(cluster.bootstrap(), "cluster", "health").exit() == 0,
                Duration.ofSeconds(60), "every partition in sync before the broker is killed");
        SluiceCommandsIT.Run healthy = SluiceCommandsIT.sluiceAt(cluster.bootstrap(), "doctor", "--window", "0", "-o", "json");
        assertThat(healthy.exit()).as("the single-replica warning (and the disk of this machine may add more): %s", healthy.err())
                .isIn(4, 5);
        JsonNode before = JSON.readTree(healthy.out());
        List<String> checks = new ArrayList<>();
        JsonNode single = null;
        for (JsonNode f : before.get("findings")) {
            checks.add(f.get("check").asText());
            single = f.get("check").asText().equals("single-replica") ? f : single;
        }
        assertThat(checks).as("three brokerd processes differ only in per-broker configs: %s", before.get("findings"))
                .contains("single-replica").doesNotContain("configs", "brokers", "quorum", "groups");
        assertThat(single.get("message").asText()).startsWith("1 topic has a single replica in a 3-broker cluster")
                .contains("solo (1 partition)");
        // brokerd answers DescribeQuorum: three voters, one of them leading
        JsonNode quorum = before.get("quorum");
        assertThat(quorum.get("known").asBoolean()).as("quorum: %s", quorum).isTrue();
        assertThat(cluster.ids()).contains(quorum.get("leaderId").asInt());
        assertThat(quorum.get("voters")).hasSize(3);

        cluster.kill(victim);
        String cause = "broker " + victim + " down: 1 partition offline: solo-0; " + (6 + OFFSETS_PARTITIONS) + " partitions under-replicated: "
                + "6 of orders, " + OFFSETS_PARTITIONS + " of __consumer_offsets";
        java.util.concurrent.atomic.AtomicReference<String> last = new java.util.concurrent.atomic.AtomicReference<>();
        // every live broker must have applied the fencing: the commands below may ask either of them
        BrokerCluster.waitFor(() -> cluster.ids().stream().filter(id -> id != victim).allMatch(id -> {
            SluiceCommandsIT.Run r = SluiceCommandsIT.sluiceAt(cluster.bootstrap(id), "cluster", "health", "-o", "json");
            last.set("broker " + id + ": " + r.out() + r.err());
            try {
                JsonNode h = JSON.readTree(r.out());
                return h.get("offlinePartitions").asInt() == 1 && h.get("underReplicatedPartitions").asInt() == 6 + OFFSETS_PARTITIONS;
            } catch (Exception e) {
                return false;
            }
        }), Duration.ofSeconds(60), () -> "broker " + victim + " to be fenced and out of every ISR; cluster health said: " + last.get());

        SluiceCommandsIT.Run health = sluice("cluster", "health");
        assertThat(health.exit()).isEqualTo(4);
        assertThat(health.out()).contains("HEALTHY      false").contains("\n" + cause + "\n").contains("(-o wide lists each partition)")
                .doesNotContain("__consumer_offsets  0");
        assertThat(health.out().lines().filter(l -> l.startsWith("broker " + victim + " down")).count()).as("the cause is said once").isEqualTo(1);
        SluiceCommandsIT.Run wide = sluice("cluster", "health", "-o", "wide");
        List<String> rows = wide.out().lines().filter(l -> l.matches("^(orders|solo|__consumer_offsets) +\\d+ +.*")).toList();
        assertThat(rows).hasSize(1 + 6 + OFFSETS_PARTITIONS);
        assertThat(rows.get(0)).as("user topics first").startsWith("orders");
        assertThat(rows.get(rows.size() - 1)).startsWith("__consumer_offsets");
        JsonNode causes = JSON.readTree(sluice("cluster", "health", "-o", "json").out()).get("causes");
        assertThat(causes).hasSize(1);
        assertThat(causes.get(0).get("kind").asText()).isEqualTo("BROKER_DOWN");
        assertThat(causes.get(0).get("brokers").get(0).asInt()).isEqualTo(victim);
        assertThat(causes.get(0).get("summary").asText()).isEqualTo(cause);

        SluiceCommandsIT.Run doctor = sluice("doctor", "--window", "0");
        assertThat(doctor.exit()).as(doctor.out() + doctor.err()).isEqualTo(5);
        assertThat(doctor.out()).startsWith("CRITICAL  " + cause + "\n          fix: start broker " + victim + " again; if it is gone for good, "
                + "move its replicas to the live brokers\n          run: sluice partition balance\n")
                .contains("WARNING   1 topic has a single replica").containsPattern("controller quorum: leader \\d, epoch \\d+, 3 voters")
                .doesNotContain("- solo-0");
        assertThat(doctor.out().lines().filter(l -> l.contains("broker " + victim)).filter(l -> !l.contains("fix:")).count())
                .as("the victim is named once: as the cause").isEqualTo(1);
        assertThat(sluice("doctor", "--window", "0", "-o", "wide").out()).containsPattern("          - solo-0  offline  leader none  replicas "
                + victim + "  isr [-" + victim + "]\n");
        JsonNode report = JSON.readTree(sluice("doctor", "--window", "0", "-o", "json").out());
        assertThat(report.get("worst").asText()).isEqualTo("CRITICAL");
        JsonNode first = report.get("findings").get(0);
        assertThat(first.get("severity").asText()).isEqualTo("CRITICAL");
        assertThat(first.get("check").asText()).isEqualTo("partitions");
        assertThat(first.get("subject").asText()).isEqualTo("broker " + victim + " down");
        assertThat(first.get("command").asText()).isEqualTo("sluice partition balance");
        assertThat(first.get("details")).hasSize(1 + 6 + OFFSETS_PARTITIONS);
    }
}
