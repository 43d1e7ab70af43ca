package io.sluice.brokerd.it;

import io.sluice.brokerd.Broker;
import io.sluice.brokerd.log.AppendResult;
import io.sluice.brokerd.log.PartitionLog;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.ControlRecordType;
import org.apache.kafka.common.record.EndTransactionMarker;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The read side of transactions with the Apache Java consumer: READ_COMMITTED stops at the last stable offset and
 * skips aborted transactions (from the aborted_transactions the broker sends), READ_UNCOMMITTED sees both, ListOffsets
 * honours the isolation level. Until the transaction coordinator exists, the test writes the transactional batches
 * and markers into the broker's log in-process, as the coordinator's WriteTxnMarkers will; clients cannot, which the
 * raw requests here check.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TransactionalReadIT {
    @TempDir
    static Path dataDir;
    static Broker broker;
    static Admin admin;

    @BeforeAll
    static void start() throws Exception {
        broker = ItSupport.startBroker(dataDir, Map.of());
        admin = ItSupport.admin(broker.bootstrapServers());
        ItSupport.createTopic(admin, "txn", 1, Map.of());
        ItSupport.createTopic(admin, "raw", 1, Map.of());
        ItSupport.createTopic(admin, "producers", 1, Map.of());
    }

    @AfterAll
    static void stop() {
        admin.close();
        broker.close();
    }

    private static PartitionLog log(String topic) throws InterruptedException {
        io.sluice.brokerd.common.TopicPartition tp = new io.sluice.brokerd.common.TopicPartition(topic, 0);
        ItSupport.waitFor(() -> broker.localLog(tp).isPresent(), Duration.ofSeconds(20), "the log of " + topic);
        return broker.localLog(tp).orElseThrow();
    }

    private static ByteBuffer txnBatch(long pid, int seq, String... values) {
        SimpleRecord[] rs = new SimpleRecord[values.length];
        for (int i = 0; i < values.length; i++) {
            rs[i] = new SimpleRecord(System.currentTimeMillis(), null, values[i].getBytes(StandardCharsets.UTF_8));
        }
        return MemoryRecords.withTransactionalRecords(Compression.NONE, pid, (short) 0, seq, rs).buffer();
    }

    private static void append(PartitionLog pl, ByteBuffer batch) {
        assertThat(pl.appendAsLeader(batch, pl.latestEpoch(), System.currentTimeMillis())).isInstanceOf(AppendResult.Appended.class);
    }

    private static void marker(PartitionLog pl, long pid, boolean commit) {
        assertThat(pl.appendMarker(pid, (short) 0, 0, commit, pl.latestEpoch(), System.currentTimeMillis()))
                .isInstanceOf(AppendResult.Appended.class);
    }

    private static long latest(String topic, IsolationLevel isolation) throws Exception {
        TopicPartition tp = new TopicPartition(topic, 0);
        return admin.listOffsets(Map.of(tp, OffsetSpec.latest()), new ListOffsetsOptions(isolation)).partitionResult(tp).get().offset();
    }

    /** Reads partition 0 of {@code topic} from 0 until the consumer's position reaches {@code end}; the values. */
    private static List<String> readUpTo(String topic, IsolationLevel isolation, long end) {
        TopicPartition tp = new TopicPartition(topic, 0);
        List<String> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = ItSupport.consumer(broker.bootstrapServers(),
                Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation.toString()))) {
            c.assign(List.of(tp));
            c.seek(tp, 0);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (c.position(tp) < end) {
                assertThat(System.nanoTime()).as("reading %s up to %d (at %d)", topic, end, c.position(tp)).isLessThan(deadline);
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    out.add(new String(r.value(), StandardCharsets.UTF_8));
                }
            }
        }
        return out;
    }

    @Test
    void readCommittedConsumersSeeCommittedTransactionsOnlyAndWaitAtTheLastStableOffset() throws Exception {
        PartitionLog pl = log("txn");
        append(pl, MemoryRecords.withRecords(Compression.NONE, new SimpleRecord("p0".getBytes(StandardCharsets.UTF_8))).buffer());
        append(pl, txnBatch(1000, 0, "c0", "c1"));   // 1-2, committed later
        append(pl, txnBatch(1001, 0, "a0"));         // 3, aborted later
        append(pl, txnBatch(1000, 2, "c2"));         // 4
        long end = pl.logEndOffset();

        assertThat(latest("txn", IsolationLevel.READ_COMMITTED)).as("the LSO: producer 1000's transaction is open").isEqualTo(1);
        assertThat(latest("txn", IsolationLevel.READ_UNCOMMITTED)).isEqualTo(end);
        assertThat(readUpTo("txn", IsolationLevel.READ_COMMITTED, 1)).containsExactly("p0");
        assertThat(readUpTo("txn", IsolationLevel.READ_UNCOMMITTED, end)).containsExactly("p0", "c0", "c1", "a0", "c2");

        marker(pl, 1001, false);
        assertThat(latest("txn", IsolationLevel.READ_COMMITTED)).as("1000 still holds it").isEqualTo(1);
        marker(pl, 1000, true);
        append(pl, MemoryRecords.withRecords(Compression.NONE, new SimpleRecord("p1".getBytes(StandardCharsets.UTF_8))).buffer());
        end = pl.logEndOffset();
        assertThat(latest("txn", IsolationLevel.READ_COMMITTED)).isEqualTo(end);

        assertThat(readUpTo("txn", IsolationLevel.READ_COMMITTED, end)).containsExactly("p0", "c0", "c1", "c2", "p1");
        assertThat(readUpTo("txn", IsolationLevel.READ_UNCOMMITTED, end)).containsExactly("p0", "c0", "c1", "a0", "c2", "p1");
    }

    private static ProduceResponseData.PartitionProduceResponse produceRaw(String transactionalId, ByteBuffer batch) throws Exception {
        ProduceRequestData req = new ProduceRequestData().setAcks((short) 1).setTimeoutMs(10_000).setTransactionalId(transactionalId);
        ProduceRequestData.TopicProduceData td = new ProduceRequestData.TopicProduceData().setName("raw");
        td.partitionData().add(new ProduceRequestData.PartitionProduceData().setIndex(0).setRecords(MemoryRecords.readableRecords(batch)));
        req.topicData().add(td);
        try (RawClient c = new RawClient("127.0.0.1", broker.boundAddress().getPort())) {
            ProduceResponseData resp = (ProduceResponseData) c.call(ApiKeys.PRODUCE, (short) 9, req);
            return resp.responses().iterator().next().partitionResponses().get(0);
        }
    }

    @Test
    void clientsCannotWriteMarkersNorTransactionalBatchesWithoutATransactionalId() throws Exception {
        PartitionLog pl = log("raw");
        long end = pl.logEndOffset();
        ProduceResponseData.PartitionProduceResponse noId = produceRaw(null, txnBatch(77, 0, "x"));
        assertThat(Errors.forCode(noId.errorCode())).as(noId.errorMessage()).isEqualTo(Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
        ByteBuffer forged = MemoryRecords.withEndTransactionMarker(77, (short) 0, new EndTransactionMarker(ControlRecordType.COMMIT, 0)).buffer();
        ProduceResponseData.PartitionProduceResponse control = produceRaw(null, forged);
        assertThat(Errors.forCode(control.errorCode())).as("markers are transactional batches too")
                .isEqualTo(Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
        long now = System.currentTimeMillis();
        ByteBuffer bareControl = io.sluice.brokerd.log.CraftedBatch.batch()
                .records(io.sluice.brokerd.log.CraftedBatch.record(0, 0, "k", "v")).count(1).timestamps(now, now)
                .attributes(0x20).build();
        ProduceResponseData.PartitionProduceResponse bare = produceRaw(null, bareControl);
        assertThat(Errors.forCode(bare.errorCode())).as(bare.errorMessage()).isEqualTo(Errors.INVALID_RECORD);
        assertThat(bare.errorMessage()).contains("control");
        ProduceResponseData.PartitionProduceResponse withId = produceRaw("tx-1", txnBatch(77, 0, "x"));
        assertThat(Errors.forCode(withId.errorCode())).as("KIP-890: no coordinator confirms producer 77's transaction includes "
                + "the partition").isEqualTo(Errors.INVALID_TXN_STATE);
        assertThat(pl.logEndOffset()).isEqualTo(end);
        assertThat(pl.lastStableOffset()).isEqualTo(end);
    }

    @Test
    void describeProducersShowsEachProducerAndItsOpenTransaction() throws Exception {
        PartitionLog pl = log("producers");
        try (org.apache.kafka.clients.producer.KafkaProducer<byte[], byte[]> idempotent = ItSupport.producer(broker.bootstrapServers(),
                Map.of(org.apache.kafka.clients.producer.ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true))) {
            idempotent.send(new org.apache.kafka.clients.producer.ProducerRecord<>("producers", 0, null, "i0".getBytes(StandardCharsets.UTF_8))).get();
            idempotent.send(new org.apache.kafka.clients.producer.ProducerRecord<>("producers", 0, null, "i1".getBytes(StandardCharsets.UTF_8))).get();
        }
        long txnStart = pl.logEndOffset();
        append(pl, txnBatch(2000, 0, "t0", "t1"));
        append(pl, txnBatch(2001, 0, "u0"));
        marker(pl, 2001, true);

        TopicPartition tp = new TopicPartition("producers", 0);
        List<org.apache.kafka.clients.admin.ProducerState> producers = admin.describeProducers(List.of(tp))
                .partitionResult(tp).get().activeProducers();
        assertThat(producers).hasSize(3);
        org.apache.kafka.clients.admin.ProducerState open = producers.stream().filter(p -> p.producerId() == 2000).findFirst().orElseThrow();
        assertThat(open.currentTransactionStartOffset()).hasValue(txnStart);
        assertThat(open.lastSequence()).isEqualTo(1);
        assertThat(open.coordinatorEpoch()).isEmpty();
        org.apache.kafka.clients.admin.ProducerState done = producers.stream().filter(p -> p.producerId() == 2001).findFirst().orElseThrow();
        assertThat(done.currentTransactionStartOffset()).isEmpty();
        assertThat(done.coordinatorEpoch()).hasValue(0);
        org.apache.kafka.clients.admin.ProducerState plain = producers.stream()
                .filter(p -> p.producerId() != 2000 && p.producerId() != 2001).findFirst().orElseThrow();
        assertThat(plain.lastSequence()).isEqualTo(1);
        assertThat(plain.lastTimestamp()).isPositive();

        org.apache.kafka.common.message.DescribeProducersRequestData req = new org.apache.kafka.common.message.DescribeProducersRequestData();
        req.topics().add(new org.apache.kafka.common.message.DescribeProducersRequestData.TopicRequest().setName("producers")
                .setPartitionIndexes(List.of(0, 7, -1)));
        req.topics().add(new org.apache.kafka.common.message.DescribeProducersRequestData.TopicRequest().setName("no-such-topic")
                .setPartitionIndexes(List.of(0)));
        try (RawClient c = new RawClient("127.0.0.1", broker.boundAddress().getPort())) {
            org.apache.kafka.common.message.DescribeProducersResponseData resp =
                    (org.apache.kafka.common.message.DescribeProducersResponseData) c.call(ApiKeys.DESCRIBE_PRODUCERS, (short) 0, req);
            List<Errors> errors = new ArrayList<>();
            resp.topics().forEach(t -> t.partitions().forEach(p -> errors.add(Errors.forCode(p.errorCode()))));
            assertThat(errors).containsExactly(Errors.NONE, Errors.UNKNOWN_TOPIC_OR_PARTITION, Errors.UNKNOWN_TOPIC_OR_PARTITION,
                    Errors.UNKNOWN_TOPIC_OR_PARTITION);
        }
    }
}
