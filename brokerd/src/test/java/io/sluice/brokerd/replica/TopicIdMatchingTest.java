package io.sluice.brokerd.replica;

import io.sluice.brokerd.common.TopicPartition;
import io.sluice.brokerd.log.AppendResult;
import io.sluice.brokerd.log.LogConfig;
import io.sluice.brokerd.log.LogManager;
import io.sluice.brokerd.log.PartitionLog;
import io.sluice.brokerd.log.PartitionMetadataFile;
import io.sluice.brokerd.log.RecordBatchBuilder;
import io.sluice.brokerd.metadata.MetadataImage;
import io.sluice.brokerd.metadata.MetadataWriter;
import io.sluice.brokerd.metadata.PartitionState;
import io.sluice.brokerd.metadata.TopicInfo;
import io.sluice.brokerd.metadata.TopicRegistry;
import org.apache.kafka.common.Uuid;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Start-up reconciliation matches partition directories to the committed metadata by the topic ID in
 * {@code partition.metadata}, not by name: the log of a deleted topic is never adopted by a topic re-created under
 * its name, while a directory written before topic IDs adopts the ID of the topic that now owns its name.
 */
@Timeout(20)
class TopicIdMatchingTest {
    private static final TopicPartition TP = new TopicPartition("t", 0);
    @TempDir
    Path dir;
    private LogManager logs;

    @AfterEach
    void close() {
        if (logs != null) {
            logs.close();
        }
    }

    private ReplicaManager replicasOver(TopicInfo topic) {
        MetadataImage image = new MetadataImage("c", new TreeMap<>(), new TreeMap<>(Map.of(topic.name(), topic)), 0);
        MetadataWriter writer = (MetadataWriter) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[]{MetadataWriter.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("image")) {
                        return image;
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
        logs = LogManager.open(dir, t -> LogConfig.defaults(), Clock.systemUTC());
        return new ReplicaManager(logs, new TopicRegistry(writer, Map.of()), 1,
                new ReplicaManager.ReplicationConfig(30_000, 500, 1 << 20, "PLAINTEXT"));
    }

    private static TopicInfo topic(UUID id) {
        return new TopicInfo(TP.topic(), id, (short) 1, Map.of(), List.of(new PartitionState(0, List.of(1), List.of(1), 1, 0, 0)));
    }

    /** Writes a log of {@code TP} with three records, recording {@code id} (none when null), and closes it. */
    private void oldLog(UUID id) {
        try (LogManager old = LogManager.open(dir, t -> LogConfig.defaults(), Clock.systemUTC())) {
            PartitionLog log = old.getOrCreate(TP, LogConfig.defaults(), id);
            List<RecordBatchBuilder.Entry> entries = List.of(entry("old-0"), entry("old-1"), entry("old-2"));
            assertThat(log.appendAsLeader(RecordBatchBuilder.build(entries, 1_000), 0, 1_000)).isInstanceOf(AppendResult.Appended.class);
        }
    }

    private static RecordBatchBuilder.Entry entry(String value) {
        return new RecordBatchBuilder.Entry(null, value.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aNewLogRecordsItsTopicIdInKafkasFormat() throws IOException {
        UUID id = UUID.randomUUID();
        oldLog(id);
        String kafkaForm = new Uuid(id.getMostSignificantBits(), id.getLeastSignificantBits()).toString();
        assertThat(Files.readString(dir.resolve("t-0").resolve(PartitionMetadataFile.FILE_NAME)))
                .isEqualTo("version: 0\ntopic_id: " + kafkaForm);
        assertThat(dir.resolve("t-0")).isDirectoryNotContaining("glob:**.tmp");
    }

    @Test
    void theLogOfADeletedTopicIsRemovedNotAdoptedByATopicReCreatedUnderItsName() throws IOException {
        UUID deleted = UUID.randomUUID();
        oldLog(deleted);
        UUID recreated = UUID.randomUUID();

        ReplicaManager replicas = replicasOver(topic(recreated));
        assertThat(logs.get(TP)).get().extracting(PartitionLog::logEndOffset).isEqualTo(3L);
        replicas.reconcile();

        assertThat(logs.get(TP)).get().extracting(PartitionLog::logEndOffset).as("the new topic's log starts empty").isEqualTo(0L);
        assertThat(logs.topicId(TP)).contains(recreated);
        assertThat(Files.readString(dir.resolve("t-0").resolve(PartitionMetadataFile.FILE_NAME)))
                .endsWith(PartitionMetadataFile.toKafkaString(recreated));
        assertThat(deleteDirs()).as("the old log, renamed for deletion after the delay").hasSize(1)
                .allMatch(n -> n.matches("t-0\\.[0-9a-f]{32}-delete"));
        logs.maintain(Long.MAX_VALUE);
        assertThat(deleteDirs()).as("removed once the delete delay passed").isEmpty();
    }

    @Test
    void aLogWithoutATopicIdAdoptsTheIdOfTheTopicThatOwnsItsName() throws IOException {
        oldLog(null);
        assertThat(dir.resolve("t-0").resolve(PartitionMetadataFile.FILE_NAME)).doesNotExist();
        UUID id = UUID.randomUUID();

        replicasOver(topic(id)).reconcile();

        assertThat(logs.get(TP)).get().extracting(PartitionLog::logEndOffset).as("the records are kept").isEqualTo(3L);
        assertThat(logs.topicId(TP)).contains(id);
        assertThat(Files.readString(dir.resolve("t-0").resolve(PartitionMetadataFile.FILE_NAME)))
                .isEqualTo("version: 0\ntopic_id: " + PartitionMetadataFile.toKafkaString(id));
        assertThat(deleteDirs()).isEmpty();
    }

    @Test
    void anUnreadablePartitionMetadataTakesTheDirectoryOfflineInsteadOfGuessing() throws IOException {
        oldLog(UUID.randomUUID());
        Files.writeString(dir.resolve("t-0").resolve(PartitionMetadataFile.FILE_NAME), "version: 7\ntopic_id: x");

        replicasOver(topic(UUID.randomUUID()));

        assertThat(logs.health().isOffline()).isTrue();
        assertThat(logs.health().cause()).contains("partition.metadata");
        assertThat(dir.resolve("t-0").resolve("00000000000000000000.log")).exists();
    }

    private List<String> deleteDirs() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith("-delete")).toList();
        }
    }
}
