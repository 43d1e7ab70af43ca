package io.sluice.brokerd.metadata;

import io.sluice.brokerd.config.TopicConfigDef;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Kafka's rules for topic names, partition counts, replication factors and configs, checked against one image.
 * The broker checks them before it asks the controller (for a precise answer and for validate-only requests) and
 * the controller checks them again when it applies the change, so two brokers racing cannot both win.
 */
public final class TopicValidation {
    private static final int MAX_NAME_LENGTH = 249;
    /**
     * The most partitions one CreateTopics or CreatePartitions request may create, all its topics together: Kafka's
     * {@code MAX_PARTITIONS_PER_BATCH}. It also bounds what the controller sizes from one command's count.
     */
    public static final int MAX_NEW_PARTITIONS_PER_REQUEST = 10_000;
    /** Kafka's message (POLICY_VIOLATION) for a request over {@link #MAX_NEW_PARTITIONS_PER_REQUEST}. */
    public static final String TOO_MANY_PARTITIONS = "Excessively large number of partitions per request.";

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
        return validateCreate(image, name, partitions, replicationFactor, configs, null);
    }

    /**
     * Null when a topic may be created in {@code image}, else the refusal. With {@code assignments} (the replicas of
     * partitions 0, 1, ..., in order, as CreateTopics' manual assignment gives them), {@code partitions} and
     * {@code replicationFactor} must be their count and the first one's size, and each is checked as Kafka does
     * (see {@link #validateAssignments}) instead of the replication factor against the live brokers.
     */
    public static TopicRegistry.Result validateCreate(MetadataImage image, String name, int partitions, short replicationFactor,
                                                      Map<String, String> configs, List<List<Integer>> assignments) {
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
        if (partitions > MAX_NEW_PARTITIONS_PER_REQUEST) {
            return TopicRegistry.Result.fail(TopicRegistry.Error.INVALID_PARTITIONS, TOO_MANY_PARTITIONS);
        }
        if (assignments != null) {
            if (assignments.size() != partitions || replicationFactor != assignments.get(0).size()) {
                return TopicRegistry.Result.fail(TopicRegistry.Error.INVALID_REPLICA_ASSIGNMENT, "The manual assignment of "
                        + assignments.size() + " partition(s) does not match " + partitions + " partition(s) of " + replicationFactor + " replica(s)");
            }
            TopicRegistry.Result badAssignment = validateAssignments(image, 0, assignments, -1);
            if (badAssignment != null) {
                return badAssignment;
            }
        } else {
            String rfError = validateReplicationFactor(image, replicationFactor);
            if (rfError != null) {
                return TopicRegistry.Result.fail(TopicRegistry.Error.INVALID_REPLICATION_FACTOR, rfError);
            }
        }
        for (Map.Entry<String, String> e : configs.entrySet()) {
            String err = TopicConfigDef.validate(e.getKey(), e.getValue());
            if (err != null) {
                return TopicRegistry.Result.fail(TopicRegistry.Error.INVALID_CONFIG, err);
            }
        }
        return null;
    }

    /**
     * Null when {@code assignments}, the replicas of partitions {@code firstPartition}, {@code firstPartition + 1},
     * ..., are a valid manual assignment in {@code image}, else the refusal (INVALID_REPLICA_ASSIGNMENT, with Kafka's
     * messages): each list not empty, naming registered brokers, none twice, of {@code replicationFactor} replicas
     * (-1: as many as the first list), with at least one broker that is not fenced (it will lead).
     */
    public static TopicRegistry.Result validateAssignments(MetadataImage image, int firstPartition, List<List<Integer>> assignments,
                                                           int replicationFactor) {
        int expected = replicationFactor;
        for (int i = 0; i < assignments.size(); i++) {
            List<Integer> replicas = assignments.get(i);
            String bad = validateAssignment(image, firstPartition + i, replicas, expected);
            if (bad != null) {
                return TopicRegistry.Result.fail(TopicRegistry.Error.INVALID_REPLICA_ASSIGNMENT, bad);
            }
            expected = replicas.size();
        }
        return null;
    }

    /** Null when {@code assignments} may place the partitions that raise {@code topic} to {@code count}, else why not. */
    public static TopicRegistry.Result validateAddedAssignments(MetadataImage image, TopicInfo topic, int count,
                                                                List<List<Integer>> assignments) {
        long added = (long) count - topic.partitions();
        if (assignments.size() != added) {
            return TopicRegistry.Result.fail(TopicRegistry.Error.INVALID_REPLICA_ASSIGNMENT, "Attempted to add " + added
                    + " additional partition(s), but only " + assignments.size() + " assignment(s) were specified.");
        }
        return validateAssignments(image, topic.partitions(), assignments, topic.replicationFactor());
    }

    private static String validateAssignment(MetadataImage image, int partition, List<Integer> replicas, int replicationFactor) {
        if (replicas == null || replicas.isEmpty()) {
            return "The manual partition assignment includes an empty replica list.";
        }
        Set<Integer> seen = new HashSet<>();
        for (Integer broker : replicas) {
            if (broker == null || !image.brokers().containsKey(broker)) {
                return "The manual partition assignment includes broker " + broker + ", but no such broker is registered.";
            }
            if (!seen.add(broker)) {
                return "The manual partition assignment includes the broker " + broker + " more than once.";
            }
        }
        if (replicationFactor >= 0 && replicas.size() != replicationFactor) {
            return "The manual partition assignment includes a partition with " + replicas.size() + " replica(s), but this is not "
                    + "consistent with previous partitions, which have " + replicationFactor + " replica(s).";
        }
        if (replicas.stream().allMatch(b -> image.brokers().get(b).fenced())) {
            return "All brokers specified in the manual partition assignment for partition " + partition
                    + " are fenced or in controlled shutdown.";
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
