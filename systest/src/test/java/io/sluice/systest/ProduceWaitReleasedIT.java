package io.sluice.systest;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An acks=all produce waiting for a frozen follower is released as soon as its client's connection closes, not
 * after its 60 s timeout: the produce purgatory holds nothing for a client that is gone. Two brokerd processes; the
 * follower of a replication factor 2 partition is SIGSTOPped, so it stays in the ISR (replica.lag.time.max.ms and
 * the broker session are a minute) and the high watermark cannot pass the new record.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class ProduceWaitReleasedIT extends ClusterTest {
    private static final String WAITERS = "sluice_produce_acks_all_waiters";
    private static final String RELEASED = "sluice_delayed_requests_released_total{kind=\"produce\"}";

    private double sample(int id, String series) {
        try {
            return cluster.http(id, "/metrics").sample(series);
        } catch (Exception e) {
            return -1;
        }
    }

    @Test
    void anAcksAllProduceWaitingForAFrozenFollowerIsReleasedWhenItsClientCloses() throws Exception {
        cluster = new BrokerCluster(root, 2, Map.of("broker.session.timeout.ms", "60000", "broker.heartbeat.interval.ms", "300",
                "replica.lag.time.max.ms", "60000", "auto.leader.rebalance.enable", "false"));
        cluster.startAll();
        admin = ClusterMetadataIT.admin(cluster.bootstrap());
        admin.createTopics(List.of(new NewTopic("acks", 1, (short) 2))).all().get(30, TimeUnit.SECONDS);
        BrokerCluster.waitFor(() -> partition() != null && partition().isr().size() == 2, Duration.ofSeconds(60),
                "acks-0 with two in-sync replicas");
        int leader = partition().leader().id();
        int follower = partition().replicas().stream().mapToInt(n -> n.id()).filter(id -> id != leader).findFirst().orElseThrow();

        cluster.pause(follower);
        paused = follower;
        try (RawKafkaClient producer = new RawKafkaClient(cluster.clientPort(leader))) {
            ProduceRequestData req = new ProduceRequestData().setAcks((short) -1).setTimeoutMs(60_000);
            req.topicData().add(new ProduceRequestData.TopicProduceData().setName("acks").setPartitionData(List.of(
                    new ProduceRequestData.PartitionProduceData().setIndex(0).setRecords(MemoryRecords.withRecords(Compression.NONE,
                            new SimpleRecord("waits".getBytes(StandardCharsets.UTF_8)))))));
            producer.send(ApiKeys.PRODUCE, (short) 9, req);
            BrokerCluster.waitFor(() -> sample(leader, WAITERS) == 1.0, Duration.ofSeconds(20), "the produce to wait for the follower");
            assertThat(producer.responseArrived()).isFalse();
        }
        long closedNs = System.nanoTime();
        BrokerCluster.waitFor(() -> sample(leader, WAITERS) == 0.0, Duration.ofSeconds(10),
                "the produce of the closed connection to leave the purgatory, well before its 60 s timeout");
        long releasedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - closedNs);
        assertThat(sample(leader, RELEASED)).isEqualTo(1.0);

        cluster.resume(follower);
        paused = null;
        TopicPartition tp = new TopicPartition("acks", 0);
        BrokerCluster.waitFor(() -> {
            try {
                return admin.listOffsets(Map.of(tp, OffsetSpec.latest())).partitionResult(tp).get(10, TimeUnit.SECONDS).offset() == 1;
            } catch (Exception e) {
                return false;
            }
        }, Duration.ofSeconds(60), "the appended record to be replicated once the follower is back");
        System.out.printf("ProduceWaitReleasedIT: the waiting produce was released %d ms after its connection closed%n", releasedMs);
    }

    private TopicPartitionInfo partition() {
        try {
            return admin.describeTopics(List.of("acks")).allTopicNames().get(10, TimeUnit.SECONDS).get("acks").partitions().get(0);
        } catch (Exception e) {
            return null;
        }
    }
}
