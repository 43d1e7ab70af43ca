package io.sluice.brokerd.metadata;

import java.util.Map;
import java.util.UUID;

/**
 * A topic as the cluster knows it (immutable).
 *
 * @param name            topic name
 * @param topicId         its id (Kafka's topic id; never reused)
 * @param partitions      partition count
 * @param replicationFactor replicas per partition (1 on a single node)
 * @param configOverrides topic-level configs set on this topic only
 */
public record TopicInfo(String name, UUID topicId, int partitions, short replicationFactor,
                        Map<String, String> configOverrides) {
    public TopicInfo {
        configOverrides = Map.copyOf(configOverrides);
    }

    public boolean isInternal() {
        return name.startsWith("__");
    }
}
