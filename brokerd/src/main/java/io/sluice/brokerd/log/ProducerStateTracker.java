package io.sluice.brokerd.log;

import io.sluice.brokerd.producer.ProducerStateManager;
import io.sluice.brokerd.producer.SequenceCheck;

import java.nio.ByteBuffer;
import java.util.Map;

/**
 * The log's side of idempotent-producer state: it reads the producer fields of batch headers and feeds them to
 * {@link ProducerStateManager}, which keeps per producer id its epoch and last sequences. Every batch the log gains
 * passes {@link #onAppended} (leader and follower appends, and the replay of the log when it opens); truncation
 * and expiry follow the log.
 * <p>
 * Transactions plug in here: the batches' transactional and control bits mark where a producer's transaction
 * begins and ends (the last stable offset, aborted ranges for the {@code .txnindex}), and a snapshot of this state
 * at each segment roll would spare the replay of the whole log on open.
 * <p>
 * Not thread-safe: the owning log calls it under its lock.
 */
final class ProducerStateTracker {
    private final ProducerStateManager producers;

    ProducerStateTracker(long producerIdExpirationMs) {
        this.producers = new ProducerStateManager(producerIdExpirationMs);
    }

    /**
     * Checks the idempotent batches among {@code batches} (v2 batches from position 0 to the limit) against the
     * known state: Accept when all may be appended; Duplicate only when the request is that single batch (a retry,
     * answered with its original offsets); Reject otherwise, also for a multi-batch request that repeats a batch.
     */
    SequenceCheck check(ByteBuffer batches, int batchCount) {
        for (int pos = 0; pos < batches.limit(); pos += RecordBatchHeader.totalSize(batches, pos)) {
            long pid = RecordBatchHeader.producerId(batches, pos);
            if (pid < 0) {
                continue;
            }
            SequenceCheck c = producers.check(pid, RecordBatchHeader.producerEpoch(batches, pos),
                    RecordBatchHeader.baseSequence(batches, pos), RecordBatchHeader.lastSequence(batches, pos));
            if (c instanceof SequenceCheck.Reject) {
                return c;
            }
            if (c instanceof SequenceCheck.Duplicate) {
                if (batchCount == 1) {
                    return c;
                }
                return new SequenceCheck.Reject(SequenceCheck.Reason.OUT_OF_ORDER_SEQUENCE_NUMBER,
                        "a request with several batches repeats an already appended batch");
            }
        }
        return new SequenceCheck.Accept();
    }

    /** Records every batch of {@code batches} (position 0 to the limit, offsets assigned) that has a producer id. */
    void onAppended(ByteBuffer batches) {
        for (int pos = 0; pos < batches.limit(); pos += RecordBatchHeader.totalSize(batches, pos)) {
            onBatch(batches, pos);
        }
    }

    /** Records one batch whose header (at least {@link RecordBatchHeader#HEADER_BYTES}) sits at {@code pos}. */
    void onBatch(ByteBuffer header, int pos) {
        long pid = RecordBatchHeader.producerId(header, pos);
        if (pid >= 0) {
            producers.onAppended(pid, RecordBatchHeader.producerEpoch(header, pos), RecordBatchHeader.baseSequence(header, pos),
                    RecordBatchHeader.lastSequence(header, pos), RecordBatchHeader.baseOffset(header, pos),
                    RecordBatchHeader.lastOffset(header, pos), RecordBatchHeader.maxTimestamp(header, pos));
        }
    }

    /** The log was cut at {@code offset}: batches at or above it are forgotten. */
    void truncateTo(long offset) {
        producers.truncateTo(offset);
    }

    /** The log starts over empty. */
    void clear() {
        producers.truncateTo(Long.MIN_VALUE);
    }

    /** Forgets producers silent for longer than the expiration. */
    void removeExpired(long nowMs) {
        producers.removeExpired(nowMs);
    }

    /** Producer id -> last offset of its newest batch (the batches compaction keeps; see ProducerStateManager). */
    Map<Long, Long> lastOffsets() {
        return producers.lastOffsets();
    }

    /** Producers tracked (tests). */
    int producerCount() {
        return producers.producerCount();
    }
}
