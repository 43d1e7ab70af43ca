package io.sluice.brokerd.log;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * What the data directory's I/O has shown of its disk (Kafka's LogDirFailureChannel, plus a full disk):
 * <pre>
 *   ONLINE --ENOSPC on an append--> FULL --an append succeeds--> ONLINE
 *   ONLINE, FULL --any other I/O error--> OFFLINE   (until brokerd restarts)
 * </pre>
 * <ul>
 *   <li><b>OFFLINE</b>: an I/O error (a failed write, fsync, read of a segment or index, truncation, checkpoint) leaves
 *       the logs' files in a state nobody can vouch for, so every log of the directory stops at once: appends and
 *       reads are refused with KAFKA_STORAGE_ERROR, nothing is written any more (no checkpoint, no clean-shutdown
 *       marker: the next start recovers). One ERROR line names the directory and the cause; the listeners hear it
 *       (the broker tells the controller, which moves leaderships to other in-sync replicas). Nothing acknowledged is
 *       lost: it is on the other in-sync replicas, and on this disk for the next start.</li>
 *   <li><b>FULL</b>: unlike Kafka, which takes the directory offline for ENOSPC too, a full disk only refuses what
 *       needs space: an append that hits ENOSPC is rolled back whole ({@link Segment#append}) and refused with
 *       KAFKA_STORAGE_ERROR (producers retry it), reads go on, and the next append that fits (space returned:
 *       retention, an operator) puts the directory back ONLINE. One WARN line when it fills, one INFO when it
 *       drains.</li>
 * </ul>
 * Thread-safe. Listeners run on the thread that met the error, which may hold a log's lock or serve the network:
 * they must only hand the news off.
 */
public final class LogDirHealth {
    private static final Logger log = LoggerFactory.getLogger(LogDirHealth.class);

    /** The directory's state. */
    public enum State { ONLINE, FULL, OFFLINE }

    private final Path dir;
    private final List<Consumer<String>> offlineListeners = new CopyOnWriteArrayList<>();
    private volatile State state = State.ONLINE;
    private volatile String cause = "";

    /** @param dir the data directory, for messages */
    public LogDirHealth(Path dir) {
        this.dir = dir;
    }

    public Path dir() {
        return dir;
    }

    public State state() {
        return state;
    }

    public boolean isOffline() {
        return state == State.OFFLINE;
    }

    /** Why the directory is offline or full (empty while online). */
    public String cause() {
        return cause;
    }

    /** Runs {@code listener} with the cause when the directory goes offline (at once if it is). */
    public void onOffline(Consumer<String> listener) {
        offlineListeners.add(listener);
        if (isOffline()) {
            listener.accept(cause);
        }
    }

    /**
     * {@code doing} (e.g. "appending to orders-0") failed with {@code e}: the directory goes offline, once; later
     * errors, consequences of the first, go to DEBUG.
     */
    public void failed(String doing, IOException e) {
        String why = doing + ": " + e;
        synchronized (this) {
            if (state == State.OFFLINE) {
                log.debug("Log directory {} is already offline; also failed {}", dir, why, e);
                return;
            }
            state = State.OFFLINE;
            cause = why;
        }
        log.error("Log directory {} is offline after an I/O error {}; its partitions are offline until brokerd restarts",
                dir, why);
        log.debug("The I/O error that took {} offline", dir, e);
        for (Consumer<String> l : offlineListeners) {
            l.accept(why);
        }
    }

    /** An append ({@code doing}) found the disk full: appends are refused until one fits. */
    void full(String doing, IOException e) {
        synchronized (this) {
            if (state != State.ONLINE) {
                return;
            }
            state = State.FULL;
            cause = doing + ": " + e;
        }
        log.warn("Log directory {} is full ({}): appends are refused with KAFKA_STORAGE_ERROR until space returns; "
                + "reads go on", dir, cause);
    }

    /** An append succeeded: a full directory has space again. Cheap when online (one volatile read). */
    void appended() {
        if (state != State.FULL) {
            return;
        }
        synchronized (this) {
            if (state != State.FULL) {
                return;
            }
            state = State.ONLINE;
            cause = "";
        }
        log.info("Log directory {} has space again: appends are accepted", dir);
    }
}
