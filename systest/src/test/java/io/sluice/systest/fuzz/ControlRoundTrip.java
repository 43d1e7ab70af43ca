package io.sluice.systest.fuzz;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * The round trip a real application makes, checked between fuzz requests: Java producers (idempotent, acks=all,
 * one per codec, taking turns) write records with random binary keys, values and headers to the control topic, and
 * a Java consumer in a consumer group (so the group coordinator is exercised all along: joins, heartbeats,
 * commits) reads them back. Every record must come back byte for byte, at consecutive offsets after the last
 * round's, and the group's committed offset must move to after them. Not thread-safe.
 */
final class ControlRoundTrip implements AutoCloseable {
    static final String GROUP = "sluice-fuzz-control-group";
    private static final int RECORDS_PER_ROUND = 5;
    private static final TopicPartition PARTITION = new TopicPartition(FuzzTopics.CONTROL, 0);

    private final List<KafkaProducer<byte[], byte[]>> producers = new ArrayList<>();
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Random rnd = new Random(42);
    private long nextOffset = -1;
    private int round;

    ControlRoundTrip(String bootstrap) {
        for (CompressionType codec : BatchSpec.CODECS) {
            Map<String, Object> p = new HashMap<>();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            p.put(ProducerConfig.ACKS_CONFIG, "all");
            p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, codec.name);
            p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 60_000);
            p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 30_000);
            producers.add(new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer()));
        }
        Map<String, Object> c = new HashMap<>();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        c.put(ConsumerConfig.GROUP_ID_CONFIG, GROUP);
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        // within the fuzz broker's group.max.session.timeout.ms (kept short so that fuzzed members expire soon)
        c.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 10_000);
        c.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 3_000);
        consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        consumer.subscribe(List.of(FuzzTopics.CONTROL));
    }

    /** One round: null when every record came back intact and was committed, else what went wrong. */
    String check(Duration timeout) throws Exception {
        KafkaProducer<byte[], byte[]> producer = producers.get(round++ % producers.size());
        List<ProducerRecord<byte[], byte[]>> sent = new ArrayList<>();
        List<Future<RecordMetadata>> acks = new ArrayList<>();
        long now = System.currentTimeMillis();
        for (int i = 0; i < RECORDS_PER_ROUND; i++) {
            byte[] key = rnd.nextInt(4) == 0 ? null : bytes(1 + rnd.nextInt(16));
            byte[] value = bytes(rnd.nextInt(4) == 0 ? rnd.nextInt(4096) : rnd.nextInt(64));
            List<Header> headers = new ArrayList<>();
            for (int h = rnd.nextInt(3); h > 0; h--) {
                headers.add(new RecordHeader("h" + h, rnd.nextBoolean() ? null : bytes(rnd.nextInt(8))));
            }
            ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(FuzzTopics.CONTROL, 0, now + i, key, value, headers);
            sent.add(r);
            acks.add(producer.send(r));
        }
        producer.flush();
        long firstOffset = -1;
        for (int i = 0; i < acks.size(); i++) {
            long offset = acks.get(i).get(timeout.toMillis(), TimeUnit.MILLISECONDS).offset();
            if (i == 0) {
                firstOffset = offset;
            } else if (offset != firstOffset + i) {
                return "acknowledged offsets not consecutive: record " + i + " at " + offset + " after " + firstOffset;
            }
        }
        if (nextOffset >= 0 && firstOffset != nextOffset) {
            return "the round's first record was written at " + firstOffset + ", the last round ended at " + nextOffset;
        }
        String problem = readBack(sent, firstOffset, timeout);
        if (problem != null) {
            return problem;
        }
        nextOffset = firstOffset + sent.size();
        consumer.commitSync(Map.of(PARTITION, new OffsetAndMetadata(nextOffset)), timeout);
        OffsetAndMetadata committed = consumer.committed(Set.of(PARTITION), timeout).get(PARTITION);
        if (committed == null || committed.offset() != nextOffset) {
            return "the group's committed offset is " + committed + " after committing " + nextOffset;
        }
        return null;
    }

    private String readBack(List<ProducerRecord<byte[], byte[]>> sent, long firstOffset, Duration timeout) {
        List<ConsumerRecord<byte[], byte[]>> got = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (got.size() < sent.size() && System.nanoTime() < deadline) {
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                if (r.offset() >= firstOffset) {
                    got.add(r);
                }
            }
        }
        if (got.size() < sent.size()) {
            return "read back " + got.size() + " of " + sent.size() + " records from offset " + firstOffset + " within " + timeout;
        }
        for (int i = 0; i < sent.size(); i++) {
            String diff = compare(sent.get(i), got.get(i), firstOffset + i);
            if (diff != null) {
                return diff;
            }
        }
        return null;
    }

    private static String compare(ProducerRecord<byte[], byte[]> s, ConsumerRecord<byte[], byte[]> g, long offset) {
        if (g.offset() != offset) {
            return "expected offset " + offset + ", read " + g.offset();
        }
        if (!Arrays.equals(s.key(), g.key()) || !Arrays.equals(s.value(), g.value()) || s.timestamp() != g.timestamp()) {
            return "record at " + offset + " differs in key, value or timestamp";
        }
        Header[] sh = s.headers().toArray();
        Header[] gh = g.headers().toArray();
        if (sh.length != gh.length) {
            return "record at " + offset + " has " + gh.length + " headers, sent " + sh.length;
        }
        for (int h = 0; h < sh.length; h++) {
            if (!sh[h].key().equals(gh[h].key()) || !Arrays.equals(sh[h].value(), gh[h].value())) {
                return "record at " + offset + " differs in header " + h;
            }
        }
        return null;
    }

    private byte[] bytes(int n) {
        byte[] b = new byte[n];
        rnd.nextBytes(b);
        return b;
    }

    @Override
    public void close() {
        producers.forEach(p -> p.close(Duration.ofSeconds(5)));
        consumer.close(Duration.ofSeconds(5));
    }
}
