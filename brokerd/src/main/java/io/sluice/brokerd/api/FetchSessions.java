package io.sluice.brokerd.api;

import io.sluice.brokerd.metrics.BrokerMetrics;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.Errors;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.LongSupplier;

/**
 * The fetch-session rules of KIP-227 (Kafka's {@code FetchManager.newContext}), between a Fetch request and the
 * reads that answer it. By the request's session id and epoch:
 * <pre>
 *   id 0, epoch -1          sessionless full fetch (every fetch before v7)
 *   id any, epoch 0         full fetch; closes session id if it exists; opens a session if the cache takes one
 *   id N, epoch -1          closes session N; sessionless full fetch
 *   id N, epoch E (other)   incremental: FETCH_SESSION_ID_NOT_FOUND unless N exists (and belongs to a follower
 *                           exactly when the request comes from one), INVALID_FETCH_SESSION_EPOCH unless E is the
 *                           epoch N expects next, FETCH_SESSION_TOPIC_ID_ERROR when N and the request disagree on
 *                           topic IDs (v13+); else the listed partitions are added or updated, the forgotten ones
 *                           removed, every partition of the session is read and the response carries only those
 *                           with news (records, an error, a new high watermark, last stable or log start offset)
 * </pre>
 * An incremental request that leaves its session empty closes it. Thread-safe (the cache's monitor).
 */
final class FetchSessions {
    static final int INITIAL_EPOCH = 0;
    static final int FINAL_EPOCH = -1;
    private static final UUID NO_TOPIC_ID = new UUID(0, 0);

    /** What {@link #open} made of a request. */
    sealed interface Context permits Failed, Sessionless, Full, Incremental {
        /** The request to read (for an incremental fetch, every partition of the session). */
        FetchRequestData read();
    }

    /** The request is refused as a whole with {@code error}. */
    record Failed(Errors error, FetchRequestData read) implements Context {
    }

    record Sessionless(FetchRequestData read) implements Context {
    }

    /** A full fetch that opens a session when answered, if the cache has room. */
    record Full(FetchRequestData read, boolean follower, boolean usesTopicIds) implements Context {
    }

    record Incremental(FetchRequestData read, FetchSessionCache.Session session) implements Context {
    }

    private final FetchSessionCache cache;
    private final LongSupplier clockMs;
    private final BrokerMetrics metrics;

    FetchSessions(FetchSessionCache cache, LongSupplier clockMs, BrokerMetrics metrics) {
        this.cache = cache;
        this.clockMs = clockMs;
        this.metrics = metrics;
        metrics.registerFetchSessions(cache::size, cache::partitionCount, cache::evictions);
    }

    /** Applies the session rules to {@code req} (from a follower when {@code follower}) of version {@code version}. */
    Context open(FetchRequestData req, short version, boolean follower) {
        int listed = 0;
        for (FetchRequestData.FetchTopic t : req.topics()) {
            listed += t.partitions().size();
        }
        int id = req.sessionId();
        int epoch = req.sessionEpoch();
        if (epoch == INITIAL_EPOCH || epoch == FINAL_EPOCH) {
            if (id != 0) {
                cache.remove(id);
            }
            metrics.fetchRequest(epoch == FINAL_EPOCH ? "sessionless" : "full", listed);
            return epoch == FINAL_EPOCH ? new Sessionless(req) : new Full(req, follower, version >= 13);
        }
        metrics.fetchRequest("incremental", listed);
        synchronized (cache) {
            FetchSessionCache.Session s = cache.get(id);
            if (s == null || s.privileged != follower) {
                return new Failed(Errors.FETCH_SESSION_ID_NOT_FOUND, req);
            }
            if (s.epoch != epoch) {
                return new Failed(Errors.INVALID_FETCH_SESSION_EPOCH, req);
            }
            if (s.usesTopicIds != (version >= 13)) {
                return new Failed(Errors.FETCH_SESSION_TOPIC_ID_ERROR, req);
            }
            update(s, req, version);
            if (s.partitions.isEmpty()) {
                cache.remove(id);
                return new Sessionless(req);
            }
            s.epoch = s.epoch == Integer.MAX_VALUE ? 1 : s.epoch + 1;
            cache.touch(s, clockMs.getAsLong());
            return new Incremental(readAll(req, s), s);
        }
    }

    /** Completes the response of {@code ctx}: its session id and, for an incremental fetch, only what changed. */
    FetchResponseData finish(Context ctx, FetchResponseData resp, short version) {
        if (ctx instanceof Full f) {
            LinkedHashMap<FetchSessionCache.Key, FetchSessionCache.CachedPartition> parts = new LinkedHashMap<>();
            for (FetchRequestData.FetchTopic t : f.read().topics()) {
                for (FetchRequestData.FetchPartition p : t.partitions()) {
                    FetchSessionCache.CachedPartition c = new FetchSessionCache.CachedPartition();
                    set(c, p);
                    parts.put(key(t, p.partition(), version), c);
                }
            }
            synchronized (cache) {
                FetchSessionCache.Session s = parts.isEmpty() ? null
                        : cache.maybeCreate(clockMs.getAsLong(), f.follower(), f.usesTopicIds(), parts);
                if (s != null) {
                    // Every partition is in a full response: remember what it said.
                    filter(s, resp, version, true);
                }
                resp.setSessionId(s == null ? 0 : s.id);
            }
        } else if (ctx instanceof Incremental i) {
            synchronized (cache) {
                filter(i.session(), resp, version, false);
            }
            resp.setSessionId(i.session().id);
        } else {
            resp.setSessionId(0);
        }
        return resp;
    }

    private static void update(FetchSessionCache.Session s, FetchRequestData req, short version) {
        for (FetchRequestData.FetchTopic t : req.topics()) {
            for (FetchRequestData.FetchPartition p : t.partitions()) {
                set(s.partitions.computeIfAbsent(key(t, p.partition(), version), k -> new FetchSessionCache.CachedPartition()), p);
            }
        }
        for (FetchRequestData.ForgottenTopic t : req.forgottenTopicsData()) {
            UUID topicId = version >= 13 ? Uuids.fromKafka(t.topicId()) : NO_TOPIC_ID;
            String name = version >= 13 ? "" : t.topic();
            for (int p : t.partitions()) {
                s.partitions.remove(new FetchSessionCache.Key(topicId, name, p));
            }
        }
    }

    private static void set(FetchSessionCache.CachedPartition c, FetchRequestData.FetchPartition p) {
        c.fetchOffset = p.fetchOffset();
        c.logStartOffset = p.logStartOffset();
        c.maxBytes = p.partitionMaxBytes();
        c.currentLeaderEpoch = p.currentLeaderEpoch();
        c.lastFetchedEpoch = p.lastFetchedEpoch();
    }

    private static FetchSessionCache.Key key(FetchRequestData.FetchTopic t, int partition, short version) {
        return version >= 13 ? new FetchSessionCache.Key(Uuids.fromKafka(t.topicId()), "", partition)
                : new FetchSessionCache.Key(NO_TOPIC_ID, t.topic(), partition);
    }

    /** {@code req} with every partition of {@code s}, in the session's order, as the partitions to read. */
    private static FetchRequestData readAll(FetchRequestData req, FetchSessionCache.Session s) {
        FetchRequestData read = req.duplicate();
        read.setForgottenTopicsData(new ArrayList<>());
        List<FetchRequestData.FetchTopic> topics = new ArrayList<>();
        FetchRequestData.FetchTopic current = null;
        FetchSessionCache.Key currentKey = null;
        for (Map.Entry<FetchSessionCache.Key, FetchSessionCache.CachedPartition> e : s.partitions.entrySet()) {
            FetchSessionCache.Key k = e.getKey();
            if (current == null || !k.topicId().equals(currentKey.topicId()) || !k.topic().equals(currentKey.topic())) {
                current = new FetchRequestData.FetchTopic().setTopic(k.topic()).setTopicId(Uuids.toKafka(k.topicId()));
                currentKey = k;
                topics.add(current);
            }
            FetchSessionCache.CachedPartition c = e.getValue();
            current.partitions().add(new FetchRequestData.FetchPartition().setPartition(k.partition())
                    .setFetchOffset(c.fetchOffset).setLogStartOffset(c.logStartOffset).setPartitionMaxBytes(c.maxBytes)
                    .setCurrentLeaderEpoch(c.currentLeaderEpoch).setLastFetchedEpoch(c.lastFetchedEpoch));
        }
        read.setTopics(topics);
        return read;
    }

    /**
     * Records in {@code s} what {@code resp} tells each partition and, unless {@code keepAll}, drops the partitions
     * with nothing new; a partition answered with records moves to the end of the session, so that others get their
     * share of the response's bytes next time (as Kafka does).
     */
    private static void filter(FetchSessionCache.Session s, FetchResponseData resp, short version, boolean keepAll) {
        List<FetchSessionCache.Key> withRecords = new ArrayList<>();
        for (Iterator<FetchResponseData.FetchableTopicResponse> ti = resp.responses().iterator(); ti.hasNext(); ) {
            FetchResponseData.FetchableTopicResponse t = ti.next();
            UUID topicId = version >= 13 ? Uuids.fromKafka(t.topicId()) : NO_TOPIC_ID;
            String name = version >= 13 ? "" : t.topic();
            for (Iterator<FetchResponseData.PartitionData> pi = t.partitions().iterator(); pi.hasNext(); ) {
                FetchResponseData.PartitionData p = pi.next();
                FetchSessionCache.Key k = new FetchSessionCache.Key(topicId, name, p.partitionIndex());
                FetchSessionCache.CachedPartition c = s.partitions.get(k);
                boolean hasRecords = p.records() != null && p.records().sizeInBytes() > 0;
                boolean news = c == null || hasRecords || p.errorCode() != Errors.NONE.code() || p.divergingEpoch().epoch() >= 0
                        || p.preferredReadReplica() >= 0 || p.highWatermark() != c.sentHighWatermark
                        || p.lastStableOffset() != c.sentLastStableOffset || p.logStartOffset() != c.sentLogStartOffset;
                if (c != null) {
                    c.sentHighWatermark = p.highWatermark();
                    c.sentLastStableOffset = p.lastStableOffset();
                    c.sentLogStartOffset = p.logStartOffset();
                    if (hasRecords) {
                        withRecords.add(k);
                    }
                }
                if (!news && !keepAll) {
                    pi.remove();
                }
            }
            if (t.partitions().isEmpty()) {
                ti.remove();
            }
        }
        for (FetchSessionCache.Key k : withRecords) {
            s.partitions.put(k, s.partitions.remove(k));
        }
    }
}
