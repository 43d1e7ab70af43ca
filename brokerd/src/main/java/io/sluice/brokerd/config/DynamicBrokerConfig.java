package io.sluice.brokerd.config;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BiConsumer;

/**
 * The broker configs that change at runtime through IncrementalAlterConfigs/AlterConfigs on {@code broker:ID}: Kafka's
 * replication throttle rates, {@code leader.replication.throttled.rate} and {@code follower.replication.throttled.rate}
 * (bytes per second; default Long.MAX_VALUE, no throttle). Every other broker config is static (brokerd.yaml).
 * <p>
 * Kafka keeps dynamic broker configs in the cluster metadata; brokerd keeps each broker's own overrides in
 * {@code <data.dir>/dynamic-broker.properties} (written whole: temp file and rename), so they survive a restart of that
 * broker, and a cluster-wide default ({@code broker:} with no id) is not offered. {@code onChange} is told each key's
 * effective value (UNLIMITED when removed) at load and after every change. Thread-safe.
 */
public final class DynamicBrokerConfig {
    public static final String LEADER_RATE = "leader.replication.throttled.rate";
    public static final String FOLLOWER_RATE = "follower.replication.throttled.rate";
    public static final Set<String> KEYS = Set.of(LEADER_RATE, FOLLOWER_RATE);
    public static final String DEFAULT_RATE = String.valueOf(Long.MAX_VALUE);
    static final String FILE = "dynamic-broker.properties";

    private final Path file;
    private final BiConsumer<String, Long> onChange;
    private Map<String, String> overrides;

    private DynamicBrokerConfig(Path file, Map<String, String> overrides, BiConsumer<String, Long> onChange) {
        this.file = file;
        this.overrides = overrides;
        this.onChange = onChange;
    }

    /** Reads the overrides saved in {@code dataDir} (none when there is no file) and tells {@code onChange} each value. */
    public static DynamicBrokerConfig load(Path dataDir, BiConsumer<String, Long> onChange) {
        Path file = dataDir.resolve(FILE);
        Map<String, String> overrides = new TreeMap<>();
        if (Files.exists(file)) {
            Properties p = new Properties();
            try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                p.load(r);
            } catch (IOException e) {
                throw new UncheckedIOException("reading " + file, e);
            }
            for (String key : p.stringPropertyNames()) {
                String problem = validate(key, p.getProperty(key));
                if (problem != null) {
                    throw new ConfigException(file + ": " + problem + " (remove the line, or the file, to start without it)");
                }
                overrides.put(key, p.getProperty(key).trim());
            }
        }
        DynamicBrokerConfig config = new DynamicBrokerConfig(file, overrides, onChange);
        config.publish();
        return config;
    }

    /** Null when {@code key} may be set to {@code value} at runtime, else why not (in Kafka's words where it has them). */
    public static String validate(String key, String value) {
        if (!KEYS.contains(key)) {
            return "Altering broker config " + key + " at runtime is not supported; edit brokerd.yaml and restart "
                    + "(only " + LEADER_RATE + " and " + FOLLOWER_RATE + " are dynamic)";
        }
        try {
            if (value != null && Long.parseLong(value.trim()) >= 0) {
                return null;
            }
        } catch (NumberFormatException e) {
            // falls through to the message below
        }
        return "Invalid value " + value + " for configuration " + key + ": bytes per second, a number >= 0";
    }

    /** This broker's overrides, key to value. */
    public synchronized Map<String, String> overrides() {
        return Map.copyOf(overrides);
    }

    /** Replaces the overrides with {@code next} (validated by the caller), saves them, then applies them. */
    public synchronized void replace(Map<String, String> next) {
        Map<String, String> sorted = new TreeMap<>(next);
        save(sorted);
        overrides = sorted;
        publish();
    }

    private void save(Map<String, String> values) {
        Properties p = new Properties();
        p.putAll(values);
        try {
            Path tmp = file.resolveSibling(FILE + ".tmp");
            try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                p.store(w, "brokerd dynamic broker configs (IncrementalAlterConfigs on broker:ID); do not edit while brokerd runs");
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + file, e);
        }
    }

    private void publish() {
        for (String k : java.util.List.of(FOLLOWER_RATE, LEADER_RATE)) {
            onChange.accept(k, Long.parseLong(overrides.getOrDefault(k, DEFAULT_RATE)));
        }
    }
}
