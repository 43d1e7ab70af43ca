package io.sluice.brokerd.metadata;

import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A topic as the cluster knows it (immutable).
 *
 * @param name              topic name
 * @param topicId           its id (Kafka's topic id; never reused)
 * @param replicationFactor replicas per partition
 * @param configOverrides   topic-level configs set on this topic only
 * @param partitionStates   placement, leader and ISR of each partition, indexed by partition
 */
public record TopicInfo(String name, UUID topicId, short replicationFactor, Map<String, String> configOverrides,
                        List<PartitionState> partitionStates) {
    public TopicInfo {
        configOverrides = Map.copyOf(configOverrides);
        partitionStates = List.copyOf(partitionStates);
    }

    /** Partition count. */
    public int partitions() {
        return partitionStates.size();
    }

    public PartitionState partition(int index) {
        return partitionStates.get(index);
    }

    /** One of {@link InternalTopics}: written by the broker only. */
    public boolean isInternal() {
        return InternalTopics.isInternal(name);
    }

    public TopicInfo withConfigs(Map<String, String> overrides) {
        return new TopicInfo(name, topicId, replicationFactor, overrides, partitionStates);
    }

    public TopicInfo withPartitions(List<PartitionState> states) {
        return new TopicInfo(name, topicId, replicationFactor, configOverrides, states);
    }
}
