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

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * End-to-end load against any Kafka-protocol broker with the Apache Java client: one producer sends fixed-size
 * records as fast as it can (latency = send to ack), then one consumer reads them all back (end-to-end latency from
 * the record timestamp). With --broker-pid it reads the broker's CPU seconds and RSS from /proc before and after.
 * <pre>
 * LoadTool --bootstrap 127.0.0.1:9092 [--topic load] [--records 1000000] [--record-size 100] [--partitions 6]
 *          [--acks 1] [--linger-ms 5] [--batch-size 65536] [--compression none] [--broker-pid PID] [--json]
 * </pre>
 */
public final class LoadTool {

    record Options(String bootstrap, String topic, long records, int recordSize, int partitions, String acks,
                   int lingerMs, int batchSize, String compression, long brokerPid, boolean json) {
    }

    public static void main(String[] args) throws Exception {
        Options o;
        try {
            o = parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("LoadTool: " + e.getMessage());
            System.exit(2);
            return;
        }
        System.exit(run(o));
    }

    static Options parse(String[] args) {
        Map<String, String> m = new HashMap<>(Map.of("--topic", "load", "--records", "1000000", "--record-size", "100",
                "--partitions", "6", "--acks", "1", "--linger-ms", "5", "--batch-size", "65536", "--compression", "none",
                "--broker-pid", "-1"));
        boolean json = false;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--json")) {
                json = true;
            } else if (args[i].startsWith("--") && i + 1 < args.length) {
                m.put(args[i], args[++i]);
            } else {
                throw new IllegalArgumentException("unexpected argument " + args[i]);
            }
        }
        if (!m.containsKey("--bootstrap")) {
            throw new IllegalArgumentException("--bootstrap HOST:PORT is required");
        }
        return new Options(m.get("--bootstrap"), m.get("--topic"), Long.parseLong(m.get("--records")),
                Integer.parseInt(m.get("--record-size")), Integer.parseInt(m.get("--partitions")), m.get("--acks"),
                Integer.parseInt(m.get("--linger-ms")), Integer.parseInt(m.get("--batch-size")), m.get("--compression"),
                Long.parseLong(m.get("--broker-pid")), json);
    }

    static int run(Options o) throws Exception {
        createTopic(o);
        ProcStats before = procStats(o.brokerPid());
        Histogram produceLatency = new Histogram(60_000_000_000L, 3);
        long produceNs = produce(o, produceLatency);
        ProcStats afterProduce = procStats(o.brokerPid());
        Histogram e2eLatency = new Histogram(3_600_000L, 3);
        long consumeNs = consume(o, e2eLatency);
        ProcStats after = procStats(o.brokerPid());
        report(o, produceNs, produceLatency, consumeNs, e2eLatency, before, afterProduce, after);
        return 0;
    }

    private static void createTopic(Options o) throws ExecutionException, InterruptedException {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, o.bootstrap()))) {
            try {
                admin.createTopics(List.of(new NewTopic(o.topic(), o.partitions(), (short) 1))).all().get();
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw e;
                }
            }
        }
    }

    private static long produce(Options o, Histogram latency) throws Exception {
        Map<String, Object> p = new HashMap<>();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, o.bootstrap());
        p.put(ProducerConfig.ACKS_CONFIG, o.acks());
        p.put(ProducerConfig.LINGER_MS_CONFIG, o.lingerMs());
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, o.batchSize());
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, o.compression());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        byte[] payload = new byte[o.recordSize()];
        new Random(1).nextBytes(payload);
        AtomicReference<Exception> failure = new AtomicReference<>();
        AtomicLong acked = new AtomicLong();
        long start = System.nanoTime();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            for (long i = 0; i < o.records() && failure.get() == null; i++) {
                long sentNs = System.nanoTime();
                producer.send(new ProducerRecord<>(o.topic(), payload), (md, e) -> {
                    if (e != null) {
                        failure.compareAndSet(null, e);
                    } else {
                        synchronized (latency) {
                            latency.recordValue(System.nanoTime() - sentNs);
                        }
                        acked.incrementAndGet();
                    }
                });
            }
            producer.flush();
        }
        if (failure.get() != null) {
            throw new IllegalStateException("produce failed after " + acked.get() + " acks", failure.get());
        }
        return System.nanoTime() - start;
    }

    private static long consume(Options o, Histogram e2e) {
        Map<String, Object> c = new HashMap<>();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, o.bootstrap());
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
        long start = System.nanoTime();
        long seen = 0;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c)) {
            List<TopicPartition> tps = new ArrayList<>();
            for (int i = 0; i < o.partitions(); i++) {
                tps.add(new TopicPartition(o.topic(), i));
            }
            consumer.assign(tps);
            consumer.seekToBeginning(tps);
            Map<TopicPartition, Long> end = consumer.endOffsets(tps);
            long target = end.values().stream().mapToLong(Long::longValue).sum();
            long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
            while (seen < target && System.nanoTime() < deadline) {
                long now = System.currentTimeMillis();
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    e2e.recordValue(Math.max(0, now - r.timestamp()));
                    seen++;
                }
            }
        }
        return System.nanoTime() - start;
    }

    static ProcStats procStats(long pid) throws IOException {
        return pid <= 0 ? null : ProcStats.of(pid);
    }

    private static void report(Options o, long produceNs, Histogram pl, long consumeNs, Histogram e2e,
                               ProcStats before, ProcStats afterProduce, ProcStats after) {
        double produceSec = produceNs / 1e9;
        double consumeSec = consumeNs / 1e9;
        double mb = o.records() * (double) o.recordSize() / (1024 * 1024);
        Map<String, Object> r = new java.util.LinkedHashMap<>();
        r.put("records", o.records());
        r.put("record_size", o.recordSize());
        r.put("partitions", o.partitions());
        r.put("acks", o.acks());
        r.put("produce_records_per_sec", Math.round(o.records() / produceSec));
        r.put("produce_mb_per_sec", round(mb / produceSec));
        r.put("produce_latency_ms_p50", round(pl.getValueAtPercentile(50) / 1e6));
        r.put("produce_latency_ms_p95", round(pl.getValueAtPercentile(95) / 1e6));
        r.put("produce_latency_ms_p99", round(pl.getValueAtPercentile(99) / 1e6));
        r.put("produce_latency_ms_max", round(pl.getMaxValue() / 1e6));
        r.put("consume_records_per_sec", Math.round(o.records() / consumeSec));
        r.put("consume_mb_per_sec", round(mb / consumeSec));
        r.put("e2e_latency_ms_p50", e2e.getValueAtPercentile(50));
        r.put("e2e_latency_ms_p99", e2e.getValueAtPercentile(99));
        if (before != null) {
            r.put("broker_cpu_seconds_produce", round(afterProduce.cpuSeconds() - before.cpuSeconds()));
            r.put("broker_cpu_seconds_total", round(after.cpuSeconds() - before.cpuSeconds()));
            r.put("broker_rss_mb_before", round(before.rssBytes() / 1048576.0));
            r.put("broker_rss_mb_after", round(after.rssBytes() / 1048576.0));
        }
        if (o.json()) {
            StringBuilder sb = new StringBuilder("{");
            r.forEach((k, v) -> sb.append(sb.length() > 1 ? "," : "").append('"').append(k).append("\":")
                    .append(v instanceof String ? "\"" + v + "\"" : v));
            System.out.println(sb.append('}'));
        } else {
            r.forEach((k, v) -> System.out.printf(Locale.ROOT, "%-28s %s%n", k, v));
        }
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }
}
