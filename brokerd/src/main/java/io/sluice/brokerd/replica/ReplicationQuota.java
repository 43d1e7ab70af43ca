package io.sluice.brokerd.replica;

import java.util.function.LongSupplier;

/**
 * A replication throttle: the bytes per second one side of replication may move for throttled replicas, as Kafka's
 * {@code leader.replication.throttled.rate} (what a leader sends to followers that fetch throttled replicas) and
 * {@code follower.replication.throttled.rate} (what a follower fetches for them) bound it. Which replicas are throttled
 * is a topic's {@code leader/follower.replication.throttled.replicas} ({@link #lists}); as in Kafka, a replica in the
 * ISR is never throttled, only one catching up (a new replica of a move).
 * <p>
 * Kafka measures the rate over 11 one-second samples and lets a fetch through while the measured rate is below the
 * bound, so a short move can run well ahead of the rate at first. This is a token bucket instead: credit accrues at the
 * rate, at most one second's worth, and a fetch is let through while the credit is not negative, its bytes then taken
 * from it (so one fetch may overdraw it, by at most a fetch's size). A move of B bytes therefore takes at least
 * (B - one fetch - one second's worth) / rate, whatever its size. Callers ask {@link #isExceeded} before a fetch and
 * {@link #record} its bytes after. Time comes from {@code nanoClock}. Thread-safe.
 */
public final class ReplicationQuota {
    /** No throttle: Kafka's default for the rates (Long.MAX_VALUE). */
    public static final long UNLIMITED = Long.MAX_VALUE;
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private final LongSupplier nanoClock;
    private long rateBytesPerSec = UNLIMITED;
    /** Credit in bytes; starts empty so that a new throttle does not begin with a burst. */
    private double credit;
    private long lastRefillNs;

    public ReplicationQuota(LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
        this.lastRefillNs = nanoClock.getAsLong();
    }

    /** Sets the rate ({@link #UNLIMITED} lifts the throttle); the credit carries over, capped at the new second's worth. */
    public synchronized void setRateBytesPerSec(long bytesPerSec) {
        if (bytesPerSec < 0) {
            throw new IllegalArgumentException("a replication rate cannot be negative: " + bytesPerSec);
        }
        refill();
        rateBytesPerSec = bytesPerSec;
        credit = Math.min(credit, bytesPerSec);
    }

    public synchronized long rateBytesPerSec() {
        return rateBytesPerSec;
    }

    /** Whether throttled replicas must wait: the credit is overdrawn. Never with {@link #UNLIMITED}. */
    public synchronized boolean isExceeded() {
        if (rateBytesPerSec == UNLIMITED) {
            return false;
        }
        refill();
        return credit < 0;
    }

    /** Takes the bytes a throttled fetch moved from the credit. */
    public synchronized void record(long bytes) {
        if (rateBytesPerSec == UNLIMITED || bytes <= 0) {
            return;
        }
        refill();
        credit -= bytes;
    }

    /** How long until {@link #isExceeded} turns false (0 when it is false now; Long.MAX_VALUE at rate 0). */
    public synchronized long nanosUntilAvailable() {
        if (rateBytesPerSec == UNLIMITED) {
            return 0;
        }
        refill();
        if (credit >= 0) {
            return 0;
        }
        if (rateBytesPerSec == 0) {
            return Long.MAX_VALUE;
        }
        return (long) Math.ceil(-credit * NANOS_PER_SECOND / rateBytesPerSec);
    }

    private void refill() {
        long now = nanoClock.getAsLong();
        long elapsed = now - lastRefillNs;
        lastRefillNs = now;
        if (rateBytesPerSec == UNLIMITED || elapsed <= 0) {
            return;
        }
        credit = Math.min(rateBytesPerSec, credit + (double) rateBytesPerSec * elapsed / NANOS_PER_SECOND);
    }

    /**
     * Whether a throttled-replicas config ("*" for every replica, or "partition:broker" pairs separated by commas)
     * names {@code partition} on {@code brokerId}. Empty or null names nothing. Allocates only when the config is set.
     */
    public static boolean lists(String throttledReplicas, int partition, int brokerId) {
        if (throttledReplicas == null || throttledReplicas.isBlank()) {
            return false;
        }
        String s = throttledReplicas.trim();
        if (s.equals("*")) {
            return true;
        }
        for (String pair : s.split(",")) {
            int colon = pair.indexOf(':');
            if (colon > 0 && parse(pair.substring(0, colon)) == partition && parse(pair.substring(colon + 1)) == brokerId) {
                return true;
            }
        }
        return false;
    }

    private static int parse(String s) {
        try {
            return Integer.parseInt(s.trim());
        } catch (NumberFormatException e) {
            return -1; // validated when the config was set; a stray entry names nothing
        }
    }
}
