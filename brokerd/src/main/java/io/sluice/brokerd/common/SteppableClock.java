package io.sluice.brokerd.common;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The system's wall clock shifted by an offset that can be stepped forward or back at any time, as an NTP step or
 * an operator's {@code date -s} moves a host's clock. Only wall-clock time moves: {@link System#nanoTime()}, which
 * the broker measures durations with, does not (nor does it on a real host). Fault injection (a broker started with
 * {@code -Dsluice.fault.injection=true}, {@code PUT /faults/clock}) and tests use it. Thread-safe.
 */
public final class SteppableClock extends Clock {
    private final AtomicLong offsetMs;
    private final ZoneId zone;

    public SteppableClock() {
        this(new AtomicLong(), ZoneOffset.UTC);
    }

    private SteppableClock(AtomicLong offsetMs, ZoneId zone) {
        this.offsetMs = offsetMs;
        this.zone = zone;
    }

    /** Moves the clock by {@code deltaMs} (negative: back); returns the offset from the system clock now. */
    public long step(long deltaMs) {
        return offsetMs.addAndGet(deltaMs);
    }

    /** How far this clock is from the system clock, ms. */
    public long offsetMs() {
        return offsetMs.get();
    }

    @Override
    public long millis() {
        return System.currentTimeMillis() + offsetMs.get();
    }

    @Override
    public Instant instant() {
        return Instant.ofEpochMilli(millis());
    }

    @Override
    public ZoneId getZone() {
        return zone;
    }

    @Override
    public Clock withZone(ZoneId z) {
        return new SteppableClock(offsetMs, z);
    }
}
