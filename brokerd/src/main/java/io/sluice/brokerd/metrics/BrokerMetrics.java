package io.sluice.brokerd.metrics;

import io.sluice.brokerd.common.TopicPartition;
import io.sluice.brokerd.group.GroupCoordinator;
import io.sluice.brokerd.group.GroupTypes;
import io.sluice.brokerd.log.LogManager;
import io.sluice.brokerd.log.PartitionLog;
import io.sluice.brokerd.network.RequestObserver;
import io.sluice.brokerd.replica.ReplicaManager;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.IntSupplier;

/**
 * The broker's metrics, Prometheus-named with units: traffic per topic, requests, errors and latency per API, log
 * sizes, long-poll waiters, connections, groups and lag, partition health and the JVM. Per-partition series only when
 * {@code metrics.per.partition} is on, so label cardinality stays bounded by topics, APIs and error codes.
 * Thread-safe.
 */
public final class BrokerMetrics implements RequestObserver {
    static final double[] LATENCY_BUCKETS_SECONDS = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};

    private final MetricsRegistry registry = new MetricsRegistry();
    private final MetricsRegistry.Counter recordsIn = registry.counter("sluice_topic_records_in_total", "Records appended to the topic by producers", "topic");
    private final MetricsRegistry.Counter bytesIn = registry.counter("sluice_topic_bytes_in_total", "Record batch bytes appended to the topic by producers", "topic");
    private final MetricsRegistry.Counter recordsOut = registry.counter("sluice_topic_records_out_total", "Records in the whole batches sent to consumers from the topic", "topic");
    private final MetricsRegistry.Counter bytesOut = registry.counter("sluice_topic_bytes_out_total", "Record batch bytes sent to consumers from the topic", "topic");
    private final MetricsRegistry.Counter requests = registry.counter("sluice_requests_total", "Requests answered, by API", "api");
    private final MetricsRegistry.Counter errors = registry.counter("sluice_request_errors_total", "Error codes returned, by API and error", "api", "error");
    private final MetricsRegistry.Counter produceRejected = registry.counter("sluice_produce_rejected_total",
            "Produced partitions refused by record validation, the log or the internal-topic rule, by topic and reason "
                    + "(README: What brokerd refuses)", "topic", "reason");
    private final MetricsRegistry.Counter followerFetchRejected = registry.counter("sluice_follower_fetch_rejected_total",
            "Partitions of follower fetches refused, by reason: not_assigned (replica id not in the partition's replicas), "
                    + "offset_out_of_range (below the log start or past the log end: nothing moves)", "reason");
    private final MetricsRegistry.Counter authorizationDenied = registry.counter("sluice_authorization_denied_total",
            "Authorization checks the authorizer refused (authorizer.enabled), by operation and resource type",
            "operation", "resource_type");
    private final MetricsRegistry.Histogram latency = registry.histogram("sluice_request_duration_seconds",
            "Time from request decoded to response queued, by API", LATENCY_BUCKETS_SECONDS, "api");
    private final MetricsRegistry.Counter readPauses = registry.counter("sluice_read_pauses_total",
            "Times a connection stopped reading requests because a limit was reached, by limit (its config key)", "limit");
    private final MetricsRegistry.Counter authentications = registry.counter("sluice_sasl_authentications_total",
            "SASL authentications (re-authentications included) by listener, mechanism and result (success, failure)",
            "listener", "mechanism", "result");
    private final MetricsRegistry.Counter legacyScramNonces = registry.counter("sluice_sasl_legacy_scram_nonce_total",
            "SCRAM authentications that used librdkafka's legacy client nonce (librdkafka before 2.6.1), by listener", "listener");
    private final MetricsRegistry.Counter connectionsRefused = registry.counter("sluice_connections_refused_total",
            "Connections closed at accept because a limit was reached, by limit (its config key)", "limit");
    private final MetricsRegistry.Counter fetchRequests = registry.counter("sluice_fetch_requests_total",
            "Fetch requests by session kind: full (opens a session), incremental, sessionless", "kind");
    private final MetricsRegistry.Counter fetchRequestPartitions = registry.counter("sluice_fetch_request_partitions_total",
            "partitions listed in Fetch requests, by session kind (incremental ones list only what changed)", "kind");
    private final MetricsRegistry.Counter fetchWaitClamped = registry.counter("sluice_fetch_max_wait_clamped_total",
            "Fetches that asked to wait longer than fetch.max.wait.ms and were cut to it");

    public BrokerMetrics() {
        registerJvm();
    }

    public MetricsRegistry registry() {
        return registry;
    }

    /** Records appended by a producer. */
    public void recordsIn(String topic, long records, long bytes) {
        recordsIn.inc(records, topic);
        bytesIn.inc(bytes, topic);
    }

    /** A produce to {@code topic} refused, {@code reason} being a {@code RejectReason} label or the error's name. */
    public void produceRejected(String topic, String reason) {
        produceRejected.inc(1, topic, reason);
    }

    /** A partition of a follower fetch refused for {@code reason}. */
    public void followerFetchRejected(String reason) {
        followerFetchRejected.inc(1, reason);
    }

    /** The authorizer refused {@code operation} on a resource of {@code resourceType} (Kafka's names). */
    public void authorizationDenied(String operation, String resourceType) {
        authorizationDenied.inc(1, operation, resourceType);
    }

    /** Records (in whole batches) sent to a consumer. */
    public void recordsOut(String topic, long records) {
        recordsOut.inc(records, topic);
    }

    /** Record bytes sent to a consumer. */
    public void bytesOut(String topic, long bytes) {
        bytesOut.inc(bytes, topic);
    }

    @Override
    public void onReadPaused(String limit) {
        readPauses.inc(1, limit);
    }

    @Override
    public void onConnectionRefused(String limit) {
        connectionsRefused.inc(1, limit);
    }

    @Override
    public void onLegacyScramNonce(String listener) {
        legacyScramNonces.inc(1, listener);
    }

    @Override
    public void onAuthentication(String listener, String mechanism, String result) {
        authentications.inc(1, listener, mechanism, result);
    }

    /** A Fetch request of {@code kind} (full, incremental, sessionless) that listed {@code partitions} partitions. */
    public void fetchRequest(String kind, int partitions) {
        fetchRequests.inc(1, kind);
        fetchRequestPartitions.inc(partitions, kind);
    }

    /** The fetch-session cache's gauges: sessions, the partitions they hold, and sessions evicted so far. */
    public void registerFetchSessions(IntSupplier sessions, java.util.function.LongSupplier partitions,
                                      java.util.function.LongSupplier evictions) {
        registry.gauge("sluice_fetch_sessions", "incremental fetch sessions cached (max.incremental.fetch.session.cache.slots)",
                e -> e.emit(sessions.getAsInt()));
        registry.gauge("sluice_fetch_session_partitions", "partitions held by the cached fetch sessions",
                e -> e.emit(partitions.getAsLong()));
        registry.counterCallback("sluice_fetch_session_evictions_total", "fetch sessions evicted to make room for new ones",
                e -> e.emit(evictions.getAsLong()));
    }

    /** A fetch's max wait was cut to fetch.max.wait.ms. */
    public void fetchWaitClamped() {
        fetchWaitClamped.inc(1);
    }

    /**
     * Gauges and counters of the bounded resources: request bytes held, delayed requests parked, and those
     * released because their client went away.
     */
    public void registerLimits(java.util.function.LongSupplier queuedRequestBytes, IntSupplier producesWaiting,
                               java.util.function.LongSupplier fetchesReleased, java.util.function.LongSupplier producesReleased) {
        registry.gauge("sluice_queued_request_bytes", "Heap bytes of requests read (or being read) and not yet answered, "
                + "over all connections (bounded by queued.max.request.bytes)", e -> e.emit(queuedRequestBytes.getAsLong()));
        registry.gauge("sluice_produce_acks_all_waiters", "acks=all produce requests (and offset commits) waiting for the in-sync replicas",
                e -> e.emit(producesWaiting.getAsInt()));
        registry.counterCallback("sluice_delayed_requests_released_total", "Parked fetches and acks=all produces dropped "
                + "unanswered because their connection closed, by kind", e -> {
                    e.emit(fetchesReleased.getAsLong(), "fetch");
                    e.emit(producesReleased.getAsLong(), "produce");
                }, "kind");
    }

    @Override
    public void onResponse(ApiKeys api, long durationNanos, List<Errors> responseErrors) {
        requests.inc(1, api.name);
        latency.observe(durationNanos / 1e9, api.name);
        for (Errors e : responseErrors) {
            errors.inc(1, api.name, e.name());
        }
    }

    /** Gauges that read the broker's state at scrape time. */
    public void registerBroker(LogManager logs, ReplicaManager replicas, GroupCoordinator groups, IntSupplier fetchWaiters,
                               IntSupplier connections, boolean perPartition, java.util.function.LongSupplier leaderless) {
        String[] logLabels = perPartition ? new String[]{"topic", "partition"} : new String[]{"topic"};
        registry.gauge("sluice_log_size_bytes", "Bytes of the topic's segments on disk", e -> perTopic(logs, perPartition, e, PartitionLog::sizeBytes), logLabels);
        registry.gauge("sluice_log_segments", "Segments of the topic", e -> perTopic(logs, perPartition, e, PartitionLog::segmentCount), logLabels);
        registry.gauge("sluice_partitions", "Partitions hosted by this broker", e -> e.emit(logs.logs().size()));
        registry.gauge("sluice_partitions_offline", "Partitions without a leader (counted by the controller quorum leader only, "
                        + "so a sum over brokers is the cluster's count) plus local logs offline after an I/O error",
                e -> e.emit(leaderless.getAsLong() + logs.logs().stream().filter(PartitionLog::isFailed).count()));
        registry.gauge("sluice_log_dir_offline", "1 while the data directory is offline after an I/O error (until restart): "
                + "its partitions are offline here", e -> e.emit(logs.health().isOffline() ? 1 : 0, logs.dataDir().toString()), "dir");
        registry.gauge("sluice_log_dir_full", "1 while the data directory is full: appends are refused with KAFKA_STORAGE_ERROR "
                + "until one fits", e -> e.emit(logs.health().state() == io.sluice.brokerd.log.LogDirHealth.State.FULL ? 1 : 0,
                logs.dataDir().toString()), "dir");
        registry.gauge("sluice_partitions_under_replicated", "Partitions led here with fewer in-sync replicas than replicas",
                e -> e.emit(replicas.underReplicatedCount()));
        registry.gauge("sluice_partitions_under_min_isr", "Partitions led here with fewer in-sync replicas than min.insync.replicas",
                e -> e.emit(replicas.underMinIsrCount()));
        registry.counterCallback("sluice_isr_shrinks_total", "ISR shrinks of partitions led by this broker", e -> e.emit(replicas.isrShrinks()));
        registry.counterCallback("sluice_isr_expands_total", "ISR expansions of partitions led by this broker", e -> e.emit(replicas.isrExpands()));
        registry.counterCallback("sluice_leader_elections_total", "Times this broker became a partition's leader in a new leader epoch",
                e -> e.emit(replicas.leaderElections()));
        registry.gauge("sluice_fetch_long_poll_waiters", "Fetch requests parked until data arrives or max.wait.ms passes", e -> e.emit(fetchWaiters.getAsInt()));
        registry.gauge("sluice_connections", "Open client connections", e -> e.emit(connections.getAsInt()));
        registry.gauge("sluice_groups", "Consumer groups by state", e -> groupsByState(groups, e), "state");
        registry.gauge("sluice_group_lag_records", "Records between each group's committed offsets and the high watermarks",
                e -> groupLag(groups, replicas, e), "group");
        registry.gauge("sluice_coordinator_partitions_loading", "Partitions of __consumer_offsets whose groups are being "
                + "loaded (their groups get COORDINATOR_LOAD_IN_PROGRESS)", e -> e.emit(groups.partitionsLoading()));
        registry.counterCallback("sluice_coordinator_load_skipped_records_total", "Records of __consumer_offsets skipped "
                + "while loading because they could not be decoded (each logged as a WARN with partition and offset)",
                e -> e.emit(groups.loadSkippedRecords()));
    }

    /** The scrubber's findings. */
    public void registerScrubber(io.sluice.brokerd.log.LogScrubber scrubber, LogManager logs) {
        registry.counterCallback("sluice_log_damaged_batches_total", "Damaged batches (CRC, framing, offsets, epochs) the "
                + "scrubber found in closed segments; each is cut off a follower, or a leader hands over first",
                e -> e.emit(scrubber.damagedFound()));
        registry.gauge("sluice_partitions_damaged", "Partitions led here that hold a damaged batch and are waiting to hand "
                + "their leadership over (fetches from the damage on are refused)",
                e -> e.emit(logs.logs().stream().filter(pl -> pl.damagedBatch() != null).count()));
    }

    private interface Size {
        long of(PartitionLog log);
    }

    private static void perTopic(LogManager logs, boolean perPartition, MetricsRegistry.Emitter e, Size size) {
        if (perPartition) {
            for (PartitionLog pl : logs.logs()) {
                e.emit(size.of(pl), pl.topicPartition().topic(), String.valueOf(pl.topicPartition().partition()));
            }
            return;
        }
        Map<String, Long> byTopic = new TreeMap<>();
        for (PartitionLog pl : logs.logs()) {
            byTopic.merge(pl.topicPartition().topic(), size.of(pl), Long::sum);
        }
        byTopic.forEach((topic, v) -> e.emit(v, topic));
    }

    private static void groupsByState(GroupCoordinator groups, MetricsRegistry.Emitter e) {
        Map<io.sluice.brokerd.group.GroupState, Integer> counts = new EnumMap<>(io.sluice.brokerd.group.GroupState.class);
        for (GroupTypes.GroupOverview g : groups.listGroups(Set.of())) {
            counts.merge(g.state(), 1, Integer::sum);
        }
        counts.forEach((state, n) -> e.emit(n, state.kafkaName()));
    }

    private static void groupLag(GroupCoordinator groups, ReplicaManager replicas, MetricsRegistry.Emitter e) {
        for (GroupTypes.GroupOverview g : groups.listGroups(Set.of())) {
            long lag = 0;
            for (GroupTypes.PartitionOffset po : groups.fetchOffsets(g.groupId(), null)) {
                TopicPartition tp = po.partition();
                long hw = replicas.log(tp).map(PartitionLog::highWatermark).orElse(po.offset().offset());
                lag += Math.max(0, hw - po.offset().offset());
            }
            e.emit(lag, g.groupId());
        }
    }

    private void registerJvm() {
        registry.gauge("jvm_memory_used_bytes", "JVM memory in use", e -> {
            e.emit(ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed(), "heap");
            e.emit(ManagementFactory.getMemoryMXBean().getNonHeapMemoryUsage().getUsed(), "nonheap");
        }, "area");
        registry.gauge("jvm_buffer_memory_used_bytes", "Memory of the JVM's buffer pools: direct (Netty's I/O buffers, "
                + "at most -XX:MaxDirectMemorySize) and mapped (index files)", e -> {
            for (java.lang.management.BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(java.lang.management.BufferPoolMXBean.class)) {
                e.emit(pool.getMemoryUsed(), pool.getName());
            }
        }, "pool");
        registry.gauge("jvm_memory_max_bytes", "JVM heap limit", e -> e.emit(ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getMax(), "heap"), "area");
        registry.counterCallback("jvm_gc_collections_total", "Garbage collections", e -> {
            for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
                e.emit(Math.max(0, gc.getCollectionCount()), gc.getName());
            }
        }, "gc");
        registry.counterCallback("jvm_gc_collection_seconds_total", "Time spent in garbage collection", e -> {
            for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
                e.emit(Math.max(0, gc.getCollectionTime()) / 1000.0, gc.getName());
            }
        }, "gc");
        registry.gauge("jvm_threads_current", "Live JVM threads", e -> e.emit(ManagementFactory.getThreadMXBean().getThreadCount()));
        registry.counterCallback("process_cpu_seconds_total", "CPU time of the broker process", e -> {
            if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
                e.emit(os.getProcessCpuTime() / 1e9);
            }
        });
        Path status = Path.of("/proc/self/status");
        if (Files.isReadable(status)) {
            registry.gauge("process_resident_memory_bytes", "Resident memory of the broker process", e -> {
                try {
                    for (String line : Files.readAllLines(status)) {
                        if (line.startsWith("VmRSS:")) {
                            e.emit(Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024.0);
                        }
                    }
                } catch (java.io.IOException ex) {
                    throw new java.io.UncheckedIOException("reading " + status, ex);
                }
            });
        }
    }
}
