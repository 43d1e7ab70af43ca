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

    static void create(NewTopic topic) throws Exception {
        Topics.createAndAwait(admin, topic);
    }

    static List<Integer> ids(List<Node> nodes) {
        return nodes.stream().map(Node::id).toList();
    }

    @Test
    void aPartitionMovesUnderLoadAndItsNewReplicasHoldEveryAcknowledgedRecord() throws Exception {
        create(new NewTopic("moving", 3, (short) 2));
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
        create(new NewTopic("skewed", 6, (short) 1));
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

    /** Fills partition 0 of {@code topic} with {@code mib} MiB of 64 KiB records; returns the partition's size in bytes. */
    private static long fill(String topic, int mib) throws Exception {
        try (org.apache.kafka.clients.producer.KafkaProducer<byte[], byte[]> p = new org.apache.kafka.clients.producer.KafkaProducer<>(
                Map.of("bootstrap.servers", cluster.bootstrap(), "acks", "all", "compression.type", "none"),
                new org.apache.kafka.common.serialization.ByteArraySerializer(), new org.apache.kafka.common.serialization.ByteArraySerializer())) {
            byte[] value = new byte[64 * 1024];
            new java.util.Random(7).nextBytes(value);
            for (int i = 0; i < mib * 16; i++) {
                p.send(new org.apache.kafka.clients.producer.ProducerRecord<>(topic, 0, null, value)).get(30, TimeUnit.SECONDS);
            }
        }
        org.apache.kafka.common.TopicPartition tp = new org.apache.kafka.common.TopicPartition(topic, 0);
        int leader = describe(topic).partitions().get(0).leader().id();
        return admin.describeLogDirs(List.of(leader)).allDescriptions().get(30, TimeUnit.SECONDS).get(leader).values().stream()
                .mapToLong(d -> d.replicaInfos().containsKey(tp) ? d.replicaInfos().get(tp).size() : 0).sum();
    }

    private static boolean moving(String topic) {
        try {
            return admin.listPartitionReassignments().reassignments().get(10, TimeUnit.SECONDS).keySet().stream()
                    .anyMatch(tp -> tp.topic().equals(topic));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static Map<String, String> dynamicConfigs(org.apache.kafka.common.config.ConfigResource res) throws Exception {
        Map<String, String> out = new java.util.TreeMap<>();
        admin.describeConfigs(List.of(res)).all().get(30, TimeUnit.SECONDS).get(res).entries().stream()
                .filter(e -> e.source() == org.apache.kafka.clients.admin.ConfigEntry.ConfigSource.DYNAMIC_BROKER_CONFIG
                        || e.source() == org.apache.kafka.clients.admin.ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG)
                .filter(e -> e.name().contains("throttled"))
                .forEach(e -> out.put(e.name(), e.value()));
        return out;
    }

    private static org.apache.kafka.common.config.ConfigResource broker(int id) {
        return new org.apache.kafka.common.config.ConfigResource(org.apache.kafka.common.config.ConfigResource.Type.BROKER, String.valueOf(id));
    }

    private static org.apache.kafka.common.config.ConfigResource topicResource(String topic) {
        return new org.apache.kafka.common.config.ConfigResource(org.apache.kafka.common.config.ConfigResource.Type.TOPIC, topic);
    }

    /** The broker holding the only replica of partition 0 of a new RF 1 topic, and another one. */
    private static int[] placeAndPickAnother(String topic) throws Exception {
        // brokerd places replicas itself (it does not take CreateTopics' explicit assignments): see where it went.
        create(new NewTopic(topic, 1, (short) 1));
        int holder = describe(topic).partitions().get(0).replicas().get(0).id();
        return new int[]{holder, holder % 3 + 1};
    }

    @Test
    void aThrottledMoveTakesAtLeastItsBytesOverTheRateShowsAnEtaAndRollsBack() throws Exception {
        int[] b = placeAndPickAnother("throttled");
        long bytes = fill("throttled", 4);
        long rate = 512 * 1024;
        String target = b[0] + "," + b[1];
        SluiceCommandsIT.Run plan = SluiceCommandsIT.sluiceAt(cluster.bootstrap(), "partition", "move", "throttled:0", "--replicas", target,
                "--throttle", "512KiB/s");
        assertThat(plan.out()).contains("throttled  0          " + b[0] + "     " + target + "  " + b[1] + "       -         4.0 MiB")
                .contains("dry run: 1 moves planned").contains("at least 8 s");
        assertThat(moving("throttled")).as("a plan starts nothing").isFalse();

        long startNs = System.nanoTime();
        SluiceCommandsIT.Run move = SluiceCommandsIT.sluiceAt(cluster.bootstrap(), "partition", "move", "throttled:0", "--replicas", target,
                "--throttle", "512KiB/s", "--execute", "-o", "json");
        assertThat(move.exit()).as(move.out() + move.err()).isZero();
        JsonNode started = JSON.readTree(move.out());
        assertThat(started.get("throttle").asLong()).isEqualTo(rate);
        assertThat(started.get("moves").get(0).get("error").isNull()).isTrue();
        assertThat(dynamicConfigs(broker(b[0]))).containsEntry("leader.replication.throttled.rate", String.valueOf(rate));
        assertThat(dynamicConfigs(broker(b[1]))).containsEntry("follower.replication.throttled.rate", String.valueOf(rate));
        assertThat(dynamicConfigs(topicResource("throttled"))).containsEntry("leader.replication.throttled.replicas", "0:" + b[0])
                .containsEntry("follower.replication.throttled.replicas", "0:" + b[1]);

        SluiceCommandsIT.Run status = SluiceCommandsIT.sluiceAt(cluster.bootstrap(), "partition", "reassign-status", "--sample", "3", "-o", "json");
        JsonNode inFlight = null;
        for (JsonNode r : JSON.readTree(status.out())) {
            if (r.get("topic").asText().equals("throttled")) {
                inFlight = r;
            }
        }
        assertThat(inFlight).as(status.out()).isNotNull();
        assertThat(inFlight.get("adding")).extracting(JsonNode::asInt).containsExactly(b[1]);
        assertThat(inFlight.get("bytesLeft").asLong()).isPositive().isLessThanOrEqualTo(bytes);
        assertThat(inFlight.get("etaSeconds").isNull()).as("copied while measuring: " + status.out()).isFalse();
        assertThat(inFlight.get("bytesPerSec").asLong()).as("measured rate near the throttle").isLessThan(3 * rate);

        BrokerCluster.waitFor(() -> !moving("throttled"), Duration.ofSeconds(120), "the throttled move to finish");
        double seconds = (System.nanoTime() - startNs) / 1e9;
        // The throttle lets one fetch (replica.fetch.max.bytes, 1 MiB) run ahead of the rate, no more.
        double floor = (bytes - 1024 * 1024) / (double) rate;
        System.out.printf(java.util.Locale.ROOT, "throttled move: %d bytes at %d B/s took %.1f s (floor %.1f s, bytes/rate %.1f s)%n",
                bytes, rate, seconds, floor, bytes / (double) rate);
        assertThat(seconds).as("%d bytes at %d B/s", bytes, rate).isGreaterThanOrEqualTo(floor);
        assertThat(ids(describe("throttled").partitions().get(0).replicas())).containsExactly(b[0], b[1]);

        SluiceCommandsIT.Run done = SluiceCommandsIT.sluiceAt(cluster.bootstrap(), "partition", "reassign-status");
        assertThat(done.out()).contains("moves done: removed the replication throttle from topic throttled").contains("broker " + b[0]);
        assertThat(dynamicConfigs(broker(b[0]))).isEmpty();
        assertThat(dynamicConfigs(broker(b[1]))).isEmpty();
        assertThat(dynamicConfigs(topicResource("throttled"))).isEmpty();

        Path rollback = Path.of(started.get("rollbackFile").asText());
        SluiceCommandsIT.Run back = SluiceCommandsIT.sluiceAt(cluster.bootstrap(), "partition", "move", "--from-file", rollback.toString(),
                "--execute", "--wait");
        assertThat(back.exit()).as(back.out() + back.err()).isZero();
        // --wait saw the move finish on the broker it asked; the one the Admin client asks may apply it a moment later
        java.util.concurrent.atomic.AtomicReference<List<Integer>> replicas = new java.util.concurrent.atomic.AtomicReference<>();
        BrokerCluster.waitFor(() -> {
            try {
                replicas.set(ids(describe("throttled").partitions().get(0).replicas()));
            } catch (Exception e) {
                return false;
            }
            return replicas.get().equals(List.of(b[0]));
        }, Duration.ofSeconds(30), () -> "the rollback to leave throttled-0 on broker " + b[0] + " alone (replicas now " + replicas.get() + ")");
    }

    @Test
    void aThrottledMoveCanBeCancelled() throws Exception {
        int[] b = placeAndPickAnother("stuck");
        fill("stuck", 2);
        SluiceCommandsIT.Run move = SluiceCommandsIT.sluiceAt(cluster.bootstrap(), "partition", "move", "stuck:0", "--replicas",
                b[0] + "," + b[1], "--throttle", "16KiB/s", "--execute");
        assertThat(move.exit()).as(move.out() + move.err()).isZero();
        assertThat(moving("stuck")).isTrue();
        SluiceCommandsIT.Run plan = SluiceCommandsIT.sluiceAt(cluster.bootstrap(), "partition", "move", "stuck:0", "--cancel");
        assertThat(plan.out()).contains("stuck  0          " + b[0] + "," + b[1] + "   " + b[0] + "   -       " + b[1])
                .contains("dry run: 1 moves to cancel");
        assertThat(moving("stuck")).isTrue();
        SluiceCommandsIT.Run cancel = SluiceCommandsIT.sluiceAt(cluster.bootstrap(), "partition", "move", "stuck:0", "--cancel", "--execute");
        assertThat(cancel.exit()).as(cancel.out() + cancel.err()).isZero();
        assertThat(cancel.out()).contains("1 moves cancelled");
        BrokerCluster.waitFor(() -> !moving("stuck"), Duration.ofSeconds(30), "the cancelled move to stop");
        assertThat(ids(describe("stuck").partitions().get(0).replicas())).containsExactly(b[0]);
        assertThat(dynamicConfigs(topicResource("stuck"))).as("cancel takes the throttle off").isEmpty();
        assertThat(dynamicConfigs(broker(b[1]))).isEmpty();
        SluiceCommandsIT.Run notMoving = SluiceCommandsIT.sluiceAt(cluster.bootstrap(), "partition", "move", "stuck:0", "--cancel");
        assertThat(notMoving.exit()).isEqualTo(3);
        assertThat(notMoving.err()).contains("stuck:0 is not being moved");
    }

    @Test
    void aGroupsLagInSluiceTopGrowsByExactlyWhatWasProduced() throws Exception {
        create(new NewTopic("lagging", 3, (short) 3));
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
