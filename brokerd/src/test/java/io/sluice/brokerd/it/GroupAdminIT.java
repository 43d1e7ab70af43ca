package io.sluice.brokerd.it;

import io.sluice.brokerd.Broker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.ConsumerGroupListing;
import org.apache.kafka.clients.admin.ListConsumerGroupsOptions;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.GroupNotEmptyException;
import org.apache.kafka.common.errors.GroupSubscribedToTopicException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The Admin client's group operations and lag, and librdkafka consumers in the same group as Java ones. */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class GroupAdminIT {
    @TempDir
    static Path dataDir;
    static Broker broker;
    static Admin admin;

    @BeforeAll
    static void start() {
        broker = ItSupport.startBroker(dataDir, Map.of("group.initial.rebalance.delay.ms", "0", "offsets.topic.num.partitions", "3"));
        admin = ItSupport.admin(broker.bootstrapServers());
    }

    @AfterAll
    static void stop() {
        admin.close();
        broker.close();
    }

    private static void produce(String topic, int partitions, int perPartition) throws Exception {
        try (KafkaProducer<byte[], byte[]> p = ItSupport.producer(broker.bootstrapServers(), Map.of())) {
            for (int part = 0; part < partitions; part++) {
                for (int i = 0; i < perPartition; i++) {
                    p.send(new ProducerRecord<>(topic, part, null, ("v" + i).getBytes(StandardCharsets.UTF_8)));
                }
            }
            p.flush();
        }
    }

    @Test
    void listDescribeOffsetsLagAlterAndDelete() throws Exception {
        ItSupport.createTopic(admin, "admin-topic", 2, Map.of());
        produce("admin-topic", 2, 30);
        TopicPartition p0 = new TopicPartition("admin-topic", 0);
        TopicPartition p1 = new TopicPartition("admin-topic", 1);
        try (KafkaConsumer<byte[], byte[]> c = ItSupport.consumer(broker.bootstrapServers(),
                Map.of("group.id", "admins", "client.id", "admin-test-client"))) {
            c.subscribe(List.of("admin-topic"));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (c.assignment().size() < 2 && System.nanoTime() < deadline) {
                c.poll(Duration.ofMillis(100));
            }
            c.commitSync(Map.of(p0, new OffsetAndMetadata(10), p1, new OffsetAndMetadata(25)));

            ConsumerGroupDescription d = admin.describeConsumerGroups(List.of("admins")).describedGroups().get("admins").get();
            assertThat(d.groupState()).isEqualTo(GroupState.STABLE);
            assertThat(d.members()).hasSize(1);
            MemberDescription m = d.members().iterator().next();
            assertThat(m.clientId()).isEqualTo("admin-test-client");
            assertThat(m.host()).isEqualTo("/127.0.0.1");
            assertThat(m.assignment().topicPartitions()).containsExactlyInAnyOrder(p0, p1);
            assertThat(admin.listConsumerGroups(new ListConsumerGroupsOptions().inGroupStates(Set.of(GroupState.STABLE))).all().get())
                    .extracting(ConsumerGroupListing::groupId).contains("admins");
            assertThatThrownBy(() -> admin.deleteConsumerGroups(List.of("admins")).all().get())
                    .hasCauseInstanceOf(GroupNotEmptyException.class);
            assertThatThrownBy(() -> admin.deleteConsumerGroupOffsets("admins", Set.of(p0)).all().get())
                    .hasCauseInstanceOf(GroupSubscribedToTopicException.class);
        }
        // Lag = end offset - committed offset, exactly what was produced and committed.
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets("admins").partitionsToOffsetAndMetadata().get();
        Map<TopicPartition, Long> end = new HashMap<>();
        admin.listOffsets(Map.of(p0, OffsetSpec.latest(), p1, OffsetSpec.latest())).all().get().forEach((tp, r) -> end.put(tp, r.offset()));
        assertThat(end.get(p0) - committed.get(p0).offset()).isEqualTo(20);
        assertThat(end.get(p1) - committed.get(p1).offset()).isEqualTo(5);
        assertThat(admin.listConsumerGroups(new ListConsumerGroupsOptions().inGroupStates(Set.of(GroupState.EMPTY))).all().get())
                .extracting(ConsumerGroupListing::groupId).contains("admins");

        admin.alterConsumerGroupOffsets("admins", Map.of(p0, new OffsetAndMetadata(3))).all().get();
        assertThat(admin.listConsumerGroupOffsets("admins").partitionsToOffsetAndMetadata().get().get(p0).offset()).isEqualTo(3);
        admin.deleteConsumerGroupOffsets("admins", Set.of(p1)).all().get();
        assertThat(admin.listConsumerGroupOffsets("admins").partitionsToOffsetAndMetadata().get()).containsOnlyKeys(p0);
        // The altered offset is where the group's next member starts.
        try (KafkaConsumer<byte[], byte[]> c = ItSupport.consumer(broker.bootstrapServers(), Map.of("group.id", "admins"))) {
            c.assign(List.of(p0));
            ConsumerRecord<byte[], byte[]> first = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (first == null && System.nanoTime() < deadline) {
                var rs = c.poll(Duration.ofMillis(200));
                if (!rs.isEmpty()) {
                    first = rs.iterator().next();
                }
            }
            assertThat(first).isNotNull();
            assertThat(first.offset()).isEqualTo(3);
        }
        admin.deleteConsumerGroups(List.of("admins")).all().get();
        assertThat(admin.listConsumerGroups().all().get()).extracting(ConsumerGroupListing::groupId).doesNotContain("admins");
        assertThatThrownBy(() -> admin.deleteConsumerGroups(List.of("admins")).all().get())
                .hasCauseInstanceOf(GroupIdNotFoundException.class);
    }

    @Test
    void librdkafkaAndJavaConsumersShareOneGroup() throws Exception {
        Path python = Path.of("/usr/bin/python3");
        boolean present = Files.isExecutable(python)
                && new ProcessBuilder(python.toString(), "-c", "import confluent_kafka").start().waitFor() == 0;
        if ("true".equals(System.getenv("CI"))) {
            assertThat(present).as("python3-confluent-kafka must be installed in CI").isTrue();
        }
        assumeTrue(present, "python3-confluent-kafka is not installed");
        ItSupport.createTopic(admin, "mixed", 6, Map.of());
        produce("mixed", 6, 10);
        Path out = dataDir.resolve("python-member.out");
        Process py = new ProcessBuilder(python.toString(), Path.of("src/test/python/group_member.py").toAbsolutePath().toString(),
                broker.bootstrapServers(), "mixed-group", "mixed", "60").redirectErrorStream(true).redirectOutput(out.toFile()).start();
        try (KafkaConsumer<byte[], byte[]> java = ItSupport.consumer(broker.bootstrapServers(),
                Map.of("group.id", "mixed-group", "partition.assignment.strategy", "org.apache.kafka.clients.consumer.RangeAssignor"))) {
            ItSupport.waitFor(() -> read(out).contains("assigned 6"), Duration.ofSeconds(60), "the python member to get all six partitions");
            java.subscribe(List.of("mixed"));
            ItSupport.waitFor(() -> {
                java.poll(Duration.ofMillis(100));
                return java.assignment().size() == 3 && read(out).contains("assigned 3");
            }, Duration.ofSeconds(60), "the Java and python members to get three partitions each");
            ConsumerGroupDescription d = admin.describeConsumerGroups(List.of("mixed-group")).describedGroups().get("mixed-group").get();
            assertThat(d.members()).extracting(MemberDescription::clientId).hasSize(2).contains("python-member")
                    .anySatisfy(id -> assertThat(id).startsWith("consumer-mixed-group-"));
        } finally {
            py.destroy();
            py.waitFor(20, TimeUnit.SECONDS);
        }
    }

    private static String read(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p) : "";
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
