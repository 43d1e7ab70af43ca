package io.sluice.brokerd.it;

import io.sluice.brokerd.Broker;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.CreatePartitionsRequestData;
import org.apache.kafka.common.message.CreatePartitionsResponseData;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsResponseData;
import org.apache.kafka.common.message.DeleteRecordsRequestData;
import org.apache.kafka.common.message.DeleteRecordsResponseData;
import org.apache.kafka.common.message.DescribeTopicPartitionsRequestData;
import org.apache.kafka.common.message.DescribeTopicPartitionsResponseData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the protocol fuzzer (systest's {@code ProtocolFuzzIT}) found, each as the raw request that showed it: the
 * broker must answer each one with Kafka's error and keep serving.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class FuzzFindingsIT {
    @TempDir
    static Path dataDir;
    static Broker broker;
    static Admin admin;

    @BeforeAll
    static void start() throws Exception {
        broker = ItSupport.startBroker(dataDir, Map.of());
        admin = ItSupport.admin(broker.bootstrapServers());
        ItSupport.createTopic(admin, "grown", 1, Map.of());
    }

    @AfterAll
    static void stop() {
        admin.close();
        broker.close();
    }

    private RawClient raw() throws Exception {
        return new RawClient("127.0.0.1", broker.boundAddress().getPort());
    }

    /** After each finding the broker still answers ApiVersions on a new connection. */
    @AfterEach
    void brokerStillAnswers() throws Exception {
        try (RawClient c = raw()) {
            ApiVersionsResponseData r = (ApiVersionsResponseData) c.call(ApiKeys.API_VERSIONS, (short) 3, new ApiVersionsRequestData()
                    .setClientSoftwareName("fuzz-findings").setClientSoftwareVersion("1"));
            assertThat(r.errorCode()).isEqualTo(Errors.NONE.code());
        }
    }

    /**
     * Fuzz finding: CreatePartitions v0 with a count of 2^31-1 made the controller size a list of that many
     * partitions; the broker died of OutOfMemoryError. Kafka refuses more than 10,000 new partitions per request.
     */
    @Test
    void createPartitionsWithAHugeCountIsAPolicyViolation() throws Exception {
        try (RawClient c = raw()) {
            CreatePartitionsResponseData r = (CreatePartitionsResponseData) c.call(ApiKeys.CREATE_PARTITIONS, (short) 0,
                    new CreatePartitionsRequestData().setTimeoutMs(5000).setTopics(new CreatePartitionsRequestData.CreatePartitionsTopicCollection(
                            List.of(new CreatePartitionsRequestData.CreatePartitionsTopic().setName("grown").setCount(Integer.MAX_VALUE)
                                    .setAssignments(null)).iterator())));
            CreatePartitionsResponseData.CreatePartitionsTopicResult result = r.results().get(0);
            assertThat(Errors.forCode(result.errorCode())).isEqualTo(Errors.POLICY_VIOLATION);
            assertThat(result.errorMessage()).isEqualTo("Excessively large number of partitions per request.");
        }
        assertThat(admin.describeTopics(List.of("grown")).allTopicNames().get(30, TimeUnit.SECONDS).get("grown").partitions()).hasSize(1);
    }

    /** The same bound for CreateTopics, over the request's topics together, as Kafka counts them. */
    @Test
    void createTopicsWithAHugePartitionCountIsAPolicyViolation() throws Exception {
        try (RawClient c = raw()) {
            CreateTopicsRequestData req = new CreateTopicsRequestData().setTimeoutMs(5000);
            req.topics().add(new CreateTopicsRequestData.CreatableTopic().setName("huge").setNumPartitions(Integer.MAX_VALUE).setReplicationFactor((short) 1));
            req.topics().add(new CreateTopicsRequestData.CreatableTopic().setName("small").setNumPartitions(1).setReplicationFactor((short) 1));
            CreateTopicsResponseData r = (CreateTopicsResponseData) c.call(ApiKeys.CREATE_TOPICS, (short) 7, req);
            assertThat(r.topics()).hasSize(2).allSatisfy(t -> {
                assertThat(Errors.forCode(t.errorCode())).isEqualTo(Errors.POLICY_VIOLATION);
                assertThat(t.errorMessage()).isEqualTo("Excessively large number of partitions per request.");
            });
        }
        assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).doesNotContain("huge", "small");
    }

    /**
     * Fuzz finding: Metadata v10/v11 naming a topic by an unknown id (name null) was answered UNKNOWN_TOPIC_ID with
     * a null name, which those versions cannot carry: serializing it threw, the client got UNKNOWN_SERVER_ERROR.
     * Kafka supports topic ids in Metadata requests from v12 only and answers INVALID_REQUEST before.
     */
    @Test
    void metadataV10ByTopicIdIsAnInvalidRequest() throws Exception {
        Uuid unknown = new Uuid(0x2dbe29959d80e199L, 0x7c77c14674fb4997L);
        for (short version = 10; version <= 11; version++) {
            try (RawClient c = raw()) {
                MetadataRequestData req = new MetadataRequestData().setAllowAutoTopicCreation(false);
                req.topics().add(new MetadataRequestData.MetadataRequestTopic().setName("grown"));
                req.topics().add(new MetadataRequestData.MetadataRequestTopic().setName(null).setTopicId(unknown));
                MetadataResponseData r = (MetadataResponseData) c.call(ApiKeys.METADATA, version, req);
                assertThat(r.topics()).as("v%d", version).hasSize(2).allSatisfy(
                        t -> assertThat(Errors.forCode(t.errorCode())).isEqualTo(Errors.INVALID_REQUEST));
                assertThat(r.topics()).extracting(MetadataResponseData.MetadataResponseTopic::name).containsExactlyInAnyOrder("grown", "");
            }
        }
        try (RawClient c = raw()) {
            MetadataRequestData req = new MetadataRequestData().setAllowAutoTopicCreation(false);
            req.topics().add(new MetadataRequestData.MetadataRequestTopic().setName(null).setTopicId(unknown));
            MetadataResponseData r = (MetadataResponseData) c.call(ApiKeys.METADATA, (short) 12, req);
            MetadataResponseData.MetadataResponseTopic t = r.topics().iterator().next();
            assertThat(Errors.forCode(t.errorCode())).isEqualTo(Errors.UNKNOWN_TOPIC_ID);
            assertThat(t.topicId()).isEqualTo(unknown);
        }
    }

    /**
     * Found reading what the fuzzer's DeleteRecords requests did to {@code __consumer_offsets}: any client could
     * delete the coordinator's records there, and the committed offsets were gone at the next load. Kafka refuses
     * DeleteRecords on internal topics (INVALID_TOPIC_EXCEPTION); so does brokerd now.
     */
    @Test
    void deleteRecordsOnAnInternalTopicIsRefused() throws Exception {
        try (KafkaConsumer<byte[], byte[]> c = ItSupport.consumer(broker.bootstrapServers(), Map.of("group.id", "kept"))) {
            c.commitSync(Map.of(new TopicPartition("grown", 0), new OffsetAndMetadata(0)));
        }
        TopicPartition offsets = new TopicPartition("__consumer_offsets", 0);
        long end = 0;
        for (int p = 0; p < admin.describeTopics(List.of("__consumer_offsets")).allTopicNames().get(30, TimeUnit.SECONDS)
                .get("__consumer_offsets").partitions().size(); p++) {
            TopicPartition tp = new TopicPartition("__consumer_offsets", p);
            long e = admin.listOffsets(Map.of(tp, OffsetSpec.latest())).all().get(30, TimeUnit.SECONDS).get(tp).offset();
            if (e > 0) {
                offsets = tp;
                end = e;
            }
        }
        assertThat(end).as("the commit's record").isPositive();
        try (RawClient c = raw()) {
            DeleteRecordsRequestData req = new DeleteRecordsRequestData().setTimeoutMs(5000);
            req.topics().add(new DeleteRecordsRequestData.DeleteRecordsTopic().setName("__consumer_offsets").setPartitions(List.of(
                    new DeleteRecordsRequestData.DeleteRecordsPartition().setPartitionIndex(offsets.partition()).setOffset(end))));
            DeleteRecordsResponseData r = (DeleteRecordsResponseData) c.call(ApiKeys.DELETE_RECORDS, (short) 2, req);
            DeleteRecordsResponseData.DeleteRecordsPartitionResult pr = r.topics().iterator().next().partitions().iterator().next();
            assertThat(Errors.forCode(pr.errorCode())).isEqualTo(Errors.INVALID_TOPIC_EXCEPTION);
        }
        TopicPartition tp = offsets;
        assertThat(admin.listOffsets(Map.of(tp, OffsetSpec.earliest())).all().get(30, TimeUnit.SECONDS).get(tp).offset()).isZero();
    }

    /**
     * Fuzz finding (seed -3225349014988423967, iteration 53967): DescribeTopicPartitions whose cursor names a
     * negative partition index made the handler index the partition list with it; ArrayIndexOutOfBoundsException,
     * UNKNOWN_SERVER_ERROR. Kafka refuses such a cursor as an invalid request: each topic answered INVALID_REQUEST.
     */
    @Test
    void describeTopicPartitionsWithANegativeCursorIsAnInvalidRequest() throws Exception {
        try (RawClient c = raw()) {
            DescribeTopicPartitionsRequestData req = new DescribeTopicPartitionsRequestData().setResponsePartitionLimit(2000)
                    .setCursor(new DescribeTopicPartitionsRequestData.Cursor().setTopicName("grown").setPartitionIndex(Integer.MIN_VALUE));
            req.topics().add(new DescribeTopicPartitionsRequestData.TopicRequest().setName("grown"));
            DescribeTopicPartitionsResponseData r = (DescribeTopicPartitionsResponseData) c.call(ApiKeys.DESCRIBE_TOPIC_PARTITIONS, (short) 0, req);
            assertThat(r.topics()).hasSize(1).allSatisfy(t -> {
                assertThat(t.name()).isEqualTo("grown");
                assertThat(Errors.forCode(t.errorCode())).isEqualTo(Errors.INVALID_REQUEST);
                assertThat(t.partitions()).isEmpty();
            });
        }
    }
}
