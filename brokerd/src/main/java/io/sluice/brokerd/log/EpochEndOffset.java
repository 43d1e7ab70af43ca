package io.sluice.brokerd.log;

/**
 * A leader epoch and the offset where the log moved past it (Kafka's OffsetForLeaderEpoch answer).
 *
 * @param epoch     the largest epoch of the log not above the one asked about, -1 when undefined
 * @param endOffset the first offset after it (the log end offset for the latest epoch), -1 when undefined
 */
public record EpochEndOffset(int epoch, long endOffset) {
    public static final EpochEndOffset UNDEFINED = new EpochEndOffset(-1, -1);
}
