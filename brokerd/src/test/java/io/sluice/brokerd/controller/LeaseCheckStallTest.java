package io.sluice.brokerd.controller;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A quorum leader frozen for longer than a broker session (SIGSTOP, long GC) must not fence the brokers whose
 * heartbeats it could not see meanwhile: the fence would commit through the real leader and move every leadership
 * of a live broker away (found by systest's ReplicationFaultIT.pauseControllerQuorumLeader).
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class LeaseCheckStallTest {
    private static final long SESSION_MS = 3_000;

    @Test
    void regularChecksAreNotAStall() {
        assertThat(QuorumController.leaseChecksStalled(-1, 10_000, SESSION_MS)).as("first check").isFalse();
        assertThat(QuorumController.leaseChecksStalled(10_000, 10_150, SESSION_MS)).isFalse();
        assertThat(QuorumController.leaseChecksStalled(10_000, 13_000, SESSION_MS)).as("exactly one session").isFalse();
    }

    @Test
    void aGapLongerThanASessionIsAStall() {
        assertThat(QuorumController.leaseChecksStalled(10_000, 13_001, SESSION_MS)).isTrue();
        assertThat(QuorumController.leaseChecksStalled(10_000, 18_200, SESSION_MS)).as("8 s SIGSTOP").isTrue();
    }
}
