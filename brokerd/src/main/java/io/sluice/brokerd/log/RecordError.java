package io.sluice.brokerd.log;

/**
 * One record that made its batch be refused: its index in the batch (Kafka's {@code batch_index}) and why.
 *
 * @param batchIndex index of the record in its batch, from 0
 * @param message    why, safe to return to the client
 */
public record RecordError(int batchIndex, String message) {
}
