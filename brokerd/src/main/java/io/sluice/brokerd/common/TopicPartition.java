package io.sluice.brokerd.common;

/**
 * A partition of a topic, the broker's own type (the domain packages never import kafka-clients).
 * Its string form is the partition's directory name, {@code <topic>-<partition>}.
 */
public record TopicPartition(String topic, int partition) {
    @Override
    public String toString() {
        return topic + "-" + partition;
    }
}
