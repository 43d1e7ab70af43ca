package io.sluice.brokerd.api;

import io.sluice.brokerd.common.Fatal;
import io.sluice.brokerd.common.RateLimitedLog;
import io.sluice.brokerd.common.TopicPartition;
import io.sluice.brokerd.config.TopicConfigDef;
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
import io.sluice.brokerd.replica.ReplicationQuota;
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
 * (advancing the high watermark and the ISR). Who is a follower is checked as Kafka does: the connection must pass
 * {@link ClusterActionCheck} (the authorizer's hook), the replica id must be one of the partition's other replicas
 * in the current assignment (else UNKNOWN_LEADER_EPOCH when the fetch names a leader epoch, NOT_LEADER_OR_FOLLOWER
 * when not), and its position is recorded only after the read succeeded, so an offset past the log end gets
 * OFFSET_OUT_OF_RANGE and moves nothing. A follower whose {@code lastFetchedEpoch} ends earlier in the
 * leader's log (or is not there) gets the diverging epoch and its end offset instead of records, and truncates.
 * Records leave as {@link FileRegionRecords} (sendfile). Incremental fetch sessions (KIP-227) follow
 * {@link FetchSessions}: an incremental fetch reads every partition of its session and answers only those with news,
 * in a cache of {@code max.incremental.fetch.session.cache.slots} sessions ({@link FetchSessionCache}). A fetch that finds fewer than {@code min.bytes} parks in {@link DelayedFetches}
 * until an append wakes it or {@code max.wait.ms} passes ({@code fetch.max.wait.ms} at most), or its connection
 * closes (then it is dropped unanswered). Reads run on the event loop (through the request's inline
 * executor): they look up positions in memory and read batch headers from the page cache, as sendfile does there.
 * A follower that is out of the ISR and fetches a replica its topic's {@code leader.replication.throttled.replicas}
 * names for this broker gets no records for it while the {@link ReplicationQuota} is overdrawn (as in Kafka: the
 * partition is answered empty, not with an error), and the bytes it is sent are taken from the quota.
 */
public final class FetchHandler implements ApiHandler {
    /** {@code reason} labels of {@code sluice_follower_fetch_rejected_total}. */
    static final String NOT_ASSIGNED = "not_assigned";
    static final String OFFSET_OUT_OF_RANGE = "offset_out_of_range";
    private final TopicRegistry registry;
    private final ReplicaManager replicas;
    private final DelayedFetches delayed;

    private static final RateLimitedLog CLAMP_LOG = new RateLimitedLog(org.slf4j.LoggerFactory.getLogger(FetchHandler.class));
    private final BrokerMetrics metrics;
    /** {@code fetch.max.wait.ms}: the longest a fetch is parked, whatever it asks for. */
    private final int brokerMaxWaitMs;
    private final ReplicationQuota leaderQuota;
    private final ClusterActionCheck clusterAction;
    private final FetchSessions sessions;

    /**
     * {@code clusterAction} decides whether a connection may fetch as a follower (the authorizer's hook);
     * {@code sessionCacheSlots} is {@code max.incremental.fetch.session.cache.slots} (0: no sessions).
     */
    public FetchHandler(TopicRegistry registry, ReplicaManager replicas, DelayedFetches delayed, BrokerMetrics metrics,
                        int brokerMaxWaitMs, ReplicationQuota leaderQuota, ClusterActionCheck clusterAction,
                        int sessionCacheSlots) {
        this.sessions = new FetchSessions(new FetchSessionCache(sessionCacheSlots,
                java.util.concurrent.ThreadLocalRandom.current()::nextInt), io.sluice.brokerd.common.MonotonicClock::millis, metrics);
        this.metrics = metrics;
        this.brokerMaxWaitMs = brokerMaxWaitMs;
        this.leaderQuota = leaderQuota;
        this.registry = registry;
        this.replicas = replicas;
        this.delayed = delayed;
        this.clusterAction = clusterAction;
    }

    public void register(ApiRegistry apis) {
        apis.register(ApiKeys.FETCH, 4, 18, this);
    }

    /**
     * The outcome of one pass over the requested partitions; {@code bytesByTopic} feeds the traffic metric,
     * {@code throttledBytes} (sent to a follower for throttled replicas) the leader's replication quota.
     */
    private record Attempt(FetchResponseData response, long bytes, boolean hasError, boolean fromFollower, List<TopicPartition> partitions,
                           java.util.Map<String, Long> bytesByTopic, List<java.util.Map.Entry<String, io.sluice.brokerd.log.FileSlice>> slices,
                           long throttledBytes) {
    }

    /** Completes {@code result} with the attempt that answers the fetch, counting the bytes it sends. */
    private void answer(CompletableFuture<ApiMessage> result, Attempt a, FetchSessions.Context session, short version) {
        sessions.finish(session, a.response(), version);
        if (a.fromFollower()) {
            leaderQuota.record(a.throttledBytes());
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
        FetchRequestData request0 = (FetchRequestData) request;
        FetchSessions.Context session = sessions.open(request0, ctx.apiVersion(), replicaId(request0, ctx.apiVersion()) >= 0);
        if (session instanceof FetchSessions.Failed f) {
            return CompletableFuture.completedFuture(new FetchResponseData().setErrorCode(f.error().code()).setSessionId(0));
        }
        FetchRequestData req = session.read();
        CompletableFuture<ApiMessage> result = new CompletableFuture<>();
        boolean mayReplicate = clusterAction.allowsClusterAction(ctx);
        // Reading offsets and batch headers from the page cache costs less than handing the fetch to the pool and
        // back; the event loop reads these files anyway when it sends the records (sendfile).
        ctx.inlineExecutor().execute(() -> {
            try {
                if (!ctx.connection().isOpen()) {
                    result.complete(null); // queued behind others of a connection that closed meanwhile: nobody to answer
                    return;
                }
                Attempt first = attempt(req, ctx.apiVersion(), mayReplicate);
                long maxWaitMs = maxWaitMs(ctx, req);
                if (first.bytes() >= req.minBytes() || maxWaitMs <= 0 || first.hasError() || first.partitions().isEmpty()) {
                    answer(result, first, session, ctx.apiVersion());
                    return;
                }
                park(ctx, req, session, mayReplicate, result, first.partitions(), maxWaitMs);
            } catch (Throwable e) {
                Fatal.exitOnOutOfMemory(e);
                result.completeExceptionally(e);
            }
        });
        return result;
    }

    /** The client's max wait, cut to {@code fetch.max.wait.ms}. */
    private long maxWaitMs(RequestContext ctx, FetchRequestData req) {
        if (req.maxWaitMs() <= brokerMaxWaitMs) {
            return req.maxWaitMs();
        }
        metrics.fetchWaitClamped();
        CLAMP_LOG.info("clamp", "Fetch from {} (client id '{}') asked to wait up to {} ms; waiting at most fetch.max.wait.ms {} ms",
                ctx.clientAddress(), ctx.clientId(), req.maxWaitMs(), brokerMaxWaitMs);
        return brokerMaxWaitMs;
    }

    /**
     * Parks the fetch until an append brings {@code min.bytes} or {@code maxWaitMs} passes. If the client's
     * connection closes first, the fetch leaves the purgatory at once and is never answered (nobody would read it).
     */
    private void park(RequestContext ctx, FetchRequestData req, FetchSessions.Context session, boolean mayReplicate,
                      CompletableFuture<ApiMessage> result,
                      List<TopicPartition> partitions, long maxWaitMs) {
        DelayedFetches.Handle parked = delayed.park(new DelayedFetches.Waiter() {
            @Override
            public boolean tryComplete() {
                Attempt a = attempt(req, ctx.apiVersion(), mayReplicate);
                if (a.bytes() >= req.minBytes() || a.hasError()) {
                    answer(result, a, session, ctx.apiVersion());
                    return true;
                }
                return false;
            }

            @Override
            public void forceComplete() {
                answer(result, attempt(req, ctx.apiVersion(), mayReplicate), session, ctx.apiVersion());
            }

            @Override
            public void abort(Throwable cause) {
                result.completeExceptionally(cause);
            }
        }, partitions, maxWaitMs);
        Runnable unregister = ctx.connection().whenClosed(() -> {
            if (parked.cancel()) {
                result.complete(null);
            }
        });
        result.whenComplete((r, e) -> unregister.run());
    }

    private Attempt attempt(FetchRequestData req, short version, boolean mayReplicate) {
        FetchResponseData resp = new FetchResponseData().setErrorCode(Errors.NONE.code()).setSessionId(0);
        boolean readCommitted = req.isolationLevel() == 1;
        long remaining = req.maxBytes() <= 0 ? Integer.MAX_VALUE : req.maxBytes();
        long total = 0;
        boolean hasError = false;
        int replicaId = replicaId(req, version);
        boolean follower = replicaId >= 0;
        long nowMs = io.sluice.brokerd.common.MonotonicClock.millis(); // replica lag is a duration: never the wall clock
        List<TopicPartition> watched = new ArrayList<>();
        java.util.Map<String, Long> bytesByTopic = new java.util.HashMap<>();
        List<java.util.Map.Entry<String, io.sluice.brokerd.log.FileSlice>> slices = new ArrayList<>();
        long throttledBytes = 0;
        boolean quotaExceeded = follower && leaderQuota.isExceeded();
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
                } else if (follower && !mayReplicate) {
                    pd.setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code());
                    hasError = true;
                } else if (follower && !replicas.isAssignedFollower(leader.log().topicPartition(), replicaId)) {
                    // Kafka's answer: a fetch naming the current leader epoch gets UNKNOWN_LEADER_EPOCH (a replica
                    // being added by a reassignment retries until the assignment reaches this leader).
                    pd.setErrorCode((fp.currentLeaderEpoch() >= 0 ? Errors.UNKNOWN_LEADER_EPOCH : Errors.NOT_LEADER_OR_FOLLOWER).code());
                    metrics.followerFetchRejected(NOT_ASSIGNED);
                    hasError = true;
                } else if (follower && divergence(leader.log(), fp, version, pd)) {
                    hasError = true;
                } else if (quotaExceeded && inRange(leader.log(), fp.fetchOffset()) && throttled(topic.get(), leader.log().topicPartition(), replicaId)) {
                    // Throttled: no records, but the follower's position counts as in Kafka (an empty read); an
                    // offset out of range takes the read below, which answers OFFSET_OUT_OF_RANGE with no bytes.
                    PartitionLog pl = leader.log();
                    watched.add(pl.topicPartition());
                    if (!replicas.onFollowerFetch(pl.topicPartition(), replicaId, fp.fetchOffset(), pl.logEndOffset(), nowMs)) {
                        pd.setErrorCode(Errors.NOT_LEADER_OR_FOLLOWER.code());
                        hasError = true;
                    } else {
                        pd.setErrorCode(Errors.NONE.code()).setHighWatermark(pl.highWatermark()).setLastStableOffset(pl.highWatermark())
                                .setLogStartOffset(pl.logStartOffset());
                    }
                } else {
                    PartitionLog pl = leader.log();
                    watched.add(pl.topicPartition());
                    boolean throttled = follower && throttled(topic.get(), pl.topicPartition(), replicaId);
                    int maxBytes = (int) Math.min(fp.partitionMaxBytes(), remaining);
                    long upTo = follower ? pl.logEndOffset() : pl.highWatermark();
                    ReadResult rr = pl.read(fp.fetchOffset(), Math.max(maxBytes, 0), total == 0, upTo, readCommitted && !follower);
                    if (rr instanceof ReadResult.Records r && follower
                            && !replicas.onFollowerFetch(pl.topicPartition(), replicaId, fp.fetchOffset(), r.logEndOffset(), nowMs)) {
                        // Leadership or the assignment changed since the checks above.
                        pd.setErrorCode(Errors.NOT_LEADER_OR_FOLLOWER.code());
                        hasError = true;
                    } else if (rr instanceof ReadResult.Records r) {
                        pd.setErrorCode(Errors.NONE.code()).setHighWatermark(r.highWatermark())
                                .setLastStableOffset(r.lastStableOffset()).setLogStartOffset(r.logStartOffset());
                        if (r.abortedTransactions() != null) {
                            pd.setAbortedTransactions(abortedTransactions(r.abortedTransactions()));
                        }
                        if (r.slice().sizeBytes() > 0) {
                            pd.setRecords(new FileRegionRecords(r.slice()));
                            total += r.slice().sizeBytes();
                            bytesByTopic.merge(pl.topicPartition().topic(), (long) r.slice().sizeBytes(), Long::sum);
                            slices.add(java.util.Map.entry(pl.topicPartition().topic(), r.slice()));
                            remaining -= r.slice().sizeBytes();
                            throttledBytes += throttled ? r.slice().sizeBytes() : 0;
                        }
                    } else if (rr instanceof ReadResult.StorageError) {
                        pd.setErrorCode(LeaderCheck.storageError(version >= 6).code());
                        hasError = true;
                    } else if (rr instanceof ReadResult.OffsetOutOfRange o) {
                        pd.setErrorCode(Errors.OFFSET_OUT_OF_RANGE.code()).setHighWatermark(pl.highWatermark())
                                .setLastStableOffset(pl.lastStableOffset()).setLogStartOffset(o.logStartOffset());
                        if (follower) {
                            metrics.followerFetchRejected(OFFSET_OUT_OF_RANGE);
                        }
                        hasError = true;
                    }
                }
                tr.partitions().add(pd);
            }
            resp.responses().add(tr);
        }
        return new Attempt(resp, total, hasError, follower, watched, bytesByTopic, slices, throttledBytes);
    }

    private static int replicaId(FetchRequestData req, short version) {
        return version >= 15 ? req.replicaState().replicaId() : req.replicaId();
    }

    private static boolean inRange(PartitionLog pl, long offset) {
        return offset >= pl.logStartOffset() && offset <= pl.logEndOffset();
    }

    /**
     * Whether {@code follower}'s fetch of {@code tp} is throttled on this leader: the topic names the replica on this
     * broker in leader.replication.throttled.replicas and the follower is not in the ISR (Kafka never throttles an
     * in-sync replica).
     */
    private boolean throttled(TopicInfo topic, TopicPartition tp, int follower) {
        String replicas = topic.configOverrides().get(TopicConfigDef.LEADER_REPLICATION_THROTTLED_REPLICAS);
        return replicas != null && ReplicationQuota.lists(replicas, tp.partition(), this.replicas.nodeId())
                && !this.replicas.state(tp).map(s -> s.isr().contains(follower)).orElse(false);
    }

    private static List<FetchResponseData.AbortedTransaction> abortedTransactions(List<io.sluice.brokerd.log.AbortedTxn> txns) {
        List<FetchResponseData.AbortedTransaction> out = new ArrayList<>(txns.size());
        for (io.sluice.brokerd.log.AbortedTxn t : txns) {
            out.add(new FetchResponseData.AbortedTransaction().setProducerId(t.producerId()).setFirstOffset(t.firstOffset()));
        }
        return out;
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
        pd.setErrorCode(Errors.NONE.code()).setHighWatermark(pl.highWatermark()).setLastStableOffset(pl.lastStableOffset())
                .setLogStartOffset(pl.logStartOffset())
                .setDivergingEpoch(new FetchResponseData.EpochEndOffset().setEpoch(eo.epoch()).setEndOffset(eo.endOffset()));
        return true;
    }
}
