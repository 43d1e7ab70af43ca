package io.sluice.brokerd.metadata;

import io.sluice.brokerd.config.TopicConfigDef;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The broker's view of topics and their configs: reads come from the committed {@link MetadataImage}, changes go to
 * the controller through a {@link MetadataWriter} and take effect when they are committed. Listeners hear of every
 * committed change (from this broker or another) through {@link #publish}, which the controller calls in commit
 * order, so logs are created or removed to match only what the quorum has made durable.
 * Mutations return errors as values. Thread-safe.
 */
public final class TopicRegistry {
    /** Notified after a change is committed; called on the controller's apply thread, in commit order. */
    public interface Listener {
        void onTopicCreated(TopicInfo topic);

        void onPartitionsAdded(TopicInfo topic, int oldCount);

        void onTopicDeleted(TopicInfo topic);

        void onConfigChanged(TopicInfo topic);

        /** Leader, ISR or replicas of some partitions of {@code topic} changed. */
        default void onPartitionsChanged(TopicInfo before, TopicInfo after) {
        }

        /** A broker registered, was fenced or came back. */
        default void onBrokersChanged(MetadataImage image) {
        }
    }

    /** Why a mutation was refused; the api layer maps each to the Kafka error of the same meaning. */
    public enum Error {
        INVALID_TOPIC, TOPIC_EXISTS, UNKNOWN_TOPIC, INVALID_PARTITIONS, INVALID_REPLICATION_FACTOR, INVALID_CONFIG,
        /** A manual replica assignment that is empty, repeats a broker, names an unknown one or is inconsistent. */
        INVALID_REPLICA_ASSIGNMENT,
        /** The controller did not commit the change in time; it may still take effect. */
        TIMED_OUT
    }

    /** A mutation's outcome: {@code error} null on success. */
    public record Result(Error error, String message, TopicInfo topic) {
        public static Result ok(TopicInfo t) {
            return new Result(null, null, t);
        }

        public static Result fail(Error e, String message) {
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

    private final MetadataWriter writer;
    private final Map<String, String> brokerDefaults;
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();

    /** {@code brokerDefaults} maps topic config keys to the broker-wide values that replace the catalogue defaults. */
    public TopicRegistry(MetadataWriter writer, Map<String, String> brokerDefaults) {
        this.writer = writer;
        this.brokerDefaults = Map.copyOf(brokerDefaults);
    }

    public void addListener(Listener l) {
        listeners.add(l);
    }

    public MetadataImage image() {
        return writer.image();
    }

    public Optional<TopicInfo> topic(String name) {
        return writer.image().topic(name);
    }

    public Optional<TopicInfo> topic(UUID topicId) {
        return writer.image().topic(topicId);
    }

    public List<TopicInfo> topics() {
        return new ArrayList<>(writer.image().topics().values());
    }

    /**
     * Tells the listeners what changed between two committed images. Deleted topics (or a name now bound to a new
     * id) are reported before created ones, so a re-created topic never inherits the old topic's log.
     */
    public void publish(MetadataImage before, MetadataImage after) {
        for (TopicInfo old : before.topics().values()) {
            TopicInfo now = after.topics().get(old.name());
            if (now == null || !now.topicId().equals(old.topicId())) {
                listeners.forEach(l -> l.onTopicDeleted(old));
            }
        }
        for (TopicInfo now : after.topics().values()) {
            TopicInfo old = before.topics().get(now.name());
            if (old == null || !old.topicId().equals(now.topicId())) {
                listeners.forEach(l -> l.onTopicCreated(now));
                continue;
            }
            if (now.partitions() > old.partitions()) {
                listeners.forEach(l -> l.onPartitionsAdded(now, old.partitions()));
            }
            if (!now.configOverrides().equals(old.configOverrides())) {
                listeners.forEach(l -> l.onConfigChanged(now));
            }
            if (!now.partitionStates().subList(0, old.partitions()).equals(old.partitionStates())) {
                listeners.forEach(l -> l.onPartitionsChanged(old, now));
            }
        }
        if (!before.brokers().equals(after.brokers())) {
            listeners.forEach(l -> l.onBrokersChanged(after));
        }
    }

    /** The topic's effective config: override, else broker default, else catalogue default; every key present. */
    public Map<String, String> effectiveConfig(String topic) {
        TopicInfo t = writer.image().topics().get(topic);
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
        TopicInfo t = writer.image().topics().get(topic);
        if (t != null && t.configOverrides().containsKey(key)) {
            return Source.TOPIC;
        }
        return brokerDefaults.containsKey(key) ? Source.BROKER : Source.DEFAULT;
    }

    /** Null when {@code name} is a legal topic name, else why not (Kafka's rules). */
    public static String validateName(String name) {
        return TopicValidation.validateName(name);
    }

    /**
     * Validates a create against the current image without applying it; the result's topic has the requested shape
     * with a nil id and no placement (placement is decided when the controller applies the create).
     */
    public Result validateCreate(String name, int partitions, short replicationFactor, Map<String, String> configs) {
        return validateCreate(name, partitions, replicationFactor, configs, null);
    }

    /** As {@link #validateCreate(String, int, short, Map)}, with a manual assignment (null: placed by the controller). */
    public Result validateCreate(String name, int partitions, short replicationFactor, Map<String, String> configs,
                                 List<List<Integer>> assignments) {
        Result bad = TopicValidation.validateCreate(writer.image(), name, partitions, replicationFactor, configs, assignments);
        if (bad != null) {
            return bad;
        }
        List<PartitionState> unplaced = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            unplaced.add(new PartitionState(p, List.of(), List.of(), PartitionState.NO_LEADER, 0, 0));
        }
        return Result.ok(new TopicInfo(name, new UUID(0, 0), replicationFactor, configs, unplaced));
    }

    public Result create(String name, int partitions, short replicationFactor, Map<String, String> configs) {
        return create(name, partitions, replicationFactor, configs, null);
    }

    /**
     * Creates a topic; with {@code assignments} (the replicas of partitions 0, 1, ..., first replica preferred
     * leader) its partitions go exactly there, else the controller places them.
     */
    public Result create(String name, int partitions, short replicationFactor, Map<String, String> configs,
                         List<List<Integer>> assignments) {
        Result bad = TopicValidation.validateCreate(writer.image(), name, partitions, replicationFactor, configs, assignments);
        if (bad != null) {
            return bad;
        }
        return writer.createTopic(name, UUID.randomUUID(), partitions, replicationFactor, configs, assignments);
    }

    public Result delete(String name) {
        if (topic(name).isEmpty()) {
            return Result.fail(Error.UNKNOWN_TOPIC, "This server does not host this topic-partition.");
        }
        return writer.deleteTopic(name);
    }

    /** Raises the partition count to {@code count}; with {@code validateOnly} nothing changes. */
    public Result addPartitions(String name, int count, boolean validateOnly) {
        return addPartitions(name, count, null, validateOnly);
    }

    /**
     * Raises the partition count to {@code count}, the new partitions on {@code assignments} (one replica list per
     * new partition, each of the topic's replication factor; null: placed by the controller), as Kafka's
     * CreatePartitions; with {@code validateOnly} nothing changes.
     */
    public Result addPartitions(String name, int count, List<List<Integer>> assignments, boolean validateOnly) {
        Optional<TopicInfo> found = topic(name);
        if (found.isEmpty()) {
            return Result.fail(Error.UNKNOWN_TOPIC, "The topic '" + name + "' does not exist.");
        }
        TopicInfo t = found.get();
        if (count <= t.partitions()) {
            return Result.fail(Error.INVALID_PARTITIONS, count == t.partitions()
                    ? "Topic already has " + count + " partitions."
                    : "The topic " + name + " currently has " + t.partitions() + " partition(s); " + count
                    + " would not be an increase.");
        }
        if (assignments != null) {
            Result bad = TopicValidation.validateAddedAssignments(writer.image(), t, count, assignments);
            if (bad != null) {
                return bad;
            }
        }
        if (validateOnly) {
            return Result.ok(t);
        }
        return writer.createPartitions(name, count, assignments);
    }

    /** Applies incremental changes (IncrementalAlterConfigs); all are validated before any applies. */
    public Result alterConfigs(String name, List<ConfigChange> changes, boolean validateOnly) {
        TopicInfo t = writer.image().topics().get(name);
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
    public Result setConfigs(String name, Map<String, String> configs, boolean validateOnly) {
        TopicInfo t = writer.image().topics().get(name);
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
        if (validateOnly) {
            return Result.ok(t.withConfigs(overrides));
        }
        return writer.setTopicConfigs(t.name(), overrides);
    }
}
