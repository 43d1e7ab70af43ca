package io.sluice.brokerd.common;

import org.slf4j.Logger;
import org.slf4j.event.Level;
import org.slf4j.helpers.MessageFormatter;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * One log line per key and interval, for events a client can repeat at will (a refused connection, a limit
 * reached): the first occurrence is logged at once, later ones within {@code intervalMs} are counted, and the next
 * line logged for that key says how many were left out. Thread-safe.
 */
public final class RateLimitedLog {
    /** Default interval between two lines of the same key. */
    public static final long DEFAULT_INTERVAL_MS = 30_000;

    private final Logger log;
    private final long intervalNs;
    private final LongSupplier nanoTime;
    private final ConcurrentHashMap<String, Window> windows = new ConcurrentHashMap<>();

    private static final class Window {
        long loggedAtNs;
        long suppressed;
    }

    public RateLimitedLog(Logger log, long intervalMs, LongSupplier nanoTime) {
        this.log = log;
        this.intervalNs = TimeUnit.MILLISECONDS.toNanos(intervalMs);
        this.nanoTime = nanoTime;
    }

    public RateLimitedLog(Logger log) {
        this(log, DEFAULT_INTERVAL_MS, System::nanoTime);
    }

    public void warn(String key, String format, Object... args) {
        maybeLog(Level.WARN, key, format, args);
    }

    public void info(String key, String format, Object... args) {
        maybeLog(Level.INFO, key, format, args);
    }

    private void maybeLog(Level level, String key, String format, Object[] args) {
        if (!log.isEnabledForLevel(level)) {
            return;
        }
        long nowNs = nanoTime.getAsLong();
        Window w = windows.computeIfAbsent(key, k -> new Window());
        long suppressed;
        synchronized (w) {
            if (w.loggedAtNs != 0 && nowNs - w.loggedAtNs < intervalNs) {
                w.suppressed++;
                return;
            }
            w.loggedAtNs = nowNs == 0 ? 1 : nowNs;
            suppressed = w.suppressed;
            w.suppressed = 0;
        }
        String message = MessageFormatter.arrayFormat(format, args).getMessage();
        if (suppressed > 0) {
            message += " (" + suppressed + " more since the last such line)";
        }
        log.atLevel(level).log(message);
    }
}
