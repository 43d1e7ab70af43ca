package io.sluice.brokerd.it;

import io.sluice.brokerd.Broker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.CreateTopicsOptions;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The Apache Java client (Producer, Consumer, Admin) against one real brokerd on an ephemeral port. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ClientRoundTripIT {
    @TempDir
    static Path dataDir;
    static Broker broker;
    static Admin admin;
    static String bootstrap;

    @BeforeAll
    static void start() {
        broker = ItSupport.startBroker(dataDir, Map.of());
        bootstrap = broker.bootstrapServers();
        admin = ItSupport.admin(bootstrap);
    }

    @AfterAll
    static void stop() {
        if (admin != null) {
            admin.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    /** A produced record, to compare with what comes back. */
    record Sent(int partition, long offset, byte[] key, byte[] value, long timestamp, List<RecordHeader> headers) {
    }

    @Test
    void tenThousandKeyedRecordsWithHeadersRoundTripInOrder() throws Exception {
        String topic = "roundtrip";
        ItSupport.createTopic(admin, topic, 3, Map.of("segment.bytes", "65536"));
        Random random = new Random(42);
        List<Sent> sent = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> p = ItSupport.producer(bootstrap, Map.of(ProducerConfig.LINGER_MS_CONFIG, 5))) {
            List<Future<RecordMetadata>> futures = new ArrayList<>();
            List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
            long baseTs = System.currentTimeMillis() - 100_000;
            for (int i = 0; i < 10_000; i++) {
                byte[] key = ("key-" + (i % 97)).getBytes(StandardCharsets.UTF_8);
                byte[] value = new byte[random.nextInt(200)];
                random.nextBytes(value);
                RecordHeaders headers = new RecordHeaders();
                headers.add(new RecordHeader("h" + (i % 3), ("v" + i).getBytes(StandardCharsets.UTF_8)));
                ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(topic, null, baseTs + i, key, value, headers);
                records.add(r);
                futures.add(p.send(r));
            }
            p.flush();
            for (int i = 0; i < futures.size(); i++) {
                RecordMetadata md = futures.get(i).get();
                ProducerRecord<byte[], byte[]> r = records.get(i);
                List<RecordHeader> hs = new ArrayList<>();
                r.headers().forEach(h -> hs.add(new RecordHeader(h.key(), h.value())));
                sent.add(new Sent(md.partition(), md.offset(), r.key(), r.value(), r.timestamp(), hs));
            }
        }
        for (int partition = 0; partition < 3; partition++) {
            int part = partition;
            List<Sent> expected = sent.stream().filter(s -> s.partition() == part).sorted((a, b) -> Long.compare(a.offset(), b.offset())).toList();
            for (int i = 0; i < expected.size(); i++) {
                assertThat(expected.get(i).offset()).as("contiguous offsets in partition %d", part).isEqualTo(i);
            }
            List<ConsumerRecord<byte[], byte[]>> got = ItSupport.readAll(bootstrap, new TopicPartition(topic, part), 0,
                    expected.size(), Duration.ofSeconds(60));
            assertThat(got).hasSize(expected.size());
            for (int i = 0; i < expected.size(); i++) {
                ConsumerRecord<byte[], byte[]> c = got.get(i);
                Sent s = expected.get(i);
                assertThat(c.offset()).isEqualTo(s.offset());
                assertThat(c.key()).isEqualTo(s.key());
                assertThat(c.value()).isEqualTo(s.value());
                assertThat(c.timestamp()).isEqualTo(s.timestamp());
                List<RecordHeader> hs = new ArrayList<>();
                c.headers().forEach(h -> hs.add(new RecordHeader(h.key(), h.value())));
                assertThat(hs).isEqualTo(s.headers());
            }
        }
        assertThat(sent.stream().mapToInt(Sent::partition).distinct().count()).isGreaterThan(1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"none", "gzip", "snappy", "lz4", "zstd"})
    void everyCompressionCodecRoundTrips(String codec) throws Exception {
        String topic = "codec-" + codec;
        ItSupport.createTopic(admin, topic, 1, Map.of());
        List<byte[]> values = new ArrayList<>();
        long firstTs = System.currentTimeMillis() - 10_000;
        try (KafkaProducer<byte[], byte[]> p = ItSupport.producer(bootstrap, Map.of(
                ProducerConfig.COMPRESSION_TYPE_CONFIG, codec, ProducerConfig.LINGER_MS_CONFIG, 20))) {
            for (int i = 0; i < 500; i++) {
                byte[] v = ("value " + i + " " + "x".repeat(i % 50)).getBytes(StandardCharsets.UTF_8);
                values.add(v);
                p.send(new ProducerRecord<>(topic, 0, firstTs + i, ("k" + i).getBytes(StandardCharsets.UTF_8), v));
            }
            p.flush();
        }
        List<ConsumerRecord<byte[], byte[]>> got = ItSupport.readAll(bootstrap, new TopicPartition(topic, 0), 0, 500, Duration.ofSeconds(30));
        assertThat(got).hasSize(500);
        for (int i = 0; i < 500; i++) {
            assertThat(got.get(i).offset()).isEqualTo(i);
            assertThat(got.get(i).value()).isEqualTo(values.get(i));
        }
        // ListOffsets by timestamp has to look inside the (compressed) batch for the exact record.
        TopicPartition tp = new TopicPartition(topic, 0);
        long offset = admin.listOffsets(Map.of(tp, OffsetSpec.forTimestamp(firstTs + 123))).partitionResult(tp).get().offset();
        assertThat(offset).isEqualTo(123);
    }

    @Test
    void nullKeysNullValuesAndEmptyValues() throws Exception {
        String topic = "nulls";
        ItSupport.createTopic(admin, topic, 1, Map.of());
        try (KafkaProducer<byte[], byte[]> p = ItSupport.producer(bootstrap, Map.of())) {
            p.send(new ProducerRecord<>(topic, 0, null, "no key".getBytes(StandardCharsets.UTF_8))).get();
            p.send(new ProducerRecord<>(topic, 0, "tombstone".getBytes(StandardCharsets.UTF_8), null)).get();
            p.send(new ProducerRecord<>(topic, 0, "empty".getBytes(StandardCharsets.UTF_8), new byte[0])).get();
            p.send(new ProducerRecord<>(topic, 0, null, null)).get();
        }
        List<ConsumerRecord<byte[], byte[]>> got = ItSupport.readAll(bootstrap, new TopicPartition(topic, 0), 0, 4, Duration.ofSeconds(20));
        assertThat(got).hasSize(4);
        assertThat(got.get(0).key()).isNull();
        assertThat(new String(got.get(0).value(), StandardCharsets.UTF_8)).isEqualTo("no key");
        assertThat(got.get(1).value()).isNull();
        assertThat(got.get(2).value()).isEmpty();
        assertThat(got.get(3).key()).isNull();
        assertThat(got.get(3).value()).isNull();
    }

    @Test
    void listOffsetsEarliestLatestTimestampAndMaxTimestamp() throws Exception {
        String topic = "listoffsets";
        ItSupport.createTopic(admin, topic, 1, Map.of());
        TopicPartition tp = new TopicPartition(topic, 0);
        // Recent timestamps: older ones would be removed by retention (7 days) while the test runs.
        long t0 = System.currentTimeMillis() - 60_000;
        try (KafkaProducer<byte[], byte[]> p = ItSupport.producer(bootstrap, Map.of())) {
            for (int i = 0; i < 10; i++) {
                long ts = i == 7 ? t0 + 1_000_000 : t0 + i * 1000L; // offset 7 carries the max timestamp
                p.send(new ProducerRecord<>(topic, 0, ts, null, ("v" + i).getBytes(StandardCharsets.UTF_8))).get();
            }
        }
        assertThat(offset(tp, OffsetSpec.earliest())).isEqualTo(0);
        assertThat(offset(tp, OffsetSpec.latest())).isEqualTo(10);
        assertThat(offset(tp, OffsetSpec.forTimestamp(t0 + 3000))).isEqualTo(3);
        assertThat(offset(tp, OffsetSpec.forTimestamp(t0 + 3500))).isEqualTo(4);
        assertThat(offset(tp, OffsetSpec.forTimestamp(t0 + 2_000_000))).isEqualTo(-1);
        var max = admin.listOffsets(Map.of(tp, OffsetSpec.maxTimestamp())).partitionResult(tp).get();
        assertThat(max.offset()).isEqualTo(7);
        assertThat(max.timestamp()).isEqualTo(t0 + 1_000_000);
    }

    private long offset(TopicPartition tp, OffsetSpec spec) throws Exception {
        return admin.listOffsets(Map.of(tp, spec)).partitionResult(tp).get().offset();
    }

    @Test
    void deleteRecordsMovesTheEarliestOffset() throws Exception {
        String topic = "deleterecords";
        ItSupport.createTopic(admin, topic, 1, Map.of("segment.bytes", "1024"));
        TopicPartition tp = new TopicPartition(topic, 0);
        try (KafkaProducer<byte[], byte[]> p = ItSupport.producer(bootstrap, Map.of())) {
            for (int i = 0; i < 100; i++) {
                p.send(new ProducerRecord<>(topic, 0, null, ("record-" + i).getBytes(StandardCharsets.UTF_8))).get();
            }
        }
        long low = admin.deleteRecords(Map.of(tp, RecordsToDelete.beforeOffset(60))).lowWatermarks().get(tp).get().lowWatermark();
        assertThat(low).isEqualTo(60);
        assertThat(offset(tp, OffsetSpec.earliest())).isEqualTo(60);
        List<ConsumerRecord<byte[], byte[]>> got = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = ItSupport.consumer(bootstrap, Map.of())) {
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (got.size() < 40 && System.nanoTime() < deadline) {
                c.poll(Duration.ofMillis(200)).forEach(got::add);
            }
        }
        assertThat(got).hasSize(40);
        assertThat(got.get(0).offset()).isEqualTo(60);
        assertThat(new String(got.get(0).value(), StandardCharsets.UTF_8)).isEqualTo("record-60");
        assertThatThrownBy(() -> admin.deleteRecords(Map.of(tp, RecordsToDelete.beforeOffset(1000))).all().get())
                .hasCauseInstanceOf(org.apache.kafka.common.errors.OffsetOutOfRangeException.class);
    }

    @Test
    void configsAlterDescribeAndRejectBadValues() throws Exception {
        String topic = "configs";
        ItSupport.createTopic(admin, topic, 1, Map.of("retention.ms", "3600000"));
        ConfigResource res = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        Config cfg = admin.describeConfigs(List.of(res)).all().get().get(res);
        assertThat(cfg.get("retention.ms").value()).isEqualTo("3600000");
        assertThat(cfg.get("retention.ms").source()).isEqualTo(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG);
        assertThat(cfg.get("segment.bytes").value()).isEqualTo("1073741824");
        assertThat(cfg.get("segment.bytes").source()).isEqualTo(ConfigEntry.ConfigSource.DEFAULT_CONFIG);

        admin.incrementalAlterConfigs(Map.of(res, List.of(
                new AlterConfigOp(new ConfigEntry("max.message.bytes", "2048"), AlterConfigOp.OpType.SET),
                new AlterConfigOp(new ConfigEntry("retention.ms", ""), AlterConfigOp.OpType.DELETE)))).all().get();
        cfg = admin.describeConfigs(List.of(res)).all().get().get(res);
        assertThat(cfg.get("max.message.bytes").value()).isEqualTo("2048");
        assertThat(cfg.get("retention.ms").value()).isEqualTo("604800000");

        assertThatThrownBy(() -> admin.incrementalAlterConfigs(Map.of(res, List.of(
                new AlterConfigOp(new ConfigEntry("retention.ms", "soon"), AlterConfigOp.OpType.SET)))).all().get())
                .isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("retention.ms");
        // The refused change left the topic as it was.
        assertThat(admin.describeConfigs(List.of(res)).all().get().get(res).get("retention.ms").value()).isEqualTo("604800000");
    }

    @Test
    void createPartitionsThenProduceToTheNewOne() throws Exception {
        String topic = "grow";
        ItSupport.createTopic(admin, topic, 1, Map.of());
        admin.createPartitions(Map.of(topic, NewPartitions.increaseTo(3))).all().get();
        TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
        assertThat(d.partitions()).hasSize(3);
        try (KafkaProducer<byte[], byte[]> p = ItSupport.producer(bootstrap, Map.of())) {
            RecordMetadata md = p.send(new ProducerRecord<>(topic, 2, null, "on p2".getBytes(StandardCharsets.UTF_8))).get();
            assertThat(md.partition()).isEqualTo(2);
            assertThat(md.offset()).isEqualTo(0);
        }
        assertThatThrownBy(() -> admin.createPartitions(Map.of(topic, NewPartitions.increaseTo(2))).all().get())
                .hasCauseInstanceOf(org.apache.kafka.common.errors.InvalidPartitionsException.class);
    }

    @Test
    void createTopicsValidateOnlyAndDeleteTopics() throws Exception {
        admin.createTopics(List.of(new NewTopic("validated", 2, (short) 1)), new CreateTopicsOptions().validateOnly(true)).all().get();
        assertThat(admin.listTopics().names().get()).doesNotContain("validated");
        ItSupport.createTopic(admin, "doomed", 2, Map.of());
        assertThatThrownBy(() -> ItSupport.createTopic(admin, "doomed", 2, Map.of())).hasCauseInstanceOf(TopicExistsException.class);
        assertThatThrownBy(() -> admin.createTopics(List.of(new NewTopic("bad/name", 1, (short) 1))).all().get())
                .hasCauseInstanceOf(org.apache.kafka.common.errors.InvalidTopicException.class);
        admin.deleteTopics(List.of("doomed")).all().get();
        assertThat(admin.listTopics().names().get()).doesNotContain("doomed");
        assertThatThrownBy(() -> admin.deleteTopics(List.of("doomed")).all().get())
                .hasCauseInstanceOf(UnknownTopicOrPartitionException.class);
    }

    @Test
    void aConsumerBlockedInPollGetsARecordWithinASecond() throws Exception {
        String topic = "longpoll";
        ItSupport.createTopic(admin, topic, 1, Map.of());
        TopicPartition tp = new TopicPartition(topic, 0);
        try (KafkaConsumer<byte[], byte[]> c = ItSupport.consumer(bootstrap, Map.of("fetch.max.wait.ms", 10_000));
             KafkaProducer<byte[], byte[]> p = ItSupport.producer(bootstrap, Map.of())) {
            c.assign(List.of(tp));
            c.seekToEnd(List.of(tp));
            c.position(tp);
            c.poll(Duration.ofMillis(100)); // the consumer now sits in a 10 s long-poll fetch
            Thread producerThread = new Thread(() -> {
                try {
                    p.send(new ProducerRecord<>(topic, 0, null, "wake up".getBytes(StandardCharsets.UTF_8))).get();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            long[] ackedAtNs = new long[1];
            producerThread.start();
            producerThread.join();
            ackedAtNs[0] = System.nanoTime();
            ConsumerRecords<byte[], byte[]> got = c.poll(Duration.ofSeconds(10));
            long latencyMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - ackedAtNs[0]);
            assertThat(got.count()).isEqualTo(1);
            assertThat(latencyMs).as("append wakes the parked fetch").isLessThan(1000);
        }
    }

    @Test
    void anOversizedRecordIsRejected() throws Exception {
        String topic = "small";
        ItSupport.createTopic(admin, topic, 1, Map.of("max.message.bytes", "1024"));
        try (KafkaProducer<byte[], byte[]> p = ItSupport.producer(bootstrap, Map.of(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 1_000_000))) {
            assertThatThrownBy(() -> p.send(new ProducerRecord<>(topic, 0, null, new byte[4096])).get())
                    .hasCauseInstanceOf(RecordTooLargeException.class);
            RecordMetadata ok = p.send(new ProducerRecord<>(topic, 0, null, new byte[100])).get();
            assertThat(ok.offset()).isEqualTo(0);
        }
    }

    @Test
    void idempotentProducerWritesEachRecordOnce() throws Exception {
        String topic = "idempotent";
        ItSupport.createTopic(admin, topic, 1, Map.of());
        Map<String, Object> cfg = new HashMap<>();
        cfg.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        cfg.put(ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<byte[], byte[]> p = ItSupport.producer(bootstrap, cfg)) {
            for (int i = 0; i < 1000; i++) {
                p.send(new ProducerRecord<>(topic, 0, null, String.valueOf(i).getBytes(StandardCharsets.UTF_8)));
            }
            p.flush();
        }
        List<ConsumerRecord<byte[], byte[]>> got = ItSupport.readAll(bootstrap, new TopicPartition(topic, 0), 0, 1000, Duration.ofSeconds(20));
        assertThat(got).hasSize(1000);
        for (int i = 0; i < 1000; i++) {
            assertThat(new String(got.get(i).value(), StandardCharsets.UTF_8)).isEqualTo(String.valueOf(i));
        }
        assertThat(offset(new TopicPartition(topic, 0), OffsetSpec.latest())).isEqualTo(1000);
    }

    @Test
    void metadataAutoCreatesTopicsAndDescribeClusterNamesTheNode() throws Exception {
        try (KafkaProducer<byte[], byte[]> p = ItSupport.producer(bootstrap, Map.of())) {
            RecordMetadata md = p.send(new ProducerRecord<>("auto-created", "x".getBytes(StandardCharsets.UTF_8))).get();
            assertThat(md.offset()).isEqualTo(0);
        }
        assertThat(admin.listTopics().names().get()).contains("auto-created");
        var cluster = admin.describeCluster();
        assertThat(cluster.clusterId().get()).isEqualTo(broker.clusterId());
        assertThat(cluster.nodes().get()).extracting(n -> n.id()).containsExactly(broker.nodeId());
        assertThat(cluster.controller().get().id()).isEqualTo(broker.nodeId());
        var dirs = admin.describeLogDirs(List.of(broker.nodeId())).allDescriptions().get().get(broker.nodeId());
        assertThat(dirs).hasSize(1);
        var dir = dirs.values().iterator().next();
        assertThat(dir.replicaInfos()).containsKey(new TopicPartition("auto-created", 0));
        assertThat(dir.replicaInfos().get(new TopicPartition("auto-created", 0)).size()).isGreaterThan(0);
    }

    @Test
    void offsetForLeaderEpochAnswersFromTheEpochCache() throws Exception {
        ItSupport.createTopic(admin, "epochs", 1, Map.of());
        try (KafkaProducer<byte[], byte[]> p = ItSupport.producer(bootstrap, Map.of())) {
            for (int i = 0; i < 5; i++) {
                p.send(new ProducerRecord<>("epochs", 0, null, new byte[]{(byte) i})).get();
            }
        }
        try (RawClient c = new RawClient("127.0.0.1", broker.boundAddress().getPort())) {
            org.apache.kafka.common.message.OffsetForLeaderEpochRequestData req = new org.apache.kafka.common.message.OffsetForLeaderEpochRequestData()
                    .setReplicaId(-1);
            org.apache.kafka.common.message.OffsetForLeaderEpochRequestData.OffsetForLeaderTopic t =
                    new org.apache.kafka.common.message.OffsetForLeaderEpochRequestData.OffsetForLeaderTopic().setTopic("epochs");
            t.partitions().add(new org.apache.kafka.common.message.OffsetForLeaderEpochRequestData.OffsetForLeaderPartition()
                    .setPartition(0).setCurrentLeaderEpoch(0).setLeaderEpoch(0));
            req.topics().add(t);
            org.apache.kafka.common.message.OffsetForLeaderEpochResponseData resp = (org.apache.kafka.common.message.OffsetForLeaderEpochResponseData)
                    c.call(ApiKeys.OFFSET_FOR_LEADER_EPOCH, (short) 4, req);
            org.apache.kafka.common.message.OffsetForLeaderEpochResponseData.EpochEndOffset r = resp.topics().iterator().next().partitions().get(0);
            assertThat(r.errorCode()).isZero();
            assertThat(r.leaderEpoch()).isZero();
            assertThat(r.endOffset()).as("the current epoch ends at the log end offset").isEqualTo(5);
            // A newer current epoch than the broker knows is UNKNOWN_LEADER_EPOCH.
            t.partitions().get(0).setCurrentLeaderEpoch(7);
            resp = (org.apache.kafka.common.message.OffsetForLeaderEpochResponseData) c.call(ApiKeys.OFFSET_FOR_LEADER_EPOCH, (short) 4, req);
            assertThat(resp.topics().iterator().next().partitions().get(0).errorCode()).isEqualTo(Errors.UNKNOWN_LEADER_EPOCH.code());
        }
    }
}
