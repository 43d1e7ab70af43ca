package io.sluice.brokerd.metadata;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The topics of this node and their configs, persisted atomically as {@code <data.dir>/topics.json}
 * (replaced by the Ratis controller's committed metadata in a cluster). Listeners hear about each change
 * after it is persisted, so logs are created or removed to match. Thread-safe.
 */
public final class TopicRegistry {

    /** Notified after a change is durable. */
    public interface Listener {
        void onTopicCreated(TopicInfo topic);

        void onPartitionsAdded(TopicInfo topic, int oldCount);

        void onTopicDeleted(TopicInfo topic);

        void onConfigChanged(TopicInfo topic);
    }

    public Optional<TopicInfo> topic(String name) {
        throw new UnsupportedOperationException("metadata: implement");
    }

    public Optional<TopicInfo> topic(UUID topicId) {
        throw new UnsupportedOperationException("metadata: implement");
    }

    public List<TopicInfo> topics() {
        throw new UnsupportedOperationException("metadata: implement");
    }

    /** The topic's effective config: override, else broker default, else catalogue default; every key present. */
    public Map<String, String> effectiveConfig(String topic) {
        throw new UnsupportedOperationException("metadata: implement");
    }
}
