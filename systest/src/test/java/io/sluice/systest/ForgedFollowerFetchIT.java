package io.sluice.systest;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A client that claims to be an in-sync follower cannot acknowledge records for it. Three brokerd processes; a
 * partition on two of them (leader L, follower F, min.insync.replicas=2); F is SIGSTOPped, so it stays in the ISR
 * (replica.lag.time.max.ms and the broker session are a minute) and an acks=all produce to L must wait for it. A raw
 * Fetch from "replica F" at an offset past L's log end gets OFFSET_OUT_OF_RANGE, the high watermark stays, and the
 * produce is not answered early: it times out. A Fetch as a replica outside the assignment gets Kafka's errors.
 * After SIGCONT the real follower catches up and both records are read back.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class ForgedFollowerFetchIT extends ClusterTest {
    private static final String TOPIC = "guarded";

    private TopicDescription describe() {
        try {
            return admin.describeTopics(List.of(TOPIC)).allTopicNames().get(20, TimeUnit.SECONDS).get(TOPIC);
        } catch (Exception e) {
            return null;
        }
    }

    @Test
    void aForgedFollowerFetchPastTheLogEndMovesNothingAndAcksAllWaitsForTheRealFollower() throws Exception {
        cluster = new BrokerCluster(root, 3, Map.of("broker.session.timeout.ms", "60000", "broker.heartbeat.interval.ms", "300",
                "replica.lag.time.max.ms", "60000", "auto.leader.rebalance.enable", "false"));
        cluster.startAll();
        admin = ClusterMetadataIT.admin(cluster.bootstrap());
        BrokerCluster.waitFor(() -> {
            try {
                return admin.describeCluster().nodes().get(10, TimeUnit.SECONDS).size() == 3;
            } catch (Exception e) {
                return false;
            }
        }, Duration.ofSeconds(60), "three registered brokers");
        // Placed on two brokers (the first one the controller does not run on is the preferred leader); which of them
        // leads is read back, as a loaded machine may have elected the other.
        int controller = admin.describeCluster().controller().get(30, TimeUnit.SECONDS).id();
        int preferred = cluster.ids().stream().filter(id -> id != controller).findFirst().orElseThrow();
        int other = cluster.ids().stream().filter(id -> id != preferred).findFirst().orElseThrow();
        admin.createTopics(List.of(new NewTopic(TOPIC, Map.of(0, List.of(preferred, other)))
                .configs(Map.of("min.insync.replicas", "2")))).all().get(60, TimeUnit.SECONDS);
        BrokerCluster.waitFor(() -> {
            TopicDescription d = describe();
            return d != null && d.partitions().get(0).leader() != null && d.partitions().get(0).isr().size() == 2;
        }, Duration.ofSeconds(120), "guarded-0 with a leader and both replicas in sync");
        int leader = describe().partitions().get(0).leader().id();
        int follower = leader == preferred ? other : preferred;
        int outsider = cluster.ids().stream().filter(id -> id != follower && id != leader).findFirst().orElseThrow();
        try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap(),
                ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new StringSerializer())) {
            assertThat(p.send(new ProducerRecord<>(TOPIC, 0, null, "replicated")).get(60, TimeUnit.SECONDS).offset()).isZero();
        }

        cluster.pause(follower);
        paused = follower;
        try (RawKafkaClient producer = new RawKafkaClient(cluster.clientPort(leader));
             RawKafkaClient forger = new RawKafkaClient(cluster.clientPort(leader))) {
            int waiting = producer.send(ApiKeys.PRODUCE, (short) 9, acksAll("must wait for the follower", 3_000));
            // The append is done once the leader's log end offset is 2; the high watermark stays at 1.
            BrokerCluster.waitFor(() -> appendedUpTo2(forger), Duration.ofSeconds(10), "the acks=all record appended on the leader");

            FetchResponseData.PartitionData forged = fetchAs(forger, follower, 1_000, -1);
            assertThat(Errors.forCode(forged.errorCode())).isEqualTo(Errors.OFFSET_OUT_OF_RANGE);
            assertThat(forged.highWatermark()).isEqualTo(1);
            assertThat(Errors.forCode(fetchAs(forger, outsider, 1, -1).errorCode())).isEqualTo(Errors.NOT_LEADER_OR_FOLLOWER);
            assertThat(Errors.forCode(fetchAs(forger, outsider, 1, leaderEpoch(leader)).errorCode())).isEqualTo(Errors.UNKNOWN_LEADER_EPOCH);
            assertThat(fetchAs(forger, -1, 0, -1).highWatermark()).as("the high watermark did not move").isEqualTo(1);

            ProduceResponseData answer = (ProduceResponseData) producer.receive(ApiKeys.PRODUCE, (short) 9, waiting, Duration.ofSeconds(30));
            assertThat(Errors.forCode(answer.responses().iterator().next().partitionResponses().get(0).errorCode()))
                    .as("acks=all answered only when the real follower has the record: here, never before the timeout")
                    .isEqualTo(Errors.REQUEST_TIMED_OUT);
            BrokerCluster.HttpResult metrics = cluster.http(leader, "/metrics");
            assertThat(metrics.body()).contains("sluice_follower_fetch_rejected_total{reason=\"offset_out_of_range\"} 1\n")
                    .contains("sluice_follower_fetch_rejected_total{reason=\"not_assigned\"} 2\n");
        }

        cluster.resume(follower);
        paused = null;
        Map<Integer, List<String>> read = cluster.readValues(TOPIC, 1, 2);
        assertThat(read.get(0)).containsExactly("replicated", "must wait for the follower");
    }

    /** The partition's leader epoch as {@code broker} says it (a live one: the follower may be paused). */
    private int leaderEpoch(int broker) throws Exception {
        try (RawKafkaClient c = new RawKafkaClient(cluster.clientPort(broker))) {
            org.apache.kafka.common.message.MetadataResponseData md = (org.apache.kafka.common.message.MetadataResponseData) c.call(
                    ApiKeys.METADATA, (short) 12, new org.apache.kafka.common.message.MetadataRequestData().setTopics(
                            List.of(new org.apache.kafka.common.message.MetadataRequestData.MetadataRequestTopic().setName(TOPIC))));
            return md.topics().find(TOPIC).partitions().get(0).leaderEpoch();
        }
    }

    private static ProduceRequestData acksAll(String value, int timeoutMs) {
        MemoryRecords records = MemoryRecords.withRecords(Compression.NONE,
                new SimpleRecord(System.currentTimeMillis(), null, value.getBytes(StandardCharsets.UTF_8)));
        ProduceRequestData req = new ProduceRequestData().setAcks((short) -1).setTimeoutMs(timeoutMs);
        ProduceRequestData.TopicProduceData td = new ProduceRequestData.TopicProduceData().setName(TOPIC);
        td.partitionData().add(new ProduceRequestData.PartitionProduceData().setIndex(0).setRecords(records));
        req.topicData().add(td);
        return req;
    }

    /** A Fetch v12 of guarded-0 as {@code replicaId} (-1: a consumer) from {@code offset}. */
    private static FetchResponseData.PartitionData fetchAs(RawKafkaClient c, int replicaId, long offset, int currentLeaderEpoch)
            throws Exception {
        FetchRequestData req = new FetchRequestData().setReplicaId(replicaId).setMaxWaitMs(0).setMinBytes(0).setMaxBytes(1 << 20);
        req.topics().add(new FetchRequestData.FetchTopic().setTopic(TOPIC).setPartitions(List.of(new FetchRequestData.FetchPartition()
                .setPartition(0).setFetchOffset(offset).setPartitionMaxBytes(1 << 20).setCurrentLeaderEpoch(currentLeaderEpoch))));
        FetchResponseData resp = (FetchResponseData) c.call(ApiKeys.FETCH, (short) 12, req);
        return resp.responses().get(0).partitions().get(0);
    }

    /**
     * True once the leader's log end offset reached 2: a consumer's fetch at offset 2 is in range from then on
     * (it returns no record, being above the high watermark), OFFSET_OUT_OF_RANGE before.
     */
    private static boolean appendedUpTo2(RawKafkaClient c) {
        try {
            return Errors.forCode(fetchAs(c, -1, 2, -1).errorCode()) == Errors.NONE;
        } catch (Exception e) {
            throw new AssertionError("fetching from the leader", e);
        }
    }
}
