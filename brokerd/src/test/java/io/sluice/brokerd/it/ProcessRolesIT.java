package io.sluice.brokerd.it;

import io.sluice.brokerd.Broker;
import io.sluice.brokerd.ControllerNode;
import io.sluice.brokerd.config.BrokerConfig;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.QuorumInfo;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * process.roles in one JVM: a dedicated controller (node 1) and two broker-only processes (nodes 2, 3) that follow the
 * committed metadata without voting. The brokers serve a replicated topic; the controller holds no partition and
 * is not a broker; DescribeQuorum (through the Admin client) names the controller as leader and only voter, the
 * brokers as observers that have caught up.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ProcessRolesIT {
    @TempDir
    Path tmp;

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void dedicatedControllerAndBrokerOnlyProcesses() throws Exception {
        String voters = "1@127.0.0.1:" + freePort();
        ControllerNode controller = ControllerNode.start(BrokerConfig.load(null, Map.of("node.id", "1", "process.roles", "controller",
                "controller.quorum.voters", voters, "data.dir", tmp.resolve("c1").toString(), "metrics.listener", "127.0.0.1:0",
                "broker.session.timeout.ms", "3000",
                "broker.heartbeat.interval.ms", "300")));
        Broker b2 = null;
        Broker b3 = null;
        try {
            b2 = ItSupport.startBroker(tmp.resolve("b2"), brokerConfig(2, voters));
            b3 = ItSupport.startBroker(tmp.resolve("b3"), brokerConfig(3, voters));
            try (Admin admin = ItSupport.admin(b2.bootstrapServers())) {
                ItSupport.waitFor(() -> nodeIds(admin).equals(List.of(2, 3)), Duration.ofSeconds(30), "brokers 2 and 3 registered");
                admin.createTopics(List.of(new NewTopic("roles", 2, (short) 2))).all().get(30, TimeUnit.SECONDS);
                ItSupport.waitFor(() -> isrSizes(admin).equals(List.of(2, 2)), Duration.ofSeconds(30), "both replicas in sync");
                for (TopicPartitionInfo p : admin.describeTopics(List.of("roles")).allTopicNames().get().get("roles").partitions()) {
                    assertThat(p.replicas().stream().map(Node::id).collect(Collectors.toList())).containsExactlyInAnyOrder(2, 3);
                }
                try (KafkaProducer<byte[], byte[]> producer = ItSupport.producer(b3.bootstrapServers(), Map.of("acks", "all"))) {
                    for (int i = 0; i < 10; i++) {
                        producer.send(new ProducerRecord<>("roles", 0, null, ("v" + i).getBytes(StandardCharsets.UTF_8))).get(30, TimeUnit.SECONDS);
                    }
                }
                List<ConsumerRecord<byte[], byte[]>> read = ItSupport.readAll(b2.bootstrapServers(), new TopicPartition("roles", 0), 0, 10,
                        Duration.ofSeconds(30));
                assertThat(read).hasSize(10);

                ItSupport.waitFor(() -> observers(admin).equals(List.of(2, 3)), Duration.ofSeconds(30), "both brokers observing");
                QuorumInfo q = admin.describeMetadataQuorum().quorumInfo().get(30, TimeUnit.SECONDS);
                assertThat(q.leaderId()).isEqualTo(1);
                assertThat(q.voters()).extracting(QuorumInfo.ReplicaState::replicaId).containsExactly(1);
                assertThat(q.highWatermark()).isPositive();
                for (QuorumInfo.ReplicaState o : q.observers()) {
                    // An observer's log end offset is what it has applied: behind the high watermark by at most
                    // the entries committed since its last fetch, and never ahead.
                    assertThat(o.logEndOffset()).isPositive().isLessThanOrEqualTo(q.highWatermark());
                    assertThat(o.lastFetchTimestamp()).isPresent();
                    assertThat(o.lastCaughtUpTimestamp()).isPresent();
                }
                assertThat(q.nodes()).containsOnlyKeys(1);
            }
            assertThat(controller.quorum().image().brokers()).doesNotContainKey(1);
        } finally {
            if (b3 != null) {
                b3.close();
            }
            if (b2 != null) {
                b2.close();
            }
            controller.close();
        }
    }

    private static Map<String, String> brokerConfig(int id, String voters) {
        Map<String, String> c = new HashMap<>();
        c.put("node.id", String.valueOf(id));
        c.put("process.roles", "broker");
        c.put("controller.quorum.voters", voters);
        c.put("broker.session.timeout.ms", "3000");
        c.put("broker.heartbeat.interval.ms", "300");
        return c;
    }

    private static List<Integer> nodeIds(Admin admin) {
        try {
            return admin.describeCluster().nodes().get(10, TimeUnit.SECONDS).stream().map(Node::id).sorted().collect(Collectors.toList());
        } catch (Exception e) {
            return List.of();
        }
    }

    private static List<Integer> isrSizes(Admin admin) {
        try {
            return admin.describeTopics(List.of("roles")).allTopicNames().get(10, TimeUnit.SECONDS).get("roles").partitions().stream()
                    .map(p -> p.isr().size()).collect(Collectors.toList());
        } catch (Exception e) {
            return List.of();
        }
    }

    private static List<Integer> observers(Admin admin) {
        try {
            return admin.describeMetadataQuorum().quorumInfo().get(10, TimeUnit.SECONDS).observers().stream()
                    .map(QuorumInfo.ReplicaState::replicaId).sorted().collect(Collectors.toList());
        } catch (Exception e) {
            return List.of();
        }
    }
}
