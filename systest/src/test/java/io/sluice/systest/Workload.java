package io.sluice.systest;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The fault matrix's clients, recording into a {@link History} and asserting nothing: an idempotent acks=all producer
 * sending {@code <tag>-<n>} round-robin over the topic's partitions at a steady rate, and a consumer in group
 * {@value #GROUP} that reads the topic and commits what it read after every poll (synchronously). Both keep going
 * through every fault: a failed operation is recorded and the next one tried.
 */
final class Workload implements AutoCloseable {
    static final String GROUP = "matrix-readers";

    private final History history;
    private final String topic;
    private final int partitions;
    private final String tag;
    private final long sendIntervalNs;
    private final KafkaProducer<String, String> producer;
    private final KafkaConsumer<String, String> consumer;
    private final Thread producing;
    private final Thread consuming;
    private volatile boolean running = true;
    private volatile boolean consumerRunning = true;

    /**
     * @param clientConfig     what the cluster's clients need besides these settings (TLS), or empty
     * @param recordsPerSecond the producer's rate (the machine is small: the matrix needs a steady trickle in every
     *                         partition, not throughput)
     */
    Workload(String bootstrap, Map<String, Object> clientConfig, String topic, int partitions, String tag, int recordsPerSecond,
             History history) {
        this.history = history;
        this.topic = topic;
        this.partitions = partitions;
        this.tag = tag;
        this.sendIntervalNs = TimeUnit.SECONDS.toNanos(1) / recordsPerSecond;
        this.producer = new KafkaProducer<>(with(clientConfig, Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.LINGER_MS_CONFIG, 5, ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 15_000, ProducerConfig.MAX_BLOCK_MS_CONFIG, 60_000)),
                new StringSerializer(), new StringSerializer());
        this.consumer = new KafkaConsumer<>(with(clientConfig, Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG, GROUP, ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest", ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 500,
                ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000, ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, 15_000)),
                new StringDeserializer(), new StringDeserializer());
        this.producing = new Thread(this::produce, "matrix-producer");
        this.consuming = new Thread(this::consume, "matrix-consumer");
        producing.setDaemon(true);
        consuming.setDaemon(true);
        producing.start();
        consuming.start();
    }

    /** {@code base} (the cluster's client settings) with {@code settings} on top. */
    static Map<String, Object> with(Map<String, Object> base, Map<String, Object> settings) {
        Map<String, Object> all = new java.util.HashMap<>(base);
        all.putAll(settings);
        return all;
    }

    private void produce() {
        long seq = 0;
        long nextNs = System.nanoTime();
        while (running) {
            int partition = (int) (seq % partitions);
            String value = tag + "-" + seq++;
            long invokeMs = System.currentTimeMillis();
            try {
                producer.send(new ProducerRecord<>(topic, partition, null, value), (md, e) -> history.add(e == null
                        ? new History.Send(value, partition, invokeMs, System.currentTimeMillis(), History.Outcome.OK, md.offset(), "")
                        : new History.Send(value, partition, invokeMs, System.currentTimeMillis(),
                                e instanceof TimeoutException ? History.Outcome.UNKNOWN : History.Outcome.FAIL, -1, e.toString())));
            } catch (RuntimeException e) {
                history.add(new History.Send(value, partition, invokeMs, System.currentTimeMillis(), History.Outcome.FAIL, -1, e.toString()));
            }
            nextNs += sendIntervalNs;
            long waitNs = nextNs - System.nanoTime();
            if (waitNs > 0) {
                LockSupport.parkNanos(waitNs); // the send rate, not a wait for a condition
            } else if (waitNs < -TimeUnit.SECONDS.toNanos(1)) {
                nextNs = System.nanoTime(); // blocked (metadata, a full buffer): do not burst to catch up
            }
        }
    }

    private void consume() {
        consumer.subscribe(List.of(topic), new ConsumerRebalanceListener() {
            @Override
            public void onPartitionsRevoked(Collection<TopicPartition> revoked) {
            }

            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> assigned) {
                for (TopicPartition tp : assigned) {
                    history.add(new History.Resumed(tp.partition(), consumer.position(tp, Duration.ofSeconds(30)),
                            System.currentTimeMillis()));
                }
            }
        });
        while (consumerRunning) {
            try {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    history.add(new History.Consumed(r.partition(), r.offset(), r.value(), System.currentTimeMillis()));
                }
                commitPositions();
            } catch (org.apache.kafka.common.errors.WakeupException e) {
                return;
            } catch (RuntimeException e) {
                // A poll or rebalance failed (coordinator moving, a broker down): recorded by the commit's absence;
                // the records since the last commit come again.
                history.add(new History.Commit(Map.of(), System.currentTimeMillis(), System.currentTimeMillis(),
                        History.Outcome.FAIL, "poll: " + e));
            }
        }
    }

    private void commitPositions() {
        Map<TopicPartition, OffsetAndMetadata> positions = new HashMap<>();
        for (TopicPartition tp : consumer.assignment()) {
            positions.put(tp, new OffsetAndMetadata(consumer.position(tp)));
        }
        if (positions.isEmpty()) {
            return;
        }
        Map<Integer, Long> offsets = new HashMap<>();
        positions.forEach((tp, om) -> offsets.put(tp.partition(), om.offset()));
        long invokeMs = System.currentTimeMillis();
        try {
            consumer.commitSync(positions, Duration.ofSeconds(30));
            history.add(new History.Commit(offsets, invokeMs, System.currentTimeMillis(), History.Outcome.OK, ""));
        } catch (org.apache.kafka.common.errors.WakeupException e) {
            throw e;
        } catch (RuntimeException e) {
            // A commit whose answer did not come may still have been written: unknown, not failed.
            History.Outcome o = e instanceof TimeoutException ? History.Outcome.UNKNOWN : History.Outcome.FAIL;
            history.add(new History.Commit(offsets, invokeMs, System.currentTimeMillis(), o, e.toString()));
        }
    }

    /** Stops producing and waits until every send in flight has been answered (acknowledged or failed). */
    void stopProducing() throws InterruptedException {
        running = false;
        producing.join(30_000);
        producer.flush();
    }

    /** Stops the group consumer (its last commit done) and leaves the group. */
    void stopConsuming() throws InterruptedException {
        consumerRunning = false;
        consumer.wakeup();
        consuming.join(60_000);
        consumer.close(org.apache.kafka.clients.consumer.CloseOptions.timeout(Duration.ofSeconds(10)));
    }

    @Override
    public void close() throws InterruptedException {
        if (running) {
            stopProducing();
        }
        producer.close(Duration.ofSeconds(30));
        if (consumerRunning) {
            stopConsuming();
        }
    }
}
