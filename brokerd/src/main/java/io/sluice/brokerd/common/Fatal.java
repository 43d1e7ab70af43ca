package io.sluice.brokerd.common;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one policy for errors nothing can recover from: an {@link OutOfMemoryError} ends the process, so that its
 * supervisor (systemd's {@code Restart=on-failure}, a test harness) starts a clean broker instead of one that limps
 * with a heap it cannot trust. The launcher's {@code -XX:+ExitOnOutOfMemoryError} covers the errors the JVM raises
 * itself (heap, metaspace); this covers those code throws and a task boundary catches (direct buffer memory, Netty's
 * {@code OutOfDirectMemoryError}). Both exit with status {@value #EXIT_STATUS}, without the clean-shutdown hook:
 * after an out-of-memory error the hook itself may not run to its end, and recovery handles an unclean stop.
 * <p>
 * Every {@code catch (Throwable)} at a task boundary calls {@link #exitOnOutOfMemory} first.
 */
public final class Fatal {
    /** The status {@code -XX:+ExitOnOutOfMemoryError} exits with. */
    public static final int EXIT_STATUS = 3;
    private static final Logger log = LoggerFactory.getLogger(Fatal.class);

    private Fatal() {
    }

    /** Halts the process when {@code t} is, or was caused by, an {@link OutOfMemoryError}; returns otherwise. */
    public static void exitOnOutOfMemory(Throwable t) {
        if (isOutOfMemory(t)) {
            try {
                log.error("Out of memory; exiting (status {}) so that a clean broker can be started", EXIT_STATUS, t);
            } finally {
                Runtime.getRuntime().halt(EXIT_STATUS);
            }
        }
    }

    static boolean isOutOfMemory(Throwable t) {
        for (int depth = 0; t != null && depth < 16; t = t.getCause(), depth++) {
            if (t instanceof OutOfMemoryError) {
                return true;
            }
        }
        return false;
    }

    /** For threads brokerd starts: an uncaught throwable is logged, and an out-of-memory error ends the process. */
    public static final Thread.UncaughtExceptionHandler UNCAUGHT = (thread, t) -> {
        exitOnOutOfMemory(t);
        log.error("Thread {} died", thread.getName(), t);
    };
}
