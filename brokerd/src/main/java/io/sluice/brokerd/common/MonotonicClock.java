package io.sluice.brokerd.common;

/**
 * Milliseconds from {@link System#nanoTime()}: a clock that only moves forward, at the rate time passes, whatever
 * happens to the wall clock (an NTP step, {@code date -s}, a VM resumed). Durations (broker leases, the ISR's
 * replica lag, retry backoffs) are measured on it, so a step of the wall clock neither expires them early nor
 * stretches them. Its values mean nothing on their own and across processes; wall-clock time (record timestamps,
 * retention, segment age, offset commit times) comes from the broker's {@link java.time.Clock}.
 */
public final class MonotonicClock {
    private MonotonicClock() {
    }

    public static long millis() {
        return System.nanoTime() / 1_000_000;
    }
}
