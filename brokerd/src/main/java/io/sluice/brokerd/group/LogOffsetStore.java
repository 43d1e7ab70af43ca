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
 * with {@code offsets.topic.num.partitions} partitions and a replication factor of up to 3 (fewer while fewer
 * brokers are live) on first use (the first FindCoordinator for a group), which keeps start-up of a broker without
 * groups quick. Only the partition's leader writes; a commit returns once every in-sync replica has it, so a
 * coordinator failover loses no acknowledged commit. Thread-safe.
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

    /** How long a commit waits for the in-sync replicas. */
    private static final long REPLICATION_TIMEOUT_MS = 10_000;
    private static final int MAX_REPLICATION_FACTOR = 3;

    /** Creates the topic when it does not exist yet (blocks on the controller). */
    public synchronized void ensureTopic() {
        if (registry.topic(TOPIC).isEmpty()) {
            short rf = (short) Math.max(1, Math.min(MAX_REPLICATION_FACTOR, registry.image().liveBrokers().size()));
            TopicRegistry.Result r = registry.create(TOPIC, partitions, rf,
                    Map.of(TopicConfigDef.CLEANUP_POLICY, "compact", TopicConfigDef.SEGMENT_BYTES, "104857600"));
            if (!r.isOk() && registry.topic(TOPIC).isEmpty()) {
                throw new IllegalStateException("cannot create " + TOPIC + ": " + r.message());
            }
        }
    }

    @Override
    public int partitionCount() {
        return partitions;
    }

    private PartitionLog log(int partition) {
        return replicas.leaderLog(new TopicPartition(TOPIC, partition))
                .orElseThrow(() -> new IllegalStateException("this broker does not lead " + TOPIC + "-" + partition));
    }

    @Override
    public void append(int partition, List<RecordBatchBuilder.Entry> records, long nowMs) {
        ensureTopic();
        TopicPartition tp = new TopicPartition(TOPIC, partition);
        AppendResult r = log(partition).appendAsLeader(RecordBatchBuilder.build(records, nowMs), Math.max(0, replicas.leaderEpoch(tp)), nowMs);
        if (r instanceof AppendResult.Rejected rejected) {
            throw new IllegalStateException("appending to " + TOPIC + "-" + partition + " failed: " + rejected.error() + " " + rejected.message());
        }
        replicas.onAppended(tp);
        long end = ((AppendResult.Appended) r).lastOffset() + 1;
        if (!replicas.awaitHighWatermark(tp, end, REPLICATION_TIMEOUT_MS)) {
            throw new IllegalStateException("offsets appended to " + tp + " did not reach the in-sync replicas within "
                    + REPLICATION_TIMEOUT_MS + " ms");
        }
    }

    @Override
    public void forEachRecord(int partition, BiConsumer<byte[], byte[]> action) {
        if (registry.topic(TOPIC).isEmpty()) {
            return;
        }
        log(partition).forEachRecord(kv -> action.accept(kv.key(), kv.value()));
    }
}
