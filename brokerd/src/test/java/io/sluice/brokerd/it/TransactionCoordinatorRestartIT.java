package io.sluice.brokerd.it;

import io.sluice.brokerd.Broker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The coordinator's state survives a restart of its broker: a transaction left open when the broker stopped is
 * loaded back from __transaction_state and aborted when the next producer of its transactional id initialises
 * (its records never become visible to READ_COMMITTED readers, the last stable offset moves past them), while the
 * transaction committed before the restart stays committed and the producer id is kept.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class TransactionCoordinatorRestartIT {
    @TempDir
    Path dataDir;

    static ProducerRecord<byte[], byte[]> record(String value) {
        return new ProducerRecord<>("restart", 0, null, value.getBytes(StandardCharsets.UTF_8));
    }

    static KafkaProducer<byte[], byte[]> txnProducer(Broker broker) {
        return ItSupport.producer(broker.bootstrapServers(), Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "restarted",
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 60_000));
    }

    @Test
    void anOpenTransactionIsLoadedAfterARestartAndAbortedByTheNextProducer() throws Exception {
        Map<String, String> config = Map.of("transaction.state.log.num.partitions", "2");
        Broker broker = ItSupport.startBroker(dataDir, config);
        TopicPartition tp = new TopicPartition("restart", 0);
        try (Admin admin = ItSupport.admin(broker.bootstrapServers())) {
            ItSupport.createTopic(admin, "restart", 1, Map.of());
        }
        KafkaProducer<byte[], byte[]> first = txnProducer(broker);
        first.initTransactions();
        first.beginTransaction();
        first.send(record("committed")).get();
        first.commitTransaction();
        first.beginTransaction();
        first.send(record("left-open")).get();
        // The broker stops with the transaction open; the producer never comes back.
        first.close(Duration.ZERO);
        broker.close();

        broker = ItSupport.startBroker(dataDir, config);
        try (Admin admin = ItSupport.admin(broker.bootstrapServers());
             KafkaProducer<byte[], byte[]> second = txnProducer(broker)) {
            assertThat(lastStable(admin, tp)).as("the open transaction still holds the LSO after the restart").isEqualTo(2);
            second.initTransactions(); // aborts the loaded open transaction first (CONCURRENT_TRANSACTIONS until done)
            second.beginTransaction();
            second.send(record("after-restart")).get();
            second.commitTransaction();
            // The commit is answered once prepared; its marker follows: c, marker, left-open, abort marker, after-restart, marker
            ItSupport.waitFor(() -> {
                try {
                    return lastStable(admin, tp) == 6;
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, Duration.ofSeconds(30), "the COMMIT marker moves the LSO to the log end");
            assertThat(read(broker, tp, IsolationLevel.READ_COMMITTED, 6)).containsExactly("committed", "after-restart");
            assertThat(read(broker, tp, IsolationLevel.READ_UNCOMMITTED, 6)).containsExactly("committed", "left-open", "after-restart");
        } finally {
            broker.close();
        }
    }

    private static long lastStable(Admin admin, TopicPartition tp) throws Exception {
        return admin.listOffsets(Map.of(tp, OffsetSpec.latest()), new ListOffsetsOptions(IsolationLevel.READ_COMMITTED))
                .all().get().get(tp).offset();
    }

    private static List<String> read(Broker broker, TopicPartition tp, IsolationLevel isolation, long end) {
        List<String> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = ItSupport.consumer(broker.bootstrapServers(),
                Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation.toString()))) {
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (c.position(tp) < end && System.nanoTime() < deadline) {
                c.poll(Duration.ofMillis(200)).forEach(r -> out.add(new String(r.value(), StandardCharsets.UTF_8)));
            }
        }
        return out;
    }
}
