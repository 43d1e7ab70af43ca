package io.sluice.systest;

import java.nio.file.Path;
import java.time.Duration;

import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the tests of one {@link BrokerCluster} per test share: the cluster, an Admin client, the id of a broker the
 * test SIGSTOPped, and a tear-down that resumes that broker before closing everything (a stopped process ignores
 * SIGTERM, so closing the cluster with a broker still frozen would wait out the kill timeout).
 */
abstract class ClusterTest {
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
