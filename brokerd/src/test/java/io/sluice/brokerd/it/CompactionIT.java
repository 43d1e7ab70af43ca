package io.sluice.brokerd.it;

import io.sluice.brokerd.Broker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.RecordBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A compacted topic used through the Java client: the broker's cleaner leaves the last value per key. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CompactionIT {
    @TempDir
    Path dataDir;

    @Test
    void theCleanerLeavesTheLastValuePerKeyAtItsOriginalOffset() throws Exception {
        try (Broker broker = ItSupport.startBroker(dataDir, Map.of("log.cleaner.backoff.ms", "200"));
             Admin admin = ItSupport.admin(broker.bootstrapServers())) {
            ItSupport.createTopic(admin, "changelog", 1, Map.of("cleanup.policy", "compact", "segment.bytes", "4096",
                    "min.cleanable.dirty.ratio", "0.01", "file.delete.delay.ms", "0"));
            Map<String, Long> lastOffset = new HashMap<>();
            Map<String, String> lastValue = new HashMap<>();
            try (KafkaProducer<byte[], byte[]> p = ItSupport.producer(broker.bootstrapServers(), Map.of("linger.ms", 5))) {
                List<java.util.concurrent.Future<org.apache.kafka.clients.producer.RecordMetadata>> acks = new java.util.ArrayList<>();
                for (int i = 0; i < 5000; i++) {
                    acks.add(p.send(new ProducerRecord<>("changelog", 0, ("key-" + (i % 50)).getBytes(StandardCharsets.UTF_8),
                            ("value-" + i).getBytes(StandardCharsets.UTF_8))));
                }
                for (int i = 0; i < 5000; i++) {
                    lastOffset.put("key-" + (i % 50), acks.get(i).get().offset());
                    lastValue.put("key-" + (i % 50), "value-" + i);
                }
                assertThatThrownBy(() -> p.send(new ProducerRecord<>("changelog", 0, null, "no key".getBytes(StandardCharsets.UTF_8))).get())
                        .hasCauseInstanceOf(InvalidRecordException.class);
            }
            TopicPartition tp = new TopicPartition("changelog", 0);
            // Wait until a read from offset 0 holds (almost) one record per key: only the active segment is uncleaned.
            ItSupport.waitFor(() -> ItSupport.readAll(broker.bootstrapServers(), tp, 0, 5000, Duration.ofMillis(500)).size() < 500,
                    Duration.ofSeconds(60), "the cleaner to compact the changelog");
            List<ConsumerRecord<byte[], byte[]>> got = ItSupport.readAll(broker.bootstrapServers(), tp, 0, 5000, Duration.ofSeconds(3));
            assertThat(got.size()).as("older versions of each key are gone").isLessThan(500);
            Map<String, ConsumerRecord<byte[], byte[]>> latest = new HashMap<>();
            long previous = -1;
            for (ConsumerRecord<byte[], byte[]> r : got) {
                assertThat(r.offset()).isGreaterThan(previous);
                previous = r.offset();
                latest.put(new String(r.key(), StandardCharsets.UTF_8), r);
            }
            assertThat(latest).hasSize(50);
            latest.forEach((k, r) -> {
                assertThat(new String(r.value(), StandardCharsets.UTF_8)).isEqualTo(lastValue.get(k));
                assertThat(r.offset()).isEqualTo(lastOffset.get(k));
            });
        }
    }

    /**
     * Compaction keeps each batch's codec (re-compressing what it rewrites) and its producer fields; the Java client
     * and librdkafka (kcat) read what it leaves, including batches it cut down and the empty header it keeps for the
     * producer's last batch.
     */
    @Test
    void compressedTopicsStayCompressedWithTheirCodecAndReadableByJavaAndKcat() throws Exception {
        List<String> codecs = List.of("gzip", "snappy", "lz4", "zstd");
        try (Broker broker = ItSupport.startBroker(dataDir, Map.of("log.cleaner.backoff.ms", "200"));
             Admin admin = ItSupport.admin(broker.bootstrapServers())) {
            Map<String, Map<String, String>> lastValues = new HashMap<>();
            for (String codec : codecs) {
                String topic = "compacted-" + codec;
                ItSupport.createTopic(admin, topic, 1, Map.of("cleanup.policy", "compact", "segment.bytes", "4096",
                        "min.cleanable.dirty.ratio", "0.01", "file.delete.delay.ms", "0"));
                Map<String, String> last = new HashMap<>();
                try (KafkaProducer<byte[], byte[]> p = ItSupport.producer(broker.bootstrapServers(),
                        Map.of("compression.type", codec, "linger.ms", 5))) {
                    for (int i = 0; i < 3000; i++) {
                        String key = "key-" + (i % 40);
                        p.send(new ProducerRecord<>(topic, 0, key.getBytes(StandardCharsets.UTF_8),
                                ("value-" + i + "-" + "x".repeat(i % 50)).getBytes(StandardCharsets.UTF_8)));
                        last.put(key, "value-" + i + "-" + "x".repeat(i % 50));
                    }
                    p.flush();
                }
                lastValues.put(codec, last);
            }
            for (String codec : codecs) {
                TopicPartition tp = new TopicPartition("compacted-" + codec, 0);
                ItSupport.waitFor(() -> ItSupport.readAll(broker.bootstrapServers(), tp, 0, 3000, Duration.ofMillis(500)).size() < 600,
                        Duration.ofSeconds(60), "the cleaner to compact " + tp);
                Map<String, String> java = new HashMap<>();
                ItSupport.readAll(broker.bootstrapServers(), tp, 0, 3000, Duration.ofSeconds(2)).forEach(r ->
                        java.put(new String(r.key(), StandardCharsets.UTF_8), new String(r.value(), StandardCharsets.UTF_8)));
                assertThat(java).as("last value per key of %s", tp).isEqualTo(lastValues.get(codec));
                assertCodecOnDisk(dataDir.resolve(tp.topic() + "-0"), codec);
            }
            Path kcat = Path.of("/usr/bin/kcat");
            ItSupport.requireTool(Files.isExecutable(kcat), "kcat");
            for (String codec : codecs) {
                String out = ItSupport.run(dataDir, List.of(kcat.toString(), "-b", broker.bootstrapServers(), "-C", "-t",
                        "compacted-" + codec, "-e", "-o", "beginning", "-q", "-f", "%k=%s\n"), null);
                Map<String, String> kcatLast = new HashMap<>();
                for (String line : out.lines().toList()) {
                    int eq = line.indexOf('=');
                    assertThat(eq).as("kcat line %s", line).isPositive();
                    kcatLast.put(line.substring(0, eq), line.substring(eq + 1));
                }
                assertThat(kcatLast).as("what kcat reads of compacted-%s", codec).isEqualTo(lastValues.get(codec));
            }
        }
    }

    /** Every batch with records in the cleaned (inactive) segments is compressed with {@code codec}. */
    private static void assertCodecOnDisk(Path partitionDir, String codec) throws Exception {
        List<Path> segments;
        try (var files = Files.list(partitionDir)) {
            segments = files.filter(p -> p.toString().endsWith(".log")).sorted().toList();
        }
        int batches = 0;
        for (Path segment : segments.subList(0, segments.size() - 1)) {
            for (RecordBatch b : MemoryRecords.readableRecords(java.nio.ByteBuffer.wrap(Files.readAllBytes(segment))).batches()) {
                assertThat(b.isValid()).isTrue();
                if (b.countOrNull() != null && b.countOrNull() > 0) {
                    assertThat(b.compressionType()).as("batch %d in %s", b.baseOffset(), segment).isEqualTo(CompressionType.forName(codec));
                    batches++;
                }
            }
        }
        assertThat(batches).as("compacted batches in %s", partitionDir).isPositive();
    }
}
