package io.sluice.brokerd.replica;

import io.sluice.brokerd.common.TopicPartition;
import io.sluice.brokerd.log.LogConfig;
import io.sluice.brokerd.log.LogManager;
import io.sluice.brokerd.log.PartitionLog;
import io.sluice.brokerd.metadata.TopicInfo;
import io.sluice.brokerd.metadata.TopicRegistry;

import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The partitions this node leads and their logs. On a single node every partition of every topic is led here with
 * leader epoch 0. Keeps the logs in step with the registry (as its listener) and tells append listeners (the
 * delayed-fetch purgatory) about new data. Thread-safe.
 */
public final class ReplicaManager implements TopicRegistry.Listener {
    public static final int LEADER_EPOCH = 0;

    private final LogManager logManager;
    private final TopicRegistry registry;
    private final CopyOnWriteArrayList<Consumer<TopicPartition>> appendListeners = new CopyOnWriteArrayList<>();

    public ReplicaManager(LogManager logManager, TopicRegistry registry) {
        this.logManager = logManager;
        this.registry = registry;
    }

    /** Creates logs missing for registered topics and removes logs of topics that no longer exist (start-up). */
    public void reconcile() {
        for (TopicInfo t : registry.topics()) {
            onTopicCreated(t);
        }
        for (PartitionLog pl : logManager.logs()) {
            TopicPartition tp = pl.topicPartition();
            Optional<TopicInfo> t = registry.topic(tp.topic());
            if (t.isEmpty() || tp.partition() >= t.get().partitions()) {
                logManager.delete(tp);
            }
        }
    }

    public Optional<PartitionLog> log(TopicPartition tp) {
        return logManager.get(tp);
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
    public void onTopicCreated(TopicInfo topic) {
        LogConfig cfg = configOf(topic.name());
        for (int p = 0; p < topic.partitions(); p++) {
            logManager.getOrCreate(new TopicPartition(topic.name(), p), cfg);
        }
    }

    @Override
    public void onPartitionsAdded(TopicInfo topic, int oldCount) {
        onTopicCreated(topic);
    }

    @Override
    public void onTopicDeleted(TopicInfo topic) {
        for (int p = 0; p < topic.partitions(); p++) {
            logManager.delete(new TopicPartition(topic.name(), p));
        }
    }

    @Override
    public void onConfigChanged(TopicInfo topic) {
        LogConfig cfg = configOf(topic.name());
        for (int p = 0; p < topic.partitions(); p++) {
            logManager.get(new TopicPartition(topic.name(), p)).ifPresent(l -> l.updateConfig(cfg));
        }
    }
}
