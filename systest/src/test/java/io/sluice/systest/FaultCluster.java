package io.sluice.systest;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.ElectionType;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The fixture of the fault matrix: three brokerd processes with fault injection on, reached through
 * {@link LinkProxies} (short broker session and replica lag timeouts so faults are detected in seconds, a scrubber
 * pass every 2 s), an Admin client over all of them, and the 6-partition topic {@value #TOPIC} with replication factor
 * 3, min.insync.replicas=2 and small segments (so closed segments exist to damage). Queries answer "unknown" (empty,
 * -1, false) while the cluster cannot, so they can sit inside {@link BrokerCluster#waitFor} conditions.
 */
final class FaultCluster implements AutoCloseable {
    static final String TOPIC = "faults";
    static final int PARTITIONS = 6;

    final BrokerCluster brokers;
    final LinkProxies network;
    final Admin admin;

    /** With {@code -Dfaults.tls=true} the matrix runs with TLS everywhere (see {@link BrokerCluster}). */
    FaultCluster(Path root) throws Exception {
        this(root, Boolean.getBoolean("faults.tls"));
    }

    /** {@code tls}: clients, replication and the controller quorum over (mutual) TLS, certificates made under root. */
    FaultCluster(Path root, boolean tls) throws Exception {
        network = new LinkProxies();
        brokers = BrokerCluster.withFaults(root, 3, Map.of("broker.session.timeout.ms", "3000", "broker.heartbeat.interval.ms", "300",
                "replica.lag.time.max.ms", "2000", "group.initial.rebalance.delay.ms", "0", "offsets.topic.num.partitions", "3",
                "auto.leader.rebalance.enable", "false", "log.scrub.interval.ms", "2000"), network,
                tls ? BrokerCluster.makeCerts(root.resolve("certs"), "broker-1", "broker-2", "broker-3", "client") : null);
        try {
            brokers.startAll();
        } catch (Exception | AssertionError e) {
            keepLogs("startup-failure-" + System.currentTimeMillis());
            brokers.close();
            network.close();
            throw e;
        }
        admin = ClusterMetadataIT.admin(brokers.bootstrap(), brokers.clientConfig());
        try {
            BrokerCluster.waitFor(() -> liveBrokers() == 3, Duration.ofSeconds(60), "three registered brokers");
            admin.createTopics(List.of(new NewTopic(TOPIC, PARTITIONS, (short) 3).configs(Map.of("min.insync.replicas", "2",
                    "segment.bytes", "32768")))).all().get(60, TimeUnit.SECONDS);
            awaitFullIsr(Duration.ofSeconds(60));
        } catch (Exception | AssertionError e) {
            keepLogs("startup-failure-" + System.currentTimeMillis());
            close();
            throw e;
        }
    }

    String bootstrap() {
        return brokers.bootstrap();
    }

    /** A verifying producer on {@link #TOPIC} with this cluster's client settings. */
    VerifyingProducer producer(String tag) {
        return new VerifyingProducer(bootstrap(), TOPIC, PARTITIONS, tag, brokers.clientConfig());
    }

    int liveBrokers() {
        try {
            return admin.describeCluster().nodes().get(10, TimeUnit.SECONDS).size();
        } catch (Exception e) {
            return -1;
        }
    }

    /** The controller quorum (Ratis) leader as DescribeCluster reports it, or -1. */
    int controller() {
        try {
            return admin.describeCluster().controller().get(10, TimeUnit.SECONDS).id();
        } catch (Exception e) {
            return -1;
        }
    }

    TopicDescription describe() throws Exception {
        return admin.describeTopics(List.of(TOPIC)).allTopicNames().get(30, TimeUnit.SECONDS).get(TOPIC);
    }

    int leaderOf(int partition) throws Exception {
        TopicPartitionInfo p = describe().partitions().get(partition);
        return p.leader() == null ? -1 : p.leader().id();
    }

    /** The partitions of {@value #TOPIC} broker {@code id} leads. */
    Set<Integer> ledBy(int id) throws Exception {
        return describe().partitions().stream().filter(p -> p.leader() != null && p.leader().id() == id)
                .map(TopicPartitionInfo::partition).collect(Collectors.toCollection(TreeSet::new));
    }

    static Set<Integer> allPartitions() {
        Set<Integer> all = new TreeSet<>();
        for (int p = 0; p < PARTITIONS; p++) {
            all.add(p);
        }
        return all;
    }

    boolean isrFull() {
        try {
            return describe().partitions().stream().allMatch(p -> p.leader() != null && p.isr().size() == 3);
        } catch (Exception e) {
            return false;
        }
    }

    void awaitFullIsr(Duration timeout) throws InterruptedException {
        BrokerCluster.waitFor(this::isrFull, timeout, () -> {
            try {
                return "every partition to have a leader and an ISR of 3: " + describe().partitions();
            } catch (Exception e) {
                return "every partition to have a leader and an ISR of 3 (describe failed: " + e + ")";
            }
        });
    }

    /** Moves leadership of every partition back to its first (preferred) replica and waits until it has. */
    void electPreferredLeaders(Duration timeout) throws Exception {
        Set<TopicPartition> tps = allPartitions().stream().map(p -> new TopicPartition(TOPIC, p)).collect(Collectors.toSet());
        BrokerCluster.waitFor(() -> {
            try {
                // Partitions already led by their preferred replica answer ELECTION_NOT_NEEDED: checked below instead.
                admin.electLeaders(ElectionType.PREFERRED, tps).partitions().get(30, TimeUnit.SECONDS);
                return describe().partitions().stream().allMatch(p -> p.leader() != null && p.leader().id() == p.replicas().get(0).id());
            } catch (Exception e) {
                return false;
            }
        }, timeout, "every partition of " + TOPIC + " to be led by its preferred replica");
    }

    /** Restarts broker {@code id} and waits until it is ready and back in every ISR. */
    void restartAndRejoin(int id) throws Exception {
        brokers.start(id);
        brokers.awaitReady(id);
        awaitFullIsr(Duration.ofSeconds(120));
    }

    /** The broker coordinating {@code group} (its __consumer_offsets partition's leader) while the group is stable, or -1. */
    int coordinatorOf(String group) {
        try {
            var d = admin.describeConsumerGroups(List.of(group)).all().get(10, TimeUnit.SECONDS).get(group);
            return d.groupState() == org.apache.kafka.common.GroupState.STABLE && d.coordinator() != null ? d.coordinator().id() : -1;
        } catch (Exception e) {
            return -1;
        }
    }

    /** The partitions of {@value #TOPIC} that have {@code id} as a follower (a replica that does not lead). */
    Set<Integer> followedBy(int id) throws Exception {
        return describe().partitions().stream().filter(p -> p.leader() != null && p.leader().id() != id
                && p.replicas().stream().anyMatch(r -> r.id() == id)).map(TopicPartitionInfo::partition)
                .collect(Collectors.toCollection(TreeSet::new));
    }

    /** Node id -> data dir of every broker. */
    Map<Integer, Path> dataDirs() {
        Map<Integer, Path> out = new java.util.TreeMap<>();
        for (int id : brokers.ids()) {
            out.put(id, brokers.dataDir(id));
        }
        return out;
    }

    /** An unlabelled or labelled sample of broker {@code id}'s /metrics, or -1 (absent, or the broker does not answer). */
    double metric(int id, String sample) {
        try {
            BrokerCluster.HttpResult r = brokers.http(id, "/metrics");
            for (String line : r.body().split("\n")) {
                if (line.startsWith(sample + " ")) {
                    return Double.parseDouble(line.substring(sample.length() + 1).trim());
                }
            }
        } catch (Exception e) {
            return -1;
        }
        return -1;
    }

    /** Settings Java clients need for this cluster (TLS with the client certificate, or nothing). */
    Map<String, Object> clientConfig() {
        return brokers.clientConfig();
    }

    /** Stops {@code producer}, waits for a full ISR and checks every acknowledged record; returns how many were read. */
    long stopAndVerify(VerifyingProducer producer) throws Exception {
        producer.stop();
        awaitFullIsr(Duration.ofSeconds(120));
        return producer.verify(bootstrap());
    }

    /**
     * Copies the brokers' logs to {@code target/fault-logs/<name>-<hhmmss>/} (the cluster's own directory is temporary),
     * with a thread dump ({@code broker-N.jstack}) of each broker still running, for stalls seen only at the end.
     */
    void keepLogs(String name) throws java.io.IOException, InterruptedException {
        Path dir = Path.of("target", "fault-logs", name + "-" + java.time.LocalTime.now().withNano(0).toString().replace(":", ""));
        java.nio.file.Files.createDirectories(dir);
        for (int id : brokers.ids()) {
            if (java.nio.file.Files.exists(brokers.logFile(id))) {
                copyTail(brokers.logFile(id), dir.resolve(brokers.logFile(id).getFileName()));
            }
            if (brokers.isRunning(id)) {
                Process jstack = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jstack").toString(),
                        Long.toString(brokers.pid(id))).redirectErrorStream(true)
                        .redirectOutput(dir.resolve("broker-" + id + ".jstack").toFile()).start();
                if (!jstack.waitFor(30, TimeUnit.SECONDS)) {
                    jstack.destroyForcibly();
                }
            }
        }
    }

    /** At most the last this many bytes of a broker's log are kept (a looping broker can log gigabytes). */
    private static final long KEPT_LOG_BYTES = 64L << 20;

    private static void copyTail(Path from, Path to) throws java.io.IOException {
        try (java.nio.channels.FileChannel in = java.nio.channels.FileChannel.open(from);
             java.nio.channels.FileChannel out = java.nio.channels.FileChannel.open(to, java.nio.file.StandardOpenOption.CREATE,
                     java.nio.file.StandardOpenOption.WRITE, java.nio.file.StandardOpenOption.TRUNCATE_EXISTING)) {
            long size = in.size();
            long start = Math.max(0, size - KEPT_LOG_BYTES);
            if (start > 0) {
                out.write(java.nio.ByteBuffer.wrap(("[" + start + " earlier bytes of " + size + " left out]\n")
                        .getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            }
            for (long pos = start; pos < size; ) {
                pos += in.transferTo(pos, size - pos, out);
            }
        }
    }

    @Override
    public void close() throws Exception {
        admin.close(Duration.ofSeconds(5));
        network.close();
        brokers.close();
    }
}
