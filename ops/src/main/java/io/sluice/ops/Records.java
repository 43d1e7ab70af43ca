package io.sluice.ops;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/** Producing and consuming for operators (sluice produce/consume), with the Java client. */
public final class Records {

    /** A record to send; key, partition and timestamp may be null (the producer then chooses). */
    public record Outgoing(byte[] key, byte[] value, Integer partition, List<Header> headers, Long timestampMs) {
        public Outgoing(byte[] key, byte[] value, Integer partition, List<Header> headers) {
            this(key, value, partition, headers, null);
        }
    }

    /** A consumed record. */
    public record Incoming(String topic, int partition, long offset, long timestampMs, byte[] key, byte[] value, List<Header> headers) {
    }

    private Records() {
    }

    /** Told how far a produce has got: records handed to the producer and records acknowledged so far. */
    @FunctionalInterface
    public interface ProduceListener {
        void progress(long sent, long acked);
    }

    /**
     * Sends the records as {@code records} yields them (so a big input is streamed, never held whole) and waits for
     * every ack; returns how many were acknowledged. {@code listener} is called on this thread after each send and once
     * at the end. The first failed send stops the sending and is thrown, naming the topic. The producer waits for the
     * cluster no longer than the connection's timeout; a topic that does not exist is produced to only if the cluster
     * creates it on first use (auto.create.topics.enable), else the failure says it does not exist.
     */
    public static long produce(ClusterConnection c, Map<String, String> props, String topic, Iterable<Outgoing> records,
                               String acks, String compression, ProduceListener listener) {
        boolean exists = Topics.exists(c, topic);
        String timeoutMs = String.valueOf(c.timeout().toMillis());
        Map<String, Object> p = new HashMap<>(props);
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, c.bootstrap());
        p.put(ProducerConfig.ACKS_CONFIG, acks);
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, compression);
        p.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, "5");
        p.putIfAbsent(ProducerConfig.MAX_BLOCK_MS_CONFIG, timeoutMs);
        p.putIfAbsent(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, timeoutMs);
        p.putIfAbsent(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, String.valueOf(Math.max(30_000, c.timeout().toMillis() + 5_000)));
        AtomicLong acked = new AtomicLong();
        AtomicReference<Exception> failure = new AtomicReference<>();
        long sent = 0;
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (Outgoing r : records) {
                if (failure.get() != null) {
                    break;
                }
                producer.send(new ProducerRecord<>(topic, r.partition(), r.timestampMs(), r.key(), r.value(), r.headers()), (metadata, e) -> {
                    if (e != null) {
                        failure.compareAndSet(null, e);
                    } else {
                        acked.incrementAndGet();
                    }
                });
                listener.progress(++sent, acked.get());
            }
            producer.flush();
        } catch (org.apache.kafka.common.KafkaException e) {
            throw new OpsException(OpsException.Kind.ERROR, "producing to " + topic + ": " + e.getMessage(), e);
        }
        Exception failed = failure.get();
        if (failed instanceof org.apache.kafka.common.errors.TimeoutException && !exists) {
            throw new OpsException(OpsException.Kind.NOT_FOUND, "producing to " + topic + ": topic " + topic
                    + " does not exist and the cluster did not create it (sluice topic create " + topic + ")", failed);
        }
        if (failed != null) {
            throw Futures.translate(failed, c, "producing to " + topic);
        }
        listener.progress(sent, acked.get());
        return acked.get();
    }

    /**
     * Reads {@code topic} (or one partition) from {@code from} until {@code max} records were read or, without
     * {@code follow}, the end offsets seen at the start are reached. With a group, offsets are committed as read.
     */
    public static long consume(ClusterConnection c, Map<String, String> props, String topic, Integer partition, String from,
                               String group, long max, boolean follow, Consumer<Incoming> sink) {
        Map<String, Object> p = new HashMap<>(props);
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, c.bootstrap());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        if (group != null) {
            p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        } else if (from.equals("committed")) {
            throw new OpsException(OpsException.Kind.USAGE, "--from committed needs --group");
        }
        List<TopicPartition> tps = new ArrayList<>();
        Topics.offsets(c, topic, null).forEach(o -> {
            if (partition == null || partition == o.partition()) {
                tps.add(new TopicPartition(topic, o.partition()));
            }
        });
        if (tps.isEmpty()) {
            throw new OpsException(OpsException.Kind.NOT_FOUND, "topic " + topic + " has no partition " + partition);
        }
        long read = 0;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.assign(tps);
            Map<TopicPartition, Long> end = consumer.endOffsets(tps);
            Map<TopicPartition, Long> begin = consumer.beginningOffsets(tps);
            seek(consumer, tps, from, begin, end);
            Map<TopicPartition, Long> position = new HashMap<>();
            tps.forEach(tp -> position.put(tp, consumer.position(tp)));
            // Only what was handed to the sink is committed: a poll may return more than -n lets through.
            Map<TopicPartition, org.apache.kafka.clients.consumer.OffsetAndMetadata> processed = new HashMap<>();
            while (read < max && (follow || !reached(position, end))) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                    position.put(tp, r.offset() + 1);
                    if (!follow && r.offset() >= end.get(tp)) {
                        continue;
                    }
                    sink.accept(new Incoming(r.topic(), r.partition(), r.offset(), r.timestamp(), r.key(), r.value(), List.of(r.headers().toArray())));
                    processed.put(tp, new org.apache.kafka.clients.consumer.OffsetAndMetadata(r.offset() + 1));
                    if (++read >= max) {
                        break;
                    }
                }
                if (group != null && !processed.isEmpty()) {
                    consumer.commitSync(processed);
                    processed.clear();
                }
            }
        }
        return read;
    }

    private static boolean reached(Map<TopicPartition, Long> position, Map<TopicPartition, Long> end) {
        return end.entrySet().stream().allMatch(e -> position.get(e.getKey()) >= e.getValue());
    }

    private static void seek(KafkaConsumer<byte[], byte[]> consumer, List<TopicPartition> tps, String from,
                             Map<TopicPartition, Long> begin, Map<TopicPartition, Long> end) {
        try {
            if (from.equals("committed")) {
                Map<TopicPartition, org.apache.kafka.clients.consumer.OffsetAndMetadata> committed = consumer.committed(new java.util.HashSet<>(tps));
                tps.forEach(tp -> consumer.seek(tp, committed.get(tp) == null ? begin.get(tp) : committed.get(tp).offset()));
            } else if (from.equals("start")) {
                consumer.seekToBeginning(tps);
            } else if (from.equals("end")) {
                consumer.seekToEnd(tps);
            } else if (from.startsWith("@")) {
                long ts = Long.parseLong(from.substring(1));
                Map<TopicPartition, Long> query = new HashMap<>();
                tps.forEach(tp -> query.put(tp, ts));
                consumer.offsetsForTimes(query).forEach((tp, o) -> consumer.seek(tp, o == null ? end.get(tp) : o.offset()));
            } else if (from.startsWith("-")) {
                long n = Long.parseLong(from.substring(1));
                tps.forEach(tp -> consumer.seek(tp, Math.max(begin.get(tp), end.get(tp) - n)));
            } else {
                long offset = Long.parseLong(from);
                tps.forEach(tp -> consumer.seek(tp, Math.max(begin.get(tp), Math.min(end.get(tp), offset))));
            }
        } catch (NumberFormatException e) {
            throw new OpsException(OpsException.Kind.USAGE, "--from " + from + ": expected start, end, OFFSET, @TIMESTAMP_MS or -N", e);
        }
    }

    /** A header from KEY=VALUE text. */
    public static Header header(String kv) {
        int eq = kv.indexOf('=');
        if (eq <= 0) {
            throw new OpsException(OpsException.Kind.USAGE, "header " + kv + ": expected KEY=VALUE");
        }
        return new RecordHeader(kv.substring(0, eq), kv.substring(eq + 1).getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
}
