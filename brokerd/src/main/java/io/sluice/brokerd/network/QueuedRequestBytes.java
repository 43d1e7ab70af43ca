package io.sluice.brokerd.network;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * The broker-wide budget of {@code queued.max.request.bytes}, as Kafka's request memory pool: heap bytes held by
 * request frames that were read (or are being read) but not yet answered. {@link FrameDecoder} reserves a frame's
 * whole size once it has read the size field, before it reads (or allocates) the frame; the {@link RequestDispatcher}
 * releases it once the request is answered. When a reservation cannot be made the connection stops reading (Netty
 * autoRead off) and queues here; releases grant the queued reservations in order, and each granted connection
 * resumes. A new reservation never overtakes queued ones, so no connection waits for ever behind newcomers.
 * <p>
 * Admission is not strict, as in Kafka's pool: a reservation is made while the use is below the limit, even if it
 * takes the use above it. So a frame larger than what is left still gets through once the pool drains, and the use
 * never exceeds the limit by more than one frame ({@code socket.request.max.bytes}). A frame is reserved whole or not
 * at all, so connections that wait for memory never hold part of it: no set of half-read frames can wait on each
 * other for ever. Beyond Kafka, a connection with nothing in flight may always send one small request
 * ({@link #reserve}), so one-request-at-a-time clients (heartbeats, metadata) are served while the pool is spent.
 * A limit of 0 or less means unbounded (Kafka's -1).
 * <p>
 * Thread-safe: one lock, held for a few field updates (reservations on event loops, releases there too).
 */
final class QueuedRequestBytes {
    private final long limitBytes;
    /** Guarded by this. */
    private long usedBytes;
    /** Reservations waiting for memory, oldest first; guarded by this. */
    private final ArrayDeque<Waiting> waiting = new ArrayDeque<>();

    /** A queued reservation: {@code granted} runs once the bytes are reserved for it. */
    private record Waiting(long bytes, Runnable granted) {
    }

    QueuedRequestBytes(long limitBytes) {
        this.limitBytes = limitBytes;
    }

    /** Unbounded (tests, and {@code queued.max.request.bytes: -1}). */
    static QueuedRequestBytes unbounded() {
        return new QueuedRequestBytes(-1);
    }

    /**
     * Reserves {@code bytes} now and returns true, or queues the reservation and returns false: {@code granted} then
     * runs, on the thread of a later {@link #release}, once the bytes are reserved for the caller (who must give them
     * back even if it no longer needs them). {@link #cancelWait} takes a queued reservation back.
     */
    boolean reserveOrWait(long bytes, Runnable granted) {
        synchronized (this) {
            if (limitBytes <= 0 || (waiting.isEmpty() && usedBytes < limitBytes)) {
                usedBytes += bytes;
                return true;
            }
            waiting.addLast(new Waiting(bytes, granted));
            return false;
        }
    }

    /**
     * Takes {@code bytes} whatever the use: for the one small request a connection with nothing else in flight
     * may always send (see {@link FrameDecoder}), so that it is counted too.
     */
    synchronized void reserve(long bytes) {
        usedBytes += bytes;
    }

    /** Gives back {@code bytes} and grants the queued reservations the use now allows, oldest first. */
    void release(long bytes) {
        if (bytes == 0) {
            return;
        }
        List<Runnable> granted = null;
        synchronized (this) {
            usedBytes -= bytes;
            if (usedBytes < 0) {
                throw new IllegalStateException("released more request bytes than were reserved (" + usedBytes + ")");
            }
            while (!waiting.isEmpty() && usedBytes < limitBytes) {
                Waiting w = waiting.pollFirst();
                usedBytes += w.bytes();
                if (granted == null) {
                    granted = new ArrayList<>();
                }
                granted.add(w.granted());
            }
        }
        if (granted != null) {
            granted.forEach(Runnable::run);
        }
    }

    /** Takes back the queued reservation of {@code granted}; false when there is none (it may have been granted). */
    synchronized boolean cancelWait(Runnable granted) {
        for (Iterator<Waiting> it = waiting.iterator(); it.hasNext(); ) {
            if (it.next().granted() == granted) {
                it.remove();
                return true;
            }
        }
        return false;
    }

    synchronized long usedBytes() {
        return usedBytes;
    }

    long limitBytes() {
        return limitBytes;
    }

    /** Connections waiting for memory. */
    synchronized int waitingConnections() {
        return waiting.size();
    }
}
