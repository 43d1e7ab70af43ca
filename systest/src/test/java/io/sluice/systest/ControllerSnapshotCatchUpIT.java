package io.sluice.systest;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.ElectionType;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.message.ApiMessageType;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.RequestHeaderData;
import org.apache.kafka.common.message.ResponseHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.ObjectSerializationCache;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Controller catch-up by snapshot: with {@code controller.snapshot.entries: 30} and 1 KiB controller log segments,
 * broker 3 is stopped while the others create, reconfigure and delete topics until both have purged their Raft logs
 * past broker 3's last entry, so broker 3 can only catch up by installing the quorum leader's snapshot. It restarts
 * (a) with its old data dir and (b) after its {@code __controller} directory was wiped (a replaced disk; partition
 * logs and meta.properties kept). Each time it must install the snapshot, answer Metadata exactly as the others do,
 * lead its preferred partitions again after a preferred election, and serve produce and consume.
 * <p>
 * Why 30 and not less: a snapshot arriving while the previous one is being loaded can be lost in Ratis (3.2.0 to
 * master: {@code StateMachineUpdater.reload()} ends with {@code state = RUNNING}, overwriting the RELOAD the second
 * install asked for), and the follower then applies nothing, silently. It needs the leader to take two snapshots
 * during one install; at 10 entries, with the ISR retries of a fenced broker filling the log, it did on this loaded
 * machine. See {@code QuorumController.logRetention}.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ControllerSnapshotCatchUpIT {
    private static final String TOPIC = "orders";
    private static final int PARTITIONS = 6;
    private static final int LAGGING = 3;
    private static final String INSTALLED = "Installed the quorum leader's controller snapshot";

    @TempDir
    static Path root;
    static BrokerCluster cluster;
    static Admin admin;
    /** Every acknowledged record by partition, in offset order. */
    static final Map<Integer, List<String>> sent = new TreeMap<>();
    static int churnRound;

    @BeforeAll
    static void start() throws Exception {
        cluster = new BrokerCluster(root, 3, Map.of("broker.session.timeout.ms", "3000", "broker.heartbeat.interval.ms", "300",
                "replica.lag.time.max.ms", "2000", "auto.leader.rebalance.enable", "false",
                "controller.snapshot.entries", "30", "controller.log.segment.bytes", "1024"));
        cluster.startAll();
        admin = ClusterMetadataIT.admin(cluster.bootstrap());
        BrokerCluster.waitFor(() -> liveNodes() == 3, Duration.ofSeconds(30), "three registered brokers");
        admin.createTopics(List.of(new NewTopic(TOPIC, PARTITIONS, (short) 3).configs(Map.of("min.insync.replicas", "2"))))
                .all().get(30, TimeUnit.SECONDS);
        produce("before");
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

    @Test
    @Order(1)
    void aBrokerRestartedWithItsOldDataDirInstallsTheSnapshotAndServesAgain() throws Exception {
        catchUpAfter(false);
    }

    @Test
    @Order(2)
    void aBrokerWithAWipedControllerDirRejoinsInstallsTheSnapshotAndServesAgain() throws Exception {
        catchUpAfter(true);
    }

    private static void catchUpAfter(boolean wipeControllerDir) throws Exception {
        long installsBefore = count(cluster.read(LAGGING), INSTALLED);
        assertThat(cluster.stop(LAGGING)).isEqualTo(143);
        long lastOfLagging = RaftLogFiles.lastIndex(raftLog(LAGGING));
        churnUntilPurgedPast(lastOfLagging);
        if (wipeControllerDir) {
            deleteRecursively(cluster.dataDir(LAGGING).resolve("__controller"));
        }

        cluster.start(LAGGING);
        cluster.awaitReady(LAGGING);
        // More than one when the leader purged again while the first was on its way.
        assertThat(count(cluster.read(LAGGING), INSTALLED)).as("broker %s installed a snapshot; its log ends:\n%s", LAGGING,
                cluster.tail(LAGGING)).isGreaterThan(installsBefore);
        if (wipeControllerDir) {
            assertThat(cluster.read(LAGGING)).doesNotContain("belongs to cluster");
        }
        BrokerCluster.waitFor(() -> liveNodes() == 3 && fullIsr(), Duration.ofSeconds(60),
                () -> "broker " + LAGGING + " back in every ISR of " + TOPIC + ": " + describeOrError());
        awaitSameMetadataEverywhere();

        electPreferredLeaders();
        Map<Integer, Integer> leaders = leaders();
        assertThat(leaders).as("partitions led by broker %s after a preferred election", LAGGING).containsValue(LAGGING);

        produce(wipeControllerDir ? "after-wipe" : "after-restart");
        assertThat(cluster.readValues(TOPIC, PARTITIONS, sent.values().stream().mapToInt(List::size).sum())).isEqualTo(sent);
    }

    /**
     * Creates, reconfigures and deletes topics (two brokers are live, so replication factor 2) until both live
     * brokers' Raft logs start after {@code lastOfLagging} + 1: the entries broker {@value #LAGGING} needs next are gone.
     */
    private static void churnUntilPurgedPast(long lastOfLagging) throws Exception {
        long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!purgedPast(lastOfLagging)) {
            assertThat(System.nanoTime()).as("brokers 1 and 2 to purge their controller logs past index %s (%s, %s)",
                    lastOfLagging, raftLog(1), raftLog(2)).isLessThan(deadlineNs);
            int round = churnRound++;
            String name = "churn-" + round;
            admin.createTopics(List.of(new NewTopic(name, 2, (short) 2))).all().get(30, TimeUnit.SECONDS);
            admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.TOPIC, TOPIC), List.of(new AlterConfigOp(
                    new ConfigEntry("retention.ms", Long.toString(86_400_000L + round)), AlterConfigOp.OpType.SET))))
                    .all().get(30, TimeUnit.SECONDS);
            if (round % 4 == 0) {
                admin.createPartitions(Map.of(name, NewPartitions.increaseTo(3))).all().get(30, TimeUnit.SECONDS);
            } else {
                admin.deleteTopics(List.of(name)).all().get(30, TimeUnit.SECONDS);
            }
        }
    }

    private static boolean purgedPast(long index) {
        for (int id = 1; id <= 3; id++) {
            if (id != LAGGING && RaftLogFiles.firstIndex(raftLog(id)) <= index + 1) {
                return false;
            }
        }
        return true;
    }

    // ---- Metadata as each broker answers it

    /** Waits until every broker answers Metadata (all topics) identically, brokers, ids, leaders and ISRs included. */
    private static void awaitSameMetadataEverywhere() throws InterruptedException {
        BrokerCluster.waitFor(() -> {
            try {
                String first = metadata(1);
                return first.contains(TOPIC) && cluster.ids().stream().allMatch(id -> metadataOrError(id).equals(first));
            } catch (IOException e) {
                return false;
            }
        }, Duration.ofSeconds(30), () -> "the same Metadata from every broker:\n" + cluster.ids().stream()
                .map(id -> id + ": " + metadataOrError(id)).collect(Collectors.joining("\n")));
        assertThat(metadataOrError(LAGGING)).contains("churn-0");
    }

    private static String metadataOrError(int id) {
        try {
            return metadata(id);
        } catch (IOException e) {
            return e.toString();
        }
    }

    /** Broker {@code id}'s answer to Metadata v12 for all topics, as one line per broker and partition, sorted. */
    static String metadata(int id) throws IOException {
        short version = 12;
        MetadataResponseData r = (MetadataResponseData) call(id, ApiKeys.METADATA, version, new MetadataRequestData().setTopics(null));
        List<String> lines = new ArrayList<>();
        lines.add("cluster " + r.clusterId() + " controller " + r.controllerId());
        r.brokers().forEach(b -> lines.add("broker " + b.nodeId() + " " + b.host() + ":" + b.port() + " rack " + b.rack()));
        for (MetadataResponseData.MetadataResponseTopic t : r.topics()) {
            for (MetadataResponseData.MetadataResponsePartition p : t.partitions()) {
                lines.add("topic " + t.name() + " " + t.topicId() + " error " + t.errorCode() + " partition " + p.partitionIndex()
                        + " leader " + p.leaderId() + " epoch " + p.leaderEpoch() + " replicas " + p.replicaNodes()
                        + " isr " + p.isrNodes() + " offline " + p.offlineReplicas() + " error " + p.errorCode());
            }
        }
        lines.sort(Comparator.naturalOrder());
        return String.join("\n", lines);
    }

    /** One request to broker {@code id} over its own connection, so the answer is that broker's and no other's. */
    private static Object call(int id, ApiKeys key, short version, org.apache.kafka.common.protocol.ApiMessage body)
            throws IOException {
        try (Socket socket = new Socket("127.0.0.1", cluster.clientPort(id))) {
            socket.setSoTimeout(10_000);
            RequestHeaderData header = new RequestHeaderData().setRequestApiKey(key.id).setRequestApiVersion(version)
                    .setCorrelationId(1).setClientId("snapshot-it");
            short headerVersion = key.requestHeaderVersion(version);
            ObjectSerializationCache cache = new ObjectSerializationCache();
            int size = header.size(cache, headerVersion) + body.size(cache, version);
            ByteBuffer frame = ByteBuffer.allocate(4 + size).putInt(size);
            ByteBufferAccessor out = new ByteBufferAccessor(frame);
            header.write(out, cache, headerVersion);
            body.write(out, cache, version);
            OutputStream os = socket.getOutputStream();
            os.write(frame.array());
            os.flush();
            DataInputStream in = new DataInputStream(socket.getInputStream());
            byte[] response = new byte[in.readInt()];
            in.readFully(response);
            ByteBufferAccessor reader = new ByteBufferAccessor(ByteBuffer.wrap(response));
            new ResponseHeaderData(reader, key.responseHeaderVersion(version));
            var message = ApiMessageType.fromApiKey(key.id).newResponse();
            message.read(reader, version);
            return message;
        }
    }

    private static List<RaftLogFiles.Segment> raftLog(int id) {
        return RaftLogFiles.read(cluster.dataDir(id));
    }

    // ---- partitions, produce and consume

    private static TopicDescription describe() throws Exception {
        return admin.describeTopics(List.of(TOPIC)).allTopicNames().get(10, TimeUnit.SECONDS).get(TOPIC);
    }

    private static String describeOrError() {
        try {
            return describe().partitions().toString();
        } catch (Exception e) {
            return e.toString();
        }
    }

    private static boolean fullIsr() {
        try {
            return describe().partitions().stream().allMatch(p -> p.leader() != null && p.isr().size() == 3);
        } catch (Exception e) {
            return false;
        }
    }

    private static Map<Integer, Integer> leaders() throws Exception {
        Map<Integer, Integer> out = new TreeMap<>();
        for (TopicPartitionInfo p : describe().partitions()) {
            out.put(p.partition(), p.leader() == null ? -1 : p.leader().id());
        }
        return out;
    }

    private static void electPreferredLeaders() throws InterruptedException {
        Set<TopicPartition> tps = new java.util.HashSet<>();
        for (int p = 0; p < PARTITIONS; p++) {
            tps.add(new TopicPartition(TOPIC, p));
        }
        BrokerCluster.waitFor(() -> {
            try {
                // Partitions already led by their preferred replica answer ELECTION_NOT_NEEDED: checked below instead.
                admin.electLeaders(ElectionType.PREFERRED, tps).partitions().get(30, TimeUnit.SECONDS);
                return describe().partitions().stream().allMatch(p -> p.leader() != null && p.leader().id() == p.replicas().get(0).id());
            } catch (Exception e) {
                return false;
            }
        }, Duration.ofSeconds(60), () -> "every partition of " + TOPIC + " led by its preferred replica: " + describeOrError());
    }

    /** Five acks=all records to each partition, so every partition leader (broker 3 included) takes writes. */
    private static void produce(String tag) throws Exception {
        try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap(),
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 60_000),
                new StringSerializer(), new StringSerializer())) {
            for (int partition = 0; partition < PARTITIONS; partition++) {
                for (int i = 0; i < 5; i++) {
                    String v = tag + "/" + partition + "/" + i;
                    p.send(new ProducerRecord<>(TOPIC, partition, null, v)).get(60, TimeUnit.SECONDS);
                    sent.computeIfAbsent(partition, k -> new ArrayList<>()).add(v);
                }
            }
        }
    }

    private static int liveNodes() {
        try {
            return admin.describeCluster().nodes().get(10, TimeUnit.SECONDS).size();
        } catch (Exception e) {
            return -1;
        }
    }

    private static long count(String text, String needle) {
        long n = 0;
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
            n++;
        }
        return n;
    }

    private static void deleteRecursively(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
