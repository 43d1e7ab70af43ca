package io.sluice.brokerd.it;

import io.sluice.brokerd.Broker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Malformed and unsupported input gets Kafka's answer or a closed connection; the broker keeps serving. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class BadInputIT {
    @TempDir
    static Path dataDir;
    static Broker broker;
    static Admin admin;

    @BeforeAll
    static void start() throws Exception {
        broker = ItSupport.startBroker(dataDir, Map.of("socket.request.max.bytes", "1048576"));
        admin = ItSupport.admin(broker.bootstrapServers());
        ItSupport.createTopic(admin, "target", 1, Map.of());
    }

    @AfterAll
    static void stop() {
        admin.close();
        broker.close();
    }

    private RawClient raw() throws Exception {
        return new RawClient("127.0.0.1", broker.boundAddress().getPort());
    }

    /** After every bad input a fresh Java client still produces and consumes. */
    @AfterEach
    void freshClientStillWorks() throws Exception {
        String value = "still alive " + System.nanoTime();
        long offset;
        try (KafkaProducer<byte[], byte[]> p = ItSupport.producer(broker.bootstrapServers(), Map.of())) {
            offset = p.send(new ProducerRecord<>("target", 0, null, value.getBytes(StandardCharsets.UTF_8))).get().offset();
        }
        List<ConsumerRecord<byte[], byte[]>> got = ItSupport.readAll(broker.bootstrapServers(), new TopicPartition("target", 0), offset, 1, Duration.ofSeconds(20));
        assertThat(new String(got.get(0).value(), StandardCharsets.UTF_8)).isEqualTo(value);
    }

    @Test
    void randomBytesCloseTheConnection() throws Exception {
        byte[] junk = new byte[4096];
        new Random(1).nextBytes(junk);
        junk[0] = 0; // a plausible frame size, then garbage
        junk[1] = 0;
        junk[2] = 0x0f;
        junk[3] = (byte) 0xf0;
        try (RawClient c = raw()) {
            c.sendBytes(junk);
            assertThat(c.closedByPeer()).isTrue();
        }
    }

    @Test
    void negativeFrameLengthClosesTheConnection() throws Exception {
        try (RawClient c = raw()) {
            c.sendBytes(new byte[]{(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xf0, 1, 2, 3});
            assertThat(c.closedByPeer()).isTrue();
        }
    }

    @Test
    void hugeFrameLengthIsRefusedBeforeAllocating() throws Exception {
        try (RawClient c = raw()) {
            c.sendBytes(ByteBuffer.allocate(4).putInt(Integer.MAX_VALUE).array());
            assertThat(c.closedByPeer()).isTrue();
        }
        try (RawClient c = raw()) {
            c.sendBytes(ByteBuffer.allocate(4).putInt(1048577).array()); // one past socket.request.max.bytes
            assertThat(c.closedByPeer()).isTrue();
        }
    }

    @Test
    void truncatedHeaderClosesTheConnection() throws Exception {
        try (RawClient c = raw()) {
            c.sendBytes(new byte[]{0, 0, 0, 5, 0, 18, 0, 3, 0}); // size 5: api key, version, one byte of correlation id
            assertThat(c.closedByPeer()).isTrue();
        }
    }

    @Test
    void unsupportedApiVersionsVersionGetsTheSupportedList() throws Exception {
        try (RawClient c = raw()) {
            ApiVersionsResponseData resp = (ApiVersionsResponseData) c.call(ApiKeys.API_VERSIONS, (short) 99,
                    new ApiVersionsRequestData(), (short) 0);
            assertThat(resp.errorCode()).isEqualTo(Errors.UNSUPPORTED_VERSION.code());
            ApiVersionsResponseData.ApiVersion produce = resp.apiKeys().find(ApiKeys.PRODUCE.id);
            assertThat(produce.maxVersion()).isEqualTo((short) 13);
            ApiVersionsResponseData.ApiVersion fetch = resp.apiKeys().find(ApiKeys.FETCH.id);
            assertThat(fetch.minVersion()).isEqualTo((short) 4);
            assertThat(fetch.maxVersion()).isEqualTo((short) 18);
        }
    }

    @Test
    void supportedApiVersionsAreAdvertised() throws Exception {
        try (RawClient c = raw()) {
            ApiVersionsResponseData resp = (ApiVersionsResponseData) c.call(ApiKeys.API_VERSIONS, (short) 3,
                    new ApiVersionsRequestData().setClientSoftwareName("raw-test").setClientSoftwareVersion("1.0"));
            assertThat(resp.errorCode()).isEqualTo(Errors.NONE.code());
            assertThat(resp.apiKeys().find(ApiKeys.METADATA.id).maxVersion()).isEqualTo((short) 13);
            assertThat(resp.apiKeys().find(ApiKeys.LIST_OFFSETS.id).maxVersion()).isEqualTo((short) 11);
        }
    }

    @Test
    void anUnsupportedVersionOfAnotherApiClosesTheConnection() throws Exception {
        try (RawClient c = raw()) {
            // Metadata v13 body bytes under a version number brokerd does not implement.
            byte[] frame = RawClient.frame(ApiKeys.METADATA, (short) 13, 1, new MetadataRequestData());
            ByteBuffer.wrap(frame).putShort(6, (short) 42);
            c.sendBytes(frame);
            assertThat(c.closedByPeer()).isTrue();
        }
    }

    private static ByteBuffer batch(String value) {
        return MemoryRecords.withRecords(Compression.NONE, new SimpleRecord(value.getBytes(StandardCharsets.UTF_8))).buffer();
    }

    private static ProduceRequestData produce(ByteBuffer records) {
        ProduceRequestData req = new ProduceRequestData().setAcks((short) 1).setTimeoutMs(10_000);
        ProduceRequestData.TopicProduceData td = new ProduceRequestData.TopicProduceData().setName("target");
        td.partitionData().add(new ProduceRequestData.PartitionProduceData().setIndex(0)
                .setRecords(MemoryRecords.readableRecords(records)));
        req.topicData().add(td);
        return req;
    }

    private long latest() throws Exception {
        TopicPartition tp = new TopicPartition("target", 0);
        return admin.listOffsets(Map.of(tp, OffsetSpec.latest())).partitionResult(tp).get().offset();
    }

    @Test
    void aBatchWithAWrongCrcIsRefusedAndNothingIsAppended() throws Exception {
        long before = latest();
        ByteBuffer bad = batch("corrupted");
        bad.put(bad.limit() - 2, (byte) (bad.get(bad.limit() - 2) ^ 0x55));
        try (RawClient c = raw()) {
            ProduceResponseData resp = (ProduceResponseData) c.call(ApiKeys.PRODUCE, (short) 9, produce(bad));
            ProduceResponseData.PartitionProduceResponse pr = resp.responses().iterator().next().partitionResponses().get(0);
            assertThat(pr.errorCode()).isEqualTo(Errors.CORRUPT_MESSAGE.code());
        }
        assertThat(latest()).isEqualTo(before);
    }

    @Test
    void aRetriedIdempotentBatchIsStoredOnceAndAGapIsRefused() throws Exception {
        long before = latest();
        // Timestamped like a real client's: a producer whose batches carry none (-1) counts as last seen at the
        // epoch, and the ITs' frequent expiry check could forget it between these requests (Kafka would too).
        long nowMs = System.currentTimeMillis();
        ByteBuffer first = MemoryRecords.withIdempotentRecords(Compression.NONE, 4242L, (short) 0, 0,
                new SimpleRecord(nowMs, "once".getBytes(StandardCharsets.UTF_8))).buffer();
        try (RawClient c = raw()) {
            ProduceResponseData r1 = (ProduceResponseData) c.call(ApiKeys.PRODUCE, (short) 9, produce(first.duplicate()));
            ProduceResponseData r2 = (ProduceResponseData) c.call(ApiKeys.PRODUCE, (short) 9, produce(first.duplicate()));
            long off1 = r1.responses().iterator().next().partitionResponses().get(0).baseOffset();
            ProduceResponseData.PartitionProduceResponse p2 = r2.responses().iterator().next().partitionResponses().get(0);
            assertThat(p2.errorCode()).isEqualTo(Errors.NONE.code());
            assertThat(p2.baseOffset()).isEqualTo(off1);
            ByteBuffer gap = MemoryRecords.withIdempotentRecords(Compression.NONE, 4242L, (short) 0, 5,
                    new SimpleRecord(nowMs, "gap".getBytes(StandardCharsets.UTF_8))).buffer();
            ProduceResponseData r3 = (ProduceResponseData) c.call(ApiKeys.PRODUCE, (short) 9, produce(gap));
            assertThat(r3.responses().iterator().next().partitionResponses().get(0).errorCode())
                    .isEqualTo(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER.code());
        }
        assertThat(latest()).isEqualTo(before + 1);
    }
}
