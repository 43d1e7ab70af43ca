package io.sluice.brokerd.replica;

import io.sluice.brokerd.common.MonotonicClock;
import io.sluice.brokerd.common.TopicPartition;
import io.sluice.brokerd.config.TopicConfigDef;
import io.sluice.brokerd.log.LogConfig;
import io.sluice.brokerd.log.LogManager;
import io.sluice.brokerd.log.PartitionLog;
import io.sluice.brokerd.metadata.BrokerRegistration;
import io.sluice.brokerd.metadata.MetadataImage;
import io.sluice.brokerd.metadata.PartitionState;
import io.sluice.brokerd.metadata.TopicInfo;
import io.sluice.brokerd.metadata.TopicRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.function.Consumer;

/**
 * The partitions this broker holds a replica of, as committed metadata places them. For each it keeps the log and a
 * {@link Partition} in the role the image gives it: leader (appends, serves consumers, tracks followers, advances the
 * high watermark, proposes ISR changes) or follower (a {@link ReplicaFetcher} per leader broker copies the leader's
 * log). It keeps the logs in step with the registry (as its listener) and tells append listeners (the fetch and
 * produce purgatories) when a partition's data or high watermark moved. Thread-safe: role changes are serialised on
 * this object's monitor; per-partition state on each {@link Partition}.
 */
public final class ReplicaManager implements TopicRegistry.Listener {
    private static final Logger log = LoggerFactory.getLogger(ReplicaManager.class);

    /**
     * Follower fetch settings and ISR timing; followers fetch from the leader's endpoint on {@code interBrokerListener}
     * (inter.broker.listener.name).
     */
    public record ReplicationConfig(long replicaLagTimeMaxMs, int fetchMaxWaitMs, int fetchMaxBytes, String interBrokerListener) {
    }

    private final LogManager logManager;
    private final TopicRegistry registry;
    private final int nodeId;
    private final ReplicationConfig replication;
    private final CopyOnWriteArrayList<Consumer<TopicPartition>> appendListeners = new CopyOnWriteArrayList<>();
    private final Map<TopicPartition, Partition> partitions = new ConcurrentHashMap<>();
    private final Map<Integer, ReplicaFetcher> fetchers = new HashMap<>();
    private final java.util.concurrent.atomic.AtomicLong isrShrinks = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong isrExpands = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong leaderElections = new java.util.concurrent.atomic.AtomicLong();
    private ReplicaFetchClient fetchClient;
    private volatile ReplicationQuota followerQuota = new ReplicationQuota(System::nanoTime);
    private IsrChanger isrChanger;
    private ExecutorService isrExecutor;

    public ReplicaManager(LogManager logManager, TopicRegistry registry, int nodeId, ReplicationConfig replication) {
        this.logManager = logManager;
        this.registry = registry;
        this.nodeId = nodeId;
        this.replication = replication;
    }

    /** The quota of follower.replication.throttled.rate that this broker's fetchers honour (set before replication starts). */
    public void throttleFollowersWith(ReplicationQuota quota) {
        this.followerQuota = quota;
    }

    /**
     * Whether this broker's fetching of {@code tp} is throttled: its topic names the replica on this broker in
     * follower.replication.throttled.replicas and this broker is not in the ISR.
     */
    boolean followerThrottled(TopicPartition tp) {
        String throttled = registry.topic(tp.topic()).map(t -> t.configOverrides().get(TopicConfigDef.FOLLOWER_REPLICATION_THROTTLED_REPLICAS))
                .orElse(null);
        return throttled != null && ReplicationQuota.lists(throttled, tp.partition(), nodeId)
                && !state(tp).map(s -> s.isr().contains(nodeId)).orElse(false);
    }

    /** Wires replication: followers fetch through {@code client}; ISR changes go through {@code changer}. */
    public synchronized void startReplication(ReplicaFetchClient client, IsrChanger changer, ExecutorService isrExecutor) {
        this.fetchClient = client;
        this.isrChanger = changer;
        this.isrExecutor = isrExecutor;
    }

    /**
     * Start-up, once the image is current: creates logs missing for partitions placed here, takes each partition's
     * role, and removes logs of partitions that no longer exist or are no longer placed here (deleted or moved while
     * this broker was down).
     */
    public synchronized void reconcile() {
        for (TopicInfo t : registry.topics()) {
            onTopicCreated(t);
            onConfigChanged(t);
        }
        for (PartitionLog pl : logManager.logs()) {
            TopicPartition tp = pl.topicPartition();
            Optional<PartitionState> state = state(tp);
            if (state.isEmpty() || !state.get().hasReplica(nodeId)) {
                log.info("Removing log {}: the committed metadata {}", tp,
                        state.isEmpty() ? "has no such partition" : "places it on brokers " + state.get().replicas());
                removePartition(tp);
            }
        }
    }

    /** The local log of {@code tp}, leader or not. */
    public Optional<PartitionLog> log(TopicPartition tp) {
        return logManager.get(tp);
    }

    /** The committed state of {@code tp}, empty when the topic or partition does not exist. */
    public Optional<PartitionState> state(TopicPartition tp) {
        return registry.topic(tp.topic()).filter(t -> tp.partition() >= 0 && tp.partition() < t.partitions())
                .map(t -> t.partition(tp.partition()));
    }

    /** The log of {@code tp} when this broker is its leader. */
    public Optional<PartitionLog> leaderLog(TopicPartition tp) {
        Partition p = partitions.get(tp);
        return p != null && p.isLeader() ? Optional.of(p.log()) : Optional.empty();
    }

    /** The current leader epoch of {@code tp}, or -1 when it does not exist. */
    public int leaderEpoch(TopicPartition tp) {
        return state(tp).map(PartitionState::leaderEpoch).orElse(-1);
    }

    /**
     * In-sync replicas of {@code tp} able to acknowledge now (this leader and the ISR followers caught up within
     * {@code replica.lag.time.max.ms}); 0 when this broker does not lead it. acks=all needs min.insync.replicas.
     */
    public int availableInSyncReplicas(TopicPartition tp) {
        Partition p = partitions.get(tp);
        return p == null ? 0 : p.availableInSyncReplicas(MonotonicClock.millis(), replication.replicaLagTimeMaxMs());
    }

    public int nodeId() {
        return nodeId;
    }

    /** Partitions this broker leads whose ISR is smaller than their replica set. */
    public long underReplicatedCount() {
        return partitions.values().stream().filter(p -> p.isLeader() && p.state() != null && p.state().isUnderReplicated()).count();
    }

    /** Partitions this broker leads whose ISR is smaller than min.insync.replicas (acks=all is refused). */
    public long underMinIsrCount() {
        return partitions.values().stream().filter(p -> p.isLeader() && p.state() != null
                && p.state().isr().size() < p.log().config().minInsyncReplicas()).count();
    }

    /** ISR shrinks of partitions led here (by this leader's proposal or by the controller fencing a broker). */
    public long isrShrinks() {
        return isrShrinks.get();
    }

    /** ISR expansions of partitions led here. */
    public long isrExpands() {
        return isrExpands.get();
    }

    /** Times this broker became a partition's leader (in a new leader epoch). */
    public long leaderElections() {
        return leaderElections.get();
    }

    public void addAppendListener(Consumer<TopicPartition> listener) {
        appendListeners.add(listener);
    }

    /** Called after records were appended to {@code tp} as leader: the high watermark may move; waiters wake. */
    public void onAppended(TopicPartition tp) {
        Partition p = partitions.get(tp);
        if (p != null) {
            p.onLeaderAppend();
        }
        notifyListeners(tp);
    }

    /**
     * Tells the append listeners (the purgatories) about {@code tp}. Each call is a task boundary: a listener that
     * throws is logged and the others still run, so a failing waiter never fails the append (or the follower fetch)
     * that woke it: the records are in the log, and the producer must not be told otherwise.
     */
    private void notifyListeners(TopicPartition tp) {
        for (Consumer<TopicPartition> l : appendListeners) {
            try {
                l.accept(tp);
            } catch (Throwable t) {
                io.sluice.brokerd.common.Fatal.exitOnOutOfMemory(t);
                log.error("Waking the requests waiting on {} failed", tp, t);
            }
        }
    }

    /** Told when this broker starts or stops leading a partition (the group coordinator follows __consumer_offsets). */
    public interface LeadershipListener {
        void onLeadershipChange(TopicPartition tp, boolean leader);
    }

    private final CopyOnWriteArrayList<LeadershipListener> leadershipListeners = new CopyOnWriteArrayList<>();

    public void addLeadershipListener(LeadershipListener l) {
        leadershipListeners.add(l);
    }

    /**
     * True when this broker leads {@code tp} and {@code replicaId} is one of its other replicas in the current
     * assignment: only such a fetch may read past the high watermark and move follower state.
     */
    public boolean isAssignedFollower(TopicPartition tp, int replicaId) {
        Partition p = partitions.get(tp);
        return p != null && replicaId != nodeId && p.isFollower(replicaId);
    }

    /**
     * Follower {@code replicaId} read {@code tp} from {@code fetchOffset} at {@code nowMs} ({@link MonotonicClock}
     * time), and the read succeeded having seen the log end offset {@code leaderEndOffset}: records its position (which may move the high watermark and wake waiters).
     * Returns false, recording nothing, when this broker no longer leads it, {@code replicaId} is not one of its
     * followers, or the offset is past the log end.
     */
    public boolean onFollowerFetch(TopicPartition tp, int replicaId, long fetchOffset, long leaderEndOffset, long nowMs) {
        Partition p = partitions.get(tp);
        if (p == null || replicaId == nodeId || !p.isFollower(replicaId) || fetchOffset > p.log().logEndOffset()) {
            return false;
        }
        if (p.onFollowerFetch(replicaId, fetchOffset, leaderEndOffset, nowMs)) {
            notifyListeners(tp);
        }
        return true;
    }

    /**
     * Leader duty, called periodically: proposes the ISR changes that are due (one in flight per partition).
     * {@code nowMs} is {@link MonotonicClock} time, as every time this class and {@link Partition} compare.
     */
    public void checkIsr(long nowMs) {
        IsrChanger changer;
        ExecutorService executor;
        synchronized (this) {
            changer = isrChanger;
            executor = isrExecutor;
        }
        if (changer == null) {
            return;
        }
        java.util.Set<Integer> live = new java.util.HashSet<>();
        registry.image().usableBrokers().forEach(b -> live.add(b.nodeId()));
        for (Partition p : partitions.values()) {
            if (p.log().isFailed()) {
                continue; // its directory is offline: the controller moves the leadership, nothing to propose
            }
            Partition.IsrChange change = p.maybeChangeIsr(nowMs, replication.replicaLagTimeMaxMs(), live::contains);
            if (change == null) {
                continue;
            }
            PartitionState base = change.base();
            log.info("{} ISR change proposed: {} -> {} ({})", change.tp(), base.isr(), change.isr(), change.reason());
            executor.execute(() -> {
                boolean ok = changer.alterIsr(change.tp(), base.leader(), base.leaderEpoch(), base.partitionEpoch(), change.isr());
                if (!ok) {
                    log.warn("{} ISR change {} -> {} was not committed; it will be proposed again", change.tp(), base.isr(), change.isr());
                    p.isrChangeFailed();
                }
            });
        }
    }

    private LogConfig configOf(String topic) {
        return LogConfig.from(registry.effectiveConfig(topic));
    }

    @Override
    public synchronized void onTopicCreated(TopicInfo topic) {
        LogConfig cfg = configOf(topic.name());
        for (PartitionState p : topic.partitionStates()) {
            if (p.hasReplica(nodeId)) {
                TopicPartition tp = new TopicPartition(topic.name(), p.partition());
                if (createLog(tp, cfg)) {
                    applyState(tp, p);
                }
            }
        }
    }

    /** Creates the log of {@code tp} unless it exists; false (logged) when the log directory is offline. */
    private boolean createLog(TopicPartition tp, LogConfig cfg) {
        if (logManager.get(tp).isEmpty() && logManager.health().isOffline()) {
            log.warn("Not creating the log of {}: log directory {} is offline ({})", tp, logManager.dataDir(),
                    logManager.health().cause());
            return false;
        }
        try {
            logManager.getOrCreate(tp, cfg);
            return true;
        } catch (UncheckedIOException | IllegalStateException e) {
            // getOrCreate took the directory offline (one ERROR line with the cause); the other partitions are told
            // through it, and this one is answered KAFKA_STORAGE_ERROR until the controller moves its leadership.
            log.warn("The log of {} could not be created: {}", tp, e.getMessage());
            return false;
        }
    }

    /**
     * The scrubber found a damaged batch in {@code log}'s copy ({@link io.sluice.brokerd.log.LogScrubber}). A follower
     * cuts its copy there at once and fetches the rest again from its leader. A leader stops serving from the batch on
     * (KAFKA_STORAGE_ERROR, so no consumer gets a batch known to be damaged) and asks the controller to hand its
     * leadership to an in-sync replica; once it follows, it cuts its copy and fetches it again. With no other in-sync
     * replica the controller refuses, and the leader keeps serving what lies before the damage. Runs on the
     * scrubber's thread.
     */
    public void onDamagedBatch(PartitionLog damagedLog, io.sluice.brokerd.log.LogScrubber.DamagedBatch d) {
        Partition p = partitions.get(d.tp());
        if (p == null || p.log() != damagedLog) {
            return;
        }
        PartitionState leading;
        synchronized (p) {
            if (!p.isLeader()) {
                damagedLog.truncateAtDamage(d);
                return;
            }
            damagedLog.markDamaged(d);
            leading = p.state();
        }
        notifyListeners(d.tp()); // parked fetches reaching the damage are answered now
        IsrChanger changer;
        ExecutorService executor;
        synchronized (this) {
            changer = isrChanger;
            executor = isrExecutor;
        }
        if (changer == null) {
            log.error("{}: its only copy here is damaged from offset {} and no controller can move its leadership; fetches "
                    + "from there are refused", d.tp(), d.fromOffset());
            return;
        }
        executor.execute(() -> {
            if (changer.resignLeadership(d.tp(), nodeId, leading.leaderEpoch(), "damaged batch: " + d)) {
                log.warn("{}: leadership handed to an in-sync replica; this broker cuts its damaged copy at offset {} and "
                        + "fetches it again", d.tp(), d.fromOffset());
            } else {
                log.error("{}: this leader's copy is damaged from offset {} ({}) and no other in-sync replica can take over: "
                        + "fetches from that offset are refused with KAFKA_STORAGE_ERROR, earlier ones are served. Restore "
                        + "the segment file from a backup and restart this broker; the check is retried at each scrub pass",
                        d.tp(), d.fromOffset(), d);
            }
        });
    }

    /**
     * The log directory went offline: parked fetches and acks=all produces of every partition are answered now
     * (KAFKA_STORAGE_ERROR), and followers stop fetching (their appends would fail). Call it off the thread that met
     * the error (it takes this object's monitor).
     */
    public synchronized void onLogDirOffline() {
        for (TopicPartition tp : partitions.keySet()) {
            stopFollowing(tp);
            notifyListeners(tp);
        }
    }

    @Override
    public synchronized void onPartitionsAdded(TopicInfo topic, int oldCount) {
        onTopicCreated(topic);
    }

    @Override
    public synchronized void onTopicDeleted(TopicInfo topic) {
        for (int p = 0; p < topic.partitions(); p++) {
            removePartition(new TopicPartition(topic.name(), p));
        }
    }

    @Override
    public synchronized void onConfigChanged(TopicInfo topic) {
        LogConfig cfg = configOf(topic.name());
        for (int p = 0; p < topic.partitions(); p++) {
            logManager.get(new TopicPartition(topic.name(), p)).ifPresent(l -> l.updateConfig(cfg));
        }
    }

    @Override
    public synchronized void onPartitionsChanged(TopicInfo before, TopicInfo after) {
        for (PartitionState p : after.partitionStates()) {
            TopicPartition tp = new TopicPartition(after.name(), p.partition());
            if (p.hasReplica(nodeId)) {
                if (createLog(tp, configOf(after.name()))) {
                    applyState(tp, p);
                }
            } else if (partitions.containsKey(tp)) {
                removePartition(tp);
            }
        }
    }

    @Override
    public synchronized void onBrokersChanged(MetadataImage image) {
        for (Map.Entry<Integer, ReplicaFetcher> e : fetchers.entrySet()) {
            BrokerRegistration b = image.brokers().get(e.getKey());
            Optional<io.sluice.brokerd.metadata.Endpoint> endpoint = b == null ? Optional.empty() : b.endpoint(replication.interBrokerListener());
            if (endpoint.isPresent()) {
                e.getValue().updateEndpoint(endpoint.get().host(), endpoint.get().port());
            }
        }
    }

    /** Puts {@code tp}'s replica in the role {@code s} gives it. Caller holds this object's monitor. */
    private void applyState(TopicPartition tp, PartitionState s) {
        Optional<PartitionLog> pl = logManager.get(tp);
        if (pl.isEmpty()) {
            return;
        }
        Partition p = partitions.computeIfAbsent(tp, k -> new Partition(k, nodeId, pl.get()));
        PartitionState old = p.state();
        if (s.leader() == nodeId) {
            stopFollowing(tp);
            if (old == null || !p.isLeader() || old.leaderEpoch() != s.leaderEpoch()) {
                leaderElections.incrementAndGet();
                log.info("{} leader at epoch {}, ISR {}, log end offset {}, high watermark {}", tp, s.leaderEpoch(), s.isr(),
                        p.log().logEndOffset(), p.log().highWatermark());
            } else if (!old.isr().equals(s.isr())) {
                log.info("{} ISR is now {} (was {})", tp, s.isr(), old.isr());
                if (s.isr().size() < old.isr().size()) {
                    isrShrinks.incrementAndGet();
                } else if (s.isr().size() > old.isr().size()) {
                    isrExpands.incrementAndGet();
                }
            }
            boolean wasLeader = p.isLeader();
            if (p.makeLeader(s, MonotonicClock.millis())) {
                notifyListeners(tp);
            }
            if (!wasLeader) {
                leadershipListeners.forEach(l -> l.onLeadershipChange(tp, true));
            }
            return;
        }
        boolean sameRole = old != null && !p.isLeader() && old.leader() == s.leader() && old.leaderEpoch() == s.leaderEpoch();
        boolean wasLeader = p.isLeader();
        p.makeFollower(s);
        io.sluice.brokerd.log.LogScrubber.DamagedBatch damaged = p.log().damagedBatch();
        if (damaged != null) {
            synchronized (p) {
                p.log().truncateAtDamage(damaged); // a former leader with a damaged copy fetches it again
            }
        }
        if (wasLeader || old == null) {
            leadershipListeners.forEach(l -> l.onLeadershipChange(tp, false));
        }
        notifyListeners(tp); // parked fetches and produces on a former leader answer NOT_LEADER_OR_FOLLOWER now
        if (sameRole) {
            return;
        }
        stopFollowing(tp);
        if (s.leader() == PartitionState.NO_LEADER) {
            log.info("{} has no leader at epoch {} (ISR {}); not fetching", tp, s.leaderEpoch(), s.isr());
            return;
        }
        Optional<io.sluice.brokerd.metadata.Endpoint> leader = registry.image().broker(s.leader())
                .flatMap(b -> b.endpoint(replication.interBrokerListener()));
        if (leader.isEmpty() || fetchClient == null) {
            log.warn("{} follows broker {}, which is not registered with listener {}; not fetching yet", tp, s.leader(),
                    replication.interBrokerListener());
            return;
        }
        log.info("{} follower of broker {} at epoch {} from offset {}", tp, s.leader(), s.leaderEpoch(), p.log().logEndOffset());
        ReplicaFetcher f = fetchers.computeIfAbsent(s.leader(), id -> {
            ReplicaFetcher created = new ReplicaFetcher(id, leader.get().host(), leader.get().port(), fetchClient,
                    replication.fetchMaxWaitMs(), replication.fetchMaxBytes(), new ReplicaFetcher.Throttle(followerQuota, this::followerThrottled));
            created.start();
            return created;
        });
        f.follow(p, s.leaderEpoch());
    }

    private void stopFollowing(TopicPartition tp) {
        for (ReplicaFetcher f : fetchers.values()) {
            f.unfollow(tp);
        }
    }

    private void removePartition(TopicPartition tp) {
        stopFollowing(tp);
        Partition removed = partitions.remove(tp);
        if (removed != null && removed.isLeader()) {
            leadershipListeners.forEach(l -> l.onLeadershipChange(tp, false));
        }
        if (logManager.get(tp).isPresent()) {
            logManager.delete(tp);
        }
    }

    /** Stops every fetcher thread (shutdown). */
    public synchronized void close() {
        for (ReplicaFetcher f : fetchers.values()) {
            f.shutdown();
        }
        fetchers.clear();
    }
}
