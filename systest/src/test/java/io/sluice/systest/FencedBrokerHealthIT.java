package io.sluice.systest;

import io.sluice.ctl.SluiceCommand;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * /health of a broker the controller fences, with the controller links cut by {@link LinkProxies} (three brokers, a
 * 3 s broker session): 503 naming the cause while the controller keeps it fenced, and 200 again once the links heal
 * and it has registered again; {@code sluice cluster health} (asking the other brokers) shows it down meanwhile.
 * <p>
 * Two cuts: only the broker's own connections to the quorum (its heartbeats fail, but the quorum leader still
 * replicates to it, so its image shows its fencing: "fenced by the controller"); and every controller link both ways
 * (its image is stale and cannot show the fencing: "no heartbeat accepted by the controller for N ms").
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class FencedBrokerHealthIT {
    @TempDir
    static Path root;
    private static FaultCluster cluster;

    @BeforeAll
    static void start() throws Exception {
        cluster = new FaultCluster(root, false);
    }

    @AfterAll
    static void stop() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void fencedInItsOwnImageWhenOnlyItsHeartbeatsAreCut() throws Exception {
        int victim = notTheQuorumLeader();
        for (int other : cluster.brokers.ids()) {
            if (other != victim) {
                cluster.network.add(new LinkProxies.Rule(victim, other, LinkProxies.Link.CONTROLLER, LinkProxies.Fault.CUT_OPENED, 0));
            }
        }
        try {
            String body = awaitHealth(victim, 503, "fenced by the controller");
            assertThat(body).contains("no heartbeat accepted by the controller for");
            Run health = awaitClusterHealth(victim, 4, "broker " + victim + " down");
            String brokers = health.out().substring(health.out().indexOf("BROKER  "));
            brokers = brokers.substring(0, brokers.indexOf("\n\n"));
            assertThat(brokers).as("the fenced broker is not in the BROKER table").doesNotContain("\n" + victim + " ");
        } finally {
            cluster.network.heal();
        }
        awaitHealthy(victim);
    }

    @Test
    void staleImageStillShowsTheMissingHeartbeatsWhenCutOffFromTheQuorum() throws Exception {
        int victim = notTheQuorumLeader();
        for (int other : cluster.brokers.ids()) {
            if (other != victim) {
                cluster.network.bothWays(victim, other, LinkProxies.Link.CONTROLLER, LinkProxies.Fault.CUT, 0);
            }
        }
        try {
            String body = awaitHealth(victim, 503, "no heartbeat accepted by the controller for");
            assertThat(body).contains("broker.session.timeout.ms 3000");
            awaitClusterHealth(victim, 4, "broker " + victim + " down");
        } finally {
            cluster.network.heal();
        }
        awaitHealthy(victim);
    }

    private static int notTheQuorumLeader() throws InterruptedException {
        BrokerCluster.waitFor(() -> cluster.controller() > 0, Duration.ofSeconds(30), "DescribeCluster to name the controller");
        int leader = cluster.controller();
        return cluster.brokers.ids().stream().filter(id -> id != leader).findFirst().orElseThrow();
    }

    /** Back to health: /health 200 on the victim, every partition in a full ISR, sluice cluster health exit 0. */
    private static void awaitHealthy(int victim) throws Exception {
        awaitHealth(victim, 200, "healthy");
        cluster.awaitFullIsr(Duration.ofSeconds(120));
        awaitClusterHealth(victim, 0, "HEALTHY      true");
    }

    /** Waits until broker {@code id}'s /health answers {@code status} with a body containing {@code text}; the body. */
    private static String awaitHealth(int id, int status, String text) throws InterruptedException {
        AtomicReference<String> last = new AtomicReference<>("(no answer)");
        BrokerCluster.waitFor(() -> {
            try {
                BrokerCluster.HttpResult r = cluster.brokers.http(id, "/health");
                last.set(r.status() + " " + r.body().trim());
                return r.status() == status && r.body().contains(text);
            } catch (Exception e) {
                last.set(e.toString());
                return false;
            }
        }, Duration.ofSeconds(60), () -> "broker " + id + "'s /health to answer " + status + " with \"" + text + "\"; last: " + last.get());
        return last.get();
    }

    private record Run(int exit, String out, String err) {
    }

    /** Runs {@code sluice cluster health} against the brokers other than {@code victim} until it exits so and says {@code text}. */
    private static Run awaitClusterHealth(int victim, int exit, String text) throws InterruptedException {
        String others = String.join(",", cluster.brokers.ids().stream().filter(id -> id != victim)
                .map(cluster.brokers::bootstrap).toList());
        AtomicReference<Run> last = new AtomicReference<>();
        BrokerCluster.waitFor(() -> {
            CommandLine cmd = SluiceCommand.commandLine();
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            cmd.setOut(new PrintWriter(out));
            cmd.setErr(new PrintWriter(err));
            Run r = new Run(cmd.execute("--brokers", others, "--timeout", "10", "cluster", "health"), out.toString(), err.toString());
            last.set(r);
            return r.exit() == exit && r.out().contains(text);
        }, Duration.ofSeconds(120), () -> "sluice cluster health to exit " + exit + " saying \"" + text + "\"; last: " + last.get());
        return last.get();
    }
}
