package io.sluice.brokerd.controller;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Carries a data dir written by brokerd 0.1 (before the controller quorum) into the quorum, so its topics and their
 * logs survive the upgrade: each topic in {@code <data.dir>/topics.json} is created with its id, partition count and
 * configs, and producer ids reserved in {@code producer-id-block} are skipped. The files are then renamed to
 * {@code *.imported}; a crash before the rename repeats the import, and topics that already exist are left alone.
 */
public final class LegacyMetadataImport {
    private static final Logger log = LoggerFactory.getLogger(LegacyMetadataImport.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One topic as 0.1 stored it. */
    public record StoredTopic(String name, String topicId, int partitions, short replicationFactor, Map<String, String> configs) {
    }

    private LegacyMetadataImport() {
    }

    public static void run(Path dataDir, QuorumController quorum, long timeoutMs) {
        Path topicsFile = dataDir.resolve("topics.json");
        Path producerIds = dataDir.resolve("producer-id-block");
        try {
            if (Files.exists(topicsFile)) {
                List<StoredTopic> topics = JSON.readValue(topicsFile.toFile(), new TypeReference<List<StoredTopic>>() { });
                for (StoredTopic t : topics) {
                    if (quorum.image().topic(t.name()).isPresent()) {
                        continue;
                    }
                    CommandResult r = quorum.submit(new MetadataCommand.CreateTopic(t.name(), UUID.fromString(t.topicId()),
                            t.partitions(), (short) 1, t.configs() == null ? Map.of() : t.configs()), timeoutMs);
                    if (!r.isOk()) {
                        throw new IllegalStateException("importing topic " + t.name() + " from " + topicsFile + ": " + r.message());
                    }
                    log.info("Imported topic {} ({} partitions) from {}", t.name(), t.partitions(), topicsFile);
                }
                Files.move(topicsFile, topicsFile.resolveSibling("topics.json.imported"), StandardCopyOption.ATOMIC_MOVE);
            }
            if (Files.exists(producerIds)) {
                long reservedEnd = Long.parseLong(Files.readString(producerIds, StandardCharsets.UTF_8).trim());
                long next = quorum.image().nextProducerId();
                if (reservedEnd > next) {
                    CommandResult r = quorum.submit(new MetadataCommand.AllocateProducerIds(-1, (int) Math.min(Integer.MAX_VALUE,
                            reservedEnd - next)), timeoutMs);
                    if (!r.isOk()) {
                        throw new IllegalStateException("skipping producer ids below " + reservedEnd + ": " + r.message());
                    }
                }
                Files.move(producerIds, producerIds.resolveSibling("producer-id-block.imported"), StandardCopyOption.ATOMIC_MOVE);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("importing 0.1 metadata from " + dataDir, e);
        }
    }
}
