package io.sluice.brokerd.producer;

import java.nio.file.Path;

/**
 * Idempotent-producer state of one partition: per producer id its epoch and the metadata (sequence range, offset
 * range) of its last five appended batches, enough to drop retried duplicates and refuse gaps.
 * Snapshots live beside the segments as {@code <offset>.snapshot}; after a restart the state is the latest snapshot
 * plus the batches appended after it, replayed through {@link #onAppended}.
 * <p>
 * Not thread-safe: the owning PartitionLog calls it under its lock.
 */
public final class ProducerStateManager {

    public ProducerStateManager(Path partitionDir, long producerIdExpirationMs) {
        throw new UnsupportedOperationException("producer: implement");
    }

    /** Checks a batch from an idempotent producer (producerId >= 0) against the known state. */
    public SequenceCheck check(long producerId, short producerEpoch, int baseSequence, int lastSequence) {
        throw new UnsupportedOperationException("producer: implement");
    }

    /** Records an appended batch (also used when replaying the log during recovery). */
    public void onAppended(long producerId, short producerEpoch, int baseSequence, int lastSequence,
                           long firstOffset, long lastOffset, long maxTimestampMs) {
        throw new UnsupportedOperationException("producer: implement");
    }

    /** Loads the newest snapshot at or below {@code maxOffset}; returns the offset replay must start from (0 if none). */
    public long loadSnapshot(long maxOffset) {
        throw new UnsupportedOperationException("producer: implement");
    }

    /** Writes {@code <logEndOffset>.snapshot} atomically and keeps only the newest few. */
    public void takeSnapshot(long logEndOffset) {
        throw new UnsupportedOperationException("producer: implement");
    }

    /** Forgets batches at or above {@code offset} (log truncation) and producers that no longer have any. */
    public void truncateTo(long offset) {
        throw new UnsupportedOperationException("producer: implement");
    }

    /** Drops producers idle longer than the expiration (based on their last batch timestamp). */
    public void removeExpired(long nowMs) {
        throw new UnsupportedOperationException("producer: implement");
    }
}
