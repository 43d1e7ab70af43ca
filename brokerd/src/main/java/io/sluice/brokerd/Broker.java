package io.sluice.brokerd;

import io.sluice.brokerd.api.ClusterHandlers;
import io.sluice.brokerd.api.ConfigsHandlers;
import io.sluice.brokerd.api.FetchHandler;
import io.sluice.brokerd.api.GroupHandlers;
import io.sluice.brokerd.api.MetadataHandler;
import io.sluice.brokerd.api.OffsetsHandlers;
import io.sluice.brokerd.api.ProduceHandler;
import io.sluice.brokerd.api.TopicsHandlers;
import io.sluice.brokerd.config.BrokerConfig;
import io.sluice.brokerd.config.MetaProperties;
import io.sluice.brokerd.group.GroupCoordinator;
import io.sluice.brokerd.group.LogOffsetStore;
import io.sluice.brokerd.log.LogConfig;
import io.sluice.brokerd.log.LogManager;
import io.sluice.brokerd.metrics.BrokerMetrics;
import io.sluice.brokerd.metrics.MetricsHttpServer;
import io.sluice.brokerd.metadata.BrokerIdentity;
import io.sluice.brokerd.metadata.TopicRegistry;
import io.sluice.brokerd.network.ApiRegistry;
import io.sluice.brokerd.network.NetworkServer;
import io.sluice.brokerd.producer.ProducerIdManager;
import io.sluice.brokerd.replica.DelayedFetches;
import io.sluice.brokerd.replica.ReplicaManager;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Wires one broker together (config, logs, metadata, handlers, network) and owns its lifecycle. All wiring lives
 * here; logic lives in the packages. Start order: meta.properties, logs (recovery), topic registry, handlers,
 * listener; shutdown runs it backwards so in-flight requests are answered before the logs close.
 */
public final class Broker implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Broker.class);
    private static final long MAX_MAINTENANCE_INTERVAL_MS = 5_000;
    /** Resolution of session timeouts and rebalance deadlines. */
    private static final long GROUP_POLL_INTERVAL_MS = 100;

    private final BrokerConfig config;
    private final MetaProperties meta;
    private final LogManager logManager;
    private final ExecutorService requestExecutor;
    private final ScheduledExecutorService scheduler;
    /** Compaction gets its own thread: a long pass must not delay fetch expiry or group timers. */
    private final ScheduledExecutorService cleaner;
    private final NetworkServer network;
    private final InetSocketAddress bound;
    private final BrokerIdentityHolder identity = new BrokerIdentityHolder();
    private final BrokerMetrics metrics = new BrokerMetrics();
    private final MetricsHttpServer metricsHttp;
    private volatile boolean ready;
    private boolean closed;

    private Broker(BrokerConfig config) throws InterruptedException {
        this.config = config;
        Clock clock = Clock.systemUTC();
        String advertisedHost = config.advertisedHost();
        this.meta = MetaProperties.loadOrCreate(config);
        TopicRegistry registry = TopicRegistry.open(config.dataDir(), config.topicDefaults());
        this.requestExecutor = Executors.newFixedThreadPool(config.numIoThreads(), new DefaultThreadFactory("sluice-request", true));
        this.scheduler = Executors.newSingleThreadScheduledExecutor(new DefaultThreadFactory("sluice-scheduler", true));
        this.cleaner = Executors.newSingleThreadScheduledExecutor(new DefaultThreadFactory("sluice-cleaner", true));
        this.logManager = LogManager.open(config.dataDir(), topic -> LogConfig.from(registry.effectiveConfig(topic)), clock,
                config.fsyncAlways());
        // After the data-dir lock, so a second brokerd is told about the lock rather than a busy metrics port.
        this.metricsHttp = startMetricsListenerOrClose(config, logManager);
        NetworkServer server = null;
        try {
            server = wire(config, clock, registry);
            this.bound = server.start();
        } catch (RuntimeException | InterruptedException e) {
            if (server != null) {
                server.close(0);
            }
            requestExecutor.shutdownNow();
            scheduler.shutdownNow();
            cleaner.shutdownNow();
            logManager.close();
            if (metricsHttp != null) {
                metricsHttp.close();
            }
            throw e;
        }
        this.network = server;
        int port = config.advertisedPort() >= 0 ? config.advertisedPort() : bound.getPort();
        identity.set(new BrokerIdentity(meta.nodeId(), meta.clusterId(), advertisedHost, port));

        long intervalMs = Math.min(config.retentionCheckIntervalMs(), MAX_MAINTENANCE_INTERVAL_MS);
        scheduler.scheduleWithFixedDelay(this::maintain, intervalMs, intervalMs, TimeUnit.MILLISECONDS);
        cleaner.scheduleWithFixedDelay(() -> logManager.clean(System.currentTimeMillis()), config.cleanerBackoffMs(),
                config.cleanerBackoffMs(), TimeUnit.MILLISECONDS);
        if (metricsHttp != null) {
            metricsHttp.serve(metrics.registry(), () -> ready,
                    () -> logManager.logs().stream().noneMatch(io.sluice.brokerd.log.PartitionLog::isFailed));
        }
        ready = true;
    }

    private static MetricsHttpServer startMetricsListenerOrClose(BrokerConfig config, LogManager logs) {
        String listener = config.metricsListener();
        if (listener.isEmpty()) {
            return null;
        }
        int colon = listener.lastIndexOf(':');
        try {
            return new MetricsHttpServer(listener.substring(0, colon), Integer.parseInt(listener.substring(colon + 1)));
        } catch (java.io.IOException e) {
            logs.close();
            throw new java.io.UncheckedIOException("cannot bind metrics.listener " + listener + ": " + e.getMessage(), e);
        }
    }

    /** The metrics listener's bound address, or null when it is off. */
    public InetSocketAddress metricsAddress() {
        return metricsHttp == null ? null : metricsHttp.address();
    }

    private NetworkServer wire(BrokerConfig config, Clock clock, TopicRegistry registry) {
        ReplicaManager replicas = new ReplicaManager(logManager, registry);
        registry.addListener(replicas);
        replicas.reconcile();

        DelayedFetches delayedFetches = new DelayedFetches(scheduler);
        replicas.addAppendListener(delayedFetches::onAppend);

        GroupCoordinator groups = new GroupCoordinator(config.groupConfig(),
                new LogOffsetStore(registry, replicas, config.offsetsTopicPartitions()));
        groups.load(clock.millis());
        scheduler.scheduleWithFixedDelay(() -> pollGroups(groups, clock), GROUP_POLL_INTERVAL_MS, GROUP_POLL_INTERVAL_MS,
                TimeUnit.MILLISECONDS);

        ApiRegistry apis = new ApiRegistry();
        new GroupHandlers(groups, registry, identity::get, clock).register(apis);
        new ProduceHandler(registry, replicas, clock, metrics).register(apis);
        new FetchHandler(registry, replicas, delayedFetches, metrics).register(apis);
        new OffsetsHandlers(registry, replicas, new ProducerIdManager(config.dataDir())).register(apis);
        new MetadataHandler(identity::get, registry, config.autoCreateTopics(), config.numPartitions()).register(apis);
        new TopicsHandlers(registry, config.numPartitions(), config.defaultReplicationFactor()).register(apis);
        new ConfigsHandlers(registry, meta.nodeId(), config.all()).register(apis);
        new ClusterHandlers(identity::get, registry, replicas, config.dataDir()).register(apis);

        NetworkServer server = new NetworkServer(config.networkConfig(), apis, clock, requestExecutor, metrics);
        metrics.registerBroker(logManager, replicas, groups, delayedFetches::parkedCount, server::connectionCount,
                config.metricsPerPartition());
        return server;
    }

    /** The advertised identity, known once the listener is bound. */
    private static final class BrokerIdentityHolder {
        private volatile BrokerIdentity identity;

        BrokerIdentity get() {
            return identity;
        }

        void set(BrokerIdentity identity) {
            this.identity = identity;
        }
    }

    private static void pollGroups(GroupCoordinator groups, Clock clock) {
        try {
            groups.poll(clock.millis());
        } catch (RuntimeException e) {
            log.error("Group coordinator timers failed; retrying", e);
        }
    }

    private void maintain() {
        try {
            logManager.maintain(System.currentTimeMillis());
        } catch (RuntimeException e) {
            log.error("Log maintenance failed; retrying at the next interval", e);
        }
    }

    /** Starts a broker and returns once it serves requests on its listener. */
    public static Broker start(BrokerConfig config) {
        try {
            return new Broker(config);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting", e);
        }
    }

    /** The bound listener address (the real port when configured with port 0). */
    public InetSocketAddress boundAddress() {
        return bound;
    }

    /** {@code host:port} for clients' bootstrap.servers. */
    public String bootstrapServers() {
        return bound.getHostString() + ":" + bound.getPort();
    }

    public int nodeId() {
        return meta.nodeId();
    }

    public String clusterId() {
        return meta.clusterId();
    }

    public BrokerConfig config() {
        return config;
    }

    /** Clean shutdown: stop accepting, answer in-flight requests, flush segments, write checkpoints and marker. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        ready = false;
        network.close(config.shutdownTimeoutMs());
        requestExecutor.shutdown();
        scheduler.shutdown();
        cleaner.shutdown();
        try {
            if (!requestExecutor.awaitTermination(config.shutdownTimeoutMs(), TimeUnit.MILLISECONDS)) {
                log.warn("Request threads still busy after {} ms; closing the logs anyway", config.shutdownTimeoutMs());
            }
            scheduler.awaitTermination(config.shutdownTimeoutMs(), TimeUnit.MILLISECONDS);
            cleaner.awaitTermination(config.shutdownTimeoutMs(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        logManager.close();
        if (metricsHttp != null) {
            metricsHttp.close();
        }
    }
}
