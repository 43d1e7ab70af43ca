package io.sluice.brokerd.replica;

import io.sluice.brokerd.common.TopicPartition;
import io.sluice.brokerd.log.LogConfig;
import io.sluice.brokerd.log.LogManager;
import io.sluice.brokerd.log.PartitionLog;
import io.sluice.brokerd.metadata.PartitionState;
import io.sluice.brokerd.metadata.TopicInfo;
import io.sluice.brokerd.metadata.TopicRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The partitions this broker holds a replica of, and their logs, as committed metadata places them: it keeps the logs
 * in step with the registry (as its listener) and tells append listeners (the delayed-fetch purgatory) about new
 * data. Only the partition's leader (per the committed image) takes appends and serves consumers; followers do not
 * replicate yet, so the controller admits replication factor 1 only. Thread-safe.
 */
public final class ReplicaManager implements TopicRegistry.Listener {
    private static final Logger log = LoggerFactory.getLogger(ReplicaManager.class);

    private final LogManager logManager;
    private final TopicRegistry registry;
    private final int nodeId;
    private final CopyOnWriteArrayList<Consumer<TopicPartition>> appendListeners = new CopyOnWriteArrayList<>();

    public ReplicaManager(LogManager logManager, TopicRegistry registry, int nodeId) {
        this.logManager = logManager;
        this.registry = registry;
        this.nodeId = nodeId;
    }

    /**
     * Start-up, once the image is current: creates logs missing for partitions placed here and removes logs of
     * partitions that no longer exist or are no longer placed here (deleted or moved while this broker was down).
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
                logManager.delete(tp);
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
        Optional<PartitionState> s = state(tp);
        if (s.isEmpty() || s.get().leader() != nodeId) {
            return Optional.empty();
        }
        return logManager.get(tp);
    }

    /** The current leader epoch of {@code tp}, or -1 when it does not exist. */
    public int leaderEpoch(TopicPartition tp) {
        return state(tp).map(PartitionState::leaderEpoch).orElse(-1);
    }

    public int nodeId() {
        return nodeId;
    }

    public void addAppendListener(Consumer<TopicPartition> listener) {
        appendListeners.add(listener);
    }

    /** Called after records were appended to {@code tp}. */
    public void onAppended(TopicPartition tp) {
        for (Consumer<TopicPartition> l : appendListeners) {
            l.accept(tp);
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
                logManager.getOrCreate(new TopicPartition(topic.name(), p.partition()), cfg);
            }
        }
    }

    @Override
    public synchronized void onPartitionsAdded(TopicInfo topic, int oldCount) {
        onTopicCreated(topic);
    }

    @Override
    public synchronized void onTopicDeleted(TopicInfo topic) {
        for (int p = 0; p < topic.partitions(); p++) {
            TopicPartition tp = new TopicPartition(topic.name(), p);
            if (logManager.get(tp).isPresent()) {
                logManager.delete(tp);
            }
        }
    }

    @Override
    public synchronized void onConfigChanged(TopicInfo topic) {
        LogConfig cfg = configOf(topic.name());
        for (int p = 0; p < topic.partitions(); p++) {
            logManager.get(new TopicPartition(topic.name(), p)).ifPresent(l -> l.updateConfig(cfg));
        }
    }
}
