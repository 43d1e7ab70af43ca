package io.sluice.brokerd.log;

import io.sluice.brokerd.common.TopicPartition;

import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * One partition's append-only log: a sequence of segments in {@code <data.dir>/<topic>-<partition>/}.
 * <p>
 * Thread-safety: appends, truncation and segment deletion are serialised on the log's lock; reads may run
 * concurrently with an append and only see batches that were completely written. On a single node the
 * high watermark equals the log end offset after every append (replication moves it separately later).
 */
public final class PartitionLog implements AutoCloseable {

    private PartitionLog() {
        throw new UnsupportedOperationException("storage: implement");
    }

    public TopicPartition topicPartition() {
        throw new UnsupportedOperationException("storage: implement");
    }

    /**
     * Validates and appends the record batches of one produce request (a concatenation of v2 batches, exactly as
     * produced). On success the batch headers get their baseOffset and partitionLeaderEpoch (and maxTimestamp for
     * LogAppendTime) written in place before the bytes go to the active segment; nothing is recompressed.
     * Either every batch is appended or none is.
     */
    public AppendResult appendAsLeader(ByteBuffer records, int leaderEpoch, long nowMs) {
        throw new UnsupportedOperationException("storage: implement");
    }

    /**
     * Reads whole batches from {@code fetchOffset}, at most {@code maxBytes} unless {@code minOneBatch} and the first
     * batch is larger (then that one batch), never past {@code maxOffsetExclusive} (the high watermark for consumers).
     */
    public ReadResult read(long fetchOffset, int maxBytes, boolean minOneBatch, long maxOffsetExclusive) {
        throw new UnsupportedOperationException("storage: implement");
    }

    public long logStartOffset() {
        throw new UnsupportedOperationException("storage: implement");
    }

    /** The offset the next appended record will get. */
    public long logEndOffset() {
        throw new UnsupportedOperationException("storage: implement");
    }

    public long highWatermark() {
        throw new UnsupportedOperationException("storage: implement");
    }

    /** First record with timestamp >= {@code timestampMs}; empty when none. */
    public Optional<TimestampOffset> offsetForTimestamp(long timestampMs) {
        throw new UnsupportedOperationException("storage: implement");
    }

    /** The record with the largest timestamp (earliest offset among equals); empty when the log is empty. */
    public Optional<TimestampOffset> maxTimestamp() {
        throw new UnsupportedOperationException("storage: implement");
    }

    /**
     * Moves the log start offset up to {@code offset} (DeleteRecords); whole segments below it are removed.
     * Returns the new log start offset; throws IllegalArgumentException when offset > high watermark.
     */
    public long deleteRecordsBefore(long offset) {
        throw new UnsupportedOperationException("storage: implement");
    }

    /** Size of all segments, bytes. */
    public long sizeBytes() {
        throw new UnsupportedOperationException("storage: implement");
    }

    public LogConfig config() {
        throw new UnsupportedOperationException("storage: implement");
    }

    /** Applies altered topic configs (takes effect at the next append / maintenance pass). */
    public void updateConfig(LogConfig config) {
        throw new UnsupportedOperationException("storage: implement");
    }

    /** Time-based roll, retention, flush.ms; called periodically by LogManager. */
    public void maintain(long nowMs) {
        throw new UnsupportedOperationException("storage: implement");
    }

    /** fsyncs everything appended so far and moves the recovery point. */
    public void flush() {
        throw new UnsupportedOperationException("storage: implement");
    }

    @Override
    public void close() {
        throw new UnsupportedOperationException("storage: implement");
    }
}
