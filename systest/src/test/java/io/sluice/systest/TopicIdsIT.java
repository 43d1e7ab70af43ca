package io.sluice.systest;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Topic IDs on disk: a topic deleted and re-created under the same name while one of its replicas' brokers is down.
 * When that broker comes back its directory {@code <topic>-0} holds the old topic's log; matched by name it would
 * serve (or keep) the old records as the new topic's. Matched by the ID in {@code partition.metadata} it is renamed
 * {@code -delete}, removed after {@code log.segment.delete.delay.ms}, and the new topic's log is fetched afresh.
 * <p>
 * Broker 3 must not hear of the deletion: a broker that kept its controller log replays it, and the metadata diff
 * (by topic ID) removes the old log. So its {@code __controller} directory is lost while it is down (a replaced
 * disk; a broker that is no voter keeps no metadata log of its own either) and the other brokers purge their
 * controller logs past its last entry (small snapshots and segments, as in {@link ControllerSnapshotCatchUpIT}):
 * broker 3 installs a snapshot that already holds the new topic under the old name, and meets its partition
 * directory with nothing but that name to go by, unless the directory names its topic ID.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class TopicIdsIT extends ClusterTest {
    private static final String TOPIC = "ids";
    private static final long DELETE_DELAY_MS = 4_000;
    @Test
    void aTopicReCreatedWhileABrokerWasDownNeverServesTheOldRecords() throws Exception {
        cluster = new BrokerCluster(root, 3, Map.of("broker.session.timeout.ms", "3000", "broker.heartbeat.interval.ms", "300",
                "replica.lag.time.max.ms", "2000", "offsets.topic.num.partitions", "1", "auto.leader.rebalance.enable", "false",
                "log.segment.delete.delay.ms", String.valueOf(DELETE_DELAY_MS), "log.retention.check.interval.ms", "500",
                "controller.snapshot.entries", "30", "controller.log.segment.bytes", "1024"));
        cluster.startAll();
        admin = ClusterMetadataIT.admin(cluster.bootstrap());
        BrokerCluster.waitFor(() -> liveNodes() == 3, Duration.ofSeconds(60), "three registered brokers");

        admin.createTopics(List.of(new NewTopic(TOPIC, Map.of(0, List.of(1, 2, 3))))).all().get(60, TimeUnit.SECONDS);
        String oldId = describe().topicId().toString();
        produce("old-record-", 300);
        BrokerCluster.waitFor(() -> isrIs(3), Duration.ofSeconds(60), "every replica in sync");
        Path staleDir = cluster.dataDir(3).resolve(TOPIC + "-0");
        BrokerCluster.waitFor(() -> logBytesContain(staleDir, "old-record-299"), Duration.ofSeconds(60), "broker 3 to hold the old records");
        assertThat(Files.readString(staleDir.resolve("partition.metadata"))).isEqualTo("version: 0\ntopic_id: " + oldId);

        cluster.kill(3);
        // Once broker 3 is fenced the quorum has a leader among the others (broker 3 may have been it).
        BrokerCluster.waitFor(() -> liveNodes() == 2, Duration.ofSeconds(60), "broker 3 to be fenced");
        long lastOfBroker3 = RaftLogFiles.lastIndex(RaftLogFiles.read(cluster.dataDir(3)));
        admin.deleteTopics(List.of(TOPIC)).all().get(60, TimeUnit.SECONDS);
        BrokerCluster.waitFor(this::topicGone, Duration.ofSeconds(60), "the old topic to be gone");
        admin.createTopics(List.of(new NewTopic(TOPIC, Map.of(0, List.of(1, 2, 3))))).all().get(60, TimeUnit.SECONDS);
        String newId = describe().topicId().toString();
        assertThat(newId).isNotEqualTo(oldId);
        produce("new-record-", 100);
        churnUntilPurgedPast(lastOfBroker3);
        deleteRecursively(cluster.dataDir(3).resolve("__controller"));

        cluster.start(3);
        cluster.awaitReady(3);
        BrokerCluster.waitFor(() -> isrIs(3), Duration.ofSeconds(90), "broker 3 back in the new topic's ISR");
        BrokerCluster.waitFor(() -> logBytesContain(staleDir, "new-record-99"), Duration.ofSeconds(60), "broker 3 to copy the new records");

        assertThat(Files.readString(staleDir.resolve("partition.metadata"))).isEqualTo("version: 0\ntopic_id: " + newId);
        assertThat(cluster.tail(3)).contains("Removing log " + TOPIC + "-0: it belongs to topic ID " + oldId);
        Map<Integer, Path> replicas = new TreeMap<>();
        for (int id = 1; id <= 3; id++) {
            Path dir = cluster.dataDir(id).resolve(TOPIC + "-0");
            assertThat(logBytesContain(dir, "old-record-")).as("old records in broker %d's log of the new topic", id).isFalse();
            replicas.put(id, cluster.dataDir(id));
        }
        long[] compared = new long[1];
        assertThat(ReplicaLogs.compare(TOPIC, 0, replicas, compared)).isNull();
        assertThat(compared[0]).isPositive();
        // What a consumer reads from the earliest offset is the new topic only, led by each broker in turn.
        for (int leader = 1; leader <= 3; leader++) {
            electLeader(leader);
            assertThat(consumeAll()).as("records read with broker %d leading", leader).hasSize(100).allMatch(v -> v.startsWith("new-record-"));
        }
        // The renamed directory is removed after the delete delay.
        BrokerCluster.waitFor(() -> deleteDirs(cluster.dataDir(3)).isEmpty(), Duration.ofSeconds(60),
                () -> "broker 3 to remove its -delete directories " + deleteDirs(cluster.dataDir(3)));
    }

    /** Creates and deletes topics on brokers 1 and 2 until both their controller logs start after {@code index} + 1. */
    private void churnUntilPurgedPast(long index) throws Exception {
        long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        for (int round = 0; RaftLogFiles.firstIndex(RaftLogFiles.read(cluster.dataDir(1))) <= index + 1
                || RaftLogFiles.firstIndex(RaftLogFiles.read(cluster.dataDir(2))) <= index + 1; round++) {
            assertThat(System.nanoTime()).as("brokers 1 and 2 to purge their controller logs past index %s", index)
                    .isLessThan(deadlineNs);
            String name = "churn-" + round;
            admin.createTopics(List.of(new NewTopic(name, Map.of(0, List.of(1, 2))))).all().get(30, TimeUnit.SECONDS);
            admin.deleteTopics(List.of(name)).all().get(30, TimeUnit.SECONDS);
        }
    }

    private void produce(String prefix, int count) throws Exception {
        try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap(),
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.LINGER_MS_CONFIG, "5"), new StringSerializer(), new StringSerializer())) {
            List<java.util.concurrent.Future<?>> acks = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                acks.add(p.send(new ProducerRecord<>(TOPIC, 0, null, prefix + i)));
            }
            for (java.util.concurrent.Future<?> f : acks) {
                f.get(60, TimeUnit.SECONDS);
            }
        }
    }

    private List<String> consumeAll() {
        TopicPartition tp = new TopicPartition(TOPIC, 0);
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long end = c.endOffsets(List.of(tp), Duration.ofSeconds(30)).get(tp);
            List<String> out = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (c.position(tp, Duration.ofSeconds(30)) < end && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(500))) {
                    out.add(new String(r.value(), StandardCharsets.UTF_8));
                }
            }
            return out;
        }
    }

    private void electLeader(int leader) throws Exception {
        if (describe().partitions().get(0).leader().id() != leader) {
            // Preferred election after moving the wanted leader first in the assignment.
            List<Integer> order = new ArrayList<>(List.of(leader));
            for (int id = 1; id <= 3; id++) {
                if (id != leader) {
                    order.add(id);
                }
            }
            admin.alterPartitionReassignments(Map.of(new TopicPartition(TOPIC, 0),
                    java.util.Optional.of(new org.apache.kafka.clients.admin.NewPartitionReassignment(order)))).all().get(60, TimeUnit.SECONDS);
            BrokerCluster.waitFor(() -> {
                try {
                    admin.electLeaders(org.apache.kafka.common.ElectionType.PREFERRED, Set.of(new TopicPartition(TOPIC, 0)))
                            .all().get(30, TimeUnit.SECONDS);
                } catch (Exception e) {
                    // ELECTION_NOT_NEEDED once it leads; other answers: retried until the deadline
                }
                return leaderIs(leader);
            }, Duration.ofSeconds(60), "broker " + leader + " to lead " + TOPIC + "-0");
        }
    }

    private boolean leaderIs(int id) {
        try {
            return describe().partitions().get(0).leader() != null && describe().partitions().get(0).leader().id() == id;
        } catch (Exception e) {
            return false;
        }
    }

    private static boolean logBytesContain(Path dir, String marker) {
        byte[] needle = marker.getBytes(StandardCharsets.UTF_8);
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".log")).toList()) {
                byte[] bytes = Files.readAllBytes(f);
                for (int i = 0; i + needle.length <= bytes.length; i++) {
                    if (java.util.Arrays.equals(bytes, i, i + needle.length, needle, 0, needle.length)) {
                        return true;
                    }
                }
            }
            return false;
        } catch (IOException e) {
            return false;
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    private static List<String> deleteDirs(Path dataDir) {
        try (Stream<Path> dirs = Files.list(dataDir)) {
            return dirs.map(p -> p.getFileName().toString()).filter(n -> n.endsWith("-delete")).toList();
        } catch (IOException e) {
            return List.of("unreadable: " + e);
        }
    }

    private TopicDescription describe() throws ExecutionException, InterruptedException, java.util.concurrent.TimeoutException {
        return admin.describeTopics(List.of(TOPIC)).allTopicNames().get(30, TimeUnit.SECONDS).get(TOPIC);
    }

    private boolean topicGone() {
        try {
            return !admin.listTopics().names().get(30, TimeUnit.SECONDS).contains(TOPIC);
        } catch (Exception e) {
            return false;
        }
    }

    private boolean isrIs(int size) {
        try {
            return describe().partitions().get(0).isr().size() == size;
        } catch (Exception e) {
            return false;
        }
    }

    private int liveNodes() {
        try {
            return admin.describeCluster().nodes().get(10, TimeUnit.SECONDS).size();
        } catch (Exception e) {
            return -1;
        }
    }
}
