package io.sluice.brokerd.metadata;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.brokerd.config.TopicConfigDef;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The topics of this node and their configs, persisted atomically as {@code <data.dir>/topics.json}
 * (tmp + fsync + rename + directory fsync) before listeners hear of a change, so logs are created or removed to
 * match only what is durable. The Ratis controller's committed metadata replaces this file in a cluster.
 * Mutations return errors as values. Thread-safe: mutations are serialised on the registry's monitor, reads see an
 * immutable snapshot.
 */
public final class TopicRegistry {
    static final String FILE = "topics.json";
    private static final int MAX_NAME_LENGTH = 249;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Notified after a change is durable. */
    public interface Listener {
        void onTopicCreated(TopicInfo topic);

        void onPartitionsAdded(TopicInfo topic, int oldCount);

        void onTopicDeleted(TopicInfo topic);

        void onConfigChanged(TopicInfo topic);
    }

    /** Why a mutation was refused; the api layer maps each to the Kafka error of the same meaning. */
    public enum Error { INVALID_TOPIC, TOPIC_EXISTS, UNKNOWN_TOPIC, INVALID_PARTITIONS, INVALID_REPLICATION_FACTOR, INVALID_CONFIG }

    /** A mutation's outcome: {@code error} null on success. */
    public record Result(Error error, String message, TopicInfo topic) {
        static Result ok(TopicInfo t) {
            return new Result(null, null, t);
        }

        static Result fail(Error e, String message) {
            return new Result(e, message, null);
        }

        public boolean isOk() {
            return error == null;
        }
    }

    /** How an incremental alter changes one key. */
    public enum AlterOp { SET, DELETE, APPEND, SUBTRACT }

    /** One incremental change. */
    public record ConfigChange(String key, AlterOp op, String value) {
    }

    private final Path file;
    private final Map<String, String> brokerDefaults;
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private volatile Map<String, TopicInfo> byName;

    private TopicRegistry(Path file, Map<String, String> brokerDefaults, Map<String, TopicInfo> topics) {
        this.file = file;
        this.brokerDefaults = Map.copyOf(brokerDefaults);
        this.byName = Collections.unmodifiableMap(topics);
    }

    /**
     * Loads {@code <dataDir>/topics.json} (empty when absent). {@code brokerDefaults} maps topic config keys to
     * the broker-wide values that replace the catalogue defaults.
     */
    public static TopicRegistry open(Path dataDir, Map<String, String> brokerDefaults) {
        Path file = dataDir.resolve(FILE);
        Map<String, TopicInfo> topics = new TreeMap<>();
        if (Files.exists(file)) {
            try {
                List<StoredTopic> stored = JSON.readValue(file.toFile(), new TypeReference<List<StoredTopic>>() { });
                for (StoredTopic s : stored) {
                    topics.put(s.name, new TopicInfo(s.name, UUID.fromString(s.topicId), s.partitions,
                            s.replicationFactor, s.configs == null ? Map.of() : s.configs));
                }
            } catch (IOException e) {
                throw new UncheckedIOException("reading topic metadata " + file, e);
            }
        }
        return new TopicRegistry(file, brokerDefaults, topics);
    }

    /** JSON shape of one topic in topics.json. */
    public static final class StoredTopic {
        public String name;
        public String topicId;
        public int partitions;
        public short replicationFactor;
        public Map<String, String> configs;
    }

    public void addListener(Listener l) {
        listeners.add(l);
    }

    public Optional<TopicInfo> topic(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    public Optional<TopicInfo> topic(UUID topicId) {
        return byName.values().stream().filter(t -> t.topicId().equals(topicId)).findFirst();
    }

    public List<TopicInfo> topics() {
        return new ArrayList<>(byName.values());
    }

    /** The topic's effective config: override, else broker default, else catalogue default; every key present. */
    public Map<String, String> effectiveConfig(String topic) {
        TopicInfo t = byName.get(topic);
        Map<String, String> out = new LinkedHashMap<>();
        for (TopicConfigDef.Entry e : TopicConfigDef.entries().values()) {
            String v = t == null ? null : t.configOverrides().get(e.key());
            out.put(e.key(), v != null ? v : brokerDefaults.getOrDefault(e.key(), e.defaultValue()));
        }
        return out;
    }

    /** Where a topic's value for {@code key} comes from. */
    public enum Source { TOPIC, BROKER, DEFAULT }

    public Source sourceOf(String topic, String key) {
        TopicInfo t = byName.get(topic);
        if (t != null && t.configOverrides().containsKey(key)) {
            return Source.TOPIC;
        }
        return brokerDefaults.containsKey(key) ? Source.BROKER : Source.DEFAULT;
    }

    /** Null when {@code name} is a legal topic name, else why not (Kafka's rules). */
    public static String validateName(String name) {
        if (name == null || name.isEmpty()) {
            return "Topic name is illegal, it can't be empty";
        }
        if (name.equals(".") || name.equals("..")) {
            return "Topic name cannot be \".\" or \"..\"";
        }
        if (name.length() > MAX_NAME_LENGTH) {
            return "Topic name is illegal, it can't be longer than " + MAX_NAME_LENGTH + " characters, topic name: " + name;
        }
        if (!name.matches("[a-zA-Z0-9._-]+")) {
            return "Topic name \"" + name + "\" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'";
        }
        return null;
    }

    /** Validates a create without applying it. */
    public synchronized Result validateCreate(String name, int partitions, short replicationFactor, Map<String, String> configs) {
        String bad = validateName(name);
        if (bad != null) {
            return Result.fail(Error.INVALID_TOPIC, bad);
        }
        if (byName.containsKey(name)) {
            return Result.fail(Error.TOPIC_EXISTS, "Topic '" + name + "' already exists.");
        }
        String normalized = name.replace('.', '_');
        for (String existing : byName.keySet()) {
            if (existing.replace('.', '_').equals(normalized)) {
                return Result.fail(Error.INVALID_TOPIC, "Topic '" + name + "' collides with existing topic: " + existing);
            }
        }
        if (partitions < 1) {
            return Result.fail(Error.INVALID_PARTITIONS, "Number of partitions must be larger than 0.");
        }
        if (replicationFactor != 1) {
            return Result.fail(Error.INVALID_REPLICATION_FACTOR, "Replication factor: " + replicationFactor
                    + " larger than available brokers: 1.");
        }
        for (Map.Entry<String, String> e : configs.entrySet()) {
            String err = TopicConfigDef.validate(e.getKey(), e.getValue());
            if (err != null) {
                return Result.fail(Error.INVALID_CONFIG, err);
            }
        }
        return Result.ok(new TopicInfo(name, UUID.randomUUID(), partitions, replicationFactor, configs));
    }

    public synchronized Result create(String name, int partitions, short replicationFactor, Map<String, String> configs) {
        Result r = validateCreate(name, partitions, replicationFactor, configs);
        if (!r.isOk()) {
            return r;
        }
        TopicInfo t = r.topic();
        while (topic(t.topicId()).isPresent()) {
            t = new TopicInfo(name, UUID.randomUUID(), partitions, replicationFactor, configs);
        }
        Map<String, TopicInfo> next = new TreeMap<>(byName);
        next.put(name, t);
        persist(next);
        for (Listener l : listeners) {
            l.onTopicCreated(t);
        }
        return Result.ok(t);
    }

    public synchronized Result delete(String name) {
        TopicInfo t = byName.get(name);
        if (t == null) {
            return Result.fail(Error.UNKNOWN_TOPIC, "This server does not host this topic-partition.");
        }
        Map<String, TopicInfo> next = new TreeMap<>(byName);
        next.remove(name);
        persist(next);
        for (Listener l : listeners) {
            l.onTopicDeleted(t);
        }
        return Result.ok(t);
    }

    /** Raises the partition count to {@code count}; with {@code validateOnly} nothing changes. */
    public synchronized Result addPartitions(String name, int count, boolean validateOnly) {
        TopicInfo t = byName.get(name);
        if (t == null) {
            return Result.fail(Error.UNKNOWN_TOPIC, "The topic '" + name + "' does not exist.");
        }
        if (count <= t.partitions()) {
            return Result.fail(Error.INVALID_PARTITIONS, count == t.partitions()
                    ? "Topic already has " + count + " partitions."
                    : "The topic " + name + " currently has " + t.partitions() + " partition(s); " + count
                    + " would not be an increase.");
        }
        TopicInfo grown = new TopicInfo(name, t.topicId(), count, t.replicationFactor(), t.configOverrides());
        if (validateOnly) {
            return Result.ok(grown);
        }
        Map<String, TopicInfo> next = new TreeMap<>(byName);
        next.put(name, grown);
        persist(next);
        for (Listener l : listeners) {
            l.onPartitionsAdded(grown, t.partitions());
        }
        return Result.ok(grown);
    }

    /** Applies incremental changes (IncrementalAlterConfigs); all are validated before any applies. */
    public synchronized Result alterConfigs(String name, List<ConfigChange> changes, boolean validateOnly) {
        TopicInfo t = byName.get(name);
        if (t == null) {
            return Result.fail(Error.UNKNOWN_TOPIC, "The topic '" + name + "' does not exist.");
        }
        Map<String, String> overrides = new HashMap<>(t.configOverrides());
        Map<String, String> effective = effectiveConfig(name);
        for (ConfigChange c : changes) {
            if (TopicConfigDef.entry(c.key()).isEmpty()) {
                return Result.fail(Error.INVALID_CONFIG, "Unknown topic config name: " + c.key());
            }
            switch (c.op()) {
                case SET -> overrides.put(c.key(), c.value());
                case DELETE -> overrides.remove(c.key());
                case APPEND, SUBTRACT -> {
                    if (TopicConfigDef.entry(c.key()).get().type() != TopicConfigDef.Type.LIST) {
                        return Result.fail(Error.INVALID_CONFIG, "Config value append/subtract is not allowed for config key " + c.key()
                                + " which is not a list");
                    }
                    List<String> items = new ArrayList<>(List.of(overrides.getOrDefault(c.key(), effective.get(c.key())).split(",")));
                    items.removeIf(String::isBlank);
                    for (String v : c.value() == null ? new String[0] : c.value().split(",")) {
                        if (c.op() == AlterOp.APPEND && !items.contains(v.trim())) {
                            items.add(v.trim());
                        } else if (c.op() == AlterOp.SUBTRACT) {
                            items.remove(v.trim());
                        }
                    }
                    overrides.put(c.key(), String.join(",", items));
                }
            }
            if (overrides.containsKey(c.key())) {
                String err = TopicConfigDef.validate(c.key(), overrides.get(c.key()));
                if (err != null) {
                    return Result.fail(Error.INVALID_CONFIG, err);
                }
            }
        }
        return replaceConfigs(t, overrides, validateOnly);
    }

    /** Replaces the whole override set (legacy AlterConfigs). */
    public synchronized Result setConfigs(String name, Map<String, String> configs, boolean validateOnly) {
        TopicInfo t = byName.get(name);
        if (t == null) {
            return Result.fail(Error.UNKNOWN_TOPIC, "The topic '" + name + "' does not exist.");
        }
        for (Map.Entry<String, String> e : configs.entrySet()) {
            String err = TopicConfigDef.validate(e.getKey(), e.getValue());
            if (err != null) {
                return Result.fail(Error.INVALID_CONFIG, err);
            }
        }
        return replaceConfigs(t, configs, validateOnly);
    }

    private Result replaceConfigs(TopicInfo t, Map<String, String> overrides, boolean validateOnly) {
        TopicInfo changed = new TopicInfo(t.name(), t.topicId(), t.partitions(), t.replicationFactor(), overrides);
        if (validateOnly) {
            return Result.ok(changed);
        }
        Map<String, TopicInfo> next = new TreeMap<>(byName);
        next.put(t.name(), changed);
        persist(next);
        for (Listener l : listeners) {
            l.onConfigChanged(changed);
        }
        return Result.ok(changed);
    }

    private void persist(Map<String, TopicInfo> next) {
        List<StoredTopic> out = new ArrayList<>();
        for (TopicInfo t : next.values()) {
            StoredTopic s = new StoredTopic();
            s.name = t.name();
            s.topicId = t.topicId().toString();
            s.partitions = t.partitions();
            s.replicationFactor = t.replicationFactor();
            s.configs = new TreeMap<>(t.configOverrides());
            out.add(s);
        }
        Path tmp = file.resolveSibling(FILE + ".tmp");
        try {
            byte[] bytes = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(out);
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(bytes);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            try (FileChannel dir = FileChannel.open(file.toAbsolutePath().getParent(), StandardOpenOption.READ)) {
                dir.force(true);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("writing topic metadata " + file, e);
        }
        byName = Collections.unmodifiableMap(next);
    }
}
