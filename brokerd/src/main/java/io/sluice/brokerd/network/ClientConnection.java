package io.sluice.brokerd.network;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The connection a request came in on, as its handler sees it: whether it is still open, and a way to be told when
 * it closes. A handler whose request waits (a parked fetch, an acks=all produce waiting for replication) registers
 * here so the wait ends with the connection: no work is done, and no reference kept, for a client that is gone.
 * Thread-safe: handlers register from any thread; the network layer closes it on the connection's event loop.
 */
public final class ClientConnection {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(ClientConnection.class);
    private final Set<Runnable> onClose = new LinkedHashSet<>();
    private boolean closed;

    /** False once the connection closed. */
    public synchronized boolean isOpen() {
        return !closed;
    }

    /**
     * Runs {@code action} when the connection closes (at once, on this thread, if it already has). Returns what takes
     * the registration back: call it once the request is answered, so no action outlives its request.
     */
    public Runnable whenClosed(Runnable action) {
        synchronized (this) {
            if (!closed) {
                onClose.add(action);
                return () -> unregister(action);
            }
        }
        action.run();
        return () -> { };
    }

    private synchronized void unregister(Runnable action) {
        onClose.remove(action);
    }

    /** Registered actions (tests). */
    synchronized int registered() {
        return onClose.size();
    }

    /** Marks the connection closed and runs what was registered, outside the lock. */
    void close() {
        List<Runnable> actions;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            actions = new ArrayList<>(onClose);
            onClose.clear();
        }
        for (Runnable action : actions) {
            try {
                action.run();
            } catch (Throwable t) {
                io.sluice.brokerd.common.Fatal.exitOnOutOfMemory(t);
                log.error("A request's close action failed; the other requests of the connection are still released", t);
            }
        }
    }
}
