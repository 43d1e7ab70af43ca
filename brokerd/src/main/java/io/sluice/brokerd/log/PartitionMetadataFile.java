package io.sluice.brokerd.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Optional;
import java.util.UUID;

/**
 * Kafka's {@code partition.metadata} file in a partition directory: it names the topic, by ID, whose log the
 * directory holds, so that a broker matches its logs to the committed metadata by ID and never hands the log of a
 * deleted topic to a new topic of the same name. Content (Kafka's, no trailing newline):
 * <pre>
 * version: 0
 * topic_id: &lt;the ID in Kafka's text form: URL-safe base64 of its 16 bytes, no padding&gt;
 * </pre>
 * Written atomically (tmp file, fsync, rename, fsync of the directory). Stateless; thread-safe.
 */
public final class PartitionMetadataFile {
    public static final String FILE_NAME = "partition.metadata";
    private static final int VERSION = 0;

    private PartitionMetadataFile() {
    }

    /** Writes {@code topicId} into {@code partitionDir}, replacing any earlier file whole. */
    static void write(Path partitionDir, UUID topicId) throws IOException {
        Checkpoints.writeAtomically(partitionDir.resolve(FILE_NAME), "version: " + VERSION + "\ntopic_id: " + toKafkaString(topicId));
    }

    /**
     * The topic ID recorded in {@code partitionDir}, empty when it has no file (a directory from before topic IDs
     * were written). Throws IOException naming the file when it is there but unreadable or of an unknown version.
     */
    static Optional<UUID> read(Path partitionDir) throws IOException {
        Path file = partitionDir.resolve(FILE_NAME);
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        String[] lines = text.split("\n");
        if (lines.length < 2) {
            throw new IOException("malformed " + file + ": expected a version line and a topic_id line");
        }
        String version = value(file, lines[0], "version");
        if (!version.equals(String.valueOf(VERSION))) {
            throw new IOException("unsupported version " + version + " in " + file + " (this broker reads version " + VERSION + ")");
        }
        return Optional.of(fromKafkaString(file, value(file, lines[1], "topic_id")));
    }

    private static String value(Path file, String line, String key) throws IOException {
        String[] kv = line.trim().split(":\\s+", 2);
        if (kv.length != 2 || !kv[0].equals(key)) {
            throw new IOException("malformed " + file + ": expected '" + key + ": <value>', found '" + line.trim() + "'");
        }
        return kv[1].trim();
    }

    /** Kafka's text form of a UUID (its {@code Uuid.toString()}): URL-safe base64 of the 16 bytes, no padding. */
    public static String toKafkaString(UUID id) {
        ByteBuffer b = ByteBuffer.allocate(16).putLong(id.getMostSignificantBits()).putLong(id.getLeastSignificantBits());
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b.array());
    }

    private static UUID fromKafkaString(Path file, String s) throws IOException {
        byte[] bytes;
        try {
            bytes = Base64.getUrlDecoder().decode(s);
        } catch (IllegalArgumentException e) {
            throw new IOException("malformed topic_id '" + s + "' in " + file + ": not base64", e);
        }
        if (bytes.length != 16) {
            throw new IOException("malformed topic_id '" + s + "' in " + file + ": " + bytes.length + " bytes, not 16");
        }
        ByteBuffer b = ByteBuffer.wrap(bytes);
        return new UUID(b.getLong(), b.getLong());
    }
}
