package io.sluice.systest;

import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A consumer group through a coordinator failover (profile {@code faults}): a KafkaConsumer in a group reads the
 * fault topic while the verifying producer writes it, committing synchronously after processing each poll; the
 * broker leading the group's {@code __consumer_offsets} partition is killed with SIGKILL. No successfully committed
 * offset may be lost or go backwards, and every acknowledged record must be consumed at least once.
 */
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class CoordinatorFailoverFaultIT {
    private static final String GROUP = "fault-readers";

    @TempDir
    Path root;
    FaultCluster cluster;
    VerifyingProducer producer;
    GroupReader reader;

    @BeforeEach
    void start() throws Exception {
        cluster = new FaultCluster(root);
    }

    @AfterEach
    void stop(TestInfo test) throws Exception {
        if (reader != null) {
            reader.close();
        }
        if (producer != null) {
            producer.close();
        }
        if (cluster != null) {
            cluster.keepLogs(getClass().getSimpleName() + "." + test.getTestMethod().map(m -> m.getName()).orElse("unknown"));
            cluster.close();
        }
    }

    private int coordinator() {
        try {
            ConsumerGroupDescription d = cluster.admin.describeConsumerGroups(List.of(GROUP)).all().get(10, TimeUnit.SECONDS).get(GROUP);
            return d.groupState() == GroupState.STABLE && d.coordinator() != null ? d.coordinator().id() : -1;
        } catch (Exception e) {
            return -1;
        }
    }

    /**
     * The group's committed offsets through Admin (OffsetFetch). Each attempt gets 3 s: the Admin client otherwise
     * keeps a request for a dead coordinator waiting up to its whole API timeout, which would hide when the new
     * coordinator could have answered (so recovery times below have about 3 s resolution).
     */
    private Map<TopicPartition, Long> committedByAdmin() throws Exception {
        Map<TopicPartition, Long> out = new HashMap<>();
        cluster.admin.listConsumerGroupOffsets(GROUP).partitionsToOffsetAndMetadata().get(3, TimeUnit.SECONDS)
                .forEach((tp, om) -> {
                    if (om != null) {
                        out.put(tp, om.offset());
                    }
                });
        return out;
    }

    @Test
    void committedOffsetsSurviveKillingTheGroupCoordinator() throws Exception {
        producer = cluster.producer("group");
        producer.awaitMoreAcked(1_000, Duration.ofSeconds(60));
        reader = new GroupReader(cluster.bootstrap(), cluster.brokers.clientConfig());
        BrokerCluster.waitFor(() -> coordinator() > 0 && reader.commits.get() >= 20, Duration.ofSeconds(90),
                () -> "a stable group with commits (" + reader.commits.get() + " so far, last error " + reader.lastError + ")");
        int victim = coordinator();
        Set<Integer> affected = cluster.ledBy(victim).isEmpty() ? FaultCluster.allPartitions() : cluster.ledBy(victim);
        // The reader keeps polling through the kill but holds its commits until the new coordinator has answered
        // what it committed: new commits would otherwise overwrite (and hide) offsets the failover lost.
        reader.commitGate.lock();
        long faultMs;
        long offsetsBackMs;
        Map<TopicPartition, Long> committedBefore = new HashMap<>(reader.lastCommitted);
        try {
            cluster.brokers.kill(victim);
            faultMs = System.currentTimeMillis(); // once the signal is delivered
            Map<TopicPartition, Long> committedAfter = new HashMap<>();
            List<String> attempts = new ArrayList<>();
            long fault = faultMs;
            BrokerCluster.waitFor(() -> {
                try {
                    committedAfter.putAll(committedByAdmin());
                    return true;
                } catch (Exception e) {
                    attempts.add((System.currentTimeMillis() - fault) + " ms: " + e);
                    return false;
                }
            }, Duration.ofSeconds(120), () -> "the group's committed offsets to be readable after the coordinator died: " + attempts);
            offsetsBackMs = System.currentTimeMillis() - faultMs;
            System.out.println("OffsetFetch attempts after the coordinator died: " + attempts);
            assertThat(committedBefore).isNotEmpty();
            committedBefore.forEach((tp, offset) -> assertThat(committedAfter.get(tp))
                    .as("%s committed after the failover (last successful commit before: %s)", tp, offset).isNotNull().isGreaterThanOrEqualTo(offset));
        } finally {
            reader.commitGate.unlock();
        }
        long faultAt = faultMs;
        VerifyingProducer.Recovery produce = producer.awaitRecovery(faultMs, affected, Duration.ofSeconds(120));
        BrokerCluster.waitFor(() -> reader.lastCommitAtMs.get() > faultAt, Duration.ofSeconds(120),
                () -> "a commit to succeed after the coordinator died (last error " + reader.lastError + ")");
        long commitMs = reader.firstCommitAfter(faultMs) - faultMs;
        BrokerCluster.waitFor(() -> {
            int now = coordinator();
            return now > 0 && now != victim;
        }, Duration.ofSeconds(60), "a new coordinator for the group");
        int newCoordinator = coordinator();

        cluster.restartAndRejoin(victim);
        producer.stop();
        long read = producer.verify(cluster.bootstrap());
        Set<String> ackedValues = producer.ackedValues();
        BrokerCluster.waitFor(() -> reader.consumed.keySet().containsAll(ackedValues), Duration.ofSeconds(120),
                () -> "the group to consume every acknowledged record (" + ackedValues.stream().filter(v -> !reader.consumed.containsKey(v))
                        .count() + " missing, last error " + reader.lastError + ")");
        reader.close();
        assertThat(reader.regressions).as("positions after a (re)assignment behind the last successful commit").isEmpty();
        Map<TopicPartition, Long> finalCommitted = committedByAdmin();
        reader.lastCommitted.forEach((tp, offset) -> assertThat(finalCommitted.get(tp))
                .as("%s committed at the end", tp).isNotNull().isGreaterThanOrEqualTo(offset));
        long redelivered = reader.deliveries.get() - reader.consumed.size();
        FaultReport.add("6 coordinator failover", "kill -9 of broker " + victim + " (group coordinator)", affected.toString(), produce,
                "committed offsets intact and readable after " + offsetsBackMs + " ms, first commitSync after " + commitMs + " ms; new coordinator " + newCoordinator + "; " + reader.commits.get() + " commits ("
                        + reader.failedCommits.get() + " failed), " + reader.consumed.size() + " records consumed, " + redelivered
                        + " redelivered; " + producer.ackedCount() + " acked, " + read + " read back");
    }

    /**
     * The group member: polls, "processes" (remembers each value), then commits the positions with commitSync and
     * remembers what was committed successfully. On every assignment it checks that the positions it resumes from
     * are not behind the last successful commit of those partitions.
     */
    private static final class GroupReader implements AutoCloseable {
        final Map<String, Boolean> consumed = new ConcurrentHashMap<>();
        final AtomicLong deliveries = new AtomicLong();
        final Map<TopicPartition, Long> lastCommitted = new ConcurrentHashMap<>();
        final AtomicLong commits = new AtomicLong();
        final AtomicLong failedCommits = new AtomicLong();
        final AtomicLong lastCommitAtMs = new AtomicLong();
        final List<Long> commitTimesMs = java.util.Collections.synchronizedList(new ArrayList<>());
        final List<String> regressions = java.util.Collections.synchronizedList(new ArrayList<>());
        /** Held by the test to keep the reader from committing; the reader skips a commit while it cannot take it. */
        final java.util.concurrent.locks.ReentrantLock commitGate = new java.util.concurrent.locks.ReentrantLock();
        volatile String lastError = "";
        private final KafkaConsumer<String, String> consumer;
        private final Thread thread;
        private volatile boolean running = true;

        GroupReader(String bootstrap, Map<String, Object> clientConfig) {
            Map<String, Object> config = new java.util.HashMap<>(clientConfig);
            config.putAll(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ConsumerConfig.GROUP_ID_CONFIG, GROUP,
                    ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false, ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                    ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 200, ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000,
                    ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, 15_000));
            consumer = new KafkaConsumer<>(config, new StringDeserializer(), new StringDeserializer());
            thread = new Thread(this::run, "group-reader");
            thread.setDaemon(true);
            thread.start();
        }

        private void run() {
            consumer.subscribe(List.of(FaultCluster.TOPIC), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    for (TopicPartition tp : partitions) {
                        Long committed = lastCommitted.get(tp);
                        long position = consumer.position(tp, Duration.ofSeconds(30));
                        if (committed != null && position < committed) {
                            regressions.add(tp + " resumed at " + position + " after a successful commit of " + committed);
                        }
                    }
                }
            });
            while (running) {
                try {
                    for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                        consumed.put(r.value(), Boolean.TRUE);
                        deliveries.incrementAndGet();
                    }
                    Map<TopicPartition, OffsetAndMetadata> positions = new HashMap<>();
                    for (TopicPartition tp : consumer.assignment()) {
                        positions.put(tp, new OffsetAndMetadata(consumer.position(tp)));
                    }
                    if (!positions.isEmpty() && commitGate.tryLock()) {
                        try {
                            consumer.commitSync(positions, Duration.ofSeconds(30));
                            positions.forEach((tp, om) -> lastCommitted.put(tp, om.offset()));
                            long now = System.currentTimeMillis();
                            commitTimesMs.add(now);
                            lastCommitAtMs.set(now);
                            commits.incrementAndGet();
                        } finally {
                            commitGate.unlock();
                        }
                    }
                } catch (org.apache.kafka.common.errors.WakeupException e) {
                    return;
                } catch (RuntimeException e) {
                    // Commit or poll failed (coordinator moving, rebalance): records since the last good commit come again.
                    failedCommits.incrementAndGet();
                    lastError = e.toString();
                }
            }
        }

        long firstCommitAfter(long ms) {
            synchronized (commitTimesMs) {
                return commitTimesMs.stream().mapToLong(Long::longValue).filter(t -> t > ms).min().orElseThrow();
            }
        }

        @Override
        public void close() throws InterruptedException {
            if (!running) {
                return;
            }
            running = false;
            consumer.wakeup();
            thread.join(60_000);
            consumer.close(org.apache.kafka.clients.consumer.CloseOptions.timeout(Duration.ofSeconds(10)));
        }
    }
}
