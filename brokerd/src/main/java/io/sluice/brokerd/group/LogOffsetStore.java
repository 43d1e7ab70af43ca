package io.sluice.brokerd.group;

import io.sluice.brokerd.common.TopicPartition;
import io.sluice.brokerd.config.TopicConfigDef;
import io.sluice.brokerd.log.AppendResult;
import io.sluice.brokerd.log.PartitionLog;
import io.sluice.brokerd.log.RecordBatchBuilder;
import io.sluice.brokerd.metadata.InternalTopics;
import io.sluice.brokerd.metadata.TopicRegistry;
import io.sluice.brokerd.replica.DelayedFetches;
import io.sluice.brokerd.replica.ReplicaManager;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * {@link OffsetStore} over the compacted internal topic {@code __consumer_offsets}. Like Kafka, the topic is created
 * with {@code offsets.topic.num.partitions} partitions and a replication factor of up to 3 (fewer while fewer
 * brokers are live) on first use (the first FindCoordinator for a group), which keeps start-up of a broker without
 * groups quick. Only the partition's leader writes, as an acks=all producer would: refused while the ISR is below
 * {@code min.insync.replicas}, and a write counts once every in-sync replica has it, so a coordinator failover loses
 * no acknowledged commit. The wait is a waiter in the produce purgatory, woken when the high watermark moves, never a
 * blocked thread; it ends after {@code offsets.commit.timeout.ms}.
 * <p>
 * Thread-safe. The purgatory runs waiters under its own locks, which an append (under the coordinator's lock) may
 * also take, so futures are completed on {@code completions} instead, never on the waking thread.
 */
public final class LogOffsetStore implements OffsetStore {

    private static final int MAX_REPLICATION_FACTOR = 3;

    private final TopicRegistry registry;
    private final ReplicaManager replicas;
    private final int partitions;
    private final DelayedFetches purgatory;
    private final long commitTimeoutMs;
    private final Executor completions;

    /**
     * @param purgatory       where writes wait for the high watermark (the produce purgatory, woken by the replica
     *                        manager's append listeners)
     * @param commitTimeoutMs offsets.commit.timeout.ms: longest a write waits for the in-sync replicas
     * @param completions     completes the writes' futures (one thread keeps them in the order they were decided)
     */
    public LogOffsetStore(TopicRegistry registry, ReplicaManager replicas, int configuredPartitions, DelayedFetches purgatory,
                          long commitTimeoutMs, Executor completions) {
        this.registry = registry;
        this.replicas = replicas;
        this.purgatory = purgatory;
        this.commitTimeoutMs = commitTimeoutMs;
        this.completions = completions;
        // An existing topic keeps its partition count: groups must keep mapping to the same partition.
        this.partitions = registry.topic(InternalTopics.CONSUMER_OFFSETS).map(t -> t.partitions()).orElse(configuredPartitions);
    }

    /** Creates the topic when it does not exist yet (blocks on the controller). */
    public synchronized void ensureTopic() {
        if (registry.topic(InternalTopics.CONSUMER_OFFSETS).isEmpty()) {
            short rf = (short) Math.max(1, Math.min(MAX_REPLICATION_FACTOR, registry.image().liveBrokers().size()));
            TopicRegistry.Result r = registry.create(InternalTopics.CONSUMER_OFFSETS, partitions, rf,
                    Map.of(TopicConfigDef.CLEANUP_POLICY, "compact", TopicConfigDef.SEGMENT_BYTES, "104857600"));
            if (!r.isOk() && registry.topic(InternalTopics.CONSUMER_OFFSETS).isEmpty()) {
                throw new IllegalStateException("cannot create " + InternalTopics.CONSUMER_OFFSETS + ": " + r.message());
            }
        }
    }

    @Override
    public int partitionCount() {
        return partitions;
    }

    @Override
    public CompletableFuture<Void> append(int partition, List<RecordBatchBuilder.Entry> records, long nowMs) {
        TopicPartition tp = new TopicPartition(InternalTopics.CONSUMER_OFFSETS, partition);
        PartitionLog log = replicas.leaderLog(tp).orElseThrow(() -> new OffsetWriteException(OffsetWriteException.Reason.NOT_LEADER,
                "this broker does not lead " + tp));
        int minInsync = log.config().minInsyncReplicas();
        if (replicas.availableInSyncReplicas(tp) < minInsync) {
            throw new OffsetWriteException(OffsetWriteException.Reason.NOT_ENOUGH_REPLICAS, "the in-sync replicas of " + tp
                    + " are fewer than min.insync.replicas " + minInsync);
        }
        AppendResult r = log.appendAsLeader(RecordBatchBuilder.build(records, nowMs), Math.max(0, replicas.leaderEpoch(tp)), nowMs);
        if (r instanceof AppendResult.Rejected rejected) {
            throw rejection(tp, rejected);
        }
        replicas.onAppended(tp);
        CompletableFuture<Void> replicated = new CompletableFuture<>();
        purgatory.park(new ReplicationWaiter(tp, ((AppendResult.Appended) r).lastOffset() + 1, minInsync, replicated),
                List.of(tp), commitTimeoutMs);
        return replicated;
    }

    private static RuntimeException rejection(TopicPartition tp, AppendResult.Rejected rejected) {
        String message = "appending to " + tp + " failed: " + rejected.error() + " " + rejected.message();
        return switch (rejected.error()) {
            case RECORD_TOO_LARGE -> new OffsetWriteException(OffsetWriteException.Reason.RECORDS_TOO_LARGE, message);
            case KAFKA_STORAGE_ERROR -> new OffsetWriteException(OffsetWriteException.Reason.STORAGE_ERROR, message);
            default -> new IllegalStateException(message); // a batch the broker built itself was refused: a bug
        };
    }

    /** A write waiting until the high watermark of {@code tp} reaches {@code requiredOffset}, as acks=all does. */
    private final class ReplicationWaiter implements DelayedFetches.Waiter {
        private final TopicPartition tp;
        private final long requiredOffset;
        private final int minInsync;
        private final CompletableFuture<Void> replicated;

        ReplicationWaiter(TopicPartition tp, long requiredOffset, int minInsync, CompletableFuture<Void> replicated) {
            this.tp = tp;
            this.requiredOffset = requiredOffset;
            this.minInsync = minInsync;
            this.replicated = replicated;
        }

        @Override
        public boolean tryComplete() {
            Optional<PartitionLog> log = replicas.leaderLog(tp);
            if (log.isEmpty()) {
                return fail(OffsetWriteException.Reason.NOT_LEADER, "this broker stopped leading " + tp);
            }
            if (log.get().highWatermark() >= requiredOffset) {
                completions.execute(() -> replicated.complete(null));
                return true;
            }
            if (replicas.availableInSyncReplicas(tp) < minInsync) {
                return fail(OffsetWriteException.Reason.NOT_ENOUGH_REPLICAS, "the in-sync replicas of " + tp
                        + " fell below min.insync.replicas " + minInsync + " after the append");
            }
            return false;
        }

        @Override
        public void forceComplete() {
            if (!tryComplete()) {
                fail(OffsetWriteException.Reason.TIMED_OUT, "offsets appended to " + tp + " below offset " + requiredOffset
                        + " did not reach the in-sync replicas within " + commitTimeoutMs + " ms");
            }
        }

        private boolean fail(OffsetWriteException.Reason reason, String message) {
            completions.execute(() -> replicated.completeExceptionally(new OffsetWriteException(reason, message)));
            return true;
        }
    }

    @Override
    public void forEachRecord(int partition, Replay replay) {
        if (registry.topic(InternalTopics.CONSUMER_OFFSETS).isEmpty()) {
            return;
        }
        replicas.leaderLog(new TopicPartition(InternalTopics.CONSUMER_OFFSETS, partition))
                .orElseThrow(() -> new IllegalStateException("this broker does not lead " + InternalTopics.CONSUMER_OFFSETS + "-" + partition))
                .forEachRecord(kv -> replay.record(kv.offset(), kv.key(), kv.value()),
                        (base, last, cause) -> replay.unreadableBatch(base, last, cause.toString()));
    }
}
