package io.sluice.brokerd.group;

import io.sluice.brokerd.common.TopicPartition;
import io.sluice.brokerd.group.GroupTypes.CommittedOffset;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads one partition of {@code __consumer_offsets} into the committed offsets it holds: records in offset order, a
 * tombstone removing what came before it. Keys of a version this broker does not know are passed over.
 * <p>
 * Reads the log, so it runs off the coordinator's lock and off network threads. Stateless.
 */
final class OffsetLoader {
    static final String OFFSETS_TOPIC = "__consumer_offsets";

    /** What a load read: per group id its committed offsets, and the offset records applied. */
    record LoadedPartition(int partition, Map<String, Map<TopicPartition, CommittedOffset>> offsets, long records) {
    }

    private OffsetLoader() {
    }

    static LoadedPartition read(OffsetStore store, int partition) {
        Replay replay = new Replay();
        store.forEachRecord(partition, replay);
        replay.offsets.values().removeIf(Map::isEmpty);
        return new LoadedPartition(partition, replay.offsets, replay.records);
    }

    /** Applies records in log order. */
    private static final class Replay implements OffsetStore.Replay {
        final Map<String, Map<TopicPartition, CommittedOffset>> offsets = new HashMap<>();
        long records;

        @Override
        public void record(long offset, byte[] key, byte[] value) {
            OffsetRecords.Key k = OffsetRecords.decodeKey(key);
            if (k == null) {
                return;
            }
            records++;
            if (value == null) {
                Map<TopicPartition, CommittedOffset> group = offsets.get(k.groupId());
                if (group != null) {
                    group.remove(k.partition());
                }
            } else {
                offsets.computeIfAbsent(k.groupId(), id -> new LinkedHashMap<>()).put(k.partition(), OffsetRecords.decodeValue(value));
            }
        }
    }
}
