package io.sluice.systest;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Produces numbered records with acks=all and idempotence from a background thread, round-robin over the
 * partitions, and remembers every acknowledged one (partition, offset, value) and when it was acknowledged.
 * {@link #verify} reads the topic back and checks that every acknowledged record is there at its offset, that no
 * value appears twice, and that each partition's values of each producer (tag) are in the order they were sent.
 */
final class VerifyingProducer implements AutoCloseable {
    /** An acknowledged record. */
    record Acked(int partition, long offset, String value, long sentAtMs, long ackedAtMs) {
    }

    /**
     * How long after a fault acks=all produce worked again, counting only records handed to the producer at or after
     * the fault: {@code firstMs} until the first of them was acknowledged on any of the watched partitions,
     * {@code allMs} until each watched partition had acknowledged one.
     */
    record Recovery(long firstMs, long allMs) {
    }

    private final String topic;
    private final Map<String, Object> clientConfig;
    private final String tag;
    private final int partitions;
    private final KafkaProducer<String, String> producer;
    private final Map<String, Acked> acked = new ConcurrentHashMap<>();
    /** Per partition: send time (epoch ms) -> earliest acknowledgement time of a record sent then, for {@link #awaitRecovery}. */
    private final Map<Integer, java.util.concurrent.ConcurrentSkipListMap<Long, Long>> ackTimesBySendTime = new ConcurrentHashMap<>();
    private final AtomicLong failed = new AtomicLong();
    private final Thread thread;
    private volatile boolean running = true;
    private volatile String lastError = "";

    /** Values are {@code <tag>-<sequence>}; use a new tag for every producer writing to the same topic. */
    VerifyingProducer(String bootstrap, String topic, int partitions, String tag) {
        this(bootstrap, topic, partitions, tag, Map.of());
    }

    /** {@code clientConfig}: extra client settings (TLS) for the producer and the verifying consumer. */
    VerifyingProducer(String bootstrap, String topic, int partitions, String tag, Map<String, Object> clientConfig) {
        this.clientConfig = Map.copyOf(clientConfig);
        this.topic = topic;
        this.tag = tag;
        this.partitions = partitions;
        Map<String, Object> config = new HashMap<>(clientConfig);
        config.putAll(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.LINGER_MS_CONFIG, 5, ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 15_000, ProducerConfig.MAX_BLOCK_MS_CONFIG, 60_000));
        this.producer = new KafkaProducer<>(config, new StringSerializer(), new StringSerializer());
        this.thread = new Thread(this::run, "verifying-producer-" + topic);
        this.thread.setDaemon(true);
        this.thread.start();
    }

    private void run() {
        long seq = 0;
        while (running) {
            int partition = (int) (seq % partitions);
            String value = tag + "-" + seq++;
            long sentAtMs = System.currentTimeMillis();
            try {
                producer.send(new ProducerRecord<>(topic, partition, null, value), (md, e) -> {
                    if (e == null) {
                        long ackedAtMs = System.currentTimeMillis();
                        acked.put(value, new Acked(md.partition(), md.offset(), value, sentAtMs, ackedAtMs));
                        ackTimesBySendTime.computeIfAbsent(md.partition(), k -> new java.util.concurrent.ConcurrentSkipListMap<>())
                                .merge(sentAtMs, ackedAtMs, Math::min);
                    } else {
                        failed.incrementAndGet();
                        lastError = e.toString();
                    }
                });
                if (seq % 200 == 0) {
                    producer.flush();
                }
            } catch (RuntimeException e) {
                failed.incrementAndGet();
                lastError = e.toString();
            }
        }
    }

    long ackedCount() {
        return acked.size();
    }

    /** The values of every acknowledged record so far. */
    Set<String> ackedValues() {
        return new HashSet<>(acked.keySet());
    }

    long failedCount() {
        return failed.get();
    }

    String lastError() {
        return lastError;
    }

    /** Waits until {@code more} further records are acknowledged; returns ms from the call to the first new ack. */
    long awaitMoreAcked(long more, Duration timeout) throws InterruptedException {
        long start = System.currentTimeMillis();
        long base = ackedCount();
        BrokerCluster.waitFor(() -> ackedCount() >= base + more, timeout, more + " more acknowledged records (" + ackedCount()
                + " so far, last error " + lastError + ")");
        long firstAck = acked.values().stream().mapToLong(Acked::ackedAtMs).filter(t -> t >= start).min().orElse(start);
        return firstAck - start;
    }

    /**
     * Waits until every partition in {@code partitions} has acknowledged a record sent at or after {@code faultMs}
     * (epoch ms) and returns how long that took, measured from {@code faultMs}.
     */
    Recovery awaitRecovery(long faultMs, java.util.Collection<Integer> partitions, Duration timeout) throws InterruptedException {
        Map<Integer, Long> firstAckByPartition = new HashMap<>();
        BrokerCluster.waitFor(() -> {
            firstAckByPartition.clear();
            for (int partition : partitions) {
                var times = ackTimesBySendTime.get(partition);
                if (times != null) {
                    times.tailMap(faultMs).values().stream().mapToLong(Long::longValue).min()
                            .ifPresent(t -> firstAckByPartition.put(partition, t));
                }
            }
            return firstAckByPartition.keySet().containsAll(partitions);
        }, timeout, () -> "an acks=all produce sent after the fault to succeed on each of partitions " + partitions + " (so far "
                + firstAckByPartition.keySet() + ", " + ackedCount() + " acknowledged in all, " + failedCount() + " failed, last error "
                + lastError + ")");
        long first = firstAckByPartition.values().stream().mapToLong(Long::longValue).min().orElseThrow();
        long all = firstAckByPartition.values().stream().mapToLong(Long::longValue).max().orElseThrow();
        return new Recovery(first - faultMs, all - faultMs);
    }

    /** Stops sending and waits for the outstanding sends to be answered. */
    void stop() throws InterruptedException {
        running = false;
        thread.join(30_000);
        producer.flush();
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(30_000);
        producer.close(Duration.ofSeconds(30));
    }

    /** Reads the whole topic and checks the acknowledged records against it; returns the records read. */
    long verify(String bootstrap) {
        Map<Integer, List<ConsumerRecord<String, String>>> read = new HashMap<>();
        Map<Integer, Long> ends;
        Map<String, Object> config = new HashMap<>(clientConfig);
        config.putAll(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest", ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted"));
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(config, new StringDeserializer(), new StringDeserializer())) {
            List<TopicPartition> tps = new ArrayList<>();
            for (int p = 0; p < partitions; p++) {
                tps.add(new TopicPartition(topic, p));
            }
            c.assign(tps);
            c.seekToBeginning(tps);
            ends = new HashMap<>();
            c.endOffsets(tps, Duration.ofSeconds(60)).forEach((tp, off) -> ends.put(tp.partition(), off));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (System.nanoTime() < deadline && !allRead(c, tps, ends)) {
                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) {
                    read.computeIfAbsent(r.partition(), k -> new ArrayList<>()).add(r);
                }
            }
            assertThat(allRead(c, tps, ends)).as("read every partition to its end offset %s", ends).isTrue();
        }
        Map<String, ConsumerRecord<String, String>> byValue = new HashMap<>();
        Set<String> duplicates = new HashSet<>();
        long total = 0;
        for (List<ConsumerRecord<String, String>> records : read.values()) {
            Map<String, Long> lastSeqByTag = new HashMap<>();
            for (ConsumerRecord<String, String> r : records) {
                total++;
                if (byValue.put(r.value(), r) != null) {
                    duplicates.add(r.value());
                }
                int dash = r.value().lastIndexOf('-');
                String recordTag = r.value().substring(0, dash);
                long seq = Long.parseLong(r.value().substring(dash + 1));
                long lastSeq = lastSeqByTag.getOrDefault(recordTag, -1L);
                assertThat(seq).as("partition %s: %s after sequence %s", r.partition(), r.value(), lastSeq).isGreaterThan(lastSeq);
                lastSeqByTag.put(recordTag, seq);
            }
        }
        assertThat(duplicates).as("values read twice").isEmpty();
        for (Acked a : acked.values()) {
            ConsumerRecord<String, String> r = byValue.get(a.value());
            assertThat(r).as("acknowledged %s at %s-%s is in the log", a.value(), a.partition(), a.offset()).isNotNull();
            assertThat(r.partition()).isEqualTo(a.partition());
            assertThat(r.offset()).as("offset of %s", a.value()).isEqualTo(a.offset());
        }
        return total;
    }

    private static boolean allRead(KafkaConsumer<String, String> c, List<TopicPartition> tps, Map<Integer, Long> ends) {
        for (TopicPartition tp : tps) {
            if (c.position(tp, Duration.ofSeconds(30)) < ends.get(tp.partition())) {
                return false;
            }
        }
        return true;
    }
}
