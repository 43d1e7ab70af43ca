package io.sluice.brokerd.config;

import java.nio.file.Path;
import java.util.Map;

/**
 * brokerd's typed, validated configuration. The YAML file (config/brokerd.yaml) holds flat Kafka-style keys
 * ({@code node.id: 1}, {@code listeners: 127.0.0.1:9092}, {@code data.dir: ...}); {@code --set key=value} overrides
 * use the same keys. Every key has a default, a unit and a description in one table that also feeds the man page.
 * An unknown key or a bad value fails start-up with {@link ConfigException} naming the key.
 */
public final class BrokerConfig {

    /**
     * Loads {@code file} (null: the embedded single-node default only) and applies {@code overrides} on top.
     * Tests use {@code load(null, Map.of("listeners", "127.0.0.1:0", "data.dir", tmp.toString()))}.
     */
    public static BrokerConfig load(Path file, Map<String, String> overrides) {
        throw new UnsupportedOperationException("process: implement");
    }
}
