package io.sluice.brokerd.api;

import io.sluice.brokerd.common.TopicPartition;
import io.sluice.brokerd.log.PartitionLog;
import io.sluice.brokerd.log.ReadResult;
import io.sluice.brokerd.metadata.TopicInfo;
import io.sluice.brokerd.metadata.TopicRegistry;
import io.sluice.brokerd.metrics.BrokerMetrics;
import io.sluice.brokerd.network.ApiHandler;
import io.sluice.brokerd.network.ApiRegistry;
import io.sluice.brokerd.network.FileRegionRecords;
import io.sluice.brokerd.network.RequestContext;
import io.sluice.brokerd.replica.DelayedFetches;
import io.sluice.brokerd.replica.ReplicaManager;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Fetch (key 1, v4-18) for consumers and followers. A consumer reads below the high watermark; a follower (replica
 * id set) reads up to the log end offset, and its fetch offset is its log end offset, which the leader records
 * (advancing the high watermark and the ISR). A follower whose {@code lastFetchedEpoch} ends earlier in the
 * leader's log (or is not there) gets the diverging epoch and its end offset instead of records, and truncates.
 * Records leave as {@link FileRegionRecords} (sendfile). Fetch sessions are
 * refused the way Kafka allows: a request to create one is answered with session id 0, and the client carries on
 * with full (sessionless) fetches. A fetch that finds fewer than {@code min.bytes} parks in {@link DelayedFetches}
 * until an append wakes it or {@code max.wait.ms} passes. Reads run on the event loop (through the request's inline
 * executor): they look up positions in memory and read batch headers from the page cache, as sendfile does there.
 */
public final class FetchHandler implements ApiHandler {
    private static final int FINAL_EPOCH = -1;
    private final TopicRegistry registry;
    private final ReplicaManager replicas;
    private final DelayedFetches delayed;

    private final BrokerMetrics metrics;

    public FetchHandler(TopicRegistry registry, ReplicaManager replicas, DelayedFetches delayed, BrokerMetrics metrics) {
        this.metrics = metrics;
        this.registry = registry;
        this.replicas = replicas;
        this.delayed = delayed;
    }

    public void register(ApiRegistry apis) {
        apis.register(ApiKeys.FETCH, 4, 18, this);
    }

    /** The outcome of one pass over the requested partitions; {@code bytesByTopic} feeds the traffic metric. */
    private record Attempt(FetchResponseData response, long bytes, boolean hasError, boolean fromFollower, List<TopicPartition> partitions,
                           java.util.Map<String, Long> bytesByTopic, List<java.util.Map.Entry<String, io.sluice.brokerd.log.FileSlice>> slices) {
    }

    /** Completes {@code result} with the attempt that answers the fetch, counting the bytes it sends. */
    private void answer(CompletableFuture<ApiMessage> result, Attempt a) {
        if (a.fromFollower()) {
            result.complete(a.response());
            return;
        }
        a.bytesByTopic().forEach(metrics::bytesOut);
        for (java.util.Map.Entry<String, io.sluice.brokerd.log.FileSlice> e : a.slices()) {
            try {
                metrics.recordsOut(e.getKey(), e.getValue().recordCount());
            } catch (java.io.IOException ex) {
                throw new java.io.UncheckedIOException("counting records sent from " + e.getKey(), ex);
            }
        }
        result.complete(a.response());
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext ctx, ApiMessage request) {
        FetchRequestData req = (FetchRequestData) request;
        if (req.sessionEpoch() > 0 || (req.sessionId() != 0 && req.sessionEpoch() != FINAL_EPOCH)) {
            return CompletableFuture.completedFuture(new FetchResponseData()
                    .setErrorCode(Errors.FETCH_SESSION_ID_NOT_FOUND.code()).setSessionId(0));
        }
        CompletableFuture<ApiMessage> result = new CompletableFuture<>();
        // Reading offsets and batch headers from the page cache costs less than handing the fetch to the pool and
        // back; the event loop reads these files anyway when it sends the records (sendfile).
        ctx.inlineExecutor().execute(() -> {
            try {
                Attempt first = attempt(req, ctx.apiVersion());
                if (first.bytes() >= req.minBytes() || req.maxWaitMs() <= 0 || first.hasError() || first.partitions().isEmpty()) {
                    answer(result, first);
                    return;
                }
                delayed.park(new DelayedFetches.Waiter() {
                    @Override
                    public boolean tryComplete() {
                        Attempt a = attempt(req, ctx.apiVersion());
                        if (a.bytes() >= req.minBytes() || a.hasError()) {
                            answer(result, a);
                            return true;
                        }
                        return false;
                    }

                    @Override
                    public void forceComplete() {
                        try {
                            answer(result, attempt(req, ctx.apiVersion()));
                        } catch (RuntimeException e) {
                            result.completeExceptionally(e);
                        }
                    }
                }, first.partitions(), req.maxWaitMs());
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
            }
        });
        return result;
    }

    private Attempt attempt(FetchRequestData req, short version) {
        FetchResponseData resp = new FetchResponseData().setErrorCode(Errors.NONE.code()).setSessionId(0);
        boolean readCommitted = req.isolationLevel() == 1;
        long remaining = req.maxBytes() <= 0 ? Integer.MAX_VALUE : req.maxBytes();
        long total = 0;
        boolean hasError = false;
        int replicaId = version >= 15 ? req.replicaState().replicaId() : req.replicaId();
        boolean follower = replicaId >= 0;
        long nowMs = io.sluice.brokerd.common.MonotonicClock.millis(); // replica lag is a duration: never the wall clock
        List<TopicPartition> watched = new ArrayList<>();
        java.util.Map<String, Long> bytesByTopic = new java.util.HashMap<>();
        List<java.util.Map.Entry<String, io.sluice.brokerd.log.FileSlice>> slices = new ArrayList<>();
        for (FetchRequestData.FetchTopic ft : req.topics()) {
            Optional<TopicInfo> topic = version >= 13 ? registry.topic(Uuids.fromKafka(ft.topicId())) : registry.topic(ft.topic());
            FetchResponseData.FetchableTopicResponse tr = new FetchResponseData.FetchableTopicResponse()
                    .setTopic(ft.topic()).setTopicId(ft.topicId());
            for (FetchRequestData.FetchPartition fp : ft.partitions()) {
                FetchResponseData.PartitionData pd = new FetchResponseData.PartitionData()
                        .setPartitionIndex(fp.partition()).setHighWatermark(-1).setLastStableOffset(-1)
                        .setLogStartOffset(-1).setPreferredReadReplica(-1).setRecords(MemoryRecords.EMPTY)
                        .setAbortedTransactions(readCommitted ? new ArrayList<>() : null);
                LeaderCheck leader = LeaderCheck.of(replicas, topic, version >= 13, fp.partition(), fp.currentLeaderEpoch());
                if (!leader.ok()) {
                    pd.setErrorCode(leader.error(version >= 6).code());
                    hasError = true;
                } else if (follower && divergence(leader.log(), fp, version, pd)) {
                    hasError = true;
                } else if (follower && !replicas.onFollowerFetch(leader.log().topicPartition(), replicaId, fp.fetchOffset(), nowMs)) {
                    pd.setErrorCode(Errors.NOT_LEADER_OR_FOLLOWER.code());
                    hasError = true;
                } else {
                    PartitionLog pl = leader.log();
                    watched.add(pl.topicPartition());
                    int maxBytes = (int) Math.min(fp.partitionMaxBytes(), remaining);
                    long upTo = follower ? pl.logEndOffset() : pl.highWatermark();
                    ReadResult rr = pl.read(fp.fetchOffset(), Math.max(maxBytes, 0), total == 0, upTo);
                    if (rr instanceof ReadResult.Records r) {
                        pd.setErrorCode(Errors.NONE.code()).setHighWatermark(r.highWatermark())
                                .setLastStableOffset(r.highWatermark()).setLogStartOffset(r.logStartOffset());
                        if (r.slice().sizeBytes() > 0) {
                            pd.setRecords(new FileRegionRecords(r.slice()));
                            total += r.slice().sizeBytes();
                            bytesByTopic.merge(pl.topicPartition().topic(), (long) r.slice().sizeBytes(), Long::sum);
                            slices.add(java.util.Map.entry(pl.topicPartition().topic(), r.slice()));
                            remaining -= r.slice().sizeBytes();
                        }
                    } else if (rr instanceof ReadResult.StorageError) {
                        pd.setErrorCode(LeaderCheck.storageError(version >= 6).code());
                        hasError = true;
                    } else if (rr instanceof ReadResult.OffsetOutOfRange o) {
                        pd.setErrorCode(Errors.OFFSET_OUT_OF_RANGE.code()).setHighWatermark(pl.highWatermark())
                                .setLastStableOffset(pl.highWatermark()).setLogStartOffset(o.logStartOffset());
                        hasError = true;
                    }
                }
                tr.partitions().add(pd);
            }
            resp.responses().add(tr);
        }
        return new Attempt(resp, total, hasError, follower, watched, bytesByTopic, slices);
    }

    /**
     * For a follower's fetch: true (and the diverging epoch set in {@code pd}) when its last fetched epoch ends
     * before its fetch offset in this leader's log, or is not in it.
     */
    private static boolean divergence(PartitionLog pl, FetchRequestData.FetchPartition fp, short version,
                                      FetchResponseData.PartitionData pd) {
        if (version < 12 || fp.lastFetchedEpoch() < 0) {
            return false;
        }
        io.sluice.brokerd.log.EpochEndOffset eo = pl.endOffsetForEpoch(fp.lastFetchedEpoch());
        if (eo.epoch() == fp.lastFetchedEpoch() && eo.endOffset() >= fp.fetchOffset()) {
            return false;
        }
        pd.setErrorCode(Errors.NONE.code()).setHighWatermark(pl.highWatermark()).setLastStableOffset(pl.highWatermark())
                .setLogStartOffset(pl.logStartOffset())
                .setDivergingEpoch(new FetchResponseData.EpochEndOffset().setEpoch(eo.epoch()).setEndOffset(eo.endOffset()));
        return true;
    }
}
