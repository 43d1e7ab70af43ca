package io.sluice.brokerd.it;

import io.sluice.brokerd.Broker;
import io.sluice.brokerd.log.CraftedBatch;
import io.sluice.brokerd.metrics.PrometheusText;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidTimestampException;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;

import static io.sluice.brokerd.log.CraftedBatch.batch;
import static io.sluice.brokerd.log.CraftedBatch.record;
import static io.sluice.brokerd.log.CraftedBatch.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The reproductions, as raw requests a real client would never send: batches with a valid CRC that lie
 * about their records, compression bombs, out-of-range timestamps, Produce to an internal topic, and Fetch with a
 * replica id outside the assignment. Each is refused with Kafka's error code, the log end offset does not move, and
 * a consumer reading the partition afterwards gets exactly the good records around it.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class RecordValidationIT {
    @TempDir
    static Path dataDir;
    static Broker broker;
    static Admin admin;

    @BeforeAll
    static void start() throws Exception {
        broker = ItSupport.startBroker(dataDir, Map.of());
        admin = ItSupport.admin(broker.bootstrapServers());
        ItSupport.createTopic(admin, "lies", 1, Map.of());
        ItSupport.createTopic(admin, "keyed", 1, Map.of("cleanup.policy", "compact"));
        ItSupport.createTopic(admin, "recent", 1, Map.of("message.timestamp.before.max.ms", "3600000"));
    }

    @AfterAll
    static void stop() {
        admin.close();
        broker.close();
    }

    private static RawClient raw() throws Exception {
        return new RawClient("127.0.0.1", broker.boundAddress().getPort());
    }

    private static long latest(String topic, int partition) throws Exception {
        TopicPartition tp = new TopicPartition(topic, partition);
        return admin.listOffsets(Map.of(tp, OffsetSpec.latest())).partitionResult(tp).get().offset();
    }

    /** Sends one Produce (v9: with record errors) of {@code batches} to partition 0 of {@code topic}. */
    private static ProduceResponseData.PartitionProduceResponse produceRaw(String topic, ByteBuffer... batches) throws Exception {
        int size = 0;
        for (ByteBuffer b : batches) {
            size += b.remaining();
        }
        ByteBuffer all = ByteBuffer.allocate(size);
        for (ByteBuffer b : batches) {
            all.put(b.duplicate());
        }
        ProduceRequestData req = new ProduceRequestData().setAcks((short) 1).setTimeoutMs(10_000);
        ProduceRequestData.TopicProduceData td = new ProduceRequestData.TopicProduceData().setName(topic);
        td.partitionData().add(new ProduceRequestData.PartitionProduceData().setIndex(0)
                .setRecords(MemoryRecords.readableRecords(all.flip())));
        req.topicData().add(td);
        try (RawClient c = raw()) {
            ProduceResponseData resp = (ProduceResponseData) c.call(ApiKeys.PRODUCE, (short) 9, req);
            return resp.responses().iterator().next().partitionResponses().get(0);
        }
    }

    /** A good record through the Java producer; its offset. */
    private static long produceGood(String topic, String key, String value) throws Exception {
        try (KafkaProducer<byte[], byte[]> p = ItSupport.producer(broker.bootstrapServers(), Map.of())) {
            return p.send(new ProducerRecord<>(topic, 0, utf8(key), utf8(value))).get().offset();
        }
    }

    /**
     * Sends {@code batches} between two good records and checks the refusal: {@code expected} with a message, the log
     * end offset unmoved, and a consumer from the first good record reads exactly the two good records.
     */
    private static ProduceResponseData.PartitionProduceResponse assertRefused(String topic, Errors expected, ByteBuffer... batches)
            throws Exception {
        String marker = Long.toString(System.nanoTime());
        long first = produceGood(topic, "k", "before-" + marker);
        ProduceResponseData.PartitionProduceResponse pr = produceRaw(topic, batches);
        assertThat(Errors.forCode(pr.errorCode())).as("%s", pr.errorMessage()).isEqualTo(expected);
        assertThat(pr.errorMessage()).isNotBlank();
        assertThat(pr.baseOffset()).isEqualTo(-1);
        assertThat(latest(topic, 0)).as("the log end offset did not move").isEqualTo(first + 1);
        long second = produceGood(topic, "k", "after-" + marker);
        assertThat(second).isEqualTo(first + 1);
        List<ConsumerRecord<byte[], byte[]>> read = ItSupport.readAll(broker.bootstrapServers(), new TopicPartition(topic, 0), first,
                2, Duration.ofSeconds(20));
        assertThat(read).extracting(r -> new String(r.value(), StandardCharsets.UTF_8)).containsExactly("before-" + marker, "after-" + marker);
        assertThat(read).extracting(ConsumerRecord::offset).containsExactly(first, second);
        return pr;
    }

    private static long now() {
        return System.currentTimeMillis();
    }

    private static Map<String, Double> metrics() throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + broker.metricsAddress().getPort() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
        return PrometheusText.parse(r.body());
    }

    @Test
    void aBatchClaimingTwoBillionRecordsIsRefused() throws Exception {
        ByteBuffer lying = batch().records(record(0, 0, null, "one")).count(2_000_000_000).timestamps(now(), now()).build();
        ProduceResponseData.PartitionProduceResponse pr = assertRefused("lies", Errors.INVALID_RECORD, lying);
        assertThat(pr.errorMessage()).contains("declares 2000000000 records");
        assertThat(metrics().get("sluice_produce_rejected_total{topic=\"lies\",reason=\"record_count\"}")).isGreaterThanOrEqualTo(1.0);
    }

    @Test
    void garbageRecordBytesUnderAValidCrcAreRefused() throws Exception {
        byte[] garbage = new byte[200];
        new java.util.Random(42).nextBytes(garbage);
        assertRefused("lies", Errors.INVALID_RECORD, batch().section(CraftedBatch.NONE, garbage).count(3).timestamps(now(), now()).build());
    }

    @Test
    void aNegativeKeyLengthIsRefusedNamingTheRecord() throws Exception {
        byte[] negative = new CraftedBatch.Bytes().raw(0).varint(0).varint(1).varint(-7).field(utf8("v")).varint(0).toByteArray();
        ByteBuffer lying = batch().records(record(0, 0, "k", "fine"), record(negative)).timestamps(now(), now()).build();
        ProduceResponseData.PartitionProduceResponse pr = assertRefused("lies", Errors.INVALID_RECORD, lying);
        assertThat(pr.recordErrors()).extracting(ProduceResponseData.BatchIndexAndErrorMessage::batchIndex).containsExactly(1);
        assertThat(pr.recordErrors().get(0).batchIndexErrorMessage()).contains("key length -7 is negative");
    }

    @Test
    void aHeaderCountOfFiveOverOneHeaderIsRefused() throws Exception {
        byte[] lying = new CraftedBatch.Bytes().raw(0).varint(0).varint(0).field(utf8("k")).field(utf8("v"))
                .varint(5).field(utf8("h")).field(utf8("x")).toByteArray();
        ProduceResponseData.PartitionProduceResponse pr = assertRefused("lies", Errors.INVALID_RECORD,
                batch().records(record(lying)).timestamps(now(), now()).build());
        assertThat(pr.errorMessage()).contains("5 headers");
    }

    @Test
    void outOfOrderOffsetDeltasAreRefused() throws Exception {
        ByteBuffer swapped = batch().records(record(0, 1, "k", "a"), record(0, 0, "k", "b")).timestamps(now(), now()).build();
        assertRefused("lies", Errors.INVALID_RECORD, swapped);
    }

    @Test
    void aGoodBatchSharingARequestWithABadOneIsNotAppendedEither() throws Exception {
        ByteBuffer good = batch().records(record(0, 0, "k", "would be lost in the middle")).timestamps(now(), now()).build();
        ByteBuffer bad = batch().records(record(0, 0, "k", "x")).count(3).timestamps(now(), now()).build();
        assertRefused("lies", Errors.INVALID_RECORD, good, bad);
    }

    @Test
    void zstdAndGzipCompressionBombsAreRefusedWithoutInflatingThem() throws Exception {
        // One well-formed record whose value is zeros: 1 GiB (zstd) and 512 MiB (gzip; 1 GiB would not fit a 1 MiB
        // max.message.bytes), both far past the default message.decompressed.max.bytes of 128 MiB.
        ByteBuffer zstd = batch().section(CraftedBatch.ZSTD, CraftedBatch.compress(CraftedBatch.ZSTD, out -> zeroValueRecord(out, 1L << 30)))
                .count(1).timestamps(now(), now()).build();
        java.io.ByteArrayOutputStream gz = new java.io.ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz, 1 << 16)) {
            zeroValueRecord(out, 512L << 20);
        }
        ByteBuffer gzip = batch().section(CraftedBatch.GZIP, gz.toByteArray()).count(1).timestamps(now(), now()).build();
        assertThat(zstd.remaining() + gzip.remaining()).as("small batches: zstd %d, gzip %d bytes", zstd.remaining(), gzip.remaining()).isLessThan(1 << 20);
        ProduceResponseData.PartitionProduceResponse z = assertRefused("lies", Errors.MESSAGE_TOO_LARGE, zstd);
        assertThat(z.errorMessage()).contains("message.decompressed.max.bytes");
        assertRefused("lies", Errors.MESSAGE_TOO_LARGE, gzip);
        assertThat(metrics().get("sluice_produce_rejected_total{topic=\"lies\",reason=\"decompressed_too_large\"}")).isEqualTo(2.0);
    }

    private static void zeroValueRecord(OutputStream out, long valueBytes) throws java.io.IOException {
        byte[] fields = new CraftedBatch.Bytes().raw(0).varint(0).varint(0).varint(-1).varint(valueBytes).toByteArray();
        out.write(new CraftedBatch.Bytes().varint(fields.length + valueBytes + 1).bytes(fields).toByteArray());
        byte[] zeros = new byte[1 << 20];
        for (long n = 0; n < valueBytes; n += zeros.length) {
            out.write(zeros);
        }
        out.write(0); // no headers
    }

    @Test
    void aRecordWithoutAKeyIsRefusedOnACompactedTopic() throws Exception {
        ByteBuffer noKey = batch().records(record(0, 0, "k", "keyed"), record(0, 1, null, "no key")).timestamps(now(), now()).build();
        ProduceResponseData.PartitionProduceResponse pr = assertRefused("keyed", Errors.INVALID_RECORD, noKey);
        assertThat(pr.recordErrors()).extracting(ProduceResponseData.BatchIndexAndErrorMessage::batchIndex).containsExactly(1);
        assertThat(pr.recordErrors().get(0).batchIndexErrorMessage()).contains("Compacted topic cannot accept message without key");
    }

    @Test
    void timestampsInYear2500AndFarInThePastAreRefused() throws Exception {
        long year2500 = 16_725_225_600_000L;
        long base = now(); // once: the record's timestamp is base + delta, and must be exactly year2500
        ProduceResponseData.PartitionProduceResponse future = assertRefused("lies", Errors.INVALID_TIMESTAMP,
                batch().records(record(0, 0, "k", "now"), record(year2500 - base, 1, "k", "2500")).timestamps(base, year2500).build());
        assertThat(future.recordErrors()).extracting(ProduceResponseData.BatchIndexAndErrorMessage::batchIndex).containsExactly(1);
        assertThat(future.recordErrors().get(0).batchIndexErrorMessage()).contains("Timestamp " + year2500);
        // "recent" allows one hour back (message.timestamp.before.max.ms).
        long dayAgo = now() - TimeUnit.DAYS.toMillis(1);
        assertRefused("recent", Errors.INVALID_TIMESTAMP, batch().records(record(0, 0, "k", "old")).timestamps(dayAgo, dayAgo).build());
        // The Java producer reports it as the exception Kafka's would.
        try (KafkaProducer<byte[], byte[]> p = ItSupport.producer(broker.bootstrapServers(), Map.of())) {
            assertThatThrownBy(() -> p.send(new ProducerRecord<>("lies", 0, year2500, utf8("k"), utf8("v"))).get())
                    .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(InvalidTimestampException.class);
        }
    }

    @Test
    void clientsCannotProduceToConsumerOffsetsButGroupCommitsStillLand() throws Exception {
        try (RawClient c = raw()) {
            c.call(ApiKeys.FIND_COORDINATOR, (short) 3, new FindCoordinatorRequestData().setKey("committer")); // creates it
        }
        ItSupport.waitFor(() -> {
            try {
                return admin.listTopics(new org.apache.kafka.clients.admin.ListTopicsOptions().listInternal(true)).names().get()
                        .contains("__consumer_offsets");
            } catch (Exception e) {
                return false;
            }
        }, Duration.ofSeconds(20), "__consumer_offsets to exist");
        long before = latest("__consumer_offsets", 0);
        ProduceResponseData.PartitionProduceResponse pr = produceRaw("__consumer_offsets",
                batch().records(record(0, 0, "x", "y")).timestamps(now(), now()).build());
        assertThat(Errors.forCode(pr.errorCode())).isEqualTo(Errors.INVALID_TOPIC_EXCEPTION);
        assertThat(pr.errorMessage()).isEqualTo("Cannot append to internal topic __consumer_offsets");
        assertThat(latest("__consumer_offsets", 0)).isEqualTo(before);
        assertThat(admin.describeTopics(Set.of("__consumer_offsets")).allTopicNames().get().get("__consumer_offsets").isInternal()).isTrue();
        assertThat(metrics().get("sluice_produce_rejected_total{topic=\"__consumer_offsets\",reason=\"internal_topic\"}")).isEqualTo(1.0);
        // The coordinator's own writes go on.
        produceGood("lies", "k", "to commit");
        try (KafkaConsumer<byte[], byte[]> consumer = ItSupport.consumer(broker.bootstrapServers(), Map.of("group.id", "committer"))) {
            TopicPartition tp = new TopicPartition("lies", 0);
            consumer.commitSync(Map.of(tp, new OffsetAndMetadata(1)));
            assertThat(consumer.committed(Set.of(tp)).get(tp).offset()).isEqualTo(1);
        }
    }

    @Test
    void aFetchWithAReplicaIdOutsideTheAssignmentIsRefusedAsKafkaDoes() throws Exception {
        long end = latest("lies", 0);
        try (RawClient c = raw()) {
            MetadataResponseData md = (MetadataResponseData) c.call(ApiKeys.METADATA, (short) 12, new MetadataRequestData()
                    .setTopics(List.of(new MetadataRequestData.MetadataRequestTopic().setName("lies"))));
            int epoch = md.topics().find("lies").partitions().get(0).leaderEpoch();
            assertThat(epoch).isGreaterThanOrEqualTo(0);
            // No leader epoch in the request: NOT_LEADER_OR_FOLLOWER; with the current one: UNKNOWN_LEADER_EPOCH.
            assertThat(followerFetch(c, 7, end, -1)).isEqualTo(Errors.NOT_LEADER_OR_FOLLOWER);
            assertThat(followerFetch(c, 7, end, epoch)).isEqualTo(Errors.UNKNOWN_LEADER_EPOCH);
            // Nor may the leader's own id fetch as a follower.
            assertThat(followerFetch(c, broker.nodeId(), end, epoch)).isEqualTo(Errors.UNKNOWN_LEADER_EPOCH);
        }
        assertThat(latest("lies", 0)).isEqualTo(end);
        assertThat(metrics().get("sluice_follower_fetch_rejected_total{reason=\"not_assigned\"}")).isGreaterThanOrEqualTo(3.0);
    }

    /** A Fetch v12 of lies-0 as replica {@code replicaId} at {@code offset}; the partition's error. */
    static Errors followerFetch(RawClient c, int replicaId, long offset, int currentLeaderEpoch) throws Exception {
        FetchRequestData req = new FetchRequestData().setReplicaId(replicaId).setMaxWaitMs(0).setMinBytes(0).setMaxBytes(1 << 20);
        req.topics().add(new FetchRequestData.FetchTopic().setTopic("lies").setPartitions(List.of(new FetchRequestData.FetchPartition()
                .setPartition(0).setFetchOffset(offset).setPartitionMaxBytes(1 << 20).setCurrentLeaderEpoch(currentLeaderEpoch))));
        FetchResponseData resp = (FetchResponseData) c.call(ApiKeys.FETCH, (short) 12, req);
        return Errors.forCode(resp.responses().get(0).partitions().get(0).errorCode());
    }
}
