package io.sluice.systest.fuzz;

import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;

import java.util.List;

/**
 * A valid request as generated, before any mutation: its API, version and body (a kafka-clients {@code *Data}
 * message) and, for Produce, the batches each partition carries (so that a mutator can re-encode them with lies).
 */
record BaseRequest(ApiKeys key, short version, ApiMessage body, List<ProducedPartition> produced) {
    static final String CLIENT_ID = "sluice-fuzz";

    /** The batches of one partition of a Produce: {@code topicIndex}/{@code partitionIndex} locate it in the body. */
    record ProducedPartition(int topicIndex, int partitionIndex, String topic, List<BatchSpec> batches) {
    }

    /** Header and body, without the size prefix. */
    byte[] encode(int correlationId) {
        return Wire.encode(key, version, correlationId, CLIENT_ID, body);
    }

    @Override
    public String toString() {
        return key + " v" + version;
    }
}
