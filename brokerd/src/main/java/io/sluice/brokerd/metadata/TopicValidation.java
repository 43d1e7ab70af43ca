package io.sluice.brokerd.metadata;

import io.sluice.brokerd.config.TopicConfigDef;

import java.util.Map;

/**
 * Kafka's rules for topic names, partition counts, replication factors and configs, checked against one image.
 * The broker checks them before it asks the controller (for a precise answer and for validate-only requests) and
 * the controller checks them again when it applies the change, so two brokers racing cannot both win.
 */
public final class TopicValidation {
    private static final int MAX_NAME_LENGTH = 249;
    private TopicValidation() {
    }

    /** Null when {@code name} is a legal topic name, else why not. */
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

    /** Null when a topic may be created in {@code image}, else the refusal. */
    public static TopicRegistry.Result validateCreate(MetadataImage image, String name, int partitions, short replicationFactor,
                                                      Map<String, String> configs) {
        String bad = validateName(name);
        if (bad != null) {
            return TopicRegistry.Result.fail(TopicRegistry.Error.INVALID_TOPIC, bad);
        }
        if (image.topics().containsKey(name)) {
            return TopicRegistry.Result.fail(TopicRegistry.Error.TOPIC_EXISTS, "Topic '" + name + "' already exists.");
        }
        String normalized = name.replace('.', '_');
        for (String existing : image.topics().keySet()) {
            if (existing.replace('.', '_').equals(normalized)) {
                return TopicRegistry.Result.fail(TopicRegistry.Error.INVALID_TOPIC, "Topic '" + name + "' collides with existing topic: " + existing);
            }
        }
        if (partitions < 1) {
            return TopicRegistry.Result.fail(TopicRegistry.Error.INVALID_PARTITIONS, "Number of partitions must be larger than 0.");
        }
        String rfError = validateReplicationFactor(image, replicationFactor);
        if (rfError != null) {
            return TopicRegistry.Result.fail(TopicRegistry.Error.INVALID_REPLICATION_FACTOR, rfError);
        }
        for (Map.Entry<String, String> e : configs.entrySet()) {
            String err = TopicConfigDef.validate(e.getKey(), e.getValue());
            if (err != null) {
                return TopicRegistry.Result.fail(TopicRegistry.Error.INVALID_CONFIG, err);
            }
        }
        return null;
    }

    static String validateReplicationFactor(MetadataImage image, short replicationFactor) {
        if (replicationFactor < 1) {
            return "Replication factor must be larger than 0.";
        }
        int live = image.usableBrokers().size();
        if (replicationFactor > live) {
            return "Replication factor: " + replicationFactor + " larger than available brokers: " + live + ".";
        }
        return null;
    }
}
