package io.sluice.brokerd.metadata;

import java.util.Map;
import java.util.UUID;

/**
 * Where a broker reads committed metadata and sends changes: the controller quorum. Each change returns once it is
 * committed and applied to this broker's image (so the caller reads its own write), or with an error as a value.
 * Changes block the calling thread: call them from the request executor, never from an event loop.
 */
public interface MetadataWriter {
    /** The latest image applied on this broker. */
    MetadataImage image();

    /** {@code assignments}: the replicas of each partition, in order (null: the controller places them). */
    TopicRegistry.Result createTopic(String name, UUID topicId, int partitions, short replicationFactor, Map<String, String> configs,
                                     java.util.List<java.util.List<Integer>> assignments);

    TopicRegistry.Result deleteTopic(String name);

    /** {@code assignments}: the replicas of each new partition, in order (null: the controller places them). */
    TopicRegistry.Result createPartitions(String name, int count, java.util.List<java.util.List<Integer>> assignments);

    TopicRegistry.Result setTopicConfigs(String name, Map<String, String> overrides);

    /** What an election returned: {@code error} null on success, else the Kafka error name. */
    record Outcome(String error, String message) {
        public static final Outcome OK = new Outcome(null, null);
    }

    /** Preferred or (with {@code unclean}) unclean leader election for one partition. */
    Outcome electLeader(String topic, int partition, boolean unclean);

    /** Starts moving a partition to {@code target} replicas, or cancels its reassignment when {@code target} is null. */
    Outcome reassign(String topic, int partition, java.util.List<Integer> target);

    /** Adds ACLs (each already validated); duplicates of stored ones are no-ops. */
    Outcome createAcls(java.util.List<io.sluice.brokerd.auth.AclBinding> acls);

    /** Removes exactly these ACLs; the outcome's message is null on success. */
    Outcome deleteAcls(java.util.List<io.sluice.brokerd.auth.AclBinding> acls);
}
