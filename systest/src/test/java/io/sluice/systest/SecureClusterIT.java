package io.sluice.systest;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.Node;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Three brokerd processes secured as config/cluster-3-secure is, with certificates and SASL users from its
 * make-certs.sh: one SASL_SSL listener each (also the inter-broker listener: replication authenticates with
 * SCRAM-SHA-512 as "broker" over TLS), clients as "admin", the controller quorum over mutual TLS. The cluster replicates and fails over (kill -9 of a partition leader under the
 * verifying idempotent acks=all producer: nothing acknowledged is lost, duplicated or reordered); a node whose
 * certificate comes from another CA cannot join the quorum.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class SecureClusterIT {
    @TempDir
    Path root;
    FaultCluster cluster;
    VerifyingProducer producer;

    @AfterEach
    void stop(TestInfo test) throws Exception {
        if (producer != null) {
            producer.close();
        }
        if (cluster != null) {
            cluster.keepLogs(getClass().getSimpleName() + "." + test.getTestMethod().map(m -> m.getName()).orElse("unknown"));
            cluster.close();
        }
    }

    @Test
    void replicatesAndFailsOverWithTlsEverywhere() throws Exception {
        cluster = new FaultCluster(root, true);
        for (int id : cluster.brokers.ids()) {
            assertThat(cluster.brokers.read(id)).contains("Listener SASL_SSL serves TLS").contains("CN=broker-" + id);
        }
        producer = cluster.producer("secure");
        producer.awaitMoreAcked(1_000, Duration.ofSeconds(60));
        int victim = cluster.leaderOf(0);
        cluster.brokers.kill(victim);
        long faultMs = System.currentTimeMillis();
        producer.awaitRecovery(faultMs, Set.of(0), Duration.ofSeconds(120));
        producer.awaitMoreAcked(1_000, Duration.ofSeconds(60));
        cluster.restartAndRejoin(victim);
        long read = cluster.stopAndVerify(producer);
        assertThat(read).isGreaterThanOrEqualTo(2_000);
    }

    @Test
    void aNodeWithAForeignCertificateCannotJoin() throws Exception {
        Path certs = BrokerCluster.makeCerts(root.resolve("certs"), "broker-1", "broker-2", "broker-3", "client");
        Path foreign = BrokerCluster.makeCerts(root.resolve("foreign"), "broker-3");
        BrokerCluster brokers = new BrokerCluster(root, 3, Map.of("broker.session.timeout.ms", "3000",
                "broker.heartbeat.interval.ms", "300"), certs);
        brokers.useKeystore(3, foreign.resolve("broker-3.pem"));
        try (brokers) {
            brokers.start(1);
            brokers.start(2);
            brokers.start(3);
            brokers.awaitReady(1);
            brokers.awaitReady(2);
            try (Admin admin = ClusterMetadataIT.admin(brokers.bootstrap(1), brokers.clientConfig())) {
                BrokerCluster.waitFor(() -> nodes(admin).size() == 2, Duration.ofSeconds(60), "brokers 1 and 2 registered");
                // Broker 3's Raft connections are refused both ways: its certificate is not of the cluster's CA,
                // and it does not trust theirs.
                BrokerCluster.waitFor(() -> brokers.read(3).contains("Waiting for the controller quorum"),
                        Duration.ofSeconds(60), () -> "broker 3 to be stuck outside the quorum; its log:\n" + brokers.tail(3));
                assertThat(brokers.isRunning(3)).isTrue();
                assertThat(brokers.read(3)).doesNotContain("ready in ");
                assertThat(nodes(admin)).extracting(Node::id).containsExactlyInAnyOrder(1, 2);
            }
        }
    }

    private static Collection<Node> nodes(Admin admin) {
        try {
            return admin.describeCluster().nodes().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            return java.util.List.of();
        }
    }
}
