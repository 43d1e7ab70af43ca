package io.sluice.systest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.brokerd.Broker;
import io.sluice.brokerd.config.BrokerConfig;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Lag status against a real brokerd and real consumers: a live member that stops committing is STALL, a group
 * whose consumers are gone is STOP, a caught-up group OK, a group whose committed offset was deleted by DeleteRecords
 * ERR; {@code sluice group check} exits 4 for the first two and 0 for the healthy one.
 */
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class LagStatusIT {
    static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    static Path dataDir;
    static Broker broker;
    static Admin admin;

    @BeforeAll
    static void start() throws Exception {
        broker = Broker.start(BrokerConfig.load(null, Map.of("listeners", "127.0.0.1:0", "data.dir", dataDir.toString(),
                "metrics.listener", "", "group.initial.rebalance.delay.ms", "0", "offsets.topic.num.partitions", "2")));
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()));
        admin.createTopics(List.of(new NewTopic("work", 1, (short) 1), new NewTopic("trimmed", 1, (short) 1))).all().get();
        produce("work", 20);
        produce("trimmed", 10);
    }

    @AfterAll
    static void stop() {
        admin.close();
        broker.close();
    }

    static void produce(String topic, int records) throws Exception {
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers", broker.bootstrapServers()),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < records; i++) {
                p.send(new ProducerRecord<>(topic, 0, null, ("r" + i).getBytes())).get();
            }
        }
    }

    static SluiceCommandsIT.Run sluice(String... args) {
        return SluiceCommandsIT.sluiceAt(broker.bootstrapServers(), args);
    }

    /**
     * A member of {@code group} on {@code topic} that commits offset {@code commitAt} once it has its assignment and
     * then keeps polling (so it stays in the group) without committing again, until {@code stop}.
     */
    static Thread stuckMember(String group, String topic, long commitAt, CountDownLatch committed, AtomicBoolean stop,
                              AtomicReference<Throwable> failure) {
        Thread t = new Thread(() -> {
            try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                    ConsumerConfig.GROUP_ID_CONFIG, group, ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false",
                    ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                c.subscribe(List.of(topic));
                boolean done = false;
                while (!stop.get()) {
                    c.poll(Duration.ofMillis(100));
                    if (!done && !c.assignment().isEmpty()) {
                        c.commitSync(Map.of(new TopicPartition(topic, 0), new OffsetAndMetadata(commitAt)));
                        c.pause(c.assignment()); // holds the partition, reads no further: stuck on a record
                        done = true;
                        committed.countDown();
                    }
                }
            } catch (Throwable e) {
                failure.set(e);
                committed.countDown();
            }
        }, "stuck-member-" + group);
        t.setDaemon(true);
        t.start();
        return t;
    }

    @Test
    void stalledStoppedHealthyAndLostGroupsAndCheckExitCodes() throws Exception {
        CountDownLatch committed = new CountDownLatch(1);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread member = stuckMember("stuck", "work", 5, committed, stop, failure);
        try {
            assertThat(committed.await(60, TimeUnit.SECONDS)).as("the member joined and committed").isTrue();
            assertThat(failure.get()).isNull();
            // nobody consumes "gone" any more; "healthy" read everything
            admin.alterConsumerGroupOffsets("gone", Map.of(new TopicPartition("work", 0), new OffsetAndMetadata(8))).all().get();
            admin.alterConsumerGroupOffsets("healthy", Map.of(new TopicPartition("work", 0), new OffsetAndMetadata(20))).all().get();
            // "lost" committed 3, then the records up to 6 were deleted
            admin.alterConsumerGroupOffsets("lost", Map.of(new TopicPartition("trimmed", 0), new OffsetAndMetadata(3))).all().get();
            admin.deleteRecords(Map.of(new TopicPartition("trimmed", 0), RecordsToDelete.beforeOffset(6))).all().get();

            SluiceCommandsIT.Run describe = sluice("group", "describe", "stuck", "--window", "3s", "--samples", "3", "-o", "json");
            assertThat(describe.exit()).as(describe.err()).isZero();
            JsonNode stuck = JSON.readTree(describe.out());
            assertThat(stuck.get("state").asText()).isEqualTo("Stable");
            assertThat(stuck.get("status").asText()).isEqualTo("STALL");
            assertThat(stuck.get("partitions").get(0).get("status").asText()).isEqualTo("STALL");
            assertThat(stuck.get("partitions").get(0).get("lag").asLong()).isEqualTo(15);
            assertThat(stuck.get("partitions").get(0).get("memberId").asText()).isNotEmpty();

            SluiceCommandsIT.Run list = sluice("group", "list", "--window", "3s", "--samples", "3", "-o", "json");
            assertThat(list.exit()).as(list.err()).isZero();
            Map<String, String> statuses = new java.util.TreeMap<>();
            Map<String, Long> lags = new java.util.TreeMap<>();
            for (JsonNode g : JSON.readTree(list.out())) {
                statuses.put(g.get("group").asText(), g.get("status").asText());
                lags.put(g.get("group").asText(), g.get("totalLag").asLong());
            }
            assertThat(statuses).containsEntry("stuck", "STALL").containsEntry("gone", "STOP").containsEntry("healthy", "OK")
                    .containsEntry("lost", "ERR");
            assertThat(lags).containsEntry("stuck", 15L).containsEntry("gone", 12L).containsEntry("healthy", 0L).containsEntry("lost", 7L);
            SluiceCommandsIT.Run table = sluice("group", "list", "--window", "3s", "--samples", "2");
            assertThat(table.out()).containsPattern("\\ngone +Empty +STOP +12 +Classic").containsPattern("\\nstuck +Stable +STALL +15 ");

            SluiceCommandsIT.Run once = sluice("group", "describe", "gone", "--window", "0");
            assertThat(once.out()).as("one look cannot judge a lagging group").contains("STATUS       UNKNOWN");
            assertThat(sluice("group", "describe", "lost", "--window", "0").out()).as("but sees records lost to retention")
                    .contains("STATUS       ERR").containsPattern("trimmed +0 +3 +10 +7 +ERR +-");

            SluiceCommandsIT.Run check = sluice("group", "check", "stuck", "gone", "healthy", "nosuch", "--window", "3s", "--samples", "3",
                    "-o", "json");
            assertThat(check.exit()).as(check.err()).isEqualTo(4);
            Map<String, JsonNode> verdicts = new java.util.TreeMap<>();
            JSON.readTree(check.out()).forEach(v -> verdicts.put(v.get("group").asText(), v));
            assertThat(verdicts.keySet()).containsExactly("gone", "healthy", "nosuch", "stuck");
            assertThat(verdicts.get("stuck").get("healthy").asBoolean()).isFalse();
            assertThat(verdicts.get("stuck").get("reasons").get(0).asText()).isEqualTo("status STALL: work-0 STALL");
            assertThat(verdicts.get("stuck").get("problems").get(0).get("status").asText()).isEqualTo("STALL");
            assertThat(verdicts.get("gone").get("status").asText()).isEqualTo("STOP");
            assertThat(verdicts.get("healthy").get("healthy").asBoolean()).isTrue();
            assertThat(verdicts.get("healthy").get("reasons")).isEmpty();
            assertThat(verdicts.get("nosuch").get("state").isNull()).isTrue();
            assertThat(verdicts.get("nosuch").get("reasons").get(0).asText()).isEqualTo("no such group");

            SluiceCommandsIT.Run ok = sluice("group", "check", "healthy", "--window", "2s", "--samples", "2", "--max-lag", "0",
                    "--max-lag-seconds", "60");
            assertThat(ok.exit()).as(ok.out() + ok.err()).isZero();
            assertThat(ok.out()).containsPattern("healthy +Empty +OK +0 +0s +ok");
            SluiceCommandsIT.Run over = sluice("group", "check", "healthy", "gone", "--window", "2s", "--samples", "2", "--max-lag", "10",
                    "--max-lag-seconds", "3600");
            assertThat(over.exit()).isEqualTo(4);
            assertThat(over.out()).containsPattern("healthy +Empty +OK +0 +0s +ok")
                    .contains("status STOP: work-0 STOP; lag 12 > --max-lag 10")
                    .doesNotContain("--max-lag-seconds 3600").as("the records were written in this test: well within an hour");
        } finally {
            stop.set(true);
            member.join(TimeUnit.SECONDS.toMillis(30));
        }
        assertThat(failure.get()).isNull();
    }
}
