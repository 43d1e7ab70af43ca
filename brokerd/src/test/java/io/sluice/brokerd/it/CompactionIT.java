package io.sluice.brokerd.it;

import io.sluice.brokerd.Broker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.InvalidRecordException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
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
}
