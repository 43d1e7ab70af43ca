package io.sluice.brokerd.log;

/**
 * One aborted transaction as the {@code .txnindex} holds it (Kafka's entry): the producer, the offset of its first
 * record in this partition, the offset of its ABORT marker, and the last stable offset when the marker was written
 * (the first offset of the oldest transaction of another producer still open then, else the marker's offset + 1). A
 * read that ends below that last stable offset needs no entry written after this one.
 */
public record AbortedTxn(long producerId, long firstOffset, long lastOffset, long lastStableOffset) {
}
