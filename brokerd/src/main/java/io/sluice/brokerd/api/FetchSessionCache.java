package io.sluice.brokerd.api;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.IntSupplier;

/**
 * Incremental fetch sessions (KIP-227): per session the partitions a client fetches, with what it last asked for
 * and what it was last told, so that later fetches name only what changed and responses carry only partitions with
 * news. At most {@code max.incremental.fetch.session.cache.slots} sessions are kept; when full, a new session takes
 * the slot of (Kafka's rules, in this order):
 * <ol>
 *   <li>the least recently used session, if it was idle longer than {@link #EVICTION_MS};</li>
 *   <li>else the smallest session older than {@link #EVICTION_MS} (by privileged, then size, then id), if the new
 *       one is at least as valuable (a follower's session is privileged and outranks a consumer's; then more
 *       partitions win); a privileged newcomer may also take an unprivileged session of any age.</li>
 * </ol>
 * Otherwise no session is created and the client goes on with full fetches (session id 0). Time is passed in.
 * Thread-safe: every method holds this object's monitor; a {@link Session}'s fields are touched only under it.
 */
final class FetchSessionCache {
    /** Kafka's {@code FetchSessionCache} eviction age: a session younger than this is kept from unprivileged newcomers. */
    static final long EVICTION_MS = 120_000;

    /** One partition in a session: the key of a topic (its ID from Fetch v13, else its name) and partition. */
    record Key(UUID topicId, String topic, int partition) {
    }

    /** What the client last asked for, and what it was last answered, for one partition. */
    static final class CachedPartition {
        long fetchOffset;
        long logStartOffset;
        int maxBytes;
        int currentLeaderEpoch;
        int lastFetchedEpoch;
        /** Last high watermark, last stable offset and log start offset sent; -1 before the first answer. */
        long sentHighWatermark = -1;
        long sentLastStableOffset = -1;
        long sentLogStartOffset = -1;
    }

    /** A session; {@code partitions} in the order they are fetched (those answered with records move to the end). */
    static final class Session {
        final int id;
        final boolean privileged;
        final boolean usesTopicIds;
        final long creationMs;
        long lastUsedMs;
        /** The epoch the next incremental request must carry. */
        int epoch = 1;
        final LinkedHashMap<Key, CachedPartition> partitions = new LinkedHashMap<>();
        /** Size when last indexed for eviction (-1: not indexed). */
        int indexedSize = -1;

        Session(int id, boolean privileged, boolean usesTopicIds, long nowMs) {
            this.id = id;
            this.privileged = privileged;
            this.usesTopicIds = usesTopicIds;
            this.creationMs = nowMs;
            this.lastUsedMs = nowMs;
        }

        EvictableKey evictableKey() {
            return new EvictableKey(privileged, indexedSize, id);
        }
    }

    /** Orders sessions by worth: unprivileged before privileged, then fewer partitions first, then id. */
    record EvictableKey(boolean privileged, int size, int id) implements Comparable<EvictableKey> {
        @Override
        public int compareTo(EvictableKey o) {
            int c = Boolean.compare(privileged, o.privileged);
            if (c == 0) {
                c = Integer.compare(size, o.size);
            }
            return c != 0 ? c : Integer.compare(id, o.id);
        }
    }

    private record LastUsedKey(long lastUsedMs, int id) implements Comparable<LastUsedKey> {
        @Override
        public int compareTo(LastUsedKey o) {
            int c = Long.compare(lastUsedMs, o.lastUsedMs);
            return c != 0 ? c : Integer.compare(id, o.id);
        }
    }

    private final int maxSessions;
    private final IntSupplier ids;
    private final Map<Integer, Session> sessions = new HashMap<>();
    private final TreeMap<LastUsedKey, Session> lastUsed = new TreeMap<>();
    private final TreeMap<EvictableKey, Session> evictableByAll = new TreeMap<>();
    private final TreeMap<EvictableKey, Session> evictableByPrivileged = new TreeMap<>();
    private long partitionCount;
    private long evictions;

    /** {@code maxSessions} 0 turns sessions off; {@code ids} draws candidate session ids (positive ones are used). */
    FetchSessionCache(int maxSessions, IntSupplier ids) {
        this.maxSessions = maxSessions;
        this.ids = ids;
    }

    synchronized Session get(int id) {
        return sessions.get(id);
    }

    synchronized int size() {
        return sessions.size();
    }

    synchronized long partitionCount() {
        return partitionCount;
    }

    synchronized long evictions() {
        return evictions;
    }

    /**
     * A new session holding {@code partitions}, or null when the cache is full and nothing may be evicted for it
     * (or sessions are off).
     */
    synchronized Session maybeCreate(long nowMs, boolean privileged, boolean usesTopicIds, Map<Key, CachedPartition> partitions) {
        if (maxSessions <= 0 || (sessions.size() >= maxSessions && !tryEvict(privileged, partitions.size(), nowMs))) {
            return null;
        }
        int id;
        do {
            id = ids.getAsInt();
        } while (id <= 0 || sessions.containsKey(id));
        Session s = new Session(id, privileged, usesTopicIds, nowMs);
        s.partitions.putAll(partitions);
        sessions.put(id, s);
        touch(s, nowMs);
        return s;
    }

    private boolean tryEvict(boolean privileged, int size, long nowMs) {
        Map.Entry<LastUsedKey, Session> oldest = lastUsed.firstEntry();
        if (oldest == null) {
            return false;
        }
        if (nowMs - oldest.getKey().lastUsedMs() > EVICTION_MS) {
            remove(oldest.getValue());
            evictions++;
            return true;
        }
        Map.Entry<EvictableKey, Session> candidate = (privileged ? evictableByPrivileged : evictableByAll).firstEntry();
        if (candidate == null || new EvictableKey(privileged, size, Integer.MAX_VALUE).compareTo(candidate.getKey()) < 0) {
            return false;
        }
        remove(candidate.getValue());
        evictions++;
        return true;
    }

    /** Marks {@code s} used at {@code nowMs} and re-indexes it for eviction (its size may have changed). */
    synchronized void touch(Session s, long nowMs) {
        lastUsed.remove(new LastUsedKey(s.lastUsedMs, s.id));
        s.lastUsedMs = nowMs;
        lastUsed.put(new LastUsedKey(nowMs, s.id), s);
        if (s.indexedSize != -1) {
            evictableByAll.remove(s.evictableKey());
            evictableByPrivileged.remove(s.evictableKey());
            partitionCount -= s.indexedSize;
        }
        s.indexedSize = s.partitions.size();
        boolean oldEnough = nowMs - s.creationMs > EVICTION_MS;
        if (!s.privileged || oldEnough) {
            evictableByPrivileged.put(s.evictableKey(), s);
        }
        if (oldEnough) {
            evictableByAll.put(s.evictableKey(), s);
        }
        partitionCount += s.indexedSize;
    }

    /** Removes the session {@code id}; false when there is none. */
    synchronized boolean remove(int id) {
        Session s = sessions.get(id);
        if (s == null) {
            return false;
        }
        remove(s);
        return true;
    }

    private void remove(Session s) {
        sessions.remove(s.id);
        lastUsed.remove(new LastUsedKey(s.lastUsedMs, s.id));
        if (s.indexedSize != -1) {
            evictableByAll.remove(s.evictableKey());
            evictableByPrivileged.remove(s.evictableKey());
            partitionCount -= s.indexedSize;
        }
    }
}
