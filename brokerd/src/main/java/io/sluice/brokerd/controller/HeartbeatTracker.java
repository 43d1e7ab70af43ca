package io.sluice.brokerd.controller;

import io.sluice.brokerd.metadata.BrokerRegistration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This broker's side of its controller session: when the quorum leader last accepted one of its heartbeats (answered
 * that the broker is live), and since when heartbeats fail. It tells /health how long this broker has gone without
 * the controller's word (a broker cut off from the quorum also has a stale metadata image, which cannot show its own
 * fencing), and logs failures that outlast a session at WARN, at most once per {@code warnIntervalMs}, and their end
 * at INFO; shorter failures (an election, one lost connection) stay at DEBUG.
 * <p>
 * Time is passed in ({@link io.sluice.brokerd.common.MonotonicClock} ms). Thread-safety: thread-safe (synchronized;
 * one heartbeat per interval).
 */
final class HeartbeatTracker {
    private static final Logger log = LoggerFactory.getLogger(HeartbeatTracker.class);

    private final long sessionTimeoutMs;
    private final long warnIntervalMs;
    private long lastAcceptedMs;
    /** When the current run of failures began, or -1 while heartbeats are accepted. */
    private long failingSinceMs = -1;
    /** When the current run of failures was last logged at WARN, or -1. */
    private long lastWarnMs = -1;

    /** {@code nowMs}: when the broker registered, which counts as the first accepted heartbeat. */
    HeartbeatTracker(long sessionTimeoutMs, long warnIntervalMs, long nowMs) {
        this.sessionTimeoutMs = sessionTimeoutMs;
        this.warnIntervalMs = warnIntervalMs;
        this.lastAcceptedMs = nowMs;
    }

    /** The quorum leader answered that this broker is live. */
    synchronized void accepted(long nowMs) {
        if (lastWarnMs >= 0) {
            log.info("Heartbeats reach the controller again, after failing for {} ms", nowMs - failingSinceMs);
        }
        lastAcceptedMs = nowMs;
        failingSinceMs = -1;
        lastWarnMs = -1;
    }

    /**
     * A heartbeat failed ({@code cause}: no answer, an error, or the controller saying this broker is fenced).
     *
     * @return true when this failure was logged at WARN
     */
    synchronized boolean failed(String cause, long nowMs) {
        if (failingSinceMs < 0) {
            failingSinceMs = nowMs;
        }
        long withoutMs = nowMs - lastAcceptedMs;
        if (withoutMs > sessionTimeoutMs && (lastWarnMs < 0 || nowMs - lastWarnMs >= warnIntervalMs)) {
            lastWarnMs = nowMs;
            log.warn("No heartbeat of this broker accepted by the controller for {} ms (broker.session.timeout.ms {}): the "
                    + "controller fences it and its metadata may be stale; is the controller quorum reachable? Last failure: {}",
                    withoutMs, sessionTimeoutMs, cause);
            return true;
        }
        log.debug("Heartbeat to the controller failed: {}", cause);
        return false;
    }

    /** Milliseconds since the controller last accepted a heartbeat. */
    synchronized long sinceAcceptedMs(long nowMs) {
        return nowMs - lastAcceptedMs;
    }

    /**
     * What is wrong with broker {@code nodeId}'s standing with the controller, for /health; empty when nothing is.
     *
     * @param own             its registration in this broker's metadata image, or null
     * @param incarnation     this process's registration id
     * @param sinceAcceptedMs ms since the controller last accepted a heartbeat, or 0 when nobody heartbeats (a single
     *                        node is its own controller)
     */
    static String problem(int nodeId, BrokerRegistration own, String incarnation, long sinceAcceptedMs, long sessionTimeoutMs) {
        StringBuilder sb = new StringBuilder();
        if (own == null) {
            sb.append("broker ").append(nodeId).append(" is not registered with the controller");
        } else if (!own.incarnation().equals(incarnation)) {
            sb.append("broker ").append(nodeId).append(" is registered by another process (another brokerd with node.id ")
                    .append(nodeId).append("?)");
        } else if (own.fenced()) {
            sb.append("fenced by the controller");
        }
        if (sinceAcceptedMs > sessionTimeoutMs) {
            sb.append(sb.isEmpty() ? "" : "; ").append("no heartbeat accepted by the controller for ").append(sinceAcceptedMs)
                    .append(" ms (broker.session.timeout.ms ").append(sessionTimeoutMs).append("), so this broker's metadata may be stale");
        }
        return sb.toString();
    }
}
