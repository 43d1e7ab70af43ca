package io.sluice.brokerd.it;

import io.sluice.brokerd.Broker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
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
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Incremental fetch sessions (KIP-227) as raw Fetch requests see them, hostile ones included, and as the Java
 * consumer uses them on 2,000 partitions: after the first full fetch its requests name only what changed.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class FetchSessionsIT {
    private static final short V = 16;
    private static final String TOPIC = "sessions";
    @TempDir
    static Path dataDir;
    static Broker broker;
    static Admin admin;
    static Uuid topicId;

    @BeforeAll
    static void start() throws Exception {
        broker = ItSupport.startBroker(dataDir, Map.of("max.incremental.fetch.session.cache.slots", "3"));
        admin = ItSupport.admin(broker.bootstrapServers());
        ItSupport.createTopic(admin, TOPIC, 3, Map.of());
        topicId = admin.describeTopics(List.of(TOPIC)).allTopicNames().get(30, TimeUnit.SECONDS).get(TOPIC).topicId();
        produce(TOPIC, 0, "a");
    }

    @AfterAll
    static void stop() {
        admin.close();
        broker.close();
    }

    private static void produce(String topic, int partition, String value) throws Exception {
        try (KafkaProducer<byte[], byte[]> p = ItSupport.producer(broker.bootstrapServers(), Map.of())) {
            p.send(new ProducerRecord<>(topic, partition, null, value.getBytes())).get(30, TimeUnit.SECONDS);
        }
    }

    private static RawClient raw() throws Exception {
        return new RawClient("127.0.0.1", broker.boundAddress().getPort());
    }

    /** A fetch of {@code partitions} from their log end offsets (so that only records produced later are news). */
    private static FetchRequestData fetch(int sessionId, int epoch, int... partitions) throws Exception {
        FetchRequestData.FetchTopic t = new FetchRequestData.FetchTopic().setTopicId(topicId);
        Map<TopicPartition, org.apache.kafka.clients.admin.OffsetSpec> specs = new java.util.HashMap<>();
        for (int p : partitions) {
            specs.put(new TopicPartition(TOPIC, p), org.apache.kafka.clients.admin.OffsetSpec.latest());
        }
        var ends = specs.isEmpty() ? Map.<TopicPartition, org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo>of()
                : admin.listOffsets(specs).all().get(30, TimeUnit.SECONDS);
        for (int p : partitions) {
            t.partitions().add(new FetchRequestData.FetchPartition().setPartition(p)
                    .setFetchOffset(ends.get(new TopicPartition(TOPIC, p)).offset()).setPartitionMaxBytes(1 << 20));
        }
        return new FetchRequestData().setMaxWaitMs(0).setMinBytes(1).setMaxBytes(1 << 20).setSessionId(sessionId)
                .setSessionEpoch(epoch).setTopics(partitions.length == 0 ? new ArrayList<>() : new ArrayList<>(List.of(t)));
    }

    private static FetchResponseData call(RawClient c, FetchRequestData req) throws Exception {
        return (FetchResponseData) c.call(ApiKeys.FETCH, V, req);
    }

    private static List<Integer> partitionsIn(FetchResponseData r) {
        return r.responses().stream().flatMap(t -> t.partitions().stream()).map(FetchResponseData.PartitionData::partitionIndex).toList();
    }

    @Test
    void aSessionAnswersOnlyPartitionsWithNewsAndRefusesWrongEpochsAndUnknownIds() throws Exception {
        try (RawClient c = raw()) {
            FetchResponseData full = call(c, fetch(0, 0, 0, 1, 2));
            assertThat(full.errorCode()).isZero();
            assertThat(full.sessionId()).isPositive();
            assertThat(partitionsIn(full)).containsExactly(0, 1, 2);
            int id = full.sessionId();

            FetchResponseData quiet = call(c, fetch(id, 1));
            assertThat(quiet.errorCode()).isZero();
            assertThat(quiet.sessionId()).isEqualTo(id);
            assertThat(partitionsIn(quiet)).as("nothing changed").isEmpty();

            produce(TOPIC, 1, "b");
            FetchResponseData news = call(c, fetch(id, 2));
            assertThat(partitionsIn(news)).as("only the partition with a new record").containsExactly(1);
            assertThat(news.responses().get(0).partitions().get(0).records().sizeInBytes()).isPositive();

            assertThat(call(c, fetch(id, 2)).errorCode()).as("an epoch used already").isEqualTo(Errors.INVALID_FETCH_SESSION_EPOCH.code());
            assertThat(call(c, fetch(id, 77)).errorCode()).as("an epoch from the future").isEqualTo(Errors.INVALID_FETCH_SESSION_EPOCH.code());
            assertThat(call(c, fetch(id, -7)).errorCode()).isEqualTo(Errors.INVALID_FETCH_SESSION_EPOCH.code());
            assertThat(call(c, fetch(id == Integer.MAX_VALUE ? 1 : id + 1, 3)).errorCode()).as("an id never issued")
                    .isEqualTo(Errors.FETCH_SESSION_ID_NOT_FOUND.code());
            assertThat(call(c, fetch(0, 3)).errorCode()).isEqualTo(Errors.FETCH_SESSION_ID_NOT_FOUND.code());
            FetchRequestData asFollower = fetch(id, 3);
            asFollower.replicaState().setReplicaId(1).setReplicaEpoch(-1);
            assertThat(call(c, asFollower).errorCode()).as("a consumer's session named by a follower")
                    .isEqualTo(Errors.FETCH_SESSION_ID_NOT_FOUND.code());
            FetchResponseData v12 = (FetchResponseData) c.call(ApiKeys.FETCH, (short) 12, fetch(id, 3).setTopics(new ArrayList<>()));
            assertThat(v12.errorCode()).as("a topic-ID session continued by name").isEqualTo(Errors.FETCH_SESSION_TOPIC_ID_ERROR.code());

            // The refusals above moved nothing: epoch 3 still goes on.
            assertThat(call(c, fetch(id, 3)).errorCode()).isZero();

            // Closing (epoch -1) answers sessionless; the id is gone.
            FetchResponseData closed = call(c, fetch(id, -1, 2));
            assertThat(closed.sessionId()).isZero();
            assertThat(call(c, fetch(id, 4)).errorCode()).isEqualTo(Errors.FETCH_SESSION_ID_NOT_FOUND.code());
        }
    }

    @Test
    void aHugeForgottenListOnlyRemovesWhatTheSessionHolds() throws Exception {
        try (RawClient c = raw()) {
            int id = call(c, fetch(0, 0, 0, 1, 2)).sessionId();
            FetchRequestData forget = fetch(id, 1);
            List<Integer> many = IntStream.range(0, 200_000).boxed().toList();
            forget.forgottenTopicsData().add(new FetchRequestData.ForgottenTopic().setTopicId(Uuid.randomUuid()).setPartitions(new ArrayList<>(many)));
            forget.forgottenTopicsData().add(new FetchRequestData.ForgottenTopic().setTopicId(topicId).setPartitions(new ArrayList<>(List.of(0, 5, -1, 9999))));
            FetchResponseData r = call(c, forget);
            assertThat(r.errorCode()).isZero();
            assertThat(r.sessionId()).isEqualTo(id);

            produce(TOPIC, 0, "c");
            produce(TOPIC, 2, "d");
            assertThat(partitionsIn(call(c, fetch(id, 2)))).as("partition 0 was forgotten").containsExactly(2);

            FetchRequestData all = fetch(id, 3);
            all.forgottenTopicsData().add(new FetchRequestData.ForgottenTopic().setTopicId(topicId).setPartitions(new ArrayList<>(List.of(1, 2))));
            FetchResponseData emptied = call(c, all);
            assertThat(emptied.errorCode()).isZero();
            assertThat(emptied.sessionId()).as("a session left empty is closed").isZero();
            assertThat(call(c, fetch(id, 4)).errorCode()).isEqualTo(Errors.FETCH_SESSION_ID_NOT_FOUND.code());
        }
    }

    @Test
    void theCacheHoldsAtMostItsSlotsAndThenAnswersSessionless() throws Exception {
        List<RawClient> clients = new ArrayList<>();
        List<Integer> ids = new ArrayList<>();
        try {
            for (int i = 0; i < 5; i++) {
                RawClient c = raw();
                clients.add(c);
                ids.add(call(c, fetch(0, 0, 0, 1, 2)).sessionId());
            }
            assertThat(ids.stream().filter(id -> id != 0).count()).as("sessions granted with 3 slots").isLessThanOrEqualTo(3);
            assertThat(ids.subList(ids.size() - 2, ids.size())).as("young sessions of the same size are not evicted").containsOnly(0);
            assertThat(ItSupport.metric(broker, "sluice_fetch_sessions")).isLessThanOrEqualTo(3.0);
            // A sessionless client still gets its data.
            assertThat(partitionsIn(call(clients.get(4), fetch(0, -1, 0, 1, 2)))).containsExactly(0, 1, 2);
        } finally {
            // Give the slots back to the other tests: close every session this test holds.
            for (int i = 0; i < clients.size(); i++) {
                if (i < ids.size() && ids.get(i) != 0) {
                    call(clients.get(i), fetch(ids.get(i), -1));
                }
                clients.get(i).close();
            }
        }
    }

    @Test
    void aJavaConsumerOnTwoThousandPartitionsSendsIncrementalFetches() throws Exception {
        // Four topics of 500: one CreateTopics of 2,000 takes longer than the controller's 30 s on this loaded machine.
        long createStartNs = System.nanoTime();
        List<String> topics = List.of("wide-0", "wide-1", "wide-2", "wide-3");
        for (String topic : topics) {
            admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic(topic, 500, (short) 1)),
                    new org.apache.kafka.clients.admin.CreateTopicsOptions().timeoutMs(120_000)).all().get(150, TimeUnit.SECONDS);
        }
        System.out.printf("FetchSessionsIT: 2,000 partitions created in %d ms%n", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - createStartNs));
        double fullBefore = ItSupport.metric(broker, "sluice_fetch_request_partitions_total{kind=\"full\"}");
        double incBefore = ItSupport.metric(broker, "sluice_fetch_requests_total{kind=\"incremental\"}");
        double incPartsBefore = ItSupport.metric(broker, "sluice_fetch_request_partitions_total{kind=\"incremental\"}");
        try (KafkaProducer<byte[], byte[]> p = ItSupport.producer(broker.bootstrapServers(), Map.of())) {
            for (int i = 0; i < 2_000; i += 10) {
                p.send(new ProducerRecord<>(topics.get(i / 500), i % 500, null, ("r" + i).getBytes()));
            }
            p.flush();
        }
        List<TopicPartition> all = IntStream.range(0, 2_000).mapToObj(i -> new TopicPartition(topics.get(i / 500), i % 500)).toList();
        int read = 0;
        try (KafkaConsumer<byte[], byte[]> c = ItSupport.consumer(broker.bootstrapServers(), Map.of("fetch.max.wait.ms", "100"))) {
            c.assign(all);
            c.seekToBeginning(all);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (read < 200 && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    read++;
                }
            }
            // A few idle rounds: with a session each names no partition at all.
            for (int i = 0; i < 10; i++) {
                c.poll(Duration.ofMillis(150));
            }
        }
        assertThat(read).isEqualTo(200);
        double incremental = ItSupport.metric(broker, "sluice_fetch_requests_total{kind=\"incremental\"}") - incBefore;
        double incrementalParts = ItSupport.metric(broker, "sluice_fetch_request_partitions_total{kind=\"incremental\"}") - incPartsBefore;
        assertThat(ItSupport.metric(broker, "sluice_fetch_request_partitions_total{kind=\"full\"}") - fullBefore)
                .as("the first fetch names every partition").isGreaterThanOrEqualTo(2_000);
        assertThat(incremental).as("incremental fetches").isGreaterThanOrEqualTo(5);
        assertThat(incrementalParts / incremental).as("partitions named per incremental fetch").isLessThan(200);
    }
}
