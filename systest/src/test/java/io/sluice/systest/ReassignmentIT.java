package io.sluice.systest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Partition reassignment on three brokerd processes, driven through sluice: a partition moves to another broker set
 * under an acks=all producer and its new replicas hold every acknowledged record; {@code sluice partition balance}
 * spreads a skewed topic evenly.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class ReassignmentIT {
    @TempDir(cleanup = org.junit.jupiter.api.io.CleanupMode.ON_SUCCESS) // keep the brokers' logs of a failed run
    static Path root;
    static BrokerCluster cluster;
    static Admin admin;
    static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void start() throws Exception {
        cluster = new BrokerCluster(root, 3, Map.of("broker.session.timeout.ms", "3000", "broker.heartbeat.interval.ms", "300",
                "replica.lag.time.max.ms", "3000", "auto.leader.rebalance.enable", "false"));
        cluster.startAll();
        admin = ClusterMetadataIT.admin(cluster.bootstrap());
        BrokerCluster.waitFor(() -> {
            try {
                return admin.describeCluster().nodes().get(10, TimeUnit.SECONDS).size() == 3;
            } catch (Exception e) {
                return false;
            }
        }, Duration.ofSeconds(30), "three registered brokers");
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

    static TopicDescription describe(String topic) throws Exception {
        return admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic);
    }

    static List<Integer> ids(List<Node> nodes) {
        return nodes.stream().map(Node::id).toList();
    }

    @Test
    void aPartitionMovesUnderLoadAndItsNewReplicasHoldEveryAcknowledgedRecord() throws Exception {
        admin.createTopics(List.of(new NewTopic("moving", 3, (short) 2))).all().get();
        TopicPartitionInfo p0 = describe("moving").partitions().get(0);
        List<Integer> before = ids(p0.replicas());
        int newcomer = List.of(1, 2, 3).stream().filter(b -> !before.contains(b)).findFirst().orElseThrow();
        int leaving = before.get(0);
        List<Integer> target = List.of(newcomer, before.get(1));
        try (VerifyingProducer producer = new VerifyingProducer(cluster.bootstrap(), "moving", 3, "m")) {
            producer.awaitMoreAcked(3_000, Duration.ofSeconds(60));
            SluiceCommandsIT.Run move = SluiceCommandsIT.sluiceAt(cluster.bootstrap(), "partition", "move", "moving:0",
                    "--replicas", newcomer + "," + before.get(1), "--wait", "--execute");
            assertThat(move.exit()).as(move.out() + move.err()).isZero();
            producer.awaitMoreAcked(1_000, Duration.ofSeconds(60));
            producer.stop();

            TopicPartitionInfo after = describe("moving").partitions().get(0);
            assertThat(ids(after.replicas())).containsExactlyElementsOf(target);
            assertThat(ids(after.isr())).containsExactlyInAnyOrderElementsOf(target);
            SluiceCommandsIT.Run status = SluiceCommandsIT.sluiceAt(cluster.bootstrap(), "partition", "reassign-status", "-o", "json");
            assertThat(JSON.readTree(status.out())).isEmpty();
            // The broker that left the replica set removes its copy.
            BrokerCluster.waitFor(() -> !cluster.dataDir(leaving).resolve("moving-0").toFile().exists(), Duration.ofSeconds(30),
                    "broker " + leaving + " to delete its replica of moving-0");

            // Lead from the newcomer (its preferred place now) and read everything back from it.
            SluiceCommandsIT.Run elect = SluiceCommandsIT.sluiceAt(cluster.bootstrap(), "partition", "elect-leader", "moving:0");
            assertThat(elect.exit()).as(elect.out() + elect.err()).isZero();
            BrokerCluster.waitFor(() -> {
                try {
                    TopicPartitionInfo now = describe("moving").partitions().get(0);
                    return now.leader() != null && now.leader().id() == newcomer;
                } catch (Exception e) {
                    return false;
                }
            }, Duration.ofSeconds(30), "broker " + newcomer + " to lead moving-0");
            producer.verify(cluster.bootstrap());
        }
    }

    @Test
    void balanceSpreadsASkewedTopicEvenly() throws Exception {
        admin.createTopics(List.of(new NewTopic("skewed", 6, (short) 1))).all().get();
        // Skew it: every partition onto broker 1.
        for (int p = 0; p < 6; p++) {
            SluiceCommandsIT.Run move = SluiceCommandsIT.sluiceAt(cluster.bootstrap(), "partition", "move", "skewed:" + p,
                    "--replicas", "1", "--wait", "--execute");
            assertThat(move.exit()).as(move.out() + move.err()).isZero();
        }
        SluiceCommandsIT.Run plan = SluiceCommandsIT.sluiceAt(cluster.bootstrap(), "partition", "balance", "skewed", "-o", "json");
        assertThat(plan.exit()).as(plan.err()).isZero();
        JsonNode planned = JSON.readTree(plan.out());
        assertThat(planned.path("executed").asBoolean()).isFalse();
        assertThat(planned.path("moves").size()).isEqualTo(4);
        assertThat(ids(describe("skewed").partitions().get(0).replicas())).as("a dry run changes nothing").containsExactly(1);

        SluiceCommandsIT.Run run = SluiceCommandsIT.sluiceAt(cluster.bootstrap(), "partition", "balance", "skewed", "--execute", "--wait");
        assertThat(run.exit()).as(run.out() + run.err()).isZero();
        Map<Integer, Integer> perBroker = new HashMap<>();
        List<Integer> leaders = new ArrayList<>();
        for (TopicPartitionInfo p : describe("skewed").partitions()) {
            perBroker.merge(p.replicas().get(0).id(), 1, Integer::sum);
            leaders.add(p.leader() == null ? -1 : p.leader().id());
        }
        assertThat(perBroker).containsEntry(1, 2).containsEntry(2, 2).containsEntry(3, 2);
        assertThat(leaders).doesNotContain(-1);
        SluiceCommandsIT.Run again = SluiceCommandsIT.sluiceAt(cluster.bootstrap(), "partition", "balance", "skewed", "-o", "json");
        assertThat(JSON.readTree(again.out()).path("moves")).isEmpty();
    }

    @Test
    void aGroupsLagInSluiceTopGrowsByExactlyWhatWasProduced() throws Exception {
        admin.createTopics(List.of(new NewTopic("lagging", 3, (short) 3))).all().get();
        try (org.apache.kafka.clients.producer.KafkaProducer<String, String> p = new org.apache.kafka.clients.producer.KafkaProducer<>(
                Map.of("bootstrap.servers", cluster.bootstrap(), "acks", "all"),
                new org.apache.kafka.common.serialization.StringSerializer(), new org.apache.kafka.common.serialization.StringSerializer())) {
            for (int i = 0; i < 30; i++) {
                p.send(new org.apache.kafka.clients.producer.ProducerRecord<>("lagging", i % 3, null, "first-" + i)).get(30, TimeUnit.SECONDS);
            }
            // A group on the 3-broker cluster (its coordinator leads its __consumer_offsets partition) reads and commits all.
            try (org.apache.kafka.clients.consumer.KafkaConsumer<String, String> c = new org.apache.kafka.clients.consumer.KafkaConsumer<>(
                    Map.of("bootstrap.servers", cluster.bootstrap(), "group.id", "watchers", "auto.offset.reset", "earliest",
                            "enable.auto.commit", "false"),
                    new org.apache.kafka.common.serialization.StringDeserializer(), new org.apache.kafka.common.serialization.StringDeserializer())) {
                c.subscribe(List.of("lagging"));
                int[] read = {0};
                BrokerCluster.waitFor(() -> {
                    read[0] += c.poll(Duration.ofMillis(200)).count();
                    return read[0] >= 30;
                }, Duration.ofSeconds(60), "the group to read 30 records");
                c.commitSync(Duration.ofSeconds(30));
            }
            for (int i = 0; i < 25; i++) {
                p.send(new org.apache.kafka.clients.producer.ProducerRecord<>("lagging", i % 3, null, "second-" + i)).get(30, TimeUnit.SECONDS);
            }
        }
        SluiceCommandsIT.Run top = SluiceCommandsIT.sluiceAt(cluster.bootstrap(), "top", "--once", "-o", "json");
        assertThat(top.exit()).as(top.err()).isZero();
        JsonNode group = null;
        for (JsonNode g : JSON.readTree(top.out()).path("groups")) {
            if (g.path("group").asText().equals("watchers")) {
                group = g;
            }
        }
        assertThat(group).as(top.out()).isNotNull();
        assertThat(group.path("totalLag").asLong()).isEqualTo(25);
    }
}
