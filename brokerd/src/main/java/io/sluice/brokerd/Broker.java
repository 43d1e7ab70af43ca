package io.sluice.brokerd;

import io.sluice.brokerd.coordinator.ReplicatedCoordinatorLog;
import io.sluice.brokerd.api.ClusterHandlers;
import io.sluice.brokerd.api.ConfigsHandlers;
import io.sluice.brokerd.api.FetchHandler;
import io.sluice.brokerd.api.GroupHandlers;
import io.sluice.brokerd.api.MetadataHandler;
import io.sluice.brokerd.api.OffsetsHandlers;
import io.sluice.brokerd.api.ProducersHandler;
import io.sluice.brokerd.api.ProduceHandler;
import io.sluice.brokerd.api.TopicsHandlers;
import io.sluice.brokerd.api.TransactionHandlers;
import io.sluice.brokerd.api.TxnMarkerChannel;
import io.sluice.brokerd.txn.TransactionCoordinator;
import io.sluice.brokerd.common.Fatal;
import io.sluice.brokerd.config.BrokerConfig;
import io.sluice.brokerd.config.DynamicBrokerConfig;
import io.sluice.brokerd.config.MetaProperties;
import io.sluice.brokerd.api.ElectLeadersHandler;
import io.sluice.brokerd.api.FollowerFetchClient;
import io.sluice.brokerd.api.ReassignmentHandlers;
import io.sluice.brokerd.controller.LegacyMetadataImport;
import io.sluice.brokerd.controller.MetadataCommand;
import io.sluice.brokerd.controller.QuorumController;
import io.sluice.brokerd.group.GroupCoordinator;
import io.sluice.brokerd.log.LogCleaner;
import io.sluice.brokerd.log.LogConfig;
import io.sluice.brokerd.log.LogManager;
import io.sluice.brokerd.api.AclHandlers;
import io.sluice.brokerd.api.ApiAuthorization;
import io.sluice.brokerd.api.ClusterActionCheck;
import io.sluice.brokerd.api.RequestAuthorizer;
import io.sluice.brokerd.auth.Authorizer;
import io.sluice.brokerd.metrics.BrokerMetrics;
import io.sluice.brokerd.metrics.MetricsHttpServer;
import io.sluice.brokerd.metadata.BrokerIdentity;
import io.sluice.brokerd.metadata.InternalTopics;
import io.sluice.brokerd.metadata.TopicRegistry;
import io.sluice.brokerd.network.ApiRegistry;
import io.sluice.brokerd.network.InterBrokerClient;
import io.sluice.brokerd.network.ListenerConfig;
import io.sluice.brokerd.network.NetworkServer;
import io.sluice.brokerd.config.Listeners;
import io.sluice.brokerd.metadata.Endpoint;
import io.sluice.brokerd.security.SslFactory;
import io.sluice.brokerd.producer.ProducerIdManager;
import io.sluice.brokerd.replica.DelayedFetches;
import io.sluice.brokerd.replica.ReplicaManager;
import io.sluice.brokerd.replica.ReplicationQuota;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Wires one broker together (config, logs, controller, metadata, handlers, network) and owns its lifecycle. All
 * wiring lives here; logic lives in the packages. Start order: meta.properties, logs (recovery), controller quorum
 * (waits until this broker's metadata image is current), logs reconciled with it, group offsets loaded, handlers,
 * listener, broker registration. Shutdown first fences this broker (its leaderships move), then runs the start
 * order backwards so in-flight requests are answered before the logs close.
 */
public final class Broker implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Broker.class);
    private static final long MAX_MAINTENANCE_INTERVAL_MS = 5_000;
    /** Longest a __transaction_state write waits for the in-sync replicas (Kafka's request.timeout.ms default). */
    private static final long TXN_STATE_WRITE_TIMEOUT_MS = 30_000;
    /** Resolution of session timeouts and rebalance deadlines. */
    private static final long GROUP_POLL_INTERVAL_MS = 100;

    private final BrokerConfig config;
    private final MetaProperties meta;
    private final LogManager logManager;
    private final ExecutorService requestExecutor;
    /**
     * Timers only (ISR checks, group sessions, long-poll and acks=all expiry): nothing here touches the disk (offset
     * expiry, which appends, runs on {@link #logMaintenance}).
     */
    private final ScheduledExecutorService scheduler;
    /**
     * Log maintenance (roll, retention, flush.ms, checkpoints, file deletion), the logs' background fsyncs and the
     * expiry of group offsets (tombstones appended to __consumer_offsets): this thread may wait on a slow disk (or a
     * compaction swap) for as long as it takes, and no timer waits with it.
     */
    private final ScheduledExecutorService logMaintenance;
    /** Compaction gets its own thread: a long pass must not delay fetch expiry or group timers. */
    private final ScheduledExecutorService cleaner;
    /** Scrubs closed segments for damaged batches; never interrupted (see {@link io.sluice.brokerd.log.LogScrubber}). */
    private final ScheduledExecutorService scrubbing;
    private final io.sluice.brokerd.log.LogScrubber scrubber;
    private final QuorumController controller;
    /** ISR proposals wait for the controller: never on the timers or a request thread. */
    private final ExecutorService isrExecutor = Executors.newSingleThreadExecutor(new DefaultThreadFactory("sluice-isr", true));
    /** Tells the group coordinator about __consumer_offsets leadership moves (off the replica manager's lock). */
    private final ExecutorService groupLoader = Executors.newSingleThreadExecutor(new DefaultThreadFactory("sluice-group-loader", true));
    /**
     * Reads __consumer_offsets partitions into the coordinator, one at a time. Never interrupted: an interrupt in a
     * FileChannel read closes the segment's channel; on shutdown queued loads are dropped and the running one waited for.
     */
    private final ThreadPoolExecutor groupLoads = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
            new java.util.concurrent.LinkedBlockingQueue<>(), new DefaultThreadFactory("sluice-group-load", true));
    /**
     * Reads __transaction_state partitions into the transaction coordinator, one at a time (never interrupted, as
     * {@link #groupLoads}).
     */
    private final ThreadPoolExecutor txnLoads = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
            new java.util.concurrent.LinkedBlockingQueue<>(), new DefaultThreadFactory("sluice-txn-load", true));
    /** Completes coordinator writes once replicated (outside the purgatory's locks; see ReplicatedCoordinatorLog). */
    private final ExecutorService offsetWrites = Executors.newSingleThreadExecutor(new DefaultThreadFactory("sluice-offset-writes", true));
    private ReplicaManager replicaManager;
    private InterBrokerClient interBroker;
    private final String clusterId;
    private final NetworkServer network;
    /** Each listener's bound address by name, in configuration order. */
    private final Map<String, InetSocketAddress> bound;
    /** TLS server side of each SSL listener by name; reloaded every ssl.reload.check.interval.ms. */
    private final Map<String, SslFactory> listenerSsl;
    private final BrokerIdentityHolder identity = new BrokerIdentityHolder();
    private final BrokerMetrics metrics = new BrokerMetrics();
    private final MetricsHttpServer metricsHttp;
    private volatile boolean ready;
    private volatile boolean closed;
    /** Null unless the broker runs with fault injection (tests, the fault matrix). */
    private final FaultInjection faults;
    /**
     * Wall-clock time: record timestamps, retention, segment age, group sessions and offset commit times (as Kafka).
     * Durations the cluster's safety rests on (leases, replica lag, backoffs) use {@link io.sluice.brokerd.common.MonotonicClock}.
     */
    private final Clock wallClock;

    private Broker(BrokerConfig config, FaultInjection faults) throws InterruptedException {
        this.config = config;
        this.faults = faults;
        Clock clock = faults != null ? faults.clock() : Clock.systemUTC();
        this.wallClock = clock;
        config.checkStartable();
        this.listenerSsl = tlsListeners(config);
        SslFactory interBrokerSsl = listenerSsl.get(config.interBrokerListenerName());
        // meta.properties is written once the quorum has told this broker its cluster id.
        java.util.Optional<MetaProperties> existingMeta = MetaProperties.loadExisting(config);
        AtomicReference<TopicRegistry> registryRef = new AtomicReference<>();
        this.requestExecutor = Executors.newFixedThreadPool(config.numIoThreads(), new DefaultThreadFactory("sluice-request", true));
        this.scheduler = newScheduler();
        this.logMaintenance = Executors.newSingleThreadScheduledExecutor(new DefaultThreadFactory("sluice-log-maintenance", true));
        this.cleaner = Executors.newSingleThreadScheduledExecutor(new DefaultThreadFactory("sluice-cleaner", true));
        this.scrubbing = Executors.newSingleThreadScheduledExecutor(new DefaultThreadFactory("sluice-log-scrubber", true));
        this.scrubber = new io.sluice.brokerd.log.LogScrubber(config.scrubBytesPerSecond());
        // Logs open with default configs until the metadata is current; reconcile() then applies each topic's own,
        // before retention or compaction first runs.
        java.util.function.Function<String, LogConfig> topicConfigs = topic -> registryRef.get() == null ? LogConfig.from(Map.of())
                : LogConfig.from(registryRef.get().effectiveConfig(topic));
        this.logManager = faults == null
                ? LogManager.open(config.dataDir(), topicConfigs, clock, config.fsyncAlways(), logMaintenance)
                : LogManager.open(config.dataDir(), topicConfigs, clock, config.fsyncAlways(), logMaintenance, faults.disk());
        // After the data-dir lock, so a second brokerd is told about the lock rather than a busy port.
        SslFactory metricsSsl = null;
        if (config.metricsHttps() && !config.metricsListener().isEmpty()) {
            metricsSsl = sslFactoryOrConfigError(() -> SslFactory.create(config.metricsSsl(), true), logManager);
        }
        this.metricsHttp = startMetricsListenerOrClose(config, logManager, metricsSsl);
        QuorumController quorum = null;
        NetworkServer server = null;
        try {
            // The controller quorum runs over mutual TLS exactly when the inter-broker listener speaks TLS.
            quorum = QuorumController.start(config.controllerConfig(), interBrokerSsl);
            TopicRegistry registry = new TopicRegistry(quorum, config.topicDefaults());
            registryRef.set(registry);
            this.clusterId = joinCluster(quorum, config, existingMeta);
            refuseIfMetadataLost(config, existingMeta.isPresent(), quorum.image(), logManager.logs().size());
            this.meta = existingMeta.orElseGet(() -> MetaProperties.write(config, clusterId));
            LegacyMetadataImport.run(config.dataDir(), quorum, config.controllerConfig().requestTimeoutMs());
            maybeBootstrapUsers(config, quorum);
            server = wire(config, clock, registry, quorum, interBrokerSsl);
            this.bound = server.start();
            List<Endpoint> endpoints = advertisedEndpoints(config, bound);
            Endpoint interBroker = endpoints.stream().filter(e -> e.listener().equals(config.interBrokerListenerName()))
                    .findFirst().orElseThrow();
            identity.set(new BrokerIdentity(meta.nodeId(), clusterId, interBroker.host(), interBroker.port(), endpoints));
            quorum.register(interBroker.host(), interBroker.port(), config.rack(), endpoints,
                    config.controllerConfig().requestTimeoutMs());
            if (config.leaderRebalanceIntervalMs() > 0) {
                quorum.startPreferredLeaderRebalance(config.leaderRebalanceIntervalMs());
            }
        } catch (RuntimeException | InterruptedException e) {
            if (server != null) {
                server.close(0);
            }
            if (replicaManager != null) {
                replicaManager.close();
            }
            if (interBroker != null) {
                interBroker.close();
            }
            isrExecutor.shutdownNow();
            groupLoader.shutdownNow();
            stopGroupLoads();
            offsetWrites.shutdownNow();
            requestExecutor.shutdownNow();
            scheduler.shutdownNow();
            logMaintenance.shutdownNow();
            cleaner.shutdownNow();
            scrubber.stop();
            scrubbing.shutdown();
            if (quorum != null) {
                quorum.close();
            }
            logManager.close();
            if (metricsHttp != null) {
                metricsHttp.close();
            }
            throw e;
        }
        this.controller = quorum;
        this.network = server;

        List<SslFactory> reloadable = new ArrayList<>(listenerSsl.values());
        if (metricsSsl != null) {
            reloadable.add(metricsSsl);
        }
        if (!reloadable.isEmpty()) {
            scheduler.scheduleWithFixedDelay(timer("TLS key material check", () -> reloadable.forEach(SslFactory::maybeReload)),
                    config.sslReloadCheckIntervalMs(),
                    config.sslReloadCheckIntervalMs(), TimeUnit.MILLISECONDS);
        }
        long intervalMs = Math.min(config.retentionCheckIntervalMs(), MAX_MAINTENANCE_INTERVAL_MS);
        logMaintenance.scheduleWithFixedDelay(timer("Log maintenance", () -> logManager.maintain(wallClock.millis())),
                intervalMs, intervalMs, TimeUnit.MILLISECONDS);
        LogCleaner logCleaner = new LogCleaner(config.cleanerDedupeBufferBytes());
        cleaner.scheduleWithFixedDelay(timer("Log compaction", () -> logManager.clean(logCleaner, clock.millis())),
                config.cleanerBackoffMs(), config.cleanerBackoffMs(), TimeUnit.MILLISECONDS);
        if (config.scrubIntervalMs() > 0) {
            scrubbing.scheduleWithFixedDelay(timer("Scrubbing the logs", () -> scrubber.scrub(logManager.logs(),
                    replicaManager::onDamagedBatch)), config.scrubIntervalMs(), config.scrubIntervalMs(), TimeUnit.MILLISECONDS);
        }
        if (metricsHttp != null) {
            TopicRegistry registry = registryRef.get();
            metricsHttp.serve(metrics.registry(), () -> ready, () -> problems(registry));
            if (faults != null) {
                metricsHttp.serveFaults(faults::apply);
            }
        }
        if (faults != null) {
            log.warn("Fault injection is on (-D{}=true): the metrics listener's /faults endpoint can break this broker's "
                    + "disk and clock. For tests only", io.sluice.brokerd.log.DiskFaults.SYSTEM_PROPERTY);
        }
        logManager.health().onOffline(cause -> isrExecutor.execute(() -> reportLogDirOffline(cause)));
        ready = true;
    }

    /**
     * What /health reports: this broker's standing with the controller (fenced, or no heartbeat accepted for a
     * session), the log directory's state, partitions without a leader and damaged batches; empty when all is well.
     */
    private String problems(TopicRegistry registry) {
        StringBuilder sb = new StringBuilder();
        String session = controller.sessionProblem();
        if (!session.isEmpty()) {
            sb.append(session).append("; ");
        }
        io.sluice.brokerd.log.LogDirHealth health = logManager.health();
        if (health.state() == io.sluice.brokerd.log.LogDirHealth.State.OFFLINE) {
            sb.append("log directory ").append(health.dir()).append(" is offline (").append(health.cause()).append("); ")
                    .append(logManager.logs().size()).append(" partitions offline; ");
        } else if (health.state() == io.sluice.brokerd.log.LogDirHealth.State.FULL) {
            sb.append("log directory ").append(health.dir()).append(" is full (").append(health.cause()).append("); ");
        }
        long leaderless = leaderlessPartitions(registry);
        if (leaderless > 0) {
            sb.append(leaderless).append(" partitions without a leader; ");
        }
        for (io.sluice.brokerd.log.PartitionLog pl : logManager.logs()) {
            if (pl.damagedBatch() != null) {
                sb.append(pl.topicPartition()).append(" is damaged from offset ").append(pl.damagedBatch().fromOffset())
                        .append(" on this leader; ");
            }
        }
        return sb.isEmpty() ? "" : sb.substring(0, sb.length() - 2);
    }

    /**
     * The log directory went offline: parked requests are answered, and the controller is told, so that it moves
     * this broker's leaderships to other in-sync replicas and takes it out of the ISRs. Retried until the controller
     * has committed it (or the broker stops): until then this broker still leads its partitions, answering
     * KAFKA_STORAGE_ERROR. Runs on the thread of ISR proposals, which also waits for the controller.
     */
    private void reportLogDirOffline(String cause) {
        replicaManager.onLogDirOffline();
        logManager.releaseOfflineLogs();
        long backoffMs = 500;
        while (!closed) {
            io.sluice.brokerd.controller.CommandResult r = controller.submit(new MetadataCommand.LogDirOffline(meta.nodeId(),
                    controller.incarnation(), config.dataDir().toString(), cause), config.controllerConfig().requestTimeoutMs());
            if (r.isOk()) {
                log.info("The controller took this broker's replicas in {} offline; their leaderships move to in-sync replicas",
                        config.dataDir());
                return;
            }
            log.warn("Telling the controller that {} is offline failed ({}: {}); retrying", config.dataDir(), r.error(), r.message());
            try {
                Thread.sleep(backoffMs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            backoffMs = Math.min(backoffMs * 2, 5_000);
        }
    }

    /**
     * Waits for the controller quorum (as long as it takes: a broker of a cluster started one by one waits for the
     * others) and returns the cluster id. A fresh data dir adopts the quorum's id; an existing one must match it.
     */
    static String joinCluster(QuorumController quorum, BrokerConfig config, java.util.Optional<MetaProperties> meta)
            throws InterruptedException {
        long timeoutMs = config.controllerConfig().requestTimeoutMs();
        String proposed = meta.map(MetaProperties::clusterId)
                .orElse(config.clusterId().isEmpty() ? MetaProperties.newClusterId() : config.clusterId());
        while (true) {
            try {
                String id = quorum.initCluster(proposed, timeoutMs);
                if (meta.isPresent() && !id.equals(meta.get().clusterId())) {
                    throw new io.sluice.brokerd.config.ConfigException("data dir " + config.dataDir() + " belongs to cluster "
                            + meta.get().clusterId() + " but the controller quorum's cluster is " + id);
                }
                if (!config.clusterId().isEmpty() && !id.equals(config.clusterId())) {
                    throw new io.sluice.brokerd.config.ConfigException("config key 'cluster.id' is " + config.clusterId()
                            + " but the controller quorum's cluster is " + id);
                }
                return id;
            } catch (IllegalStateException e) {
                log.warn("Waiting for the controller quorum {}: {}", config.controllerConfig().voters(), e.getMessage());
            }
            if (Thread.interrupted()) {
                throw new InterruptedException("interrupted while waiting for the controller quorum");
            }
        }
    }

    /**
     * Proposes the users of {@code sasl.bootstrap.users.file} while the cluster has no SCRAM credential (the
     * controller applies them only then: see {@link io.sluice.brokerd.security.BootstrapUsers}).
     */
    private static void maybeBootstrapUsers(BrokerConfig config, QuorumController quorum) {
        Map<String, String> users = config.saslBootstrapUsers();
        if (users.isEmpty()) {
            return;
        }
        if (!quorum.image().scramCredentials().isEmpty()) {
            log.info("sasl.bootstrap.users.file {} not applied: the cluster has SCRAM users already", config.saslBootstrapUsersFile());
            return;
        }
        List<io.sluice.brokerd.security.ScramMechanism> mechanisms = config.saslBootstrapMechanisms();
        io.sluice.brokerd.controller.CommandResult r = quorum.submit(io.sluice.brokerd.security.BootstrapUsers.command(users,
                mechanisms, new java.security.SecureRandom()), config.controllerConfig().requestTimeoutMs());
        if (!r.isOk()) {
            throw new IllegalStateException("cannot store the users of sasl.bootstrap.users.file " + config.saslBootstrapUsersFile()
                    + " in the controller metadata: " + r.message());
        }
        if (r.value() == 1) {
            log.info("Created {} bootstrap SCRAM user(s) {} ({}) from sasl.bootstrap.users.file {}", users.size(), users.keySet(),
                    mechanisms.stream().map(io.sluice.brokerd.security.ScramMechanism::mechanismName).toList(),
                    config.saslBootstrapUsersFile());
        } else {
            log.info("sasl.bootstrap.users.file {} not applied: another broker created SCRAM users first", config.saslBootstrapUsersFile());
        }
    }

    /**
     * Refuses a data dir that has been part of the cluster (meta.properties) and holds partition logs when the quorum
     * it joined has never registered a broker nor a topic: the controller metadata is gone (the {@code __controller}
     * directory of a single node, or of a majority of voters, was lost) though the cluster id survived in
     * meta.properties, and going on would delete every partition log as unknown to the metadata. A brokerd 0.1 data
     * dir ({@code topics.json} still to import, or imported topics and no registration yet) is not such a case, nor is
     * a voter that lost only its own {@code __controller} while a majority kept theirs: it finds the metadata in the
     * quorum and installs the leader's snapshot.
     */
    static void refuseIfMetadataLost(BrokerConfig config, boolean hadMeta, io.sluice.brokerd.metadata.MetadataImage image,
                                     int partitionLogs) {
        if (hadMeta && partitionLogs > 0 && image.brokers().isEmpty() && image.topics().isEmpty()
                && !java.nio.file.Files.exists(config.dataDir().resolve("topics.json"))) {
            throw new io.sluice.brokerd.config.ConfigException("data dir " + config.dataDir() + " holds " + partitionLogs
                    + " partition logs of cluster " + image.clusterId() + ", but the controller quorum has no metadata for "
                    + "them (no broker or topic ever registered: was " + config.controllerConfig().storageDir()
                    + " lost on this node, or on a majority of controller.quorum.voters?); refusing to start, which would "
                    + "delete those logs. Restore the __controller directory from a backup; to start over empty, move the "
                    + "partition directories out of the data dir");
        }
    }

    static MetricsHttpServer startMetricsListenerOrClose(BrokerConfig config, LogManager logs, SslFactory ssl) {
        String listener = config.metricsListener();
        if (listener.isEmpty()) {
            return null;
        }
        int colon = listener.lastIndexOf(':');
        java.util.Map<String, byte[]> users = null;
        try {
            if (config.metricsBasicAuthFile() != null) {
                users = MetricsHttpServer.readUsers(config.metricsBasicAuthFile());
            }
        } catch (IllegalArgumentException e) {
            logs.close();
            throw new io.sluice.brokerd.config.ConfigException("config key 'metrics.basic.auth.file': " + e.getMessage());
        }
        try {
            return new MetricsHttpServer(listener.substring(0, colon), Integer.parseInt(listener.substring(colon + 1)),
                    ssl == null ? null : ssl.jdkContext(), ssl == null ? null : ssl.config(), users);
        } catch (java.io.IOException e) {
            logs.close();
            throw new java.io.UncheckedIOException("cannot bind metrics.listener " + listener + ": " + e.getMessage(), e);
        }
    }

    /** The TLS server side of every SSL listener; a keystore or truststore that cannot be read is a config error. */
    private static Map<String, SslFactory> tlsListeners(BrokerConfig config) {
        Map<String, SslFactory> out = new java.util.LinkedHashMap<>();
        for (Listeners.Listener l : config.listeners()) {
            if (l.protocol().usesTls()) {
                SslFactory f = sslFactoryOrConfigError(() -> SslFactory.create(config.listenerSsl(l.name()), true), null);
                out.put(l.name(), f);
                log.info("Listener {} serves TLS ({}, client auth {}) with certificate {}", l.name(), f.config().enabledProtocols(),
                        f.config().clientAuth().name().toLowerCase(java.util.Locale.ROOT), f.certificateDescription().orElse("-"));
            }
        }
        return out;
    }

    private static SslFactory sslFactoryOrConfigError(java.util.function.Supplier<SslFactory> create, LogManager toClose) {
        try {
            return create.get();
        } catch (IllegalArgumentException e) {
            if (toClose != null) {
                toClose.close();
            }
            throw new io.sluice.brokerd.config.ConfigException(e.getMessage());
        }
    }

    /** Each listener's advertised endpoint: its advertised.listeners entry, else its bind host with the bound port. */
    static List<Endpoint> advertisedEndpoints(BrokerConfig config, Map<String, InetSocketAddress> bound) {
        List<Endpoint> out = new ArrayList<>();
        for (Listeners.Listener l : config.listeners()) {
            int port = l.advertisedPort() >= 0 ? l.advertisedPort() : bound.get(l.name()).getPort();
            out.add(new Endpoint(l.name(), l.advertisedHost(), port, l.protocol().name()));
        }
        return out;
    }

    /** The metrics listener's bound address, or null when it is off. */
    public InetSocketAddress metricsAddress() {
        return metricsHttp == null ? null : metricsHttp.address();
    }

    private NetworkServer wire(BrokerConfig config, Clock clock, TopicRegistry registry, QuorumController quorum,
                               SslFactory interBrokerSsl) {
        ReplicaManager replicas = new ReplicaManager(logManager, registry, meta.nodeId(), config.replicationConfig());
        this.replicaManager = replicas;
        // Replication throttles: the rates are this broker's dynamic configs, the throttled replicas topic configs.
        ReplicationQuota leaderQuota = new ReplicationQuota(System::nanoTime);
        ReplicationQuota followerQuota = new ReplicationQuota(System::nanoTime);
        DynamicBrokerConfig dynamicConfig = DynamicBrokerConfig.load(config.dataDir(), (key, rate) ->
                (key.equals(DynamicBrokerConfig.LEADER_RATE) ? leaderQuota : followerQuota).setRateBytesPerSec(rate));
        replicas.throttleFollowersWith(followerQuota);
        this.interBroker = new InterBrokerClient(meta.nodeId(), interBrokerSsl, config.interBrokerSasl());
        long controllerTimeoutMs = config.controllerConfig().requestTimeoutMs();
        replicas.startReplication(new FollowerFetchClient(meta.nodeId(), interBroker), new io.sluice.brokerd.replica.IsrChanger() {
            @Override
            public boolean alterIsr(io.sluice.brokerd.common.TopicPartition tp, int leader, int leaderEpoch, int partitionEpoch,
                                    java.util.List<Integer> isr) {
                return quorum.submit(new MetadataCommand.AlterPartition(tp.topic(), tp.partition(), leader, leaderEpoch,
                        partitionEpoch, isr), controllerTimeoutMs).isOk();
            }

            @Override
            public boolean resignLeadership(io.sluice.brokerd.common.TopicPartition tp, int leader, int leaderEpoch, String reason) {
                return quorum.submit(new MetadataCommand.ResignLeadership(tp.topic(), tp.partition(), leader, leaderEpoch, reason),
                        controllerTimeoutMs).isOk();
            }
        }, isrExecutor);
        DelayedFetches delayedFetches = new DelayedFetches(scheduler);
        replicas.addAppendListener(delayedFetches::onAppend);
        DelayedFetches delayedProduces = new DelayedFetches(scheduler);
        replicas.addAppendListener(delayedProduces::onAppend);

        // The coordinator serves the groups of the __consumer_offsets partitions this broker leads, loading a
        // partition's groups when it becomes leader (on its own thread: loading reads the log; the partition's
        // groups get COORDINATOR_LOAD_IN_PROGRESS meanwhile, the others are served).
        ReplicatedCoordinatorLog offsets = new ReplicatedCoordinatorLog(ReplicatedCoordinatorLog.Spec.consumerOffsets(config.offsetsTopicPartitions()),
                registry, replicas, delayedProduces,
                config.offsetsCommitTimeoutMs(), offsetWrites);
        GroupCoordinator groups = new GroupCoordinator(config.groupConfig(), offsets, groupLoads);
        groups.claimNone();
        replicas.addLeadershipListener((tp, leader) -> {
            if (tp.topic().equals(InternalTopics.CONSUMER_OFFSETS)) {
                groupLoader.execute(() -> followOffsetsLeadership(groups, tp.partition(), leader, clock));
            }
        });

        // The transaction coordinator likewise serves the ids of the __transaction_state partitions led here; the
        // leader epoch of a partition is its coordinator epoch, which its markers carry.
        io.sluice.brokerd.txn.TransactionConfig txnConfig = config.transactionConfig();
        ReplicatedCoordinatorLog txnLog = new ReplicatedCoordinatorLog(new ReplicatedCoordinatorLog.Spec(InternalTopics.TRANSACTION_STATE,
                txnConfig.stateLogPartitions(), txnConfig.stateLogReplicationFactor(), txnConfig.stateLogMinIsr(),
                txnConfig.stateLogSegmentBytes()), registry, replicas, delayedProduces, TXN_STATE_WRITE_TIMEOUT_MS, offsetWrites);
        ProducerIdManager producerIds = new ProducerIdManager(quorum::allocateProducerIds);
        TransactionCoordinator transactions = new TransactionCoordinator(txnConfig, txnLog, producerIds::nextProducerId,
                new TxnMarkerChannel(registry, interBroker, scheduler), clock, txnLoads, offsetWrites);
        replicas.addLeadershipListener((tp, leader) -> {
            if (tp.topic().equals(InternalTopics.TRANSACTION_STATE)) {
                groupLoader.execute(() -> followTransactionStateLeadership(transactions, replicas, tp, leader));
            }
        });

        registry.addListener(replicas);
        // Publish first, then reconcile: both run under the replica manager's lock, so no committed change is missed.
        quorum.setPublisher(registry::publish);
        replicas.reconcile();

        long isrCheckMs = Math.max(1, config.replicationConfig().replicaLagTimeMaxMs() / 2);
        scheduler.scheduleWithFixedDelay(timer("ISR check", () -> replicas.checkIsr(io.sluice.brokerd.common.MonotonicClock.millis())),
                isrCheckMs, isrCheckMs, TimeUnit.MILLISECONDS);
        scheduler.scheduleWithFixedDelay(timer("Group coordinator timers", () -> groups.poll(clock.millis())),
                GROUP_POLL_INTERVAL_MS, GROUP_POLL_INTERVAL_MS, TimeUnit.MILLISECONDS);
        // Expiring offsets appends to __consumer_offsets: on the maintenance thread, which may wait on the disk.
        long expiryMs = config.offsetsRetentionCheckIntervalMs();
        logMaintenance.scheduleWithFixedDelay(timer("Expiring group offsets", () -> groups.expireOffsets(clock.millis())),
                expiryMs, expiryMs, TimeUnit.MILLISECONDS);

        // Aborting expired transactions appends to __transaction_state: on the maintenance thread too.
        logMaintenance.scheduleWithFixedDelay(timer("Transaction coordinator timers", () -> transactions.poll(clock.millis())),
                txnConfig.cleanupIntervalMs(), txnConfig.cleanupIntervalMs(), TimeUnit.MILLISECONDS);

        RequestAuthorizer authorizer = requestAuthorizer(config, quorum);
        ApiRegistry apis = new ApiRegistry();
        new GroupHandlers(groups, registry, groupId -> coordinatorOf(offsets, groups.partitionFor(groupId), replicas, registry),
                transactionalId -> coordinatorOf(txnLog, transactions.partitionFor(transactionalId), replicas, registry), clock)
                .register(apis);
        new TransactionHandlers(transactions, registry, replicas, delayedProduces, groups::partitionFor, clock).register(apis);
        new ProduceHandler(registry, replicas, clock, metrics, delayedProduces, !txnConfig.partitionVerification() ? null
                : new io.sluice.brokerd.api.TxnVerificationClient(transactions, registry, interBroker, meta.nodeId())).register(apis);
        ApiAuthorization authorization = new ApiAuthorization(authorizer, registry, config.autoCreateTopics());
        new FetchHandler(registry, replicas, delayedFetches, metrics, config.fetchMaxWaitMs(), leaderQuota,
                authorizer.enabled() ? authorization.clusterActionCheck() : ClusterActionCheck.ALLOW_ALL,
                config.maxIncrementalFetchSessionCacheSlots()).register(apis);
        new OffsetsHandlers(registry, replicas, producerIds, transactions, clock).register(apis);
        new ProducersHandler(registry, replicas).register(apis);
        new MetadataHandler(identity::get, registry, config.autoCreateTopics(), config.numPartitions(),
                config.defaultReplicationFactor(), () -> controllerIdForClients(quorum)).register(apis);
        new TopicsHandlers(registry, config.numPartitions(), config.defaultReplicationFactor()).register(apis);
        new ConfigsHandlers(registry, meta.nodeId(), config.all(), dynamicConfig).register(apis);
        new ClusterHandlers(identity::get, registry, replicas, config.dataDir(), () -> logManager.health().isOffline(),
                () -> controllerIdForClients(quorum)).register(apis);
        new ElectLeadersHandler(registry, quorum).register(apis);
        new io.sluice.brokerd.api.QuorumHandler(() -> quorum.describeQuorum(config.controllerConfig().requestTimeoutMs()),
                quorum.voters()).register(apis);
        new ReassignmentHandlers(registry, quorum).register(apis);
        new AclHandlers(quorum, authorizer).register(apis);
        new io.sluice.brokerd.api.ClientQuotasHandlers().register(apis);
        new io.sluice.brokerd.api.SaslHandlers(metrics, clock).register(apis);
        new io.sluice.brokerd.api.ScramCredentialsHandlers(registry::image,
                c -> quorum.submit(c, config.controllerConfig().requestTimeoutMs())).register(apis);
        io.sluice.brokerd.security.ScramCredentials credentials = (user, mechanism) ->
                registry.image().scramCredential(user, mechanism.mechanismName());
        // Last, once every API is registered: each handler gets its API's authorization rule.
        authorization.wrap(apis);

        List<ListenerConfig> listeners = new ArrayList<>();
        for (Listeners.Listener l : config.listeners()) {
            io.sluice.brokerd.security.SaslListenerConfig sasl = !l.protocol().usesSasl() ? null
                    : new io.sluice.brokerd.security.SaslListenerConfig(config.saslEnabledMechanisms(l.name()),
                            config.connectionsMaxReauthMs(), config.connectionFailedAuthenticationDelayMs(),
                            config.saslServerMaxReceiveSize(), credentials);
            listeners.add(new ListenerConfig(l.name(), l.protocol(), l.host(), l.port(), listenerSsl.get(l.name()), sasl));
        }
        NetworkServer server = new NetworkServer(config.networkConfig(), listeners, apis, clock, requestExecutor, metrics);
        metrics.registerBroker(logManager, replicas, groups, delayedFetches::parkedCount, server::connectionCount,
                config.metricsPerPartition(), () -> quorum.leaderId() == meta.nodeId() ? leaderlessPartitions(registry) : 0);
        metrics.registerScrubber(scrubber, logManager);
        metrics.registerLimits(server::queuedRequestBytes, delayedProduces::parkedCount, delayedFetches::cancelledCount,
                delayedProduces::cancelledCount);
        return server;
    }

    /**
     * The controller id Metadata and DescribeCluster report: the quorum leader when it is a live broker, else this
     * broker (a dedicated controller serves no clients; like a KRaft broker, any broker takes the admin requests
     * meant for the controller and proposes them to the quorum).
     */
    private int controllerIdForClients(QuorumController quorum) {
        int leader = quorum.leaderId();
        return quorum.image().broker(leader).filter(b -> !b.fenced()).isPresent() ? leader : meta.nodeId();
    }

    /** The authorizer of {@code authorizer.enabled}, deciding from the ACLs of the quorum's applied image. */
    private RequestAuthorizer requestAuthorizer(BrokerConfig config, QuorumController quorum) {
        if (!config.authorizerEnabled()) {
            return RequestAuthorizer.DISABLED;
        }
        Authorizer decisions = new Authorizer(config.superUsers(), config.allowEveryoneIfNoAclFound());
        log.info("Authorizer enabled: super.users {}, allow.everyone.if.no.acl.found {}", config.superUsers(),
                config.allowEveryoneIfNoAclFound());
        return new RequestAuthorizer(decisions, () -> quorum.image().acls(),
                (op, type) -> metrics.authorizationDenied(op.name(), type.name()));
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

    /**
     * {@code task} as a periodic timer: a task boundary. A periodic task that throws is never run again by its
     * executor, so everything is caught and logged and the next run retries; an OutOfMemoryError ends the process.
     */
    private static Runnable timer(String what, Runnable task) {
        return () -> {
            try {
                task.run();
            } catch (Throwable e) {
                Fatal.exitOnOutOfMemory(e);
                log.error("{} failed; retrying at the next interval", what, e);
            }
        };
    }

    /** Drops the loads not started yet; the running ones end on their own (see {@link #groupLoads}). */
    private void stopGroupLoads() {
        groupLoads.getQueue().clear();
        groupLoads.shutdown();
        txnLoads.getQueue().clear();
        txnLoads.shutdown();
    }

    private static void followOffsetsLeadership(GroupCoordinator groups, int partition, boolean leader, Clock clock) {
        try {
            if (leader) {
                groups.becomeCoordinator(partition, clock.millis());
            } else {
                groups.resign(partition);
            }
        } catch (Throwable e) {
            Fatal.exitOnOutOfMemory(e);
            log.error("Could not {} the groups of {}-{}", leader ? "load" : "unload", InternalTopics.CONSUMER_OFFSETS, partition, e);
        }
    }

    private static void followTransactionStateLeadership(TransactionCoordinator transactions, ReplicaManager replicas,
                                                         io.sluice.brokerd.common.TopicPartition tp, boolean leader) {
        try {
            if (leader) {
                transactions.becomeCoordinator(tp.partition(), Math.max(0, replicas.leaderEpoch(tp)));
            } else {
                transactions.resign(tp.partition());
            }
        } catch (Throwable e) {
            Fatal.exitOnOutOfMemory(e);
            log.error("Could not {} the transactions of {}", leader ? "load" : "unload", tp, e);
        }
    }

    /**
     * The broker leading {@code partition} of a coordinator's topic (created on first use); empty while none does.
     */
    private java.util.Optional<io.sluice.brokerd.metadata.BrokerRegistration> coordinatorOf(ReplicatedCoordinatorLog coordinatorLog,
            int partition, ReplicaManager replicas, TopicRegistry registry) {
        try {
            coordinatorLog.ensureTopic();
        } catch (RuntimeException e) {
            log.warn("Cannot create {} yet: {}", coordinatorLog.topic(), e.getMessage());
            return java.util.Optional.empty();
        }
        io.sluice.brokerd.common.TopicPartition tp = new io.sluice.brokerd.common.TopicPartition(coordinatorLog.topic(), partition);
        java.util.Optional<io.sluice.brokerd.metadata.PartitionState> state = replicas.state(tp);
        if (state.isEmpty() || !state.get().isOnline()) {
            return java.util.Optional.empty();
        }
        int leader = state.get().leader();
        BrokerIdentity me = identity.get();
        if (leader == me.nodeId()) {
            return java.util.Optional.of(me.asRegistration());
        }
        return registry.image().broker(leader).filter(b -> !b.fenced());
    }

    /** Partitions of the committed image that have no leader (offline). */
    private static long leaderlessPartitions(TopicRegistry registry) {
        long n = 0;
        for (io.sluice.brokerd.metadata.TopicInfo t : registry.image().topics().values()) {
            n += t.partitionStates().stream().filter(p -> !p.isOnline()).count();
        }
        return n;
    }

    /**
     * Starts a broker and returns once it serves requests on its listener. With the system property
     * {@code sluice.fault.injection=true} it runs with fault injection ({@link FaultInjection}).
     */
    public static Broker start(BrokerConfig config) {
        return start(config, FaultInjection.fromSystemProperty());
    }

    /** As above with {@code faults} (null: none): tests break the broker's disk and clock through it. */
    public static Broker start(BrokerConfig config, FaultInjection faults) {
        try {
            return new Broker(config, faults);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting", e);
        }
    }

    /** The first listener's bound address (the real port when configured with port 0). */
    public InetSocketAddress boundAddress() {
        return bound.values().iterator().next();
    }

    /**
     * This broker's replica of {@code tp}, empty when it holds none. For in-process tests that write what no client
     * may (transaction markers, until the transaction coordinator does); not for serving requests.
     */
    public Optional<io.sluice.brokerd.log.PartitionLog> localLog(io.sluice.brokerd.common.TopicPartition tp) {
        ReplicaManager replicas = replicaManager;
        return replicas == null ? Optional.empty() : replicas.log(tp);
    }

    /** Listener {@code name}'s bound address (upper-case name), or null when there is no such listener. */
    public InetSocketAddress boundAddress(String name) {
        return bound.get(name);
    }

    /** {@code host:port} of the first listener, for clients' bootstrap.servers. */
    public String bootstrapServers() {
        return bootstrapServers(bound.keySet().iterator().next());
    }

    /** {@code host:port} of listener {@code name}, for clients' bootstrap.servers. */
    public String bootstrapServers(String name) {
        InetSocketAddress a = bound.get(name);
        return a.getHostString() + ":" + a.getPort();
    }

    /** Every listener's bound {@code host:port} by name, for the start-up line. */
    public String listenersDescription() {
        StringBuilder sb = new StringBuilder();
        bound.forEach((name, a) -> sb.append(sb.length() == 0 ? "" : ",").append(name).append("://")
                .append(a.getHostString()).append(':').append(a.getPort()));
        return sb.toString();
    }

    public int nodeId() {
        return meta.nodeId();
    }

    public String clusterId() {
        return clusterId;
    }

    public BrokerConfig config() {
        return config;
    }

    /**
     * The timers: ISR checks, group timers and the expiry of parked fetches and produces. On shutdown its pending
     * one-shot tasks are dropped, not run: the connections are closed by then, and the parked-request timer stays
     * armed for the earliest deadline (up to a request's timeout), which would otherwise hold shutdown for that long.
     */
    private static ScheduledExecutorService newScheduler() {
        java.util.concurrent.ScheduledThreadPoolExecutor s =
                new java.util.concurrent.ScheduledThreadPoolExecutor(1, new DefaultThreadFactory("sluice-timers", true));
        s.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        return s;
    }

    /** Clean shutdown: stop accepting, answer in-flight requests, flush segments, write checkpoints and marker. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        ready = false;
        controller.shutdownGracefully();
        network.close(config.shutdownTimeoutMs());
        replicaManager.close();
        interBroker.close();
        isrExecutor.shutdownNow();
        groupLoader.shutdownNow();
        stopGroupLoads();
        offsetWrites.shutdownNow();
        requestExecutor.shutdown();
        scheduler.shutdown();
        logMaintenance.shutdown(); // background fsyncs already queued still run; logManager.close() flushes the rest
        cleaner.shutdown();
        scrubber.stop();
        scrubbing.shutdown(); // not shutdownNow: an interrupt in a FileChannel read closes the segment's channel
        try {
            if (!requestExecutor.awaitTermination(config.shutdownTimeoutMs(), TimeUnit.MILLISECONDS)) {
                log.warn("Request threads still busy after {} ms; closing the logs anyway", config.shutdownTimeoutMs());
            }
            groupLoads.awaitTermination(config.shutdownTimeoutMs(), TimeUnit.MILLISECONDS);
            txnLoads.awaitTermination(config.shutdownTimeoutMs(), TimeUnit.MILLISECONDS);
            scheduler.awaitTermination(config.shutdownTimeoutMs(), TimeUnit.MILLISECONDS);
            logMaintenance.awaitTermination(config.shutdownTimeoutMs(), TimeUnit.MILLISECONDS);
            cleaner.awaitTermination(config.shutdownTimeoutMs(), TimeUnit.MILLISECONDS);
            scrubbing.awaitTermination(config.shutdownTimeoutMs(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        controller.close();
        logManager.close();
        if (metricsHttp != null) {
            metricsHttp.close();
        }
    }
}
