package io.sluice.systest;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

/**
 * The faults of the matrix. Each scenario injects one fault into a running cluster under the workload, holds it for
 * its duration and heals it (restarts what it killed, heals the network, frees the disk), and says which partitions
 * it interrupted; the runner then waits for recovery and checks the replicas ({@link FaultMatrixIT}). Durations
 * scale with the profile: the quick one holds most faults a few seconds, the full one longer.
 */
final class Scenarios {
    /** What a scenario did: when the fault began, which partitions it interrupted, a line for the report. */
    record Fault(long faultMs, Set<Integer> affected, String description) {
    }

    /** One scenario: a name for the report and what it does. */
    record Scenario(String name, Body body) {
        @Override
        public String toString() {
            return name;
        }
    }

    @FunctionalInterface
    interface Body {
        Fault run(Context c) throws Exception;
    }

    /** What scenarios work with. */
    record Context(FaultCluster cluster, History history, Duration hold, int bounces, Random random) {
        BrokerCluster brokers() {
            return cluster.brokers;
        }

        LinkProxies network() {
            return cluster.network;
        }

        /** The partitions a fault on broker {@code id} interrupts; all of them when it leads none. */
        Set<Integer> affectedBy(int id) throws Exception {
            Set<Integer> led = cluster.ledBy(id);
            return led.isEmpty() ? FaultCluster.allPartitions() : led;
        }

        /** Holds the fault for {@code d}: a timed park to its own deadline, not a wait for a condition. */
        void holdFor(Duration d) {
            long until = System.nanoTime() + d.toNanos();
            for (long left = d.toNanos(); left > 0; left = until - System.nanoTime()) {
                LockSupport.parkNanos(left);
            }
        }

        /** Holds the fault for the profile's duration. */
        void holdFault() {
            holdFor(hold);
        }

        int leaderOfPartition0() throws Exception {
            int leader = cluster.leaderOf(0);
            if (leader < 0) {
                throw new AssertionError("partition 0 has no leader before the fault");
            }
            return leader;
        }

        int controllerLeader() throws InterruptedException {
            BrokerCluster.waitFor(() -> cluster.controller() > 0, Duration.ofSeconds(30), "DescribeCluster to name the controller");
            return cluster.controller();
        }

        /** A follower (in-sync replica that does not lead) of partition 0. */
        int followerOfPartition0() throws Exception {
            int leader = leaderOfPartition0();
            return cluster.describe().partitions().get(0).isr().stream().mapToInt(n -> n.id()).filter(n -> n != leader)
                    .findFirst().orElseThrow(() -> new AssertionError("partition 0 has no in-sync follower"));
        }

        /** Waits until each of {@code partitions} acknowledged a send made at or after {@code fromMs}. */
        void awaitAcksAfter(long fromMs, Set<Integer> partitions, Duration timeout, String why) throws InterruptedException {
            BrokerCluster.waitFor(() -> partitions.stream().allMatch(p -> history.firstAckAfter(fromMs, p) >= 0), timeout,
                    () -> "an acks=all produce on each of " + partitions + " " + why + " (last error " + history.lastSendError() + ")");
        }

        void restart(int id) throws Exception {
            brokers().start(id);
            brokers().awaitReady(id);
        }
    }

    private Scenarios() {
    }

    /** Every scenario, in the order the matrix runs them. */
    static List<Scenario> all() {
        return List.of(
                new Scenario("kill -9 partition leader", Scenarios::killLeader),
                new Scenario("kill -9 controller quorum leader", Scenarios::killController),
                new Scenario("SIGSTOP leader 20 s", c -> pauseLeader(c, Duration.ofSeconds(20))),
                new Scenario("SIGSTOP leader 8 s", c -> pauseLeader(c, Duration.ofSeconds(8))),
                new Scenario("SIGSTOP controller 8 s", Scenarios::pauseController),
                new Scenario("kill -9 all three", Scenarios::killAll),
                new Scenario("rolling restart", Scenarios::rollingRestart),
                new Scenario("hard bounces", Scenarios::hardBounces),
                new Scenario("kill -9 group coordinator", Scenarios::killCoordinator),
                new Scenario("network: leader isolated", Scenarios::isolateLeader),
                new Scenario("network: follower's fetches dropped one way", Scenarios::dropFollowerFetches),
                new Scenario("network: follower's controller links cut", Scenarios::cutControllerLinks),
                new Scenario("network: 100 ms on every broker link", Scenarios::delayLinks),
                new Scenario("disk full on leader", Scenarios::diskFull),
                new Scenario("disk I/O error on leader", Scenarios::diskError),
                new Scenario("slow disk on leader", Scenarios::slowDisk),
                new Scenario("flipped bit in a follower's closed segment", c -> flippedBit(c, false)),
                new Scenario("flipped bit in the leader's closed segment", c -> flippedBit(c, true)),
                new Scenario("torn tail after kill -9", Scenarios::tornTail),
                new Scenario("clock step forward 10 min on leader", Scenarios::clockForward),
                new Scenario("clock step back 10 min on controller, then kill -9", Scenarios::clockBackThenKill));
    }

    // ---------------------------------------------------------------- processes

    private static Fault killLeader(Context c) throws Exception {
        int victim = c.leaderOfPartition0();
        Set<Integer> affected = c.affectedBy(victim);
        c.brokers().kill(victim);
        long faultMs = System.currentTimeMillis();
        c.holdFault();
        c.restart(victim);
        return new Fault(faultMs, affected, "kill -9 of broker " + victim + ", restarted after " + c.hold().toSeconds() + " s");
    }

    private static Fault killController(Context c) throws Exception {
        int victim = c.controllerLeader();
        Set<Integer> affected = c.affectedBy(victim);
        c.brokers().kill(victim);
        long faultMs = System.currentTimeMillis();
        c.holdFault();
        c.restart(victim);
        return new Fault(faultMs, affected, "kill -9 of broker " + victim + " (quorum leader), restarted after " + c.hold().toSeconds() + " s");
    }

    private static Fault pauseLeader(Context c, Duration pause) throws Exception {
        int victim = c.leaderOfPartition0();
        Set<Integer> affected = c.affectedBy(victim);
        c.brokers().pause(victim);
        long faultMs = System.currentTimeMillis();
        try {
            c.holdFor(pause);
        } finally {
            c.brokers().resume(victim);
        }
        return new Fault(faultMs, affected, "SIGSTOP of broker " + victim + " for " + pause.toSeconds() + " s");
    }

    private static Fault pauseController(Context c) throws Exception {
        int victim = c.controllerLeader();
        Set<Integer> affected = c.affectedBy(victim);
        c.brokers().pause(victim);
        long faultMs = System.currentTimeMillis();
        try {
            c.holdFor(Duration.ofSeconds(8));
        } finally {
            c.brokers().resume(victim);
        }
        return new Fault(faultMs, affected, "SIGSTOP of broker " + victim + " (quorum leader) for 8 s");
    }

    private static Fault killAll(Context c) throws Exception {
        for (int id : c.brokers().ids()) {
            c.brokers().kill(id);
        }
        long faultMs = System.currentTimeMillis();
        for (int id : c.brokers().ids()) {
            c.brokers().start(id);
        }
        for (int id : c.brokers().ids()) {
            c.brokers().awaitReady(id);
        }
        return new Fault(faultMs, FaultCluster.allPartitions(), "kill -9 of all three brokers, restarted at once");
    }

    private static Fault rollingRestart(Context c) throws Exception {
        long faultMs = System.currentTimeMillis();
        StringBuilder stops = new StringBuilder();
        for (int id : c.brokers().ids()) {
            long t0 = System.currentTimeMillis();
            int exit = c.brokers().stop(id);
            long stoppedMs = System.currentTimeMillis() - t0;
            if (exit != 143) {
                throw new AssertionError("broker " + id + " exited with " + exit + " after SIGTERM, not 143");
            }
            stops.append(id).append(": ").append(stoppedMs).append(" ms; ");
            c.restart(id);
            c.cluster().awaitFullIsr(Duration.ofSeconds(120));
        }
        return new Fault(faultMs, FaultCluster.allPartitions(), "SIGTERM, restart and full ISR, one broker at a time (stopped in "
                + stops.substring(0, stops.length() - 2) + ")");
    }

    private static Fault hardBounces(Context c) throws Exception {
        int victim = c.leaderOfPartition0();
        Set<Integer> affected = c.affectedBy(victim);
        long faultMs = System.currentTimeMillis();
        for (int round = 1; round <= c.bounces(); round++) {
            c.cluster().electPreferredLeaders(Duration.ofSeconds(60));
            c.brokers().kill(victim);
            c.restart(victim);
            c.cluster().awaitFullIsr(Duration.ofSeconds(120));
        }
        return new Fault(faultMs, affected, c.bounces() + " times kill -9 and immediate restart of broker " + victim);
    }

    private static Fault killCoordinator(Context c) throws Exception {
        BrokerCluster.waitFor(() -> c.cluster().coordinatorOf(Workload.GROUP) > 0, Duration.ofSeconds(60),
                "the workload's group to be stable with a coordinator");
        int victim = c.cluster().coordinatorOf(Workload.GROUP);
        Set<Integer> affected = c.affectedBy(victim);
        long commitsBefore = c.history().commitsAfter(0);
        c.brokers().kill(victim);
        long faultMs = System.currentTimeMillis();
        c.holdFault();
        c.restart(victim);
        BrokerCluster.waitFor(() -> c.history().commitsAfter(faultMs) > 0, Duration.ofSeconds(120),
                "a commit of the group to succeed after its coordinator died");
        return new Fault(faultMs, affected, "kill -9 of broker " + victim + " (coordinator of " + Workload.GROUP + ", "
                + commitsBefore + " commits before), restarted after " + c.hold().toSeconds() + " s");
    }

    // ---------------------------------------------------------------- network

    private static Fault isolateLeader(Context c) throws Exception {
        int victim = c.leaderOfPartition0();
        Set<Integer> affected = c.affectedBy(victim);
        c.network().isolate(victim, LinkProxies.Fault.DROP, c.brokers().ids());
        long faultMs = System.currentTimeMillis();
        try {
            c.holdFor(c.hold().plusSeconds(5)); // past the broker session (3 s): the others fence it
        } finally {
            c.network().heal();
        }
        return new Fault(faultMs, affected, "every link of broker " + victim + " to the other brokers dropped both ways for "
                + c.hold().plusSeconds(5).toSeconds() + " s (clients still reach it)");
    }

    private static Fault dropFollowerFetches(Context c) throws Exception {
        int leader = c.leaderOfPartition0();
        int follower = c.followerOfPartition0();
        c.network().add(new LinkProxies.Rule(follower, leader, LinkProxies.Link.CLIENT, LinkProxies.Fault.DROP, 0));
        long faultMs = System.currentTimeMillis();
        try {
            c.holdFault();
        } finally {
            c.network().heal();
        }
        return new Fault(faultMs, FaultCluster.allPartitions(), "broker " + follower + "'s fetches to leader " + leader
                + " dropped (one way) for " + c.hold().toSeconds() + " s");
    }

    private static Fault cutControllerLinks(Context c) throws Exception {
        int follower = c.followerOfPartition0();
        for (int other : c.brokers().ids()) {
            if (other != follower) {
                c.network().bothWays(follower, other, LinkProxies.Link.CONTROLLER, LinkProxies.Fault.CUT, 0);
            }
        }
        long faultMs = System.currentTimeMillis();
        try {
            c.holdFor(c.hold().plusSeconds(5)); // past the broker session: it is fenced
        } finally {
            c.network().heal();
        }
        return new Fault(faultMs, FaultCluster.allPartitions(), "broker " + follower + "'s controller links cut both ways for "
                + c.hold().plusSeconds(5).toSeconds() + " s (replication links up)");
    }

    private static Fault delayLinks(Context c) throws Exception {
        List<Integer> ids = c.brokers().ids();
        for (int a : ids) {
            for (int b : ids) {
                if (a < b) {
                    for (LinkProxies.Link link : LinkProxies.Link.values()) {
                        c.network().bothWays(a, b, link, LinkProxies.Fault.DELAY, 100);
                    }
                }
            }
        }
        long faultMs = System.currentTimeMillis();
        try {
            c.holdFault();
        } finally {
            c.network().heal();
        }
        return new Fault(faultMs, FaultCluster.allPartitions(), "100 ms added to every chunk on every broker-to-broker link for "
                + c.hold().toSeconds() + " s");
    }

    // ---------------------------------------------------------------- disk

    private static Fault diskFull(Context c) throws Exception {
        int victim = c.leaderOfPartition0();
        Set<Integer> affected = c.affectedBy(victim);
        c.brokers().httpPut(victim, "/faults/disk?state=full");
        long faultMs = System.currentTimeMillis();
        try {
            c.holdFault();
            double full = c.cluster().metric(victim, "sluice_log_dir_full{dir=\"" + c.brokers().dataDir(victim) + "\"}");
            if (full != 1.0) {
                throw new AssertionError("broker " + victim + " does not report its disk full (sluice_log_dir_full " + full + ")");
            }
        } finally {
            c.brokers().httpPut(victim, "/faults/disk?state=ok");
        }
        return new Fault(faultMs, affected, "ENOSPC on every write of broker " + victim + " for " + c.hold().toSeconds()
                + " s, then space again (no restart)");
    }

    private static Fault diskError(Context c) throws Exception {
        int victim = c.leaderOfPartition0();
        Set<Integer> affected = c.affectedBy(victim);
        c.brokers().httpPut(victim, "/faults/disk?state=error&ops=write,fsync");
        long faultMs = System.currentTimeMillis();
        BrokerCluster.waitFor(() -> {
            try {
                int leader = c.cluster().leaderOf(0);
                return leader > 0 && leader != victim;
            } catch (Exception e) {
                return false;
            }
        }, Duration.ofSeconds(60), "partition 0's leadership to leave broker " + victim + " after its disk failed");
        long movedMs = System.currentTimeMillis() - faultMs;
        BrokerCluster.HttpResult health = c.brokers().http(victim, "/health");
        if (health.status() != 503 || !health.body().contains("offline")) {
            throw new AssertionError("broker " + victim + "'s /health after its disk failed: " + health);
        }
        c.brokers().kill(victim); // an operator replaces the disk: a restart brings the broker back
        c.restart(victim);
        return new Fault(faultMs, affected, "EIO on writes and fsyncs of broker " + victim + ": directory offline, leadership "
                + "moved after " + movedMs + " ms, /health 503; restarted on a healthy disk");
    }

    private static Fault slowDisk(Context c) throws Exception {
        int victim = c.leaderOfPartition0();
        c.brokers().httpPut(victim, "/faults/disk?state=slow&ops=write,fsync&delay.ms=50");
        long faultMs = System.currentTimeMillis();
        try {
            c.holdFault();
        } finally {
            c.brokers().httpPut(victim, "/faults/disk?state=ok");
        }
        return new Fault(faultMs, FaultCluster.allPartitions(), "50 ms added to every write and fsync of broker " + victim
                + " for " + c.hold().toSeconds() + " s");
    }

    /**
     * Flips one bit in the records of a batch in the middle of the newest closed segment of partition 0 on the leader
     * or a follower, and waits until that broker's scrubber has found it.
     */
    private static Fault flippedBit(Context c, boolean onLeader) throws Exception {
        int victim = onLeader ? c.leaderOfPartition0() : c.followerOfPartition0();
        Path partitionDir = c.brokers().dataDir(victim).resolve(FaultCluster.TOPIC + "-0");
        BrokerCluster.waitFor(() -> closedSegments(partitionDir).size() >= 2, Duration.ofSeconds(120),
                "partition 0 on broker " + victim + " to have closed segments");
        List<Path> closed = closedSegments(partitionDir);
        Path segment = closed.get(closed.size() - 1);
        long position = flipABitInTheMiddle(segment, c.random());
        double foundBefore = c.cluster().metric(victim, "sluice_log_damaged_batches_total");
        long faultMs = System.currentTimeMillis();
        BrokerCluster.waitFor(() -> c.cluster().metric(victim, "sluice_log_damaged_batches_total") > foundBefore,
                Duration.ofSeconds(60), "broker " + victim + "'s scrubber to find the flipped bit in " + segment);
        long foundMs = System.currentTimeMillis() - faultMs;
        if (onLeader) {
            BrokerCluster.waitFor(() -> {
                try {
                    int leader = c.cluster().leaderOf(0);
                    return leader > 0 && leader != victim;
                } catch (Exception e) {
                    return false;
                }
            }, Duration.ofSeconds(60), "the damaged leader " + victim + " to hand partition 0 over");
        }
        return new Fault(faultMs, onLeader ? Set.of(0) : FaultCluster.allPartitions(), "a bit flipped in " + segment.getFileName()
                + " at byte " + position + " on broker " + victim + (onLeader ? " (leader)" : " (follower)") + ", found by its scrubber after "
                + foundMs + " ms");
    }

    static List<Path> closedSegments(Path partitionDir) {
        List<Path> logs = new ArrayList<>();
        try (Stream<Path> files = Files.list(partitionDir)) {
            files.filter(p -> p.getFileName().toString().endsWith(".log")).sorted().forEach(logs::add);
        } catch (IOException e) {
            return List.of();
        }
        return logs.isEmpty() ? logs : logs.subList(0, logs.size() - 1);
    }

    /** Flips a bit in the records part of the batch in the middle of {@code segment}; returns the byte's position. */
    static long flipABitInTheMiddle(Path segment, Random random) throws IOException {
        byte[] bytes = Files.readAllBytes(segment);
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        List<int[]> batches = new ArrayList<>();
        for (int pos = 0; bytes.length - pos >= 61; ) {
            int size = buf.getInt(pos + 8) + 12;
            if (size < 61 || pos + size > bytes.length) {
                break;
            }
            batches.add(new int[]{pos, size});
            pos += size;
        }
        if (batches.isEmpty()) {
            throw new AssertionError(segment + " holds no batch");
        }
        int[] batch = batches.get(batches.size() / 2);
        long position = batch[0] + 61 + random.nextInt(Math.max(1, batch[1] - 61));
        try (RandomAccessFile f = new RandomAccessFile(segment.toFile(), "rw")) {
            f.seek(position);
            int b = f.read();
            f.seek(position);
            f.write(b ^ (1 << random.nextInt(8)));
        }
        return position;
    }

    private static Fault tornTail(Context c) throws Exception {
        int victim = c.followerOfPartition0();
        c.brokers().kill(victim);
        long faultMs = System.currentTimeMillis();
        Path partitionDir = c.brokers().dataDir(victim).resolve(FaultCluster.TOPIC + "-0");
        List<Path> logs = new ArrayList<>();
        try (Stream<Path> files = Files.list(partitionDir)) {
            files.filter(p -> p.getFileName().toString().endsWith(".log")).sorted().forEach(logs::add);
        }
        Path active = logs.get(logs.size() - 1);
        byte[] bytes = Files.readAllBytes(active);
        // A torn write: the first half of the segment's first batch header and some of its body, appended again.
        int torn = Math.min(bytes.length, 40 + c.random().nextInt(60));
        byte[] tail = java.util.Arrays.copyOf(bytes, torn);
        if (torn == 0) {
            tail = new byte[]{0, 0, 0, 0, 0, 0, 0, 7, 0, 0};
        }
        Files.write(active, tail, java.nio.file.StandardOpenOption.APPEND);
        c.restart(victim);
        return new Fault(faultMs, FaultCluster.allPartitions(), "kill -9 of follower " + victim + ", " + tail.length
                + " bytes of a torn batch appended to " + active.getFileName() + ", restarted (recovery cuts them)");
    }

    // ---------------------------------------------------------------- clock

    private static Fault clockForward(Context c) throws Exception {
        int victim = c.leaderOfPartition0();
        c.brokers().httpPut(victim, "/faults/clock?step.ms=600000");
        long faultMs = System.currentTimeMillis();
        try {
            c.holdFault();
        } finally {
            c.brokers().httpPut(victim, "/faults/clock?step.ms=-600000");
        }
        return new Fault(faultMs, FaultCluster.allPartitions(), "broker " + victim + "'s wall clock 10 min ahead for "
                + c.hold().toSeconds() + " s, then back");
    }

    /**
     * The quorum leader's wall clock jumps 10 minutes back; then another broker dies. Its lease must still expire
     * after the broker session (3 s), not 10 minutes later, or the partitions it led stay without a leader.
     */
    private static Fault clockBackThenKill(Context c) throws Exception {
        int controller = c.controllerLeader();
        int victim = c.brokers().ids().stream().filter(id -> id != controller).findFirst().orElseThrow();
        c.cluster().electPreferredLeaders(Duration.ofSeconds(60));
        Set<Integer> affected = c.affectedBy(victim);
        c.brokers().httpPut(controller, "/faults/clock?step.ms=-600000");
        try {
            c.brokers().kill(victim);
            long faultMs = System.currentTimeMillis();
            // While the victim stays down: only its fencing (a lease expiring on the quorum leader) moves its
            // leaderships; its restart would move them too (a new registration fences the old one).
            c.awaitAcksAfter(faultMs, affected, Duration.ofSeconds(60), "while broker " + victim + " is down, its lease "
                    + "measured by a quorum leader whose wall clock went back 10 min");
            c.restart(victim);
            return new Fault(faultMs, affected, "broker " + controller + " (quorum leader)'s wall clock 10 min back, then kill -9 "
                    + "of broker " + victim + ", restarted after " + c.hold().toSeconds() + " s");
        } finally {
            if (c.brokers().isRunning(controller)) {
                c.brokers().httpPut(controller, "/faults/clock?step.ms=600000");
            }
        }
    }
}
