package io.sluice.brokerd.api;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** Kafka's eviction rules of the fetch-session cache, with time passed in. */
@Timeout(10)
class FetchSessionCacheTest {
    private final AtomicInteger nextId = new AtomicInteger(1);

    private FetchSessionCache cache(int slots) {
        return new FetchSessionCache(slots, nextId::getAndIncrement);
    }

    private static Map<FetchSessionCache.Key, FetchSessionCache.CachedPartition> partitions(int n) {
        Map<FetchSessionCache.Key, FetchSessionCache.CachedPartition> m = new LinkedHashMap<>();
        UUID topic = UUID.randomUUID();
        for (int i = 0; i < n; i++) {
            m.put(new FetchSessionCache.Key(topic, "", i), new FetchSessionCache.CachedPartition());
        }
        return m;
    }

    @Test
    void aFullCacheRefusesNewSessionsWhileItsSessionsAreYoungAndUsed() {
        FetchSessionCache c = cache(2);
        assertThat(c.maybeCreate(0, false, true, partitions(5))).isNotNull();
        assertThat(c.maybeCreate(0, false, true, partitions(5))).isNotNull();
        assertThat(c.maybeCreate(1_000, false, true, partitions(500))).as("bigger, but the others are young").isNull();
        assertThat(c.size()).isEqualTo(2);
        assertThat(c.partitionCount()).isEqualTo(10);
    }

    @Test
    void aSessionIdleLongerThanTheEvictionTimeGivesWayToAnyNewcomer() {
        FetchSessionCache c = cache(2);
        FetchSessionCache.Session idle = c.maybeCreate(0, true, true, partitions(50));
        FetchSessionCache.Session busy = c.maybeCreate(0, false, true, partitions(5));
        c.touch(busy, FetchSessionCache.EVICTION_MS);
        FetchSessionCache.Session small = c.maybeCreate(FetchSessionCache.EVICTION_MS + 1, false, true, partitions(1));
        assertThat(small).isNotNull();
        assertThat(c.get(idle.id)).as("the least recently used, idle for over 120 s").isNull();
        assertThat(c.get(busy.id)).isNotNull();
        assertThat(c.evictions()).isEqualTo(1);
    }

    @Test
    void anOldEnoughSessionGivesWayToABiggerOneButNotToASmallerOne() {
        FetchSessionCache c = cache(1);
        FetchSessionCache.Session old = c.maybeCreate(0, false, true, partitions(10));
        long later = FetchSessionCache.EVICTION_MS + 1;
        c.touch(old, later); // used, so not stale; now older than the eviction time
        assertThat(c.maybeCreate(later, false, true, partitions(9))).as("smaller").isNull();
        FetchSessionCache.Session bigger = c.maybeCreate(later, false, true, partitions(11));
        assertThat(bigger).isNotNull();
        assertThat(c.get(old.id)).isNull();
    }

    @Test
    void aFollowerTakesTheSlotOfAYoungConsumerSessionButAConsumerNeverTakesAFollowers() {
        FetchSessionCache c = cache(1);
        FetchSessionCache.Session consumer = c.maybeCreate(0, false, true, partitions(100));
        FetchSessionCache.Session follower = c.maybeCreate(1, true, true, partitions(1));
        assertThat(follower).as("privileged beats unprivileged at any age").isNotNull();
        assertThat(c.get(consumer.id)).isNull();
        c.touch(follower, FetchSessionCache.EVICTION_MS + 2);
        assertThat(c.maybeCreate(FetchSessionCache.EVICTION_MS + 2, false, true, partitions(1_000))).isNull();
        assertThat(c.get(follower.id)).isNotNull();
    }

    @Test
    void zeroSlotsTurnSessionsOff() {
        assertThat(cache(0).maybeCreate(0, true, true, partitions(1))).isNull();
    }

    @Test
    void removingASessionGivesBackItsSlotAndPartitions() {
        FetchSessionCache c = cache(1);
        FetchSessionCache.Session s = c.maybeCreate(0, false, true, partitions(3));
        assertThat(c.remove(s.id)).isTrue();
        assertThat(c.remove(s.id)).isFalse();
        assertThat(c.size()).isZero();
        assertThat(c.partitionCount()).isZero();
        assertThat(c.maybeCreate(1, false, true, partitions(3))).isNotNull();
    }
}
