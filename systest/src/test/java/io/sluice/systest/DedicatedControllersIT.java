package io.sluice.systest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.QuorumInfo;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The layout of {@code config/cluster-6} as processes: 3 dedicated controllers (1-3) and 3 broker-only processes
 * (4-6) serve a 6-partition topic at RF=3 and min.insync.replicas=2 under an acks=all idempotent producer, and keep
 * serving (and changing metadata) through kill -9 of each controller in turn, the quorum leader first, and of a
 * broker. Throughout, the controllers are the only voters and never hold a partition, the brokers only observe the
 * quorum; at the end every acknowledged record is read back once, in order.
 */
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class DedicatedControllersIT {
    static final String TOPIC = "orders";
    static final Set<Integer> CONTROLLERS = Set.of(1, 2, 3);
    static final Set<Integer> BROKERS = Set.of(4, 5, 6);
    @TempDir
    Path root;

    @Test
    void servesAndSurvivesKillingAnyControllerOrBroker() throws Exception {
        try (BrokerCluster cluster = BrokerCluster.dedicated(root, 3, 3, Map.of("broker.session.timeout.ms", "4000",
                "broker.heartbeat.interval.ms", "400", "replica.lag.time.max.ms", "3000", "offsets.topic.num.partitions", "3",
                "auto.leader.rebalance.enable", "false"))) {
            assertThat(cluster.controllerIds()).containsExactly(1, 2, 3);
            assertThat(cluster.ids()).containsExactly(4, 5, 6);
            cluster.startAll();
            try (Admin admin = ClusterMetadataIT.admin(cluster.bootstrap())) {
                BrokerCluster.waitFor(() -> BROKERS.equals(brokers(admin)), Duration.ofSeconds(60), "brokers 4-6 registered, and only them");
                admin.createTopics(List.of(new NewTopic(TOPIC, 6, (short) 3).configs(Map.of("min.insync.replicas", "2")))).all()
                        .get(60, TimeUnit.SECONDS);
                BrokerCluster.waitFor(() -> observers(admin).equals(BROKERS), Duration.ofSeconds(60), "brokers 4-6 observing the quorum");
                checkRoles(admin);
                try (VerifyingProducer producer = new VerifyingProducer(cluster.bootstrap(), TOPIC, 6, "roles")) {
                    producer.awaitMoreAcked(1_000, Duration.ofSeconds(120));
                    // Each controller in turn, the current quorum leader first: the quorum keeps a majority, so
                    // metadata still changes (a new topic) and records are still acknowledged.
                    BrokerCluster.waitFor(() -> leader(admin) > 0, Duration.ofSeconds(60), "a quorum leader");
                    List<Integer> victims = new java.util.ArrayList<>(List.of(leader(admin)));
                    CONTROLLERS.stream().sorted().filter(c -> !victims.contains(c)).forEach(victims::add);
                    for (int victim : victims) {
                        cluster.kill(victim);
                        BrokerCluster.waitFor(() -> {
                            int l = leader(admin);
                            return l > 0 && l != victim;
                        }, Duration.ofSeconds(90), "a quorum leader other than the killed controller " + victim);
                        admin.createTopics(List.of(new NewTopic("after-controller-" + victim, 3, (short) 3))).all().get(90, TimeUnit.SECONDS);
                        producer.awaitMoreAcked(500, Duration.ofSeconds(120));
                        cluster.start(victim);
                        cluster.awaitReady(victim);
                        BrokerCluster.waitFor(() -> voterCaughtUp(admin, victim), Duration.ofSeconds(90), "controller " + victim + " caught up");
                        checkRoles(admin);
                    }
                    // A broker: its leaderships move to the other in-sync brokers, never to a controller.
                    int broker = describe(admin).partitions().get(0).leader().id();
                    cluster.kill(broker);
                    BrokerCluster.waitFor(() -> {
                        try {
                            return describe(admin).partitions().stream().allMatch(p -> p.leader() != null && p.leader().id() != broker);
                        } catch (Exception e) {
                            return false;
                        }
                    }, Duration.ofSeconds(90), "every partition led by a broker other than " + broker);
                    producer.awaitMoreAcked(500, Duration.ofSeconds(120));
                    checkRoles(admin);
                    cluster.start(broker);
                    cluster.awaitReady(broker);
                    producer.awaitMoreAcked(500, Duration.ofSeconds(120));
                    producer.stop();
                    BrokerCluster.waitFor(() -> isrComplete(admin), Duration.ofSeconds(120), "broker " + broker + " back in every ISR");
                    assertThat(producer.verify(cluster.bootstrap())).isGreaterThanOrEqualTo(producer.ackedCount());
                }
                checkRoles(admin);
                // sluice sees the same quorum: controllers as leader/voters, brokers as observers.
                SluiceCommandsIT.Run info = SluiceCommandsIT.sluiceAt(cluster.bootstrap(), "cluster", "info", "-o", "json");
                assertThat(info.exit()).as(info.err()).isZero();
                JsonNode quorum = new ObjectMapper().readTree(info.out()).get("quorum");
                Set<Integer> voters = new TreeSet<>();
                Set<Integer> observing = new TreeSet<>();
                quorum.get("members").forEach(m -> (m.get("role").asText().equals("observer") ? observing : voters).add(m.get("id").asInt()));
                assertThat(voters).isEqualTo(CONTROLLERS);
                assertThat(observing).isEqualTo(BROKERS);
                assertThat(CONTROLLERS).contains(quorum.get("leaderId").asInt());
            }
        }
    }

    /** Voters are exactly the controllers, observers only brokers, and no partition has a controller as replica. */
    private static void checkRoles(Admin admin) throws Exception {
        QuorumInfo q = admin.describeMetadataQuorum().quorumInfo().get(60, TimeUnit.SECONDS);
        assertThat(q.voters().stream().map(QuorumInfo.ReplicaState::replicaId).collect(Collectors.toSet())).isEqualTo(CONTROLLERS);
        assertThat(q.observers().stream().map(QuorumInfo.ReplicaState::replicaId).collect(Collectors.toSet())).isSubsetOf(BROKERS);
        assertThat(CONTROLLERS).contains(q.leaderId());
        Set<String> names = admin.listTopics().names().get(60, TimeUnit.SECONDS);
        for (TopicDescription t : admin.describeTopics(names).allTopicNames().get(60, TimeUnit.SECONDS).values()) {
            for (TopicPartitionInfo p : t.partitions()) {
                assertThat(p.replicas().stream().map(Node::id).collect(Collectors.toSet())).as("%s-%d", t.name(), p.partition())
                        .isSubsetOf(BROKERS);
            }
        }
        assertThat(brokers(admin)).isSubsetOf(BROKERS);
    }

    private static TopicDescription describe(Admin admin) throws Exception {
        return admin.describeTopics(List.of(TOPIC)).allTopicNames().get(30, TimeUnit.SECONDS).get(TOPIC);
    }

    private static boolean isrComplete(Admin admin) {
        try {
            return describe(admin).partitions().stream().allMatch(p -> p.isr().size() == 3);
        } catch (Exception e) {
            return false;
        }
    }

    private static Set<Integer> brokers(Admin admin) {
        try {
            return admin.describeCluster().nodes().get(10, TimeUnit.SECONDS).stream().map(Node::id).collect(Collectors.toSet());
        } catch (Exception e) {
            return Set.of();
        }
    }

    private static int leader(Admin admin) {
        try {
            return admin.describeMetadataQuorum().quorumInfo().get(10, TimeUnit.SECONDS).leaderId();
        } catch (Exception e) {
            return -1;
        }
    }

    private static Set<Integer> observers(Admin admin) {
        try {
            return admin.describeMetadataQuorum().quorumInfo().get(10, TimeUnit.SECONDS).observers().stream()
                    .map(QuorumInfo.ReplicaState::replicaId).collect(Collectors.toCollection(TreeSet::new));
        } catch (Exception e) {
            return Set.of();
        }
    }

    /** Voter {@code id} holds everything the leader has committed. */
    private static boolean voterCaughtUp(Admin admin, int id) {
        try {
            QuorumInfo q = admin.describeMetadataQuorum().quorumInfo().get(10, TimeUnit.SECONDS);
            return q.voters().stream().anyMatch(v -> v.replicaId() == id && v.logEndOffset() >= q.highWatermark());
        } catch (Exception e) {
            return false;
        }
    }
}
