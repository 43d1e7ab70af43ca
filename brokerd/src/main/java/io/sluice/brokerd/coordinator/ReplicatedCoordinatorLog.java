package io.sluice.brokerd.coordinator;

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
 * {@link CoordinatorLog} over a compacted internal topic: {@code __consumer_offsets} (the group coordinator's) or
 * {@code __transaction_state} (the transaction coordinator's), as {@link Spec} describes it. Like Kafka, the topic is
 * created on first use (the first FindCoordinator for a group or transactional id) with the configured partitions
 * and a replication factor of up to the configured one (fewer while fewer brokers are live), which keeps start-up of
 * a broker without groups or transactions quick. Only the partition's leader writes, as an acks=all producer would: refused while the ISR is below
 * {@code min.insync.replicas}, and a write counts once every in-sync replica has it, so a coordinator failover loses
 * no acknowledged commit. The wait is a waiter in the produce purgatory, woken when the high watermark moves, never a
 * blocked thread; it ends after the write timeout ({@code offsets.commit.timeout.ms} for offsets).
 * <p>
 * Thread-safe. The purgatory runs waiters under its own locks, which an append (under the coordinator's lock) may
 * also take, so futures are completed on {@code completions} instead, never on the waking thread.
 */
public final class ReplicatedCoordinatorLog implements CoordinatorLog {

    /**
     * The topic: its name, partitions and replication factor when created, its min.insync.replicas (at most the
     * replication factor it gets; 0: the topic default) and segment.bytes.
     */
    public record Spec(String topic, int partitions, short replicationFactor, int minInsyncReplicas, int segmentBytes) {
        /** {@code __consumer_offsets} as Kafka creates it by default (replication factor 3, the default min ISR). */
        public static Spec consumerOffsets(int partitions) {
            return new Spec(InternalTopics.CONSUMER_OFFSETS, partitions, (short) 3, 0, 104857600);
        }
    }

    private final Spec spec;
    private final TopicRegistry registry;
    private final ReplicaManager replicas;
    private final int partitions;
    private final DelayedFetches purgatory;
    private final long commitTimeoutMs;
    private final Executor completions;

    /**
     * @param purgatory       where writes wait for the high watermark (the produce purgatory, woken by the replica
     *                        manager's append listeners)
     * @param commitTimeoutMs longest a write waits for the in-sync replicas (offsets.commit.timeout.ms)
     * @param completions     completes the writes' futures (one thread keeps them in the order they were decided)
     */
    public ReplicatedCoordinatorLog(Spec spec, TopicRegistry registry, ReplicaManager replicas, DelayedFetches purgatory,
                                    long commitTimeoutMs, Executor completions) {
        this.spec = spec;
        this.registry = registry;
        this.replicas = replicas;
        this.purgatory = purgatory;
        this.commitTimeoutMs = commitTimeoutMs;
        this.completions = completions;
        // An existing topic keeps its partition count: keys must keep mapping to the same partition.
        this.partitions = registry.topic(spec.topic()).map(t -> t.partitions()).orElse(spec.partitions());
    }

    /** Creates the topic when it does not exist yet (blocks on the controller). */
    public synchronized void ensureTopic() {
        if (registry.topic(spec.topic()).isEmpty()) {
            short rf = (short) Math.max(1, Math.min(spec.replicationFactor(), registry.image().liveBrokers().size()));
            Map<String, String> configs = new java.util.HashMap<>(Map.of(TopicConfigDef.CLEANUP_POLICY, "compact",
                    TopicConfigDef.SEGMENT_BYTES, Integer.toString(spec.segmentBytes())));
            if (spec.minInsyncReplicas() > 0) {
                configs.put(TopicConfigDef.MIN_INSYNC_REPLICAS, Integer.toString(Math.min(spec.minInsyncReplicas(), rf)));
            }
            TopicRegistry.Result r = registry.create(spec.topic(), partitions, rf, configs);
            if (!r.isOk() && registry.topic(spec.topic()).isEmpty()) {
                throw new IllegalStateException("cannot create " + spec.topic() + ": " + r.message());
            }
        }
    }

    /** The internal topic's name. */
    public String topic() {
        return spec.topic();
    }

    @Override
    public int partitionCount() {
        return partitions;
    }

    @Override
    public CompletableFuture<Void> append(int partition, List<RecordBatchBuilder.Entry> records, long nowMs) {
        TopicPartition tp = new TopicPartition(spec.topic(), partition);
        PartitionLog log = replicas.leaderLog(tp).orElseThrow(() -> new CoordinatorWriteException(CoordinatorWriteException.Reason.NOT_LEADER,
                "this broker does not lead " + tp));
        int minInsync = log.config().minInsyncReplicas();
        if (replicas.availableInSyncReplicas(tp) < minInsync) {
            throw new CoordinatorWriteException(CoordinatorWriteException.Reason.NOT_ENOUGH_REPLICAS, "the in-sync replicas of " + tp
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
            case RECORD_TOO_LARGE -> new CoordinatorWriteException(CoordinatorWriteException.Reason.RECORDS_TOO_LARGE, message);
            case KAFKA_STORAGE_ERROR -> new CoordinatorWriteException(CoordinatorWriteException.Reason.STORAGE_ERROR, message);
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
                return fail(CoordinatorWriteException.Reason.NOT_LEADER, "this broker stopped leading " + tp);
            }
            if (log.get().highWatermark() >= requiredOffset) {
                completions.execute(() -> replicated.complete(null));
                return true;
            }
            if (replicas.availableInSyncReplicas(tp) < minInsync) {
                return fail(CoordinatorWriteException.Reason.NOT_ENOUGH_REPLICAS, "the in-sync replicas of " + tp
                        + " fell below min.insync.replicas " + minInsync + " after the append");
            }
            return false;
        }

        @Override
        public void forceComplete() {
            if (!tryComplete()) {
                fail(CoordinatorWriteException.Reason.TIMED_OUT, "records appended to " + tp + " below offset " + requiredOffset
                        + " did not reach the in-sync replicas within " + commitTimeoutMs + " ms");
            }
        }

        private boolean fail(CoordinatorWriteException.Reason reason, String message) {
            completions.execute(() -> replicated.completeExceptionally(new CoordinatorWriteException(reason, message)));
            return true;
        }
    }

    @Override
    public void forEachRecord(int partition, Replay replay) {
        if (registry.topic(spec.topic()).isEmpty()) {
            return;
        }
        replicas.leaderLog(new TopicPartition(spec.topic(), partition))
                .orElseThrow(() -> new IllegalStateException("this broker does not lead " + spec.topic() + "-" + partition))
                .forEachRecord(kv -> replay.record(kv.offset(), kv.key(), kv.value()),
                        (base, last, cause) -> replay.unreadableBatch(base, last, cause.toString()));
    }
}
