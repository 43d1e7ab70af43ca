package io.sluice.brokerd.group;

import io.sluice.brokerd.common.TopicPartition;
import io.sluice.brokerd.config.TopicConfigDef;
import io.sluice.brokerd.log.AppendResult;
import io.sluice.brokerd.log.PartitionLog;
import io.sluice.brokerd.log.RecordBatchBuilder;
import io.sluice.brokerd.metadata.TopicRegistry;
import io.sluice.brokerd.replica.ReplicaManager;

import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * {@link OffsetStore} over the compacted internal topic {@code __consumer_offsets}. Like Kafka, the topic is created
 * with {@code offsets.topic.num.partitions} partitions on first use (the first commit), which keeps start-up of a
 * broker without groups quick. Thread-safe.
 */
public final class LogOffsetStore implements OffsetStore {
    public static final String TOPIC = "__consumer_offsets";

    private final TopicRegistry registry;
    private final ReplicaManager replicas;
    private final int partitions;

    public LogOffsetStore(TopicRegistry registry, ReplicaManager replicas, int configuredPartitions) {
        this.registry = registry;
        this.replicas = replicas;
        // An existing topic keeps its partition count: groups must keep mapping to the same partition.
        this.partitions = registry.topic(TOPIC).map(t -> t.partitions()).orElse(configuredPartitions);
    }

    private synchronized void ensureTopic() {
        if (registry.topic(TOPIC).isEmpty()) {
            TopicRegistry.Result r = registry.create(TOPIC, partitions, (short) 1,
                    Map.of(TopicConfigDef.CLEANUP_POLICY, "compact", TopicConfigDef.SEGMENT_BYTES, "104857600"));
            if (!r.isOk()) {
                throw new IllegalStateException("cannot create " + TOPIC + ": " + r.message());
            }
        }
    }

    @Override
    public int partitionCount() {
        return partitions;
    }

    private PartitionLog log(int partition) {
        return replicas.log(new TopicPartition(TOPIC, partition))
                .orElseThrow(() -> new IllegalStateException(TOPIC + "-" + partition + " has no log"));
    }

    @Override
    public void append(int partition, List<RecordBatchBuilder.Entry> records, long nowMs) {
        ensureTopic();
        TopicPartition tp = new TopicPartition(TOPIC, partition);
        AppendResult r = log(partition).appendAsLeader(RecordBatchBuilder.build(records, nowMs), Math.max(0, replicas.leaderEpoch(tp)), nowMs);
        if (r instanceof AppendResult.Rejected rejected) {
            throw new IllegalStateException("appending to " + TOPIC + "-" + partition + " failed: " + rejected.error() + " " + rejected.message());
        }
        replicas.onAppended(new TopicPartition(TOPIC, partition));
    }

    @Override
    public void forEachRecord(int partition, BiConsumer<byte[], byte[]> action) {
        if (registry.topic(TOPIC).isEmpty()) {
            return;
        }
        log(partition).forEachRecord(kv -> action.accept(kv.key(), kv.value()));
    }
}
