package io.sluice.ops;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/** Producing for operators (sluice produce) with the Java client, and the record types; {@link RecordScan} consumes. */
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
            OpsException denied = SecurityErrors.translate(e, "producing to " + topic, c.clientProperties());
            throw denied != null ? denied : new OpsException(OpsException.Kind.ERROR, "producing to " + topic + ": " + e.getMessage(), e);
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

    /** A header from KEY=VALUE text. */
    public static Header header(String kv) {
        int eq = kv.indexOf('=');
        if (eq <= 0) {
            throw new OpsException(OpsException.Kind.USAGE, "header " + kv + ": expected KEY=VALUE");
        }
        return new RecordHeader(kv.substring(0, eq), kv.substring(eq + 1).getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
}
