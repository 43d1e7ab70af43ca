package io.sluice.brokerd.network;

/**
 * What one connection holds of the broker while its requests are read and answered, and the caps on it: requests
 * whose responses have not left ({@code max.inflight.requests.per.connection}) and heap bytes of request frames not
 * yet answered, the frame being read included ({@code queued.max.request.bytes.per.connection}). Those bytes are
 * also reserved in the broker-wide {@link QueuedRequestBytes}.
 * <p>
 * {@link FrameDecoder} asks {@link #limitReached} before it starts a frame and then reserves the frame's size here; {@link RequestDispatcher} counts requests in and responses out and releases each request's bytes once it is
 * answered. Whenever something is given back, the hook the decoder set resumes reading if it had paused for one of
 * these caps. As with the broker-wide budget, a frame that was started is always finished: the byte cap is checked
 * between frames only, so one frame may take a connection above it.
 * <p>
 * Not thread-safe: used on the connection's event loop only.
 */
final class ConnectionBudget {
    private final QueuedRequestBytes broker;
    private final int maxInflightRequests;
    private final long maxInflightBytes;
    private int inflightRequests;
    private long inflightBytes;
    private Runnable onFreed = () -> { };

    ConnectionBudget(QueuedRequestBytes broker, int maxInflightRequests, long maxInflightBytes) {
        this.broker = broker;
        this.maxInflightRequests = maxInflightRequests;
        this.maxInflightBytes = maxInflightBytes;
    }

    /** Called after every release: the decoder resumes reading if it can. */
    void onFreed(Runnable hook) {
        this.onFreed = hook;
    }

    /** The cap of this connection that forbids starting another frame now, or null. */
    ReadLimit limitReached() {
        if (inflightRequests >= maxInflightRequests) {
            return ReadLimit.CONNECTION_REQUESTS;
        }
        if (maxInflightBytes > 0 && inflightBytes >= maxInflightBytes) {
            return ReadLimit.CONNECTION_REQUEST_BYTES;
        }
        return null;
    }

    /**
     * Reserves a frame of {@code bytes} broker-wide and returns true, or queues the reservation and returns false
     * when the broker's budget is spent: {@code granted} then runs (on any thread) once it is made, and the caller
     * counts it here with {@link #granted} on its event loop.
     */
    boolean reserveOrWait(long bytes, Runnable granted) {
        if (!broker.reserveOrWait(bytes, granted)) {
            return false;
        }
        inflightBytes += bytes;
        return true;
    }

    /** A reservation queued by {@link #reserveOrWait} was granted. */
    void granted(long bytes) {
        inflightBytes += bytes;
    }

    /** Reserves a frame of {@code bytes} whatever the broker-wide use (see {@link QueuedRequestBytes#reserve}). */
    void reserve(long bytes) {
        broker.reserve(bytes);
        inflightBytes += bytes;
    }

    /** Gives back {@code bytes} reserved with {@link #reserveOrWait} or {@link #reserve} (an answered request, or a frame never finished). */
    void release(long bytes) {
        if (bytes == 0) {
            return;
        }
        inflightBytes -= bytes;
        broker.release(bytes);
        onFreed.run();
    }

    /** A request was read and awaits its response. */
    void requestQueued() {
        inflightRequests++;
    }

    /** {@code count} responses left (or were dropped with a closed connection). */
    void responsesSent(int count) {
        if (count == 0) {
            return;
        }
        inflightRequests -= count;
        onFreed.run();
    }

    int inflightRequests() {
        return inflightRequests;
    }

    long inflightBytes() {
        return inflightBytes;
    }

    QueuedRequestBytes broker() {
        return broker;
    }
}
