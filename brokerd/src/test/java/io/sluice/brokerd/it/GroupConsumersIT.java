package io.sluice.brokerd.it;

import io.sluice.brokerd.Broker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/** Java consumers sharing a 6-partition topic in one group: assignment, leave, death, at-least-once, resume. */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class GroupConsumersIT {
    static final String TOPIC = "orders";
    static final String GROUP = "analytics";
    static final int SESSION_TIMEOUT_MS = 3000;
    @TempDir
    Path dataDir;
    Broker broker;
    final List<Worker> workers = new ArrayList<>();
    /** Every (partition, offset) any member of the group processed. */
    final Set<String> consumed = ConcurrentHashMap.newKeySet();

    Broker start() {
        return ItSupport.startBroker(dataDir, Map.of("group.initial.rebalance.delay.ms", "0", "group.min.session.timeout.ms", "1000",
                "offsets.topic.num.partitions", "5"));
    }

    @AfterEach
    void stop() {
        workers.forEach(Worker::stop);
        if (broker != null) {
            broker.close();
        }
    }

    /** A consumer polling in its own thread, committing synchronously after processing each batch. */
    final class Worker {
        final KafkaConsumer<byte[], byte[]> consumer;
        final Set<TopicPartition> assignment = ConcurrentHashMap.newKeySet();
        final AtomicBoolean running = new AtomicBoolean(true);
        final Thread thread;

        Worker(String name) {
            consumer = ItSupport.consumer(broker.bootstrapServers(), Map.of("group.id", GROUP, "client.id", name,
                    "session.timeout.ms", SESSION_TIMEOUT_MS, "heartbeat.interval.ms", 300));
            thread = new Thread(this::run, name);
            thread.start();
        }

        void run() {
            consumer.subscribe(List.of(TOPIC), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    assignment.removeAll(partitions);
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    assignment.addAll(partitions);
                }

                @Override
                public void onPartitionsLost(Collection<TopicPartition> partitions) {
                    assignment.removeAll(partitions);
                }
            });
            try {
                while (running.get()) {
                    var records = consumer.poll(Duration.ofMillis(100));
                    if (!records.isEmpty()) {
                        consumer.commitSync();
                        for (ConsumerRecord<byte[], byte[]> r : records) {
                            consumed.add(r.partition() + "/" + r.offset());
                        }
                    }
                }
            } catch (org.apache.kafka.common.errors.WakeupException e) {
                // stop() woke us up
            } finally {
                consumer.close(); // LeaveGroup
            }
        }

        void stop() {
            if (running.compareAndSet(true, false)) {
                consumer.wakeup();
                try {
                    thread.join(30_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    private void produce(int perPartition) throws Exception {
        try (KafkaProducer<byte[], byte[]> p = ItSupport.producer(broker.bootstrapServers(), Map.of())) {
            for (int i = 0; i < perPartition; i++) {
                for (int part = 0; part < 6; part++) {
                    p.send(new ProducerRecord<>(TOPIC, part, null, ("r" + i).getBytes(StandardCharsets.UTF_8)));
                }
            }
            p.flush();
        }
    }

    private Map<TopicPartition, Long> endOffsets(Admin admin) throws Exception {
        Map<TopicPartition, OffsetSpec> spec = new HashMap<>();
        for (int p = 0; p < 6; p++) {
            spec.put(new TopicPartition(TOPIC, p), OffsetSpec.latest());
        }
        Map<TopicPartition, Long> out = new HashMap<>();
        admin.listOffsets(spec).all().get().forEach((tp, r) -> out.put(tp, r.offset()));
        return out;
    }

    private boolean allConsumed(Map<TopicPartition, Long> end) {
        for (var e : end.entrySet()) {
            for (long o = 0; o < e.getValue(); o++) {
                if (!consumed.contains(e.getKey().partition() + "/" + o)) {
                    return false;
                }
            }
        }
        return true;
    }

    /** Waits until every worker in {@code live} holds {@code each} partitions, all different. */
    private void awaitAssignment(List<Worker> live, int each) throws InterruptedException {
        ItSupport.waitFor(() -> {
            Set<TopicPartition> union = new HashSet<>();
            for (Worker w : live) {
                if (w.assignment.size() != each) {
                    return false;
                }
                union.addAll(w.assignment);
            }
            return union.size() == each * live.size();
        }, Duration.ofSeconds(60), live.size() + " members with " + each + " partitions each");
    }

    @Test
    void membersShareRebalanceOnLeaveAndDeathAndNoRecordIsSkipped() throws Exception {
        broker = start();
        try (Admin admin = ItSupport.admin(broker.bootstrapServers())) {
            ItSupport.createTopic(admin, TOPIC, 6, Map.of());
            produce(50);
            for (int i = 0; i < 3; i++) {
                workers.add(new Worker("worker-" + i));
            }
            awaitAssignment(workers, 2);
            ItSupport.waitFor(() -> {
                try {
                    return allConsumed(endOffsets(admin));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, Duration.ofSeconds(60), "the first 300 records to be consumed");

            // One member closes (LeaveGroup): the other two take over its partitions.
            workers.get(0).stop();
            List<Worker> live = List.of(workers.get(1), workers.get(2));
            awaitAssignment(live, 3);
            produce(50);

            // A member in another JVM joins, then dies without leaving: its partitions move after the session timeout.
            Path out = dataDir.resolveSibling(dataDir.getFileName() + "-member.out");
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process member = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), GroupMemberMain.class.getName(),
                    broker.bootstrapServers(), GROUP, TOPIC, String.valueOf(SESSION_TIMEOUT_MS))
                    .redirectErrorStream(true).redirectOutput(out.toFile()).start();
            try {
                awaitAssignment(live, 2);
                ItSupport.waitFor(() -> {
                    try {
                        return Files.readString(out).contains("assigned 2");
                    } catch (java.io.IOException e) {
                        throw new IllegalStateException(e);
                    }
                }, Duration.ofSeconds(30), "the process member to get two partitions");
                produce(50);
            } finally {
                member.destroyForcibly();
                member.waitFor(20, TimeUnit.SECONDS);
            }
            long killedAt = System.nanoTime();
            awaitAssignment(live, 3);
            long movedAfterMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
            assertThat(movedAfterMs).as("partitions move once the session timeout has passed").isGreaterThanOrEqualTo(SESSION_TIMEOUT_MS - 1000);
            Files.readAllLines(out).stream().filter(l -> l.startsWith("consumed ")).forEach(l -> {
                String[] f = l.split(" ");
                consumed.add(f[1] + "/" + f[2]);
            });
            produce(50);
            Map<TopicPartition, Long> end = endOffsets(admin);
            assertThat(end.values()).allMatch(v -> v == 200);
            ItSupport.waitFor(() -> allConsumed(end), Duration.ofSeconds(60), "every produced record to be consumed at least once");

            // Everything processed was committed: the group's committed offsets are the end offsets (lag 0).
            ItSupport.waitFor(() -> {
                try {
                    Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(GROUP).partitionsToOffsetAndMetadata().get();
                    return committed.size() == 6 && committed.values().stream().allMatch(o -> o.offset() == 200);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, Duration.ofSeconds(30), "committed offsets to reach the end");
        }
    }

    @Test
    void aNewConsumerResumesAtTheCommittedOffsetsAlsoAfterARestart() throws Exception {
        broker = start();
        try (Admin admin = ItSupport.admin(broker.bootstrapServers())) {
            ItSupport.createTopic(admin, TOPIC, 6, Map.of());
        }
        produce(20);
        Map<TopicPartition, Long> committedAt = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> c = ItSupport.consumer(broker.bootstrapServers(), Map.of("group.id", "resume"))) {
            c.subscribe(List.of(TOPIC));
            int seen = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            // Process (and commit) only the first 7 records of each partition.
            Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
            while (commit.size() < 6 && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                    if (r.offset() < 7) {
                        commit.put(tp, new OffsetAndMetadata(r.offset() + 1, "processed"));
                    }
                    seen++;
                }
            }
            assertThat(seen).isGreaterThan(0);
            c.commitSync(commit);
            commit.forEach((tp, o) -> committedAt.put(tp, o.offset()));
        }
        assertThat(committedAt).hasSize(6).allSatisfy((tp, o) -> assertThat(o).isEqualTo(7));
        assertFirstPolledOffsets("resume", committedAt);
        broker.close();
        broker = start();
        assertFirstPolledOffsets("resume", committedAt);
        try (Admin admin = ItSupport.admin(broker.bootstrapServers())) {
            OffsetAndMetadata o = admin.listConsumerGroupOffsets("resume").partitionsToOffsetAndMetadata().get()
                    .get(new TopicPartition(TOPIC, 3));
            assertThat(o.offset()).isEqualTo(7);
            assertThat(o.metadata()).isEqualTo("processed");
        }
    }

    /** A fresh member of {@code group} must start each partition exactly at its committed offset. */
    private void assertFirstPolledOffsets(String group, Map<TopicPartition, Long> expected) {
        Map<TopicPartition, Long> first = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> c = ItSupport.consumer(broker.bootstrapServers(), Map.of("group.id", group))) {
            c.subscribe(List.of(TOPIC));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (first.size() < 6 && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    first.putIfAbsent(new TopicPartition(r.topic(), r.partition()), r.offset());
                }
            }
        }
        assertThat(first).isEqualTo(expected);
    }

    @Test
    void aSecondGroupReadsTheSameTopicIndependentlyFromTheBeginning() throws Exception {
        broker = start();
        try (Admin admin = ItSupport.admin(broker.bootstrapServers())) {
            ItSupport.createTopic(admin, TOPIC, 6, Map.of());
        }
        produce(10);
        for (String group : List.of("first", "second")) {
            Set<String> seen = new HashSet<>();
            try (KafkaConsumer<byte[], byte[]> c = ItSupport.consumer(broker.bootstrapServers(), Map.of("group.id", group))) {
                c.subscribe(List.of(TOPIC));
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (seen.size() < 60 && System.nanoTime() < deadline) {
                    c.poll(Duration.ofMillis(200)).forEach(r -> seen.add(r.partition() + "/" + r.offset()));
                }
                c.commitSync();
            }
            assertThat(seen).as("group %s reads all 60 records", group).hasSize(60);
        }
    }
}
