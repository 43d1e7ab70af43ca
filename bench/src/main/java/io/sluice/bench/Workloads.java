package io.sluice.bench;

import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.io.DataInputStream;
import java.io.IOException;
import java.net.Socket;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * The client side of every benchmark scenario, built only on the Apache Java client, so that one workload runs
 * unchanged against brokerd and against Apache Kafka. Every method is bounded by a deadline and throws
 * {@link TimeoutException} past it rather than hang. Not thread-safe: one workload at a time per instance of the
 * objects it creates; the methods themselves are static and share nothing.
 */
public final class Workloads {

    /** Producer batching: the client's defaults, or explicit batch.size and linger.ms. */
    public record Batching(int batchSizeBytes, int lingerMs) {
        public static final Batching CLIENT_DEFAULT = new Batching(-1, -1);

        public boolean isDefault() {
            return batchSizeBytes < 0;
        }

        @Override
        public String toString() {
            return isDefault() ? "default batching" : "batch.size=" + batchSizeBytes + " linger.ms=" + lingerMs;
        }
    }

    /** Records sent and acknowledged, the wall time they took and send-to-ack latency in nanoseconds. */
    public record ProduceResult(long records, int recordSizeBytes, long elapsedNs, Histogram latencyNs) {
        public double recordsPerSec() {
            return records / (elapsedNs / 1e9);
        }

        public double mbPerSec() {
            return records * (double) recordSizeBytes / (1024 * 1024) / (elapsedNs / 1e9);
        }
    }

    /** Records and bytes (values only) read, and the wall time from first poll to the last record. */
    public record ConsumeResult(long records, long valueBytes, long elapsedNs) {
        public double recordsPerSec() {
            return records / (elapsedNs / 1e9);
        }

        public double mbPerSec() {
            return valueBytes / (1024.0 * 1024) / (elapsedNs / 1e9);
        }
    }

    /** Produce-to-consume latency in nanoseconds of records sent at a fixed rate. */
    public record EndToEndResult(long records, double targetPerSec, Histogram latencyNs) {
    }

    /** Longest a client may take to close; their close() without a timeout can wait for ever. */
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);

    private Workloads() {
    }

    public static void createTopic(String bootstrap, String topic, int partitions, short replicationFactor,
                                   Map<String, String> configs, Duration timeout)
            throws InterruptedException, ExecutionException, TimeoutException {
        createTopic(bootstrap, Map.of(), topic, partitions, replicationFactor, configs, timeout);
    }

    /** As above, with {@code clientConfig} (TLS settings) for the Admin client. */
    public static void createTopic(String bootstrap, Map<String, Object> clientConfig, String topic, int partitions,
                                   short replicationFactor, Map<String, String> configs, Duration timeout)
            throws InterruptedException, ExecutionException, TimeoutException {
        Map<String, Object> config = new HashMap<>(clientConfig);
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        Admin admin = Admin.create(config);
        try {
            admin.createTopics(List.of(new NewTopic(topic, partitions, replicationFactor).configs(configs)))
                    .all().get(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw e;
            }
        } finally {
            admin.close(CLOSE_TIMEOUT);
        }
    }

    static Map<String, Object> producerConfig(String bootstrap, String acks, Batching batching) {
        Map<String, Object> p = new HashMap<>();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, acks);
        if (!batching.isDefault()) {
            p.put(ProducerConfig.LINGER_MS_CONFIG, batching.lingerMs());
            p.put(ProducerConfig.BATCH_SIZE_CONFIG, batching.batchSizeBytes());
        }
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        return p;
    }

    static Map<String, Object> consumerConfig(String bootstrap) {
        Map<String, Object> c = new HashMap<>();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
        return c;
    }

    /**
     * Sends {@code records} records of {@code recordSizeBytes} random bytes (no key, the client's default
     * partitioner) as fast as the producer accepts them and waits for every acknowledgement.
     */
    public static ProduceResult produce(String bootstrap, String topic, long records, int recordSizeBytes,
                                        String acks, Batching batching, Duration timeout)
            throws InterruptedException, TimeoutException {
        return produce(bootstrap, Map.of(), topic, records, recordSizeBytes, acks, batching, timeout);
    }

    /** As above, with {@code clientConfig} (TLS settings) on top of the producer's. */
    public static ProduceResult produce(String bootstrap, Map<String, Object> clientConfig, String topic, long records,
                                        int recordSizeBytes, String acks, Batching batching, Duration timeout)
            throws InterruptedException, TimeoutException {
        byte[] payload = new byte[recordSizeBytes];
        new Random(1).nextBytes(payload);
        Histogram latency = new Histogram(60_000_000_000L, 3);
        AtomicReference<Exception> failure = new AtomicReference<>();
        AtomicLong acked = new AtomicLong();
        long deadlineNs = System.nanoTime() + timeout.toNanos();
        long start = System.nanoTime();
        long sent = 0;
        Map<String, Object> config = producerConfig(bootstrap, acks, batching);
        config.putAll(clientConfig);
        KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(config);
        try {
            for (; sent < records && failure.get() == null; sent++) {
                if ((sent & 0xfff) == 0 && System.nanoTime() > deadlineNs) {
                    throw new TimeoutException("produce: only " + sent + " of " + records + " sent within " + timeout);
                }
                long sentNs = System.nanoTime();
                producer.send(new ProducerRecord<>(topic, payload), (md, e) -> {
                    if (e != null) {
                        failure.compareAndSet(null, e);
                    } else {
                        long tookNs = System.nanoTime() - sentNs;
                        synchronized (latency) {
                            latency.recordValue(tookNs);
                        }
                    }
                    acked.incrementAndGet();
                });
            }
            awaitCount(acked, sent, deadlineNs, "produce acknowledgements");
        } finally {
            producer.close(CLOSE_TIMEOUT); // close() alone would wait without bound for a hung broker
        }
        if (failure.get() != null) {
            throw new IllegalStateException("produce failed", failure.get());
        }
        return new ProduceResult(records, recordSizeBytes, System.nanoTime() - start, latency);
    }

    private static void awaitCount(AtomicLong counter, long target, long deadlineNs, String what)
            throws TimeoutException {
        while (counter.get() < target) {
            if (System.nanoTime() > deadlineNs) {
                throw new TimeoutException(what + ": " + counter.get() + " of " + target + " before the deadline");
            }
            LockSupport.parkNanos(200_000);
        }
    }

    /** Reads every partition of {@code topic} from its start to the end offsets seen when it began (no group). */
    public static ConsumeResult consumeAll(String bootstrap, String topic, int partitions, Duration timeout)
            throws TimeoutException {
        return consumeAll(bootstrap, Map.of(), topic, partitions, timeout);
    }

    /** As above, with {@code clientConfig} (TLS settings) on top of the consumer's. */
    public static ConsumeResult consumeAll(String bootstrap, Map<String, Object> clientConfig, String topic, int partitions,
                                           Duration timeout) throws TimeoutException {
        long deadlineNs = System.nanoTime() + timeout.toNanos();
        Map<String, Object> config = consumerConfig(bootstrap);
        config.putAll(clientConfig);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config)) {
            List<TopicPartition> tps = partitions(topic, partitions);
            consumer.assign(tps);
            consumer.seekToBeginning(tps);
            long target = consumer.endOffsets(tps, timeout).values().stream().mapToLong(Long::longValue).sum()
                    - consumer.beginningOffsets(tps, timeout).values().stream().mapToLong(Long::longValue).sum();
            long seen = 0;
            long bytes = 0;
            long start = System.nanoTime();
            while (seen < target) {
                if (System.nanoTime() > deadlineNs) {
                    throw new TimeoutException("consume: " + seen + " of " + target + " records before the deadline");
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    seen++;
                    bytes += r.serializedValueSize();
                }
            }
            return new ConsumeResult(seen, bytes, System.nanoTime() - start);
        }
    }

    /**
     * Sends {@code records} records at {@code perSec} (one producer, acks=1, linger.ms=0) while one consumer reads
     * them; the latency of each is the consumer's receive time minus the send time the producer wrote into the first
     * eight bytes of the value ({@link System#nanoTime()}: producer and consumer share this JVM).
     */
    public static EndToEndResult endToEnd(String bootstrap, String topic, int partitions, long records,
                                          int recordSizeBytes, double perSec, Duration timeout)
            throws InterruptedException, TimeoutException {
        long deadlineNs = System.nanoTime() + timeout.toNanos();
        Histogram latency = new Histogram(60_000_000_000L, 3);
        AtomicReference<Exception> failure = new AtomicReference<>();
        KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
                producerConfig(bootstrap, "1", new Batching(16384, 0)));
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerConfig(bootstrap))) {
            List<TopicPartition> tps = partitions(topic, partitions);
            consumer.assign(tps);
            consumer.seekToEnd(tps);
            for (TopicPartition tp : tps) {
                consumer.position(tp, timeout); // resolve now, so no record sent below is skipped
            }
            producer.partitionsFor(topic); // metadata before the clock starts
            Thread sender = new Thread(() -> sendAtRate(producer, topic, records, recordSizeBytes, perSec, deadlineNs,
                    failure), "e2e-sender");
            sender.setDaemon(true);
            sender.start();
            long seen = 0;
            while (seen < records && failure.get() == null) {
                if (System.nanoTime() > deadlineNs) {
                    throw new TimeoutException("end-to-end: " + seen + " of " + records + " records before the deadline");
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    long now = System.nanoTime();
                    latency.recordValue(Math.max(0, now - ByteBuffer.wrap(r.value()).getLong(0)));
                    seen++;
                }
            }
            sender.join(Math.max(1, (deadlineNs - System.nanoTime()) / 1_000_000));
        } finally {
            producer.close(CLOSE_TIMEOUT);
        }
        if (failure.get() != null) {
            throw new IllegalStateException("end-to-end produce failed", failure.get());
        }
        return new EndToEndResult(records, perSec, latency);
    }

    private static void sendAtRate(KafkaProducer<byte[], byte[]> producer, String topic, long records,
                                   int recordSizeBytes, double perSec, long deadlineNs,
                                   AtomicReference<Exception> failure) {
        long intervalNs = (long) (1e9 / perSec);
        long start = System.nanoTime();
        for (long i = 0; i < records && failure.get() == null && System.nanoTime() < deadlineNs; i++) {
            long dueNs = start + i * intervalNs;
            long waitNs;
            while ((waitNs = dueNs - System.nanoTime()) > 0) {
                LockSupport.parkNanos(waitNs);
            }
            byte[] value = new byte[Math.max(8, recordSizeBytes)];
            ByteBuffer.wrap(value).putLong(0, System.nanoTime());
            try {
                producer.send(new ProducerRecord<>(topic, value), (md, e) -> {
                    if (e != null) {
                        failure.compareAndSet(null, e);
                    }
                });
            } catch (RuntimeException e) { // e.g. the producer was closed after the consumer gave up
                failure.compareAndSet(null, e);
                return;
            }
        }
    }

    /**
     * Round-trip time of {@code requests} Metadata requests for all topics (what {@code KafkaConsumer.listTopics}
     * sends), after {@code warmup} unmeasured ones; returns nanoseconds.
     */
    public static Histogram metadataLatency(String bootstrap, int warmup, int requests, Duration timeout)
            throws TimeoutException {
        long deadlineNs = System.nanoTime() + timeout.toNanos();
        Histogram latency = new Histogram(60_000_000_000L, 3);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerConfig(bootstrap))) {
            for (int i = 0; i < warmup + requests; i++) {
                if (System.nanoTime() > deadlineNs) {
                    throw new TimeoutException("metadata: " + i + " requests before the deadline");
                }
                long t0 = System.nanoTime();
                consumer.listTopics(Duration.ofNanos(Math.max(1, deadlineNs - t0)));
                if (i >= warmup) {
                    latency.recordValue(System.nanoTime() - t0);
                }
            }
        }
        return latency;
    }

    /**
     * Opens {@code count} TCP connections that each complete one ApiVersions v0 exchange and then stay idle, as many
     * quiet clients do. The caller closes them.
     */
    public static IdleConnections openIdleConnections(InetSocketAddress broker, int count, Duration timeout)
            throws IOException, TimeoutException {
        long deadlineNs = System.nanoTime() + timeout.toNanos();
        IdleConnections conns = new IdleConnections();
        try {
            for (int i = 0; i < count; i++) {
                if (System.nanoTime() > deadlineNs) {
                    throw new TimeoutException("idle connections: " + i + " of " + count + " before the deadline");
                }
                Socket s = new Socket();
                conns.sockets.add(s);
                int timeoutMs = (int) Math.max(1, timeout.toMillis());
                s.setSoTimeout(timeoutMs);
                s.connect(broker, timeoutMs);
                apiVersionsV0(s, i);
            }
        } catch (IOException | TimeoutException | RuntimeException e) {
            conns.close();
            throw e;
        }
        return conns;
    }

    /** Writes one ApiVersions v0 request and reads the whole response frame. */
    private static void apiVersionsV0(Socket s, int correlationId) throws IOException {
        byte[] clientId = "sluice-bench-idle".getBytes(StandardCharsets.UTF_8);
        ByteBuffer req = ByteBuffer.allocate(4 + 2 + 2 + 4 + 2 + clientId.length);
        req.putInt(req.capacity() - 4).putShort((short) 18).putShort((short) 0).putInt(correlationId)
                .putShort((short) clientId.length).put(clientId);
        s.getOutputStream().write(req.array());
        DataInputStream in = new DataInputStream(s.getInputStream()); // reads time out after SO_TIMEOUT
        int n = in.readInt();
        if (n <= 0 || n > 1 << 20) {
            throw new IOException("bad ApiVersions response size " + n);
        }
        in.readFully(new byte[n]);
    }

    /** Connections opened by {@link #openIdleConnections}; closing closes them all. */
    public static final class IdleConnections implements AutoCloseable {
        private final List<Socket> sockets = new ArrayList<>();

        public int size() {
            return sockets.size();
        }

        @Override
        public void close() {
            for (Socket s : sockets) {
                try {
                    s.close();
                } catch (IOException e) {
                    // closing a socket we only read from: nothing to lose, and the rest must still close
                }
            }
            sockets.clear();
        }
    }

    static List<TopicPartition> partitions(String topic, int count) {
        List<TopicPartition> tps = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            tps.add(new TopicPartition(topic, i));
        }
        return tps;
    }
}
