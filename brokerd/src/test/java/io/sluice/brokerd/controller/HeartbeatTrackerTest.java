package io.sluice.brokerd.controller;

import io.sluice.brokerd.metadata.BrokerRegistration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A broker's view of its controller session: /health names a fencing in its own image, and (because a broker cut off
 * from the quorum has a stale image that cannot show it) how long the controller has not accepted a heartbeat;
 * failures past a session are logged at WARN, rate limited, never only at DEBUG.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class HeartbeatTrackerTest {
    private static final long SESSION_MS = 3_000;
    private static final String ME = "incarnation-1";

    private static BrokerRegistration registration(String incarnation, boolean fenced) {
        return BrokerRegistration.plaintext(2, "127.0.0.1", 9092, "", incarnation, fenced);
    }

    @Test
    void aLiveBrokerWithRecentHeartbeatsHasNoProblem() {
        assertThat(HeartbeatTracker.problem(2, registration(ME, false), ME, 300, SESSION_MS)).isEmpty();
        assertThat(HeartbeatTracker.problem(2, registration(ME, false), ME, SESSION_MS, SESSION_MS)).as("exactly a session").isEmpty();
    }

    @Test
    void fencedInItsOwnImage() {
        assertThat(HeartbeatTracker.problem(2, registration(ME, true), ME, 300, SESSION_MS)).isEqualTo("fenced by the controller");
    }

    @Test
    void notRegisteredOrRegisteredByAnotherProcess() {
        assertThat(HeartbeatTracker.problem(2, null, ME, 0, SESSION_MS)).isEqualTo("broker 2 is not registered with the controller");
        assertThat(HeartbeatTracker.problem(2, registration("other", false), ME, 0, SESSION_MS))
                .startsWith("broker 2 is registered by another process");
    }

    @Test
    void aStaleImageStillShowsTheMissingHeartbeats() {
        assertThat(HeartbeatTracker.problem(2, registration(ME, false), ME, 4_210, SESSION_MS))
                .isEqualTo("no heartbeat accepted by the controller for 4210 ms (broker.session.timeout.ms 3000), so this "
                        + "broker's metadata may be stale");
        assertThat(HeartbeatTracker.problem(2, registration(ME, true), ME, 4_210, SESSION_MS))
                .startsWith("fenced by the controller; no heartbeat accepted by the controller for 4210 ms");
    }

    @Test
    void timeSinceTheLastAcceptedHeartbeatStartsAtRegistration() {
        HeartbeatTracker t = new HeartbeatTracker(SESSION_MS, 10_000, 1_000);
        assertThat(t.sinceAcceptedMs(1_500)).isEqualTo(500);
        t.failed("timed out", 2_000);
        assertThat(t.sinceAcceptedMs(5_000)).isEqualTo(4_000);
        t.accepted(5_000);
        assertThat(t.sinceAcceptedMs(5_100)).isEqualTo(100);
    }

    @Test
    void failuresPastASessionWarnOncePerIntervalAndAgainAfterRecovery() {
        HeartbeatTracker t = new HeartbeatTracker(SESSION_MS, 10_000, 0);
        assertThat(t.failed("timed out", 1_000)).as("within a session: an election, a lost connection").isFalse();
        assertThat(t.failed("timed out", 3_000)).isFalse();
        assertThat(t.failed("timed out", 3_300)).as("past the session").isTrue();
        assertThat(t.failed("timed out", 3_600)).as("rate limited").isFalse();
        assertThat(t.failed("timed out", 13_299)).isFalse();
        assertThat(t.failed("timed out", 13_300)).as("the next interval").isTrue();
        t.accepted(14_000);
        assertThat(t.failed("timed out", 14_300)).isFalse();
        assertThat(t.failed("fenced", 17_100)).as("a new run of failures past a session warns at once").isTrue();
    }
}
