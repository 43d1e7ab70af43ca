package io.sluice.brokerd.replica;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class ReplicationQuotaTest {
    private final AtomicLong nowNs = new AtomicLong(1_000_000_000L);
    private final ReplicationQuota quota = new ReplicationQuota(nowNs::get);

    private void advanceMs(long ms) {
        nowNs.addAndGet(TimeUnit.MILLISECONDS.toNanos(ms));
    }

    @Test
    void unlimitedNeverThrottles() {
        quota.record(Long.MAX_VALUE / 2);
        assertThat(quota.isExceeded()).isFalse();
        assertThat(quota.nanosUntilAvailable()).isZero();
        assertThat(quota.rateBytesPerSec()).isEqualTo(ReplicationQuota.UNLIMITED);
    }

    @Test
    void aFetchOverdrawsTheCreditAndTheNextWaitsUntilTheRatePaidItBack() {
        quota.setRateBytesPerSec(1_000);
        assertThat(quota.isExceeded()).as("a new throttle lets the first fetch through").isFalse();
        quota.record(2_500);
        assertThat(quota.isExceeded()).isTrue();
        assertThat(quota.nanosUntilAvailable()).isEqualTo(TimeUnit.MILLISECONDS.toNanos(2_500));
        advanceMs(2_499);
        assertThat(quota.isExceeded()).isTrue();
        advanceMs(1);
        assertThat(quota.isExceeded()).isFalse();
        assertThat(quota.nanosUntilAvailable()).isZero();
    }

    /** Simulates a follower copying {@code total} bytes in fetches of {@code fetch} bytes, polling every {@code pollMs}. */
    private long simulatedCopyMs(long total, long fetch, long pollMs) {
        long copied = 0;
        long startNs = nowNs.get();
        while (copied < total) {
            if (!quota.isExceeded()) {
                long n = Math.min(fetch, total - copied);
                quota.record(n);
                copied += n;
            } else {
                advanceMs(pollMs);
            }
        }
        return TimeUnit.NANOSECONDS.toMillis(nowNs.get() - startNs);
    }

    @Test
    void aLongCopyTakesAtLeastItsBytesOverTheRate() {
        quota.setRateBytesPerSec(100_000);
        long ms = simulatedCopyMs(1_000_000, 64 * 1024, 10);
        // At most one fetch (64 KiB) runs ahead of the rate: (1,000,000 - 65,536) / 100,000 s.
        assertThat(ms).isBetween(9_340L, 10_100L);
    }

    @Test
    void idleTimeEarnsAtMostOneSecondOfCredit() {
        quota.setRateBytesPerSec(1_000);
        advanceMs(60_000);
        quota.record(1_000);
        assertThat(quota.isExceeded()).as("a minute idle buys one second, not sixty").isFalse();
        quota.record(1);
        assertThat(quota.isExceeded()).isTrue();
    }

    @Test
    void changingTheRateTakesEffectAtOnceAndUnlimitedLiftsIt() {
        quota.setRateBytesPerSec(1_000);
        quota.record(10_000);
        assertThat(quota.nanosUntilAvailable()).isEqualTo(TimeUnit.SECONDS.toNanos(10));
        quota.setRateBytesPerSec(10_000);
        assertThat(quota.nanosUntilAvailable()).isEqualTo(TimeUnit.SECONDS.toNanos(1));
        quota.setRateBytesPerSec(ReplicationQuota.UNLIMITED);
        assertThat(quota.isExceeded()).isFalse();
        quota.setRateBytesPerSec(0);
        quota.record(1);
        advanceMs(3_600_000);
        assertThat(quota.isExceeded()).as("rate 0 lets nothing more through").isTrue();
        assertThat(quota.nanosUntilAvailable()).isEqualTo(Long.MAX_VALUE);
        assertThatThrownBy(() -> quota.setRateBytesPerSec(-1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void throttledReplicaListsNamePartitionBrokerPairsOrEverything() {
        assertThat(ReplicationQuota.lists("0:1,0:2, 3:2", 3, 2)).isTrue();
        assertThat(ReplicationQuota.lists("0:1,0:2,3:2", 0, 2)).isTrue();
        assertThat(ReplicationQuota.lists("0:1,0:2,3:2", 3, 1)).isFalse();
        assertThat(ReplicationQuota.lists("*", 7, 9)).isTrue();
        assertThat(ReplicationQuota.lists(" * ", 7, 9)).isTrue();
        assertThat(ReplicationQuota.lists("", 0, 0)).isFalse();
        assertThat(ReplicationQuota.lists(null, 0, 0)).isFalse();
        assertThat(ReplicationQuota.lists("x:y,1:1", 1, 1)).isTrue();
    }
}
