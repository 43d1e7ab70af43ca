package io.sluice.brokerd.it;

import io.sluice.brokerd.Broker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.message.ListTransactionsRequestData;
import org.apache.kafka.common.message.ListTransactionsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Transactions end to end with the Apache Java client's transactional producer against one broker: the
 * coordinator (FindCoordinator TRANSACTION, InitProducerId, AddPartitionsToTxn, EndTxn) and its markers
 * (WriteTxnMarkers to the leader) make committed records visible to READ_COMMITTED consumers and aborted ones
 * never; the last stable offset holds those readers while a transaction is open; a second producer with the same
 * transactional.id fences the first; a transaction open past its timeout is aborted by the coordinator.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class TransactionsIT {
    @TempDir
    static Path dataDir;
    static Broker broker;
    static Admin admin;

    @BeforeAll
    static void start() throws Exception {
        broker = ItSupport.startBroker(dataDir, Map.of("transaction.state.log.num.partitions", "3",
                "transaction.abort.timed.out.transaction.cleanup.interval.ms", "200"));
        admin = ItSupport.admin(broker.bootstrapServers());
        for (String t : List.of("commit", "lso", "fence", "timeout", "badtimeout")) {
            ItSupport.createTopic(admin, t, 2, Map.of());
        }
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

    static KafkaProducer<byte[], byte[]> txnProducer(String transactionalId, Map<String, Object> extra) {
        Map<String, Object> p = new HashMap<>(Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId,
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000));
        p.putAll(extra);
        return ItSupport.producer(broker.bootstrapServers(), p);
    }

    static ProducerRecord<byte[], byte[]> record(String topic, int partition, String value) {
        return new ProducerRecord<>(topic, partition, null, value.getBytes(StandardCharsets.UTF_8));
    }

    /** Every value of the topic's partitions up to their end for {@code isolation}, read without a group. */
    static List<String> readToEnd(String topic, IsolationLevel isolation) throws Exception {
        List<TopicPartition> tps = List.of(new TopicPartition(topic, 0), new TopicPartition(topic, 1));
        Map<TopicPartition, Long> ends = new HashMap<>();
        for (TopicPartition tp : tps) {
            ends.put(tp, admin.listOffsets(Map.of(tp, OffsetSpec.latest()), new ListOffsetsOptions(isolation)).all().get().get(tp).offset());
        }
        List<String> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = ItSupport.consumer(broker.bootstrapServers(),
                Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation.toString()))) {
            c.assign(tps);
            c.seekToBeginning(tps);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (tps.stream().anyMatch(tp -> c.position(tp) < ends.get(tp)) && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    out.add(new String(r.value(), StandardCharsets.UTF_8));
                }
            }
            assertThat(tps).as("read to the end").allMatch(tp -> c.position(tp) >= ends.get(tp));
        }
        return out;
    }

    @Test
    void committedRecordsAreVisibleAndAbortedOnesOnlyToReadUncommitted() throws Exception {
        try (KafkaProducer<byte[], byte[]> p = txnProducer("commit-abort", Map.of())) {
            p.initTransactions();
            p.beginTransaction();
            p.send(record("commit", 0, "c1"));
            p.send(record("commit", 1, "c2"));
            p.commitTransaction();
            p.beginTransaction();
            p.send(record("commit", 0, "a1"));
            p.send(record("commit", 1, "a2"));
            p.flush();
            p.abortTransaction();
            p.beginTransaction();
            p.send(record("commit", 0, "c3"));
            p.commitTransaction();
        }
        assertThat(readToEnd("commit", IsolationLevel.READ_COMMITTED)).containsExactlyInAnyOrder("c1", "c2", "c3");
        assertThat(readToEnd("commit", IsolationLevel.READ_UNCOMMITTED)).containsExactlyInAnyOrder("c1", "c2", "a1", "a2", "c3");
    }

    @Test
    void theLastStableOffsetHoldsReadCommittedReadersWhileATransactionIsOpen() throws Exception {
        TopicPartition tp = new TopicPartition("lso", 0);
        try (KafkaProducer<byte[], byte[]> p = txnProducer("lso-holder", Map.of())) {
            p.initTransactions();
            p.beginTransaction();
            p.send(record("lso", 0, "open")).get();
            long committedEnd = admin.listOffsets(Map.of(tp, OffsetSpec.latest()), new ListOffsetsOptions(IsolationLevel.READ_COMMITTED))
                    .all().get().get(tp).offset();
            long uncommittedEnd = admin.listOffsets(Map.of(tp, OffsetSpec.latest()), new ListOffsetsOptions(IsolationLevel.READ_UNCOMMITTED))
                    .all().get().get(tp).offset();
            assertThat(committedEnd).as("the LSO stays at the open transaction's first offset").isZero();
            assertThat(uncommittedEnd).isEqualTo(1);
            try (KafkaConsumer<byte[], byte[]> c = ItSupport.consumer(broker.bootstrapServers(),
                    Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"))) {
                c.assign(List.of(tp));
                c.seekToBeginning(List.of(tp));
                assertThat(c.poll(Duration.ofSeconds(1))).as("nothing past the LSO").isEmpty();
                p.commitTransaction();
                List<String> seen = new ArrayList<>();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (seen.isEmpty() && System.nanoTime() < deadline) {
                    c.poll(Duration.ofMillis(200)).forEach(r -> seen.add(new String(r.value(), StandardCharsets.UTF_8)));
                }
                assertThat(seen).containsExactly("open");
            }
        }
    }

    @Test
    void aSecondProducerWithTheSameTransactionalIdFencesTheFirstAndAbortsItsTransaction() throws Exception {
        try (KafkaProducer<byte[], byte[]> zombie = txnProducer("fenced-id", Map.of());
             KafkaProducer<byte[], byte[]> successor = txnProducer("fenced-id", Map.of())) {
            zombie.initTransactions();
            zombie.beginTransaction();
            zombie.send(record("fence", 0, "zombie")).get();
            successor.initTransactions();
            successor.beginTransaction();
            successor.send(record("fence", 0, "successor"));
            successor.commitTransaction();
            // Its open transaction was aborted when the successor initialised: its commit is refused as fenced.
            assertThatThrownBy(zombie::commitTransaction).isInstanceOf(ProducerFencedException.class);
        }
        try (KafkaProducer<byte[], byte[]> zombie = txnProducer("fenced-late", Map.of());
             KafkaProducer<byte[], byte[]> successor = txnProducer("fenced-late", Map.of())) {
            zombie.initTransactions();
            successor.initTransactions();
            zombie.beginTransaction();
            // Its write needs the partition added to its transaction first, which the coordinator refuses.
            assertThatThrownBy(() -> zombie.send(record("fence", 1, "zombie-late")).get())
                    .hasCauseInstanceOf(ProducerFencedException.class);
        }
        assertThat(readToEnd("fence", IsolationLevel.READ_COMMITTED)).containsExactly("successor");
    }

    @Test
    void aTransactionOpenPastItsTimeoutIsAbortedByTheCoordinator() throws Exception {
        try (KafkaProducer<byte[], byte[]> p = txnProducer("times-out", Map.of(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 1_000))) {
            p.initTransactions();
            p.beginTransaction();
            p.send(record("timeout", 0, "expired")).get();
            TopicPartition tp = new TopicPartition("timeout", 0);
            ItSupport.waitFor(() -> {
                try {
                    return admin.listOffsets(Map.of(tp, OffsetSpec.latest()), new ListOffsetsOptions(IsolationLevel.READ_COMMITTED))
                            .all().get().get(tp).offset() == 2; // the record and the ABORT marker
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, Duration.ofSeconds(30), "the coordinator aborts the expired transaction");
            assertThatThrownBy(p::commitTransaction).isInstanceOf(KafkaException.class);
        }
        assertThat(readToEnd("timeout", IsolationLevel.READ_COMMITTED)).isEmpty();
        assertThat(readToEnd("timeout", IsolationLevel.READ_UNCOMMITTED)).containsExactly("expired");
    }

    @Test
    void adminDescribesAndListsTransactionsWithFilters() throws Exception {
        try (KafkaProducer<byte[], byte[]> p = txnProducer("described", Map.of())) {
            p.initTransactions();
            p.beginTransaction();
            p.send(record("commit", 1, "open-while-described")).get();
            org.apache.kafka.clients.admin.TransactionDescription d = admin.describeTransactions(List.of("described"))
                    .description("described").get();
            assertThat(d.state()).isEqualTo(org.apache.kafka.clients.admin.TransactionState.ONGOING);
            assertThat(d.topicPartitions()).containsExactly(new TopicPartition("commit", 1));
            assertThat(d.transactionStartTimeMs()).isPresent();
            assertThat(d.coordinatorId()).isEqualTo(broker.nodeId());
            assertThat(admin.listTransactions(new org.apache.kafka.clients.admin.ListTransactionsOptions()
                    .filterStates(List.of(org.apache.kafka.clients.admin.TransactionState.ONGOING))).all().get())
                    .anySatisfy(l -> assertThat(l.transactionalId()).isEqualTo("described"))
                    .allSatisfy(l -> assertThat(l.state()).isEqualTo(org.apache.kafka.clients.admin.TransactionState.ONGOING));
            assertThat(admin.listTransactions(new org.apache.kafka.clients.admin.ListTransactionsOptions()
                    .filterProducerIds(java.util.Set.of(d.producerId()))).all().get())
                    .singleElement().satisfies(l -> assertThat(l.transactionalId()).isEqualTo("described"));
            p.abortTransaction();
        }
        assertThatThrownBy(() -> admin.describeTransactions(List.of("never-used")).description("never-used").get())
                .hasCauseInstanceOf(org.apache.kafka.common.errors.TransactionalIdNotFoundException.class);
    }

    /**
     * ListTransactions' id pattern comes from the client and java.util.regex backtracks: a pattern that would hold a
     * handler thread for seconds (14 s on this machine unbounded) is refused like an invalid one, and the broker
     * keeps answering; an ordinary pattern still filters.
     */
    @Test
    void aBacktrackingTransactionalIdPatternIsRefusedAndTheBrokerKeepsAnswering() throws Exception {
        String id = "a".repeat(30) + "b".repeat(30);
        try (KafkaProducer<byte[], byte[]> p = txnProducer(id, Map.of())) {
            p.initTransactions();
        }
        try (RawClient c = new RawClient("127.0.0.1", broker.boundAddress().getPort())) {
            long t0 = System.nanoTime();
            ListTransactionsResponseData evil = (ListTransactionsResponseData) c.call(ApiKeys.LIST_TRANSACTIONS, (short) 2,
                    new ListTransactionsRequestData().setTransactionalIdPattern("(.*a){12}"));
            assertThat(Errors.forCode(evil.errorCode())).isEqualTo(Errors.INVALID_REGULAR_EXPRESSION);
            assertThat(evil.transactionStates()).isEmpty();
            assertThat(System.nanoTime() - t0).as("answered without running the pattern to the end").isLessThan(TimeUnit.SECONDS.toNanos(10));
            ListTransactionsResponseData plain = (ListTransactionsResponseData) c.call(ApiKeys.LIST_TRANSACTIONS, (short) 2,
                    new ListTransactionsRequestData().setTransactionalIdPattern("a+b+"));
            assertThat(Errors.forCode(plain.errorCode())).isEqualTo(Errors.NONE);
            assertThat(plain.transactionStates()).extracting(ListTransactionsResponseData.TransactionState::transactionalId).containsExactly(id);
        }
    }

    @Test
    void aTransactionTimeoutAboveTheBrokersMaximumIsRefused() {
        try (KafkaProducer<byte[], byte[]> p = txnProducer("too-long", Map.of(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 900_001))) {
            // The Java client reports it as an unexpected InitProducerId error, with Kafka's message for the code.
            assertThatThrownBy(p::initTransactions).isInstanceOf(KafkaException.class)
                    .hasMessageContaining("transaction.max.timeout.ms");
        }
    }
}
