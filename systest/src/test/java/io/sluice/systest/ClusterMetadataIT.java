package io.sluice.systest;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.InvalidReplicaAssignmentException;
import org.apache.kafka.common.errors.InvalidReplicationFactorException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Three brokerd processes forming one controller quorum: every broker registers and answers Metadata from the same
 * committed image; partitions are spread across brokers and clients find their leaders; a killed broker is fenced
 * after its session timeout and its partitions of replication factor 1 go offline while the rest keeps serving;
 * it rejoins with its data; losing the quorum leader elects another.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterMetadataIT {
    @TempDir
    static Path root;
    static BrokerCluster cluster;
    static Admin admin;

    @BeforeAll
    static void start() throws Exception {
        cluster = new BrokerCluster(root, 3, Map.of("broker.session.timeout.ms", "3000", "broker.heartbeat.interval.ms", "300",
                "group.initial.rebalance.delay.ms", "0", "offsets.topic.num.partitions", "3"));
        cluster.startAll();
        admin = admin(cluster.bootstrap());
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

    static Admin admin(String bootstrap) {
        return admin(bootstrap, Map.of());
    }

    /** An Admin client with {@code clientConfig} (TLS settings) on top of the usual timeouts. */
    static Admin admin(String bootstrap, Map<String, Object> clientConfig) {
        Map<String, Object> config = new java.util.HashMap<>(clientConfig);
        config.putAll(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000, AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000));
        return Admin.create(config);
    }

    static Map<Integer, Integer> leaders(Admin a, String topic) throws Exception {
        TopicDescription d = a.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
        Map<Integer, Integer> out = new TreeMap<>();
        for (TopicPartitionInfo p : d.partitions()) {
            out.put(p.partition(), p.leader() == null ? -1 : p.leader().id());
        }
        return out;
    }

    static List<String> produce(String topic, int partitions, int perPartition, String tag) throws Exception {
        List<String> sent = new ArrayList<>();
        try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap(),
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 60_000), new StringSerializer(), new StringSerializer())) {
            for (int part = 0; part < partitions; part++) {
                for (int i = 0; i < perPartition; i++) {
                    String v = tag + "-" + part + "-" + i;
                    p.send(new ProducerRecord<>(topic, part, null, v)).get(60, TimeUnit.SECONDS);
                    sent.add(v);
                }
            }
        }
        return sent;
    }

    @Test
    @Order(1)
    void everyBrokerRegistersAndAllAnswerTheSameMetadata() throws Exception {
        BrokerCluster.waitFor(() -> nodes(admin).size() == 3, Duration.ofSeconds(30), "three registered brokers");
        Set<Integer> ports = nodes(admin).stream().map(Node::port).collect(Collectors.toSet());
        assertThat(ports).containsExactlyInAnyOrderElementsOf(cluster.ids().stream().map(cluster::clientPort).toList());
        DescribeClusterResult dc = admin.describeCluster();
        assertThat(cluster.ids()).contains(dc.controller().get().id());
        String clusterId = dc.clusterId().get();

        Topics.createAndAwait(admin, new NewTopic("spread", 6, (short) 1));
        Map<Integer, Integer> leaders = leaders(admin, "spread");
        Map<Integer, Long> perBroker = leaders.values().stream().collect(Collectors.groupingBy(l -> l, Collectors.counting()));
        assertThat(perBroker).as("6 partitions led 2 per broker: %s", leaders).containsOnlyKeys(1, 2, 3).containsValues(2L);

        for (int id : cluster.ids()) {
            try (Admin one = admin(cluster.bootstrap(id))) {
                assertThat(one.describeCluster().clusterId().get()).as("broker %s cluster id", id).isEqualTo(clusterId);
                BrokerCluster.waitFor(() -> {
                    try {
                        return leaders(one, "spread").equals(leaders);
                    } catch (Exception e) {
                        return false;
                    }
                }, Duration.ofSeconds(10), "broker " + id + " to answer the committed leaders");
            }
        }
    }

    @Test
    @Order(2)
    void recordsRoundTripThroughTheirLeadersAndAReplicationFactorAboveTheBrokerCountIsRefused() throws Exception {
        List<String> sent = produce("spread", 6, 20, "a");
        Map<Integer, List<String>> got = cluster.readValues("spread", 6, sent.size());
        for (int p = 0; p < 6; p++) {
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                expected.add("a-" + p + "-" + i);
            }
            assertThat(got.get(p)).as("partition %s in order", p).isEqualTo(expected);
        }
        assertThatThrownBy(() -> admin.createTopics(List.of(new NewTopic("rf4", 1, (short) 4))).all().get())
                .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(InvalidReplicationFactorException.class)
                .hasMessageContaining("larger than available brokers: 3");
    }

    /** CreateTopics' and CreatePartitions' manual assignments are where the replicas go, and are checked as Kafka checks them. */
    @Test
    @Order(2)
    void manualReplicaAssignmentsAreHonouredAndValidated() throws Exception {
        Map<Integer, List<Integer>> chosen = Map.of(0, List.of(3, 1), 1, List.of(3, 2), 2, List.of(1, 2));
        Topics.createAndAwait(admin, new NewTopic("placed", chosen));
        assertThat(replicas(admin, "placed")).isEqualTo(chosen);
        assertThat(leaders(admin, "placed")).isEqualTo(Map.of(0, 3, 1, 3, 2, 1));

        assertInvalidAssignment(() -> admin.createTopics(List.of(new NewTopic("bad", Map.of(0, List.of(1, 7))))).all().get(),
                "includes broker 7, but no such broker is registered");
        assertInvalidAssignment(() -> admin.createTopics(List.of(new NewTopic("bad", Map.of(0, List.of(2, 2))))).all().get(),
                "includes the broker 2 more than once");
        assertInvalidAssignment(() -> admin.createTopics(List.of(new NewTopic("bad", Map.of(0, List.of(1, 2), 1, List.of(3))))).all().get(),
                "not consistent with previous partitions");
        assertInvalidAssignment(() -> admin.createTopics(List.of(new NewTopic("bad", Map.of(0, List.of(1), 2, List.of(2))))).all().get(),
                "consecutive 0-based");
        assertThat(admin.listTopics().names().get()).doesNotContain("bad");

        admin.createPartitions(Map.of("placed", NewPartitions.increaseTo(4, List.of(List.of(2, 1))))).all().get();
        // the broker the Admin client asks next may apply the new partition a moment after the one that took the request
        java.util.concurrent.atomic.AtomicReference<Map<Integer, List<Integer>>> grown = new java.util.concurrent.atomic.AtomicReference<>();
        BrokerCluster.waitFor(() -> {
            try {
                grown.set(replicas(admin, "placed"));
                return grown.get().size() == 4;
            } catch (Exception e) {
                return false;
            }
        }, Duration.ofSeconds(30), "placed-3 to be known to the brokers");
        assertThat(grown.get()).containsEntry(3, List.of(2, 1)).hasSize(4);
        assertInvalidAssignment(() -> admin.createPartitions(Map.of("placed", NewPartitions.increaseTo(5, List.of(List.of(3))))).all().get(),
                "not consistent with previous partitions, which have 2 replica(s)");
        assertInvalidAssignment(() -> admin.createPartitions(Map.of("placed", NewPartitions.increaseTo(6, List.of(List.of(1, 3))))).all().get(),
                "Attempted to add 2 additional partition(s), but only 1 assignment(s) were specified.");
        assertThat(replicas(admin, "placed")).hasSize(4);
    }

    private static void assertInvalidAssignment(org.assertj.core.api.ThrowableAssert.ThrowingCallable call, String message) {
        assertThatThrownBy(call).isInstanceOf(ExecutionException.class).hasCauseInstanceOf(InvalidReplicaAssignmentException.class)
                .hasMessageContaining(message);
    }

    static Map<Integer, List<Integer>> replicas(Admin a, String topic) throws Exception {
        TopicDescription d = a.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
        Map<Integer, List<Integer>> out = new TreeMap<>();
        for (TopicPartitionInfo p : d.partitions()) {
            out.put(p.partition(), p.replicas().stream().map(Node::id).toList());
        }
        return out;
    }

    @Test
    @Order(3)
    void aKilledBrokerIsFencedItsPartitionsGoOfflineAndComeBackWithTheirData() throws Exception {
        Map<Integer, Integer> before = leaders(admin, "spread");
        int victim = 2;
        cluster.kill(victim);
        BrokerCluster.waitFor(() -> {
            try {
                return !leaders(admin, "spread").containsValue(victim) && nodes(admin).size() == 2;
            } catch (Exception e) {
                return false;
            }
        }, Duration.ofSeconds(30), "broker " + victim + " to be fenced");
        Map<Integer, Integer> during = leaders(admin, "spread");
        before.forEach((p, leader) -> assertThat(during.get(p)).as("partition %s", p).isEqualTo(leader == victim ? -1 : leader));
        // Offline partitions make every broker unhealthy; the quorum leader counts them.
        for (int id : cluster.ids()) {
            if (id != victim) {
                assertThat(cluster.http(id, "/health").status()).as("broker %s /health", id).isEqualTo(503);
            }
        }
        double offline = 0;
        for (int id : cluster.ids()) {
            if (id != victim) {
                offline += cluster.http(id, "/metrics").sample("sluice_partitions_offline");
            }
        }
        assertThat(offline).as("offline partitions summed over brokers").isEqualTo(2);

        // The partitions of the live brokers keep taking writes.
        int livePartition = before.entrySet().stream().filter(e -> e.getValue() != victim).findFirst().orElseThrow().getKey();
        try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap(1),
                ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new StringSerializer())) {
            p.send(new ProducerRecord<>("spread", livePartition, null, "during")).get(30, TimeUnit.SECONDS);
        }

        cluster.start(victim);
        cluster.awaitReady(victim);
        BrokerCluster.waitFor(() -> {
            try {
                return leaders(admin, "spread").equals(before);
            } catch (Exception e) {
                return false;
            }
        }, Duration.ofSeconds(30), "broker " + victim + " to lead its partitions again");
        BrokerCluster.waitFor(() -> {
            try {
                return cluster.http(1, "/health").status() == 200;
            } catch (Exception e) {
                return false;
            }
        }, Duration.ofSeconds(10), "broker 1 to be healthy again");
        Map<Integer, List<String>> got = cluster.readValues("spread", 6, 6 * 20 + 1);
        for (int p = 0; p < 6; p++) {
            assertThat(got.get(p)).as("partition %s after the restart", p).startsWith("a-" + p + "-0").hasSize(p == livePartition ? 21 : 20);
        }
    }

    @Test
    @Order(4)
    void losingTheQuorumLeaderElectsAnotherAndMetadataChangesContinue() throws Exception {
        int controller = admin.describeCluster().controller().get().id();
        cluster.kill(controller);
        List<Integer> survivors = cluster.ids().stream().filter(cluster::isRunning).toList();
        try (Admin a = admin(cluster.bootstrap(survivors.get(0)))) {
            // Placement uses live brokers: wait until the new quorum leader has fenced the dead one.
            BrokerCluster.waitFor(() -> nodes(a).size() == 2, Duration.ofSeconds(60), "the killed quorum leader to be fenced");
            BrokerCluster.waitFor(() -> {
                try {
                    a.createTopics(List.of(new NewTopic("after-failover", 2, (short) 1))).all().get(10, TimeUnit.SECONDS);
                    return true;
                } catch (Exception e) {
                    return false;
                }
            }, Duration.ofSeconds(60), "a topic create to commit after the quorum leader died");
            Map<Integer, Integer> leaders = leaders(a, "after-failover");
            assertThat(leaders.values()).allMatch(survivors::contains);
            assertThat(a.describeCluster().controller().get().id()).isIn(survivors);
        }
        cluster.start(controller);
        cluster.awaitReady(controller);
        BrokerCluster.waitFor(() -> nodes(admin).size() == 3, Duration.ofSeconds(30), "the restarted broker to register");
    }

    @Test
    @Order(5)
    void sigtermShutsDownCleanly() throws Exception {
        assertThat(cluster.stop(3)).isEqualTo(143);
        assertThat(cluster.read(3)).contains("Shut down cleanly");
        BrokerCluster.waitFor(() -> nodes(admin).size() == 2, Duration.ofSeconds(10), "the stopped broker to be fenced at once");
    }

    private static List<Node> nodes(Admin a) {
        try {
            return new ArrayList<>(a.describeCluster().nodes().get(10, TimeUnit.SECONDS));
        } catch (Exception e) {
            return List.of();
        }
    }
}
