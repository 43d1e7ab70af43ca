package io.sluice.brokerd;

import io.sluice.brokerd.config.BrokerConfig;
import io.sluice.brokerd.config.ConfigException;
import io.sluice.brokerd.config.MetaProperties;
import io.sluice.brokerd.controller.QuorumController;
import io.sluice.brokerd.log.LogConfig;
import io.sluice.brokerd.log.LogManager;
import io.sluice.brokerd.metrics.BrokerMetrics;
import io.sluice.brokerd.metrics.MetricsHttpServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.Map;
import java.util.Optional;

/**
 * A dedicated controller ({@code process.roles: controller}): a voter of the controller quorum and nothing else. It
 * holds the data-dir lock, meta.properties and {@code __controller}, but no partition logs, no Kafka listener and no
 * broker registration, so it never leads or follows a partition. Kafka's dedicated controllers answer a handful of
 * APIs on a controller listener; here brokers answer those (DescribeQuorum asks the quorum leader), so a controller
 * speaks only Raft. While it leads the quorum it fences brokers whose lease expired and moves leaderships back to
 * preferred replicas. Its metrics listener, when set, serves /metrics and /health (503 until it has joined the quorum).
 */
public final class ControllerNode implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ControllerNode.class);

    private final LogManager dataDir;
    private final QuorumController quorum;
    private final MetricsHttpServer metricsHttp;
    private final String clusterId;
    private final int nodeId;
    private volatile boolean ready;
    private boolean closed;

    private ControllerNode(BrokerConfig config) throws InterruptedException {
        Optional<MetaProperties> existingMeta = MetaProperties.loadExisting(config);
        // The data-dir lock, as a broker takes it; a controller's data dir holds no partition logs.
        this.dataDir = LogManager.open(config.dataDir(), topic -> LogConfig.from(Map.of()), Clock.systemUTC());
        if (!dataDir.logs().isEmpty()) {
            int n = dataDir.logs().size();
            dataDir.close();
            throw new ConfigException("data dir " + config.dataDir() + " holds " + n + " partition logs but 'process.roles' is "
                    + "controller: a dedicated controller holds none; give it its own data.dir");
        }
        this.metricsHttp = Broker.startMetricsListenerOrClose(config, dataDir, null);
        QuorumController q = null;
        try {
            q = QuorumController.start(config.controllerConfig());
            this.clusterId = Broker.joinCluster(q, config, existingMeta);
            MetaProperties meta = existingMeta.orElseGet(() -> MetaProperties.write(config, clusterId));
            this.nodeId = meta.nodeId();
            q.startLeaseChecks();
            if (config.leaderRebalanceIntervalMs() > 0) {
                q.startPreferredLeaderRebalance(config.leaderRebalanceIntervalMs());
            }
        } catch (RuntimeException | InterruptedException e) {
            if (q != null) {
                q.close();
            }
            if (metricsHttp != null) {
                metricsHttp.close();
            }
            dataDir.close();
            throw e;
        }
        this.quorum = q;
        if (metricsHttp != null) {
            metricsHttp.serve(new BrokerMetrics().registry(), () -> ready, () -> "");
        }
        ready = true;
        log.info("Dedicated controller {} joined the quorum {} (cluster {})", nodeId, config.controllerConfig().voters(), clusterId);
    }

    /** Starts a dedicated controller; returns once it has joined the quorum and knows the cluster id. */
    public static ControllerNode start(BrokerConfig config) {
        try {
            return new ControllerNode(config);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting", e);
        }
    }

    public int nodeId() {
        return nodeId;
    }

    public String clusterId() {
        return clusterId;
    }

    /** The quorum member, for tests. */
    public QuorumController quorum() {
        return quorum;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        ready = false;
        quorum.close();
        if (metricsHttp != null) {
            metricsHttp.close();
        }
        dataDir.close();
    }
}
