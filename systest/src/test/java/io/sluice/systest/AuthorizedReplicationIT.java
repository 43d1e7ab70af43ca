package io.sluice.systest;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.StringSerializer;
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
 * Replication under the authorizer: three brokerd processes secured as the shipped example (SASL_SSL, SCRAM users
 * from the bootstrap file, mutual-TLS Raft) with {@code authorizer.enabled}, the brokers' principal (User:broker) not a
 * super user and granted nothing. Their follower fetches are refused (CLUSTER_ACTION on the cluster is missing), so
 * the followers fall out of the ISR; once the client (User:admin, a super user) grants the brokers CLUSTER_ACTION
 * with the Admin API, they catch up, rejoin the ISR and acks=all produces succeed on the full ISR.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class AuthorizedReplicationIT {
    @TempDir
    Path root;

    @Test
    void followersNeedClusterActionAndReplicateOnceGrantedIt() throws Exception {
        Path certs = BrokerCluster.makeCerts(root.resolve("certs"), "broker-1", "broker-2", "broker-3", "client");
        Map<String, String> config = Map.of("authorizer.enabled", "true", "super.users", "User:admin", "replica.lag.time.max.ms", "3000",
                "broker.session.timeout.ms", "5000", "broker.heartbeat.interval.ms", "500");
        try (BrokerCluster brokers = new BrokerCluster(root, 3, config, certs)) {
            brokers.startAll();
            try (Admin admin = ClusterMetadataIT.admin(brokers.bootstrap(), brokers.clientConfig())) {
                Topics.createAndAwait(admin, new NewTopic("guarded", 1, (short) 3));
                List<String> sent = new ArrayList<>(produce(brokers, "before", "1"));
                BrokerCluster.waitFor(() -> isr(admin).size() == 1, Duration.ofSeconds(90),
                        () -> "followers without CLUSTER_ACTION to leave the ISR of guarded-0 (ISR now " + isr(admin) + ")");
                int leader = leader(admin);
                BrokerCluster.waitFor(() -> brokers.read(leader).contains("is Denied operation = CLUSTER_ACTION"),
                        Duration.ofSeconds(30), () -> "the leader's log to record the refused follower fetches");

                admin.createAcls(List.of(new AclBinding(new ResourcePattern(ResourceType.CLUSTER, "kafka-cluster", PatternType.LITERAL),
                        new AccessControlEntry("User:broker", "*", AclOperation.CLUSTER_ACTION, AclPermissionType.ALLOW))))
                        .all().get(60, TimeUnit.SECONDS);
                BrokerCluster.waitFor(() -> isr(admin).size() == 3, Duration.ofSeconds(90),
                        () -> "followers granted CLUSTER_ACTION to rejoin the ISR (ISR now " + isr(admin) + ")");
                sent.addAll(produce(brokers, "after", "all"));
                Map<Integer, List<String>> read = brokers.readValues("guarded", 1, sent.size());
                assertThat(read.get(0)).containsExactlyElementsOf(sent);
            }
        }
    }

    private static List<String> produce(BrokerCluster brokers, String tag, String acks) throws Exception {
        Map<String, Object> p = new HashMap<>(brokers.clientConfig());
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers.bootstrap());
        p.put(ProducerConfig.ACKS_CONFIG, acks);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 60_000);
        List<String> sent = new ArrayList<>();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < 20; i++) {
                String v = tag + "-" + i;
                producer.send(new ProducerRecord<>("guarded", 0, null, v)).get(60, TimeUnit.SECONDS);
                sent.add(v);
            }
        }
        return sent;
    }

    private static TopicDescription describe(Admin admin) throws Exception {
        return admin.describeTopics(List.of("guarded")).allTopicNames().get(20, TimeUnit.SECONDS).get("guarded");
    }

    private static List<Integer> isr(Admin admin) {
        try {
            return describe(admin).partitions().get(0).isr().stream().map(n -> n.id()).toList();
        } catch (Exception e) {
            return List.of();
        }
    }

    private static int leader(Admin admin) throws Exception {
        return describe(admin).partitions().get(0).leader().id();
    }
}
