package io.sluice.systest.fuzz;

import java.util.HexFormat;
import java.util.List;

/**
 * A request as it goes on the wire after a mutator changed it: the bytes after the size field, the size field
 * itself (the byte count, unless {@code lyingSize} says otherwise), what was done to it, and what the judge must
 * see in the answer besides well-formedness: partitions whose lying batches must be refused.
 *
 * @param lyingSize  a size field that does not match {@code request} (the frame is garbage from there), or null
 * @param mustRefuse Produce partitions whose batches lie in a way the broker must refuse
 */
record Mutation(String mutator, String description, byte[] request, Integer lyingSize, List<RefusedPartition> mustRefuse) {

    /** A Produce partition, by topic name (before v13) or id, that must be answered with an error. */
    record RefusedPartition(String topic, org.apache.kafka.common.Uuid topicId, int partition, String why) {
    }

    static Mutation of(String mutator, String description, byte[] request) {
        return new Mutation(mutator, description, request, null, List.of());
    }

    /** The frame as sent: size field, then the request bytes. */
    byte[] frame() {
        int size = lyingSize != null ? lyingSize : request.length;
        return java.nio.ByteBuffer.allocate(4 + request.length).putInt(size).put(request).array();
    }

    /** The frame in hex, cut after {@code maxBytes} bytes (with the full length said). */
    String hex(int maxBytes) {
        byte[] f = frame();
        if (f.length <= maxBytes) {
            return HexFormat.of().formatHex(f);
        }
        return HexFormat.of().formatHex(f, 0, maxBytes) + "... (" + f.length + " bytes)";
    }
}
