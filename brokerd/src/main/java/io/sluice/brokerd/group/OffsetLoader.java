package io.sluice.brokerd.group;

import io.sluice.brokerd.coordinator.CoordinatorLog;
import io.sluice.brokerd.common.TopicPartition;
import io.sluice.brokerd.group.GroupTypes.CommittedOffset;
import io.sluice.brokerd.metadata.InternalTopics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads one partition of {@code __consumer_offsets} into the committed offsets it holds: records in offset order, a
 * tombstone removing what came before it. A record that is not an offset record this broker can decode (a 1-byte
 * key, an unknown version, a truncated value, records of a batch that cannot be read) is skipped with a WARN naming
 * the partition and offset, and counted: loading never stops on bad bytes, so one bad record cannot keep the groups
 * of its partition from being served. Only the first {@value #WARNINGS_PER_LOAD} of a load are logged one by one;
 * the summary line gives the total.
 * <p>
 * Reads the log, so it runs off the coordinator's lock and off network threads. Stateless.
 */
final class OffsetLoader {
    private static final Logger log = LoggerFactory.getLogger(OffsetLoader.class);
    static final int WARNINGS_PER_LOAD = 10;

    /**
     * What a load read: per group id its committed offsets, the offset records applied, and the records skipped
     * (a batch that could not be read counts as one).
     */
    record LoadedPartition(int partition, Map<String, Map<TopicPartition, CommittedOffset>> offsets, long records, long skipped) {
    }

    private OffsetLoader() {
    }

    static LoadedPartition read(CoordinatorLog store, int partition) {
        Replay replay = new Replay(partition);
        store.forEachRecord(partition, replay);
        replay.offsets.values().removeIf(Map::isEmpty);
        if (replay.skipped > 0) {
            log.warn("Skipped {} undecodable records of {}-{} while loading it (first at offset {}); its groups are "
                    + "served without them", replay.skipped, InternalTopics.CONSUMER_OFFSETS, partition, replay.firstSkippedOffset);
        }
        return new LoadedPartition(partition, replay.offsets, replay.records, replay.skipped);
    }

    /** Applies records in log order. */
    private static final class Replay implements CoordinatorLog.Replay {
        final int partition;
        final Map<String, Map<TopicPartition, CommittedOffset>> offsets = new HashMap<>();
        long records;
        long skipped;
        long firstSkippedOffset = -1;

        Replay(int partition) {
            this.partition = partition;
        }

        @Override
        public void record(long offset, byte[] key, byte[] value) {
            OffsetRecords.Key k;
            CommittedOffset o;
            try {
                k = OffsetRecords.decodeKey(key);
                o = value == null ? null : OffsetRecords.decodeValue(value);
            } catch (IllegalArgumentException e) {
                skip(offset, "record", e.getMessage());
                return;
            }
            records++;
            if (o == null) {
                Map<TopicPartition, CommittedOffset> group = offsets.get(k.groupId());
                if (group != null) {
                    group.remove(k.partition());
                }
            } else {
                offsets.computeIfAbsent(k.groupId(), id -> new LinkedHashMap<>()).put(k.partition(), o);
            }
        }

        @Override
        public void unreadableBatch(long baseOffset, long lastOffset, String reason) {
            skip(baseOffset, "batch (offsets " + baseOffset + "-" + lastOffset + ")", reason);
        }

        private void skip(long offset, String what, String reason) {
            if (skipped == 0) {
                firstSkippedOffset = offset;
            }
            if (skipped < WARNINGS_PER_LOAD) {
                log.warn("Skipping the undecodable {} at offset {} of {}-{}: {}", what, offset, InternalTopics.CONSUMER_OFFSETS, partition, reason);
            }
            skipped++;
        }
    }
}
