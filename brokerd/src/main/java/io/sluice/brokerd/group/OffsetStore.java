package io.sluice.brokerd.group;

import io.sluice.brokerd.log.RecordBatchBuilder;

import java.util.List;
import java.util.function.BiConsumer;

/**
 * Where the coordinator keeps committed offsets: the partitions of the compacted internal topic
 * {@code __consumer_offsets}. An I/O seam so the state machine is tested with an in-memory fake.
 */
public interface OffsetStore {
    int partitionCount();

    /** Appends records to {@code partition} before returning; throws when they could not be written. */
    void append(int partition, List<RecordBatchBuilder.Entry> records, long nowMs);

    /** Replays every record of {@code partition} in offset order (value null for tombstones). */
    void forEachRecord(int partition, BiConsumer<byte[], byte[]> action);
}
