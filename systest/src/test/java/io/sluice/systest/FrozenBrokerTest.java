package io.sluice.systest;

import java.nio.file.Path;
import java.time.Duration;

import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the tests that SIGSTOP one broker of a {@link BrokerCluster} share: the cluster, an Admin client, the id of
 * the frozen broker, and a tear-down that resumes it before closing everything (a stopped process ignores SIGTERM,
 * so closing the cluster with a broker still frozen would wait out the kill timeout).
 */
abstract class FrozenBrokerTest {
    @TempDir
    Path root;
    BrokerCluster cluster;
    Admin admin;
    /** The broker a test SIGSTOPped and has not resumed yet, or null. */
    Integer paused;

    @AfterEach
    void stopCluster() throws Exception {
        if (paused != null && cluster.isRunning(paused)) {
            cluster.resume(paused);
        }
        if (admin != null) {
            admin.close(Duration.ofSeconds(5));
        }
        if (cluster != null) {
            cluster.close();
        }
    }
}
