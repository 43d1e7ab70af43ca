package io.sluice.systest;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Replication across three brokerd processes on a 6-partition topic with replication factor 3 and
 * min.insync.replicas=2, checked with an acks=all idempotent producer: every acknowledged record is read back at
 * its offset, none twice, in order per partition, after the faults each test injects.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class ReplicationIT {
    static final String TOPIC = "orders";
    @TempDir
    Path root;
    BrokerCluster cluster;
    Admin admin;

    @BeforeEach
    void start() throws Exception {
        cluster = new BrokerCluster(root, 3, Map.of("broker.session.timeout.ms", "3000", "broker.heartbeat.interval.ms", "300",
                "replica.lag.time.max.ms", "2000", "group.initial.rebalance.delay.ms", "0", "offsets.topic.num.partitions", "3",
                "auto.leader.rebalance.enable", "false"));
        cluster.startAll();
        admin = ClusterMetadataIT.admin(cluster.bootstrap());
        BrokerCluster.waitFor(() -> liveNodes() == 3, Duration.ofSeconds(60), "three registered brokers");
        admin.createTopics(List.of(new NewTopic(TOPIC, 6, (short) 3).configs(Map.of("min.insync.replicas", "2")))).all().get();
    }

    @AfterEach
    void stop() throws Exception {
        if (admin != null) {
            admin.close(Duration.ofSeconds(5));
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    private int liveNodes() {
        try {
            return admin.describeCluster().nodes().get(10, TimeUnit.SECONDS).size();
        } catch (Exception e) {
            return -1;
        }
    }

    private TopicDescription describe() throws Exception {
        return admin.describeTopics(List.of(TOPIC)).allTopicNames().get(30, TimeUnit.SECONDS).get(TOPIC);
    }

    private boolean isrSizesAre(int size) {
        try {
            return describe().partitions().stream().allMatch(p -> p.isr().size() == size && p.leader() != null);
        } catch (Exception e) {
            return false;
        }
    }

    @Test
    void ackedRecordsSurviveKillingAPartitionLeader() throws Exception {
        try (VerifyingProducer producer = new VerifyingProducer(cluster.bootstrap(), TOPIC, 6, "a")) {
            producer.awaitMoreAcked(2_000, Duration.ofSeconds(60));
            TopicPartitionInfo p0 = describe().partitions().get(0);
            int leader = p0.leader().id();
            cluster.kill(leader);
            long faultMs = System.currentTimeMillis();
            producer.awaitMoreAcked(2_000, Duration.ofSeconds(120));
            BrokerCluster.waitFor(() -> {
                try {
                    TopicPartitionInfo now = describe().partitions().get(0);
                    return now.leader() != null && now.leader().id() != leader;
                } catch (Exception e) {
                    return false;
                }
            }, Duration.ofSeconds(60), "a new leader for partition 0");
            System.out.printf("ReplicationIT: leader %d killed; first acks=all produce after the fault within %d ms%n", leader,
                    System.currentTimeMillis() - faultMs);
            cluster.start(leader);
            cluster.awaitReady(leader);
            producer.awaitMoreAcked(1_000, Duration.ofSeconds(60));
            producer.stop();
            BrokerCluster.waitFor(() -> isrSizesAre(3), Duration.ofSeconds(60), "the restarted broker to rejoin every ISR");
            long read = producer.verify(cluster.bootstrap());
            assertThat(read).isGreaterThanOrEqualTo(producer.ackedCount());
            // A preferred election (ElectLeaders) moves leadership back to each partition's first replica.
            SluiceCommandsIT.Run elect = SluiceCommandsIT.sluiceAt(cluster.bootstrap(), "partition", "elect-leader", "-o", "json");
            assertThat(elect.exit()).as(elect.out() + elect.err()).isZero();
            assertThat(new com.fasterxml.jackson.databind.ObjectMapper().readTree(elect.out()).findValuesAsText("topic")).contains(TOPIC);
            BrokerCluster.waitFor(() -> {
                try {
                    return describe().partitions().stream().allMatch(p -> p.leader() != null && p.leader().id() == p.replicas().get(0).id());
                } catch (Exception e) {
                    return false;
                }
            }, Duration.ofSeconds(30), "every partition to be led by its preferred replica");
        }
    }

    @Test
    void acksAllNeedsMinInsyncReplicasAndStoppedFollowersCatchUp() throws Exception {
        TopicDescription d = describe();
        int leader = d.partitions().get(0).leader().id();
        List<Integer> followers = d.partitions().get(0).replicas().stream().map(n -> n.id()).filter(id -> id != leader).toList();
        VerifyingProducer before = new VerifyingProducer(cluster.bootstrap(), TOPIC, 6, "before");
        before.awaitMoreAcked(1_000, Duration.ofSeconds(60));
        cluster.kill(followers.get(0));
        BrokerCluster.waitFor(() -> isrSizesAre(2), Duration.ofSeconds(60), "every ISR to shrink to 2");
        BrokerCluster.HttpResult metrics = cluster.http(leader, "/metrics");
        assertThat(metrics.sample("sluice_partitions_under_replicated")).as("partitions led by %s under-replicated", leader).isGreaterThanOrEqualTo(1);
        assertThat(metrics.sample("sluice_isr_shrinks_total")).isGreaterThanOrEqualTo(1);
        assertThat(metrics.sample("sluice_partitions_under_min_isr")).isZero();
        // sluice's health check exits 4 (unhealthy) with under-replicated partitions.
        SluiceCommandsIT.Run health = SluiceCommandsIT.sluiceAt(cluster.bootstrap(), "cluster", "health");
        assertThat(health.exit()).as(health.out() + health.err()).isEqualTo(4);
        SluiceCommandsIT.Run problems = SluiceCommandsIT.sluiceAt(cluster.bootstrap(), "partition", "list", TOPIC, "--problems", "-o", "json");
        assertThat(problems.exit()).as(problems.err()).isZero();
        com.fasterxml.jackson.databind.JsonNode rows = new com.fasterxml.jackson.databind.ObjectMapper().readTree(problems.out());
        assertThat(rows.size()).isEqualTo(6);
        rows.forEach(r -> {
            assertThat(r.path("underReplicated").asBoolean()).isTrue();
            assertThat(r.path("outOfSync").toString()).isEqualTo("[" + followers.get(0) + "]");
        });
        // sluice top shows the stopped broker down and its replicas out of sync.
        SluiceCommandsIT.Run top = SluiceCommandsIT.sluiceAt(cluster.bootstrap(), "top", "--once", "-o", "json");
        assertThat(top.exit()).as(top.err()).isZero();
        com.fasterxml.jackson.databind.JsonNode snap = new com.fasterxml.jackson.databind.ObjectMapper().readTree(top.out());
        assertThat(snap.path("summary").path("underReplicatedPartitions").asInt()).as(top.out()).isGreaterThanOrEqualTo(6);
        assertThat(snap.path("summary").path("brokersDown").asInt()).isEqualTo(1);
        com.fasterxml.jackson.databind.JsonNode orders = null;
        for (com.fasterxml.jackson.databind.JsonNode t : snap.path("topics")) {
            if (t.path("name").asText().equals(TOPIC)) {
                orders = t;
            }
        }
        assertThat(orders).isNotNull();
        for (com.fasterxml.jackson.databind.JsonNode part : orders.path("partitions")) {
            assertThat(part.path("outOfSync").toString()).as("partition %s", part.path("partition")).contains(String.valueOf(followers.get(0)));
            assertThat(part.path("underReplicated").asBoolean()).isTrue();
        }
        // The same snapshot as the dashboard's pages: the overview counts them, the placement marks the missing replica.
        SluiceCommandsIT.Run pages = SluiceCommandsIT.sluiceAt(cluster.bootstrap(), "top", "--once", "-o", "text");
        assertThat(pages.exit()).as(pages.err()).isZero();
        assertThat(pages.out()).contains("6 under-replicated").contains("!");
        before.awaitMoreAcked(1_000, Duration.ofSeconds(60));
        before.close();
        // With two of three brokers gone the controller quorum is gone too, so the ISR cannot shrink in metadata;
        // the leader still refuses acks=all once its last follower has been silent for replica.lag.time.max.ms.
        cluster.kill(followers.get(1));
        try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap(leader),
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 5_000,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 4_000, ProducerConfig.LINGER_MS_CONFIG, 0, ProducerConfig.RETRIES_CONFIG, 0),
                new StringSerializer(), new StringSerializer())) {
            Throwable[] last = {null};
            BrokerCluster.waitFor(() -> {
                try {
                    p.send(new ProducerRecord<>(TOPIC, 0, null, "probe-" + System.nanoTime())).get(30, TimeUnit.SECONDS);
                    last[0] = null;
                    return false;
                } catch (ExecutionException e) {
                    last[0] = e.getCause();
                    return e.getCause() instanceof NotEnoughReplicasException;
                } catch (Exception e) {
                    last[0] = e;
                    return false;
                }
            }, Duration.ofSeconds(60), () -> "acks=all to be refused with NOT_ENOUGH_REPLICAS (last outcome: " + last[0] + ")");
        }
        cluster.start(followers.get(0));
        cluster.start(followers.get(1));
        cluster.awaitReady(followers.get(0));
        cluster.awaitReady(followers.get(1));
        BrokerCluster.waitFor(() -> isrSizesAre(3), Duration.ofSeconds(90), "the stopped brokers to catch up and rejoin every ISR");
        try (VerifyingProducer producer = new VerifyingProducer(cluster.bootstrap(), TOPIC, 6, "after")) {
            producer.awaitMoreAcked(500, Duration.ofSeconds(60));
            producer.stop();
            producer.verify(cluster.bootstrap());
            before.verify(cluster.bootstrap());
        }
    }
}
