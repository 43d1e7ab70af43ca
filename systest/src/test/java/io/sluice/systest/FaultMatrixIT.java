package io.sluice.systest;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * The fault matrix: three brokerd processes under a recording workload ({@link Workload}: an idempotent acks=all
 * producer and a committing consumer group), and every scenario of {@link Scenarios} in turn: process faults (kill -9,
 * SIGSTOP, restarts), network partitions through {@link LinkProxies}, disk faults through the brokers' fault
 * injection (full, failing, slow), damaged segments (a flipped bit, a torn tail) and wall-clock steps. After each
 * scenario the runner waits until acks=all produce works again on the partitions it interrupted (the report's recovery
 * times), until every broker is healthy and in every ISR, and compares the replicas' bytes ({@link ReplicaLogs}).
 * At the end of a run the workload stops, the topic is read back whole, and {@link HistoryChecker} judges the history:
 * nothing acknowledged lost, nothing duplicated, order kept per partition, offsets consistent, group offsets intact.
 * <p>
 * Profiles (systest/pom.xml): {@code quick-faults} runs each scenario once with short faults (CI, about ten minutes);
 * {@code faults} runs the whole matrix {@code matrix.repetitions} times (3) with longer faults, each run on a fresh
 * cluster. The report goes to {@code target/fault-report.md}; broker logs of each run to {@code target/fault-logs/}.
 * Settings: {@code -Dmatrix.repetitions}, {@code -Dmatrix.hold.seconds}, {@code -Dmatrix.bounces},
 * {@code -Dmatrix.rate} (records/s), {@code -Dmatrix.seed}, {@code -Dmatrix.only} (comma-separated: the scenarios whose
 * names contain one of them).
 */
class FaultMatrixIT {
    private static final int REPETITIONS = Integer.getInteger("matrix.repetitions", 1);
    private static final Duration HOLD = Duration.ofSeconds(Integer.getInteger("matrix.hold.seconds", 6));
    private static final int BOUNCES = Integer.getInteger("matrix.bounces", 2);
    private static final int RATE = Integer.getInteger("matrix.rate", 200);
    private static final long SEED = Long.getLong("matrix.seed", 13);
    private static final String ONLY = System.getProperty("matrix.only", "");
    private static final Duration SCENARIO_TIMEOUT = Duration.ofMinutes(8);
    private static final Duration RECOVERY_TIMEOUT = Duration.ofSeconds(120);

    @TempDir
    Path root;

    /** One run's state, shared by its dynamic tests (which run in order). */
    private static final class Run {
        final int number;
        FaultCluster cluster;
        History history;
        Workload workload;
        final List<String> failures = new ArrayList<>();

        Run(int number) {
            this.number = number;
        }
    }

    @TestFactory
    Stream<DynamicNode> matrix() {
        List<String> only = List.of(ONLY.split(","));
        List<Scenarios.Scenario> scenarios = Scenarios.all().stream()
                .filter(s -> only.stream().anyMatch(o -> s.name().contains(o.trim()))).toList();
        FaultReport.begin("Profile: " + REPETITIONS + " run(s) of " + scenarios.size() + " scenarios; faults held "
                + HOLD.toSeconds() + " s, " + BOUNCES + " hard bounces, workload " + RATE + " records/s, seed " + SEED
                + ". Three brokers, topic " + FaultCluster.TOPIC + " (" + FaultCluster.PARTITIONS + " partitions, RF 3, "
                + "min.insync.replicas 2), broker session 3 s, replica.lag.time.max.ms 2 s, a scrubber pass every 2 s. Security: "
                + (Boolean.getBoolean("faults.tls") ? "SASL_SSL for clients and replication, mutual TLS for the quorum "
                + "(-Dfaults.tls=true)." : "none (plaintext; -Dfaults.tls=true for SASL_SSL)."));
        List<DynamicNode> runs = new ArrayList<>();
        for (int r = 1; r <= REPETITIONS; r++) {
            Run run = new Run(r);
            List<DynamicNode> steps = new ArrayList<>();
            steps.add(DynamicTest.dynamicTest("start the cluster and the workload", () -> timed(() -> start(run))));
            for (Scenarios.Scenario s : scenarios) {
                steps.add(DynamicTest.dynamicTest(s.name(), () -> timed(() -> scenario(run, s))));
            }
            steps.add(DynamicTest.dynamicTest("check the history and the replicas", () -> timed(() -> finish(run))));
            runs.add(DynamicContainer.dynamicContainer("run " + r, steps));
        }
        return runs.stream();
    }

    @FunctionalInterface
    private interface Step {
        void run() throws Exception;
    }

    /** Every step has a deadline (a scenario's own waits are bounded too; this catches a hang anywhere). */
    private static void timed(Step step) {
        assertTimeoutPreemptively(SCENARIO_TIMEOUT, () -> {
            step.run();
            return null;
        });
    }

    private void start(Run run) throws Exception {
        Path dir = root.resolve("run-" + run.number);
        Files.createDirectories(dir);
        run.cluster = new FaultCluster(dir);
        run.history = new History();
        run.workload = new Workload(run.cluster.bootstrap(), run.cluster.clientConfig(), FaultCluster.TOPIC, FaultCluster.PARTITIONS, "run" + run.number,
                RATE, run.history);
        awaitMoreAcked(run, RATE * 3L);
        FaultReport.beginRun(run.number, "Cluster under " + dir + "; seed " + (SEED + run.number) + ".");
    }

    private void scenario(Run run, Scenarios.Scenario s) throws Exception {
        if (run.cluster == null) {
            throw new AssertionError("the cluster of run " + run.number + " did not start");
        }
        String result = "OK";
        Scenarios.Fault fault = null;
        long firstMs = -1;
        long allMs = -1;
        String replicas = "-";
        try {
            awaitHealthy(run, "before the fault");
            Scenarios.Context ctx = new Scenarios.Context(run.cluster, run.history, HOLD, BOUNCES,
                    new Random(SEED + run.number * 1000L + s.name().hashCode()));
            fault = s.body().run(ctx);
            long[] recovery = awaitRecovery(run, fault);
            firstMs = recovery[0];
            allMs = recovery[1];
            awaitHealthy(run, "after the fault healed");
            awaitMoreAcked(run, RATE * 2L);
            replicas = compareReplicas(run);
        } catch (Throwable e) {
            result = "FAILED: " + e.getMessage();
            run.failures.add(s.name() + ": " + e);
            run.cluster.keepLogs("matrix-run" + run.number + "-" + s.name().replaceAll("[^A-Za-z0-9]+", "-"));
            throw e;
        } finally {
            FaultReport.scenario(run.number, s.name(), fault == null ? "-" : fault.description(),
                    fault == null ? "-" : fault.affected().toString(), firstMs, allMs, replicas, result);
        }
    }

    private void finish(Run run) throws Exception {
        if (run.cluster == null) {
            throw new AssertionError("the cluster of run " + run.number + " did not start");
        }
        try {
            run.workload.stopProducing();
            awaitHealthy(run, "at the end");
            run.workload.stopConsuming();
            Map<Integer, Long> committed = committedOffsets(run);
            List<HistoryChecker.Read> finalRead = readAll(run);
            HistoryChecker.Result result = HistoryChecker.check(run.history.ops(), finalRead, committed);
            String replicas = compareReplicas(run);
            FaultReport.verdict(run.number, result.summary() + "; replicas identical (" + replicas + ")"
                    + (run.failures.isEmpty() ? "" : "; scenarios failed: " + run.failures), result.ok() && run.failures.isEmpty(),
                    result.examples());
            assertThat(result.ok()).as("the history of run %s: %s%n%s", run.number, result.summary(), result.examples()).isTrue();
            assertThat(result.acked()).as("acknowledged records").isPositive();
        } finally {
            run.workload.close();
            run.cluster.keepLogs("matrix-run" + run.number);
            run.cluster.close();
        }
    }

    // ---------------------------------------------------------------- waits

    private static void awaitMoreAcked(Run run, long more) throws InterruptedException {
        long base = run.history.acked();
        BrokerCluster.waitFor(() -> run.history.acked() >= base + more, Duration.ofSeconds(120),
                () -> more + " more acknowledged records (" + (run.history.acked() - base) + " so far, last error "
                        + run.history.lastSendError() + ")");
    }

    /** Every broker running and healthy (/health 200), every partition of the topic led and in a full ISR. */
    private static void awaitHealthy(Run run, String when) throws InterruptedException {
        BrokerCluster.waitFor(() -> {
            for (int id : run.cluster.brokers.ids()) {
                if (!run.cluster.brokers.isRunning(id)) {
                    return false;
                }
                try {
                    if (run.cluster.brokers.http(id, "/health").status() != 200) {
                        return false;
                    }
                } catch (Exception e) {
                    return false;
                }
            }
            return run.cluster.isrFull();
        }, Duration.ofSeconds(180), () -> "every broker healthy and every partition in a full ISR " + when + ": " + status(run));
    }

    private static String status(Run run) {
        StringBuilder sb = new StringBuilder();
        for (int id : run.cluster.brokers.ids()) {
            try {
                sb.append("broker ").append(id).append(run.cluster.brokers.isRunning(id) ? " running, " : " down, ")
                        .append(run.cluster.brokers.http(id, "/health").body().trim()).append("; ");
            } catch (Exception e) {
                sb.append("broker ").append(id).append(": ").append(e).append("; ");
            }
        }
        try {
            sb.append(run.cluster.describe().partitions());
        } catch (Exception e) {
            sb.append("describe failed: ").append(e);
        }
        return sb.toString();
    }

    /** Waits until every interrupted partition acknowledged a send made after the fault: [first, all] ms after it. */
    private static long[] awaitRecovery(Run run, Scenarios.Fault fault) throws InterruptedException {
        Map<Integer, Long> firstAck = new TreeMap<>();
        BrokerCluster.waitFor(() -> {
            for (int p : fault.affected()) {
                long at = run.history.firstAckAfter(fault.faultMs(), p);
                if (at >= 0) {
                    firstAck.put(p, at);
                }
            }
            return firstAck.keySet().containsAll(fault.affected());
        }, RECOVERY_TIMEOUT, () -> "an acks=all produce sent after the fault to succeed on each of " + fault.affected()
                + " (so far " + firstAck.keySet() + ", last error " + run.history.lastSendError() + ")");
        long first = firstAck.values().stream().mapToLong(Long::longValue).min().orElseThrow() - fault.faultMs();
        long all = firstAck.values().stream().mapToLong(Long::longValue).max().orElseThrow() - fault.faultMs();
        return new long[]{first, all};
    }

    // ---------------------------------------------------------------- checks

    /** Compares every partition's replicas; returns "N bytes" per replica compared, throws when they differ. */
    private static String compareReplicas(Run run) throws Exception {
        long total = 0;
        List<String> differences = new ArrayList<>();
        // The replicas may still be catching up with the last appends: a difference must persist to count.
        for (int attempt = 0; attempt < 20; attempt++) {
            differences.clear();
            total = 0;
            for (int p = 0; p < FaultCluster.PARTITIONS; p++) {
                long[] bytes = new long[1];
                String diff = ReplicaLogs.compare(FaultCluster.TOPIC, p, run.cluster.dataDirs(), bytes);
                if (diff != null) {
                    differences.add(diff);
                }
                total += bytes[0];
            }
            if (differences.isEmpty()) {
                return total + " bytes";
            }
            Thread.sleep(500);
        }
        throw new AssertionError("replicas differ: " + differences);
    }

    private static Map<Integer, Long> committedOffsets(Run run) throws Exception {
        Map<Integer, Long> out = new HashMap<>();
        run.cluster.admin.listConsumerGroupOffsets(Workload.GROUP).partitionsToOffsetAndMetadata().get(60, TimeUnit.SECONDS)
                .forEach((tp, om) -> {
                    if (om != null) {
                        out.put(tp.partition(), om.offset());
                    }
                });
        return out;
    }

    /** The whole topic, every partition from its start to the end offset it has now. */
    private static List<HistoryChecker.Read> readAll(Run run) {
        List<HistoryChecker.Read> out = new ArrayList<>();
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(Workload.with(run.cluster.clientConfig(), Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, run.cluster.bootstrap(), ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2000)), new StringDeserializer(), new StringDeserializer())) {
            List<TopicPartition> tps = new ArrayList<>();
            for (int p = 0; p < FaultCluster.PARTITIONS; p++) {
                tps.add(new TopicPartition(FaultCluster.TOPIC, p));
            }
            c.assign(tps);
            c.seekToBeginning(tps);
            Map<TopicPartition, Long> ends = c.endOffsets(tps, Duration.ofSeconds(60));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
            while (System.nanoTime() < deadline && !caughtUp(c, tps, ends)) {
                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) {
                    out.add(new HistoryChecker.Read(r.partition(), r.offset(), r.value()));
                }
            }
            assertThat(caughtUp(c, tps, ends)).as("read every partition to its end offset %s", ends).isTrue();
        }
        return out;
    }

    private static boolean caughtUp(KafkaConsumer<String, String> c, List<TopicPartition> tps, Map<TopicPartition, Long> ends) {
        for (TopicPartition tp : tps) {
            if (c.position(tp, Duration.ofSeconds(30)) < ends.get(tp)) {
                return false;
            }
        }
        return true;
    }
}
