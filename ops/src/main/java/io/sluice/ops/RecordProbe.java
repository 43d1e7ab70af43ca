package io.sluice.ops;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a few records without a group: the timestamp of the record at a given offset (for time lag) and the latest
 * records of a topic (for the tail view). One consumer, created on first use and kept; it commits nothing.
 * Not thread-safe: one poller thread owns it.
 */
public final class RecordProbe implements AutoCloseable {
    private final String bootstrap;
    private final Map<String, String> clientProperties;
    private KafkaConsumer<byte[], byte[]> consumer;

    public RecordProbe(String bootstrap, Map<String, String> clientProperties) {
        this.bootstrap = bootstrap;
        this.clientProperties = Map.copyOf(clientProperties);
    }

    private KafkaConsumer<byte[], byte[]> consumer() {
        if (consumer == null) {
            Map<String, Object> p = new HashMap<>(clientProperties);
            p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
            p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            p.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "sluice-probe");
            p.putIfAbsent(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, "65536");
            p.putIfAbsent(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "100");
            p.putIfAbsent(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
            p.putIfAbsent(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "10000");
            consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        }
        return consumer;
    }

    /**
     * The timestamp of the first record at or after each given offset (compaction may have removed the exact one).
     * Partitions that return nothing before {@code timeoutMs} are left out.
     */
    public Map<TopicPartition, Long> timestampsAt(Map<TopicPartition, Long> offsets, long timeoutMs) {
        Map<TopicPartition, Long> out = new HashMap<>();
        if (offsets.isEmpty()) {
            return out;
        }
        KafkaConsumer<byte[], byte[]> c = consumer();
        c.assign(offsets.keySet());
        offsets.forEach(c::seek);
        long deadlineNs = System.nanoTime() + timeoutMs * 1_000_000;
        while (out.size() < offsets.size() && System.nanoTime() < deadlineNs) {
            for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(50))) {
                TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                if (!out.containsKey(tp) && r.offset() >= offsets.get(tp)) {
                    out.put(tp, r.timestamp());
                    c.pause(List.of(tp));
                }
            }
        }
        c.resume(c.paused());
        c.assign(List.of());
        return out;
    }

    /**
     * The last {@code count} records (by offset within each partition, merged by timestamp, oldest first) of the given
     * partitions whose log start and end offsets are passed in. Stops at {@code timeoutMs} with what it has. Reads at
     * most {@code count} records from each partition and about {@link #MAX_TAIL_READ} in all, so a topic with many
     * partitions shows the latest few of each.
     */
    public List<Records.Incoming> latest(Map<TopicPartition, Long> startOffsets, Map<TopicPartition, Long> endOffsets,
                                         int count, long timeoutMs) {
        return latest(startOffsets, endOffsets, count, RecordFilter.ALL, timeoutMs).records();
    }

    /** Records a tail found and how many it read to find them. */
    public record Latest(List<Records.Incoming> records, int scanned) {
    }

    /**
     * As {@link #latest(Map, Map, int, long)}, keeping only the records {@code filter} accepts; with a filter it reads
     * the last {@link #MAX_TAIL_READ} records (shared among the partitions) rather than the last {@code count}, so a
     * filter finds matches among recent records, not only among the very last ones.
     */
    public Latest latest(Map<TopicPartition, Long> startOffsets, Map<TopicPartition, Long> endOffsets, int count,
                         RecordFilter filter, long timeoutMs) {
        long perPartition = filter.matchesAll() ? perPartition(count, endOffsets.size())
                : perPartition(MAX_TAIL_READ, endOffsets.size());
        Map<TopicPartition, Long> from = new HashMap<>();
        endOffsets.forEach((tp, end) -> {
            long start = Math.max(startOffsets.getOrDefault(tp, 0L), end - perPartition);
            if (start < end) {
                from.put(tp, start);
            }
        });
        List<Records.Incoming> got = new ArrayList<>();
        if (from.isEmpty()) {
            return new Latest(got, 0);
        }
        KafkaConsumer<byte[], byte[]> c = consumer();
        c.assign(from.keySet());
        from.forEach(c::seek);
        Map<TopicPartition, Long> remaining = new HashMap<>(from);
        long deadlineNs = System.nanoTime() + timeoutMs * 1_000_000;
        int scanned = 0;
        try {
            while (!remaining.isEmpty() && System.nanoTime() < deadlineNs) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(50))) {
                    TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                    if (r.offset() < endOffsets.get(tp)) {
                        Records.Incoming in = new Records.Incoming(r.topic(), r.partition(), r.offset(), r.timestamp(), r.key(), r.value(),
                                List.of(r.headers().toArray()));
                        scanned++;
                        if (filter.matches(in)) {
                            got.add(in);
                        }
                    }
                    if (r.offset() + 1 >= endOffsets.get(tp)) {
                        remaining.remove(tp);
                    }
                }
                remaining.keySet().removeIf(tp -> c.position(tp) >= endOffsets.get(tp));
            }
        } finally {
            c.assign(List.of());
        }
        got.sort(Comparator.comparingLong(Records.Incoming::timestampMs).thenComparing(Records.Incoming::partition)
                .thenComparingLong(Records.Incoming::offset));
        return new Latest(got.size() <= count ? got : List.copyOf(got.subList(got.size() - count, got.size())), scanned);
    }

    static final int MAX_TAIL_READ = 500;

    /** Records to read from each of {@code partitions} partitions: {@code count}, fewer when that would pass MAX_TAIL_READ, at least 1. */
    static long perPartition(int count, int partitions) {
        return Math.max(1, Math.min(count, MAX_TAIL_READ / Math.max(1, partitions)));
    }

    @Override
    public void close() {
        if (consumer != null) {
            consumer.close(Duration.ofSeconds(2));
        }
    }
}
