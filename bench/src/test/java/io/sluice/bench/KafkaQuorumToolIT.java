package io.sluice.bench;

import io.sluice.brokerd.Broker;
import io.sluice.brokerd.ControllerNode;
import io.sluice.brokerd.config.BrokerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Apache Kafka's own {@code kafka-metadata-quorum.sh} (its MetadataQuorumCommand, from {@code target/kafka-lib})
 * against brokerd with a dedicated controller (node 1) and two broker-only processes (2, 3): {@code describe --status}
 * names the controller as leader and only voter and the brokers as observers; {@code describe --replication} lists
 * one row per replica with its lag and status. Runs only with {@code -Pkafka-compare}, like SluiceAgainstKafkaIT.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class KafkaQuorumToolIT {
    @TempDir
    Path tmp;

    @Test
    void kafkaMetadataQuorumDescribesTheQuorum() throws Exception {
        int raftPort;
        try (ServerSocket s = new ServerSocket(0)) {
            raftPort = s.getLocalPort();
        }
        String voters = "1@127.0.0.1:" + raftPort;
        List<AutoCloseable> started = new ArrayList<>();
        try {
            started.add(ControllerNode.start(BrokerConfig.load(null, Map.of("node.id", "1", "process.roles", "controller",
                    "controller.quorum.voters", voters, "data.dir", tmp.resolve("c1").toString(), "metrics.listener", "127.0.0.1:0"))));
            Broker b2 = Broker.start(BrokerConfig.load(null, broker(2, voters)));
            started.add(b2);
            started.add(Broker.start(BrokerConfig.load(null, broker(3, voters))));
            String status = awaitTool(b2.bootstrapServers(), "--status", "CurrentObservers:\\s+\\[.*\"id\": 2.*\"id\": 3");
            assertThat(status).containsPattern("LeaderId:\\s+1\\b").containsPattern("LeaderEpoch:\\s+\\d+")
                    .containsPattern("HighWatermark:\\s+[1-9]\\d*").containsPattern("MaxFollowerLag:\\s+\\d+")
                    .containsPattern("CurrentVoters:\\s+\\[\\{\"id\": 1\\b.*CONTROLLER://127.0.0.1:" + raftPort);
            String replication = awaitTool(b2.bootstrapServers(), "--replication", "(?m)^3\\s.*Observer");
            assertThat(replication).containsPattern("(?m)^NodeId\\s+DirectoryId\\s+LogEndOffset\\s+Lag\\s+LastFetchTimestamp\\s+LastCaughtUpTimestamp\\s+Status")
                    .containsPattern("(?m)^1\\s+\\S+\\s+\\d+\\s+0\\s+.*Leader").containsPattern("(?m)^2\\s+\\S+\\s+\\d+\\s+\\d+\\s+.*Observer");
        } finally {
            for (int i = started.size() - 1; i >= 0; i--) {
                started.get(i).close();
            }
        }
    }

    private Map<String, String> broker(int id, String voters) {
        return Map.of("node.id", String.valueOf(id), "process.roles", "broker", "controller.quorum.voters", voters,
                "listeners", "127.0.0.1:0", "data.dir", tmp.resolve("b" + id).toString(), "metrics.listener", "127.0.0.1:0");
    }

    /** Runs {@code describe <what>} until its output matches {@code expected} (the brokers' first fetches) or 60 s pass. */
    private static String awaitTool(String bootstrap, String what, String expected) throws Exception {
        long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        String out;
        do {
            Process tool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                    Path.of(System.getProperty("basedir", "."), "target", "kafka-lib").toAbsolutePath() + "/*",
                    "org.apache.kafka.tools.MetadataQuorumCommand", "--bootstrap-server", bootstrap, "describe", what)
                    .redirectErrorStream(true).start();
            out = new String(tool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(tool.waitFor(120, TimeUnit.SECONDS)).isTrue();
            assertThat(tool.exitValue()).as(out).isZero();
            if (Pattern.compile(expected, Pattern.DOTALL).matcher(out).find()) {
                return out;
            }
            Thread.sleep(500); // the tool is a process: poll it at a modest pace until the observers have fetched
        } while (System.nanoTime() < deadlineNs);
        throw new AssertionError("kafka-metadata-quorum describe " + what + " never matched " + expected + "; last output:\n" + out);
    }
}
