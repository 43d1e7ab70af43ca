package io.sluice.systest;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.LogTruncationException;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A Java consumer detects log truncation after an unclean leader election, as against Kafka: when the metadata shows
 * a new leader epoch it validates its position with OffsetForLeaderEpoch, learns that the epoch of its last record
 * ends before its position on the new leader, and (with {@code auto.offset.reset=none}) throws
 * {@link LogTruncationException} naming the offset where the logs diverge. Nothing in brokerd needed changing for
 * this: OffsetForLeaderEpoch (v2-4) already answered as Kafka does.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class TruncationDetectionIT extends ClusterTest {
    private static final String TOPIC = "truncated";
    private static final TopicPartition TP = new TopicPartition(TOPIC, 0);
    @Test
    void aConsumerPastTheNewLeadersLogEndAfterAnUncleanElectionGetsLogTruncationException() throws Exception {
        cluster = new BrokerCluster(root, 3, Map.of("broker.session.timeout.ms", "3000", "broker.heartbeat.interval.ms", "300",
                "replica.lag.time.max.ms", "2000", "offsets.topic.num.partitions", "1", "auto.leader.rebalance.enable", "false"));
        cluster.startAll();
        admin = ClusterMetadataIT.admin(cluster.bootstrap());
        BrokerCluster.waitFor(() -> liveNodes() == 3, Duration.ofSeconds(60), "three registered brokers");
        admin.createTopics(List.of(new NewTopic(TOPIC, Map.of(0, List.of(1, 2)))
                .configs(Map.of("unclean.leader.election.enable", "true", "min.insync.replicas", "1")))).all().get(60, TimeUnit.SECONDS);
        produce("replicated-", 10);
        BrokerCluster.waitFor(() -> isr().size() == 2, Duration.ofSeconds(60), "both replicas in sync");

        cluster.kill(2);
        BrokerCluster.waitFor(() -> isr().equals(List.of(1)), Duration.ofSeconds(60), "broker 2 out of the ISR");
        produce("only-on-1-", 10);

        Map<String, Object> cfg = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none", ConsumerConfig.METADATA_MAX_AGE_CONFIG, "500");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(cfg, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.assign(List.of(TP));
            consumer.seek(TP, 0);
            int read = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (read < 20 && System.nanoTime() < deadline) {
                read += consumer.poll(Duration.ofMillis(200)).count();
            }
            assertThat(read).isEqualTo(20);

            cluster.kill(1);
            cluster.start(2);
            cluster.awaitReady(2);
            BrokerCluster.waitFor(() -> leaderIs(2), Duration.ofSeconds(90), "broker 2 elected uncleanly");

            LogTruncationException truncation = null;
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (truncation == null && System.nanoTime() < deadline) {
                try {
                    assertThat(consumer.poll(Duration.ofMillis(200)).count()).as("records past the new leader's end").isZero();
                } catch (LogTruncationException e) {
                    truncation = e;
                }
            }
            assertThat(truncation).as("LogTruncationException within 60 s").isNotNull();
            OffsetAndMetadata divergent = truncation.divergentOffsets().get(TP);
            assertThat(divergent.offset()).as("where broker 2's log leaves the consumer's").isEqualTo(10);
            assertThat(divergent.leaderEpoch()).isPresent();
            // Until the application seeks, the consumer keeps refusing to go on from there.
            assertThatThrownBy(() -> consumer.position(TP)).isInstanceOf(LogTruncationException.class);
        }
    }

    private void produce(String prefix, int count) throws Exception {
        try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap(),
                ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < count; i++) {
                p.send(new ProducerRecord<>(TOPIC, 0, null, prefix + i)).get(60, TimeUnit.SECONDS);
            }
        }
    }

    private Optional<TopicDescription> describe() {
        try {
            return Optional.of(admin.describeTopics(List.of(TOPIC)).allTopicNames().get(10, TimeUnit.SECONDS).get(TOPIC));
        } catch (Exception e) {
            return Optional.empty();
        }
    }

    private List<Integer> isr() {
        return describe().map(d -> d.partitions().get(0).isr().stream().map(n -> n.id()).sorted().toList()).orElse(List.of());
    }

    private boolean leaderIs(int id) {
        return describe().map(d -> d.partitions().get(0).leader() != null && d.partitions().get(0).leader().id() == id).orElse(false);
    }

    private int liveNodes() {
        try {
            return admin.describeCluster().nodes().get(10, TimeUnit.SECONDS).size();
        } catch (Exception e) {
            return -1;
        }
    }
}
