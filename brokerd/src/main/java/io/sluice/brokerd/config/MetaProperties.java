package io.sluice.brokerd.config;

import io.sluice.brokerd.log.Checkpoints;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Properties;
import java.util.UUID;

/**
 * {@code <data.dir>/meta.properties} as Kafka writes it: {@code version=1}, {@code node.id}, {@code cluster.id}.
 * Written on first start; afterwards the configured node id and cluster id must match it, so a data directory is
 * never silently adopted by another broker or cluster.
 *
 * @param nodeId    the broker's id
 * @param clusterId the cluster's id (22-character URL-safe base64 of a random UUID, like Kafka's)
 */
public record MetaProperties(int nodeId, String clusterId) {
    static final String FILE = "meta.properties";

    /** Reads or creates meta.properties for {@code config}; throws ConfigException on a mismatch. */
    public static MetaProperties loadOrCreate(BrokerConfig config) {
        return loadExisting(config).orElseGet(() -> write(config, config.clusterId().isEmpty() ? newClusterId() : config.clusterId()));
    }

    /**
     * Reads meta.properties when the data dir has one; throws ConfigException when it belongs to another node, or
     * to another cluster than a configured {@code cluster.id}.
     */
    public static java.util.Optional<MetaProperties> loadExisting(BrokerConfig config) {
        Path file = config.dataDir().resolve(FILE);
        if (!Files.exists(file)) {
            return java.util.Optional.empty();
        }
        try {
            Properties p = new Properties();
            try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                p.load(r);
            }
            MetaProperties stored = new MetaProperties(Integer.parseInt(p.getProperty("node.id", "-1").trim()),
                    p.getProperty("cluster.id", "").trim());
            if (stored.nodeId() != config.nodeId()) {
                throw new ConfigException("config key 'node.id' is " + config.nodeId() + " but " + file + " belongs to node "
                        + stored.nodeId());
            }
            if (!config.clusterId().isEmpty() && !config.clusterId().equals(stored.clusterId())) {
                throw new ConfigException("config key 'cluster.id' is " + config.clusterId() + " but " + file
                        + " belongs to cluster " + stored.clusterId());
            }
            return java.util.Optional.of(stored);
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + file, e);
        } catch (NumberFormatException e) {
            throw new ConfigException(file + " has a malformed node.id: " + e.getMessage());
        }
    }

    /** Writes meta.properties for this node in cluster {@code clusterId} (atomically). */
    public static MetaProperties write(BrokerConfig config, String clusterId) {
        MetaProperties m = new MetaProperties(config.nodeId(), clusterId);
        Path file = config.dataDir().resolve(FILE);
        try {
            Files.createDirectories(config.dataDir());
            Checkpoints.writeAtomically(file, "#Written by brokerd\nversion=1\nnode.id=" + m.nodeId()
                    + "\ncluster.id=" + m.clusterId() + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + file, e);
        }
        return m;
    }

    /** A new cluster id: 22-character URL-safe base64 of a random UUID, like Kafka's. */
    public static String newClusterId() {
        UUID u = UUID.randomUUID();
        ByteBuffer b = ByteBuffer.allocate(16).putLong(u.getMostSignificantBits()).putLong(u.getLeastSignificantBits());
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b.array());
    }
}
