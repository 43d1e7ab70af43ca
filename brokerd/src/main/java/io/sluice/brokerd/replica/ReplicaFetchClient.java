package io.sluice.brokerd.replica;

import io.sluice.brokerd.common.TopicPartition;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * How a follower fetches from a leader: one Fetch request per leader with this broker's replica id, in the broker's
 * own types (the api layer implements it on the inter-broker client and kafka-clients' message classes).
 */
public interface ReplicaFetchClient extends AutoCloseable {
    /** Where a follower is in one partition. */
    record Position(TopicPartition tp, int currentLeaderEpoch, long fetchOffset, int lastFetchedEpoch, long logStartOffset) {
    }

    /** What the leader answered for one partition. */
    enum Error { NONE, OFFSET_OUT_OF_RANGE, NOT_LEADER, FENCED_LEADER_EPOCH, UNKNOWN_LEADER_EPOCH, UNKNOWN_PARTITION, OTHER }

    /**
     * One partition of the answer. {@code records} holds whole and possibly one trailing partial batch (the
     * follower drops the partial one); {@code divergingEpoch} is -1 unless the leader says the follower's log
     * diverges, then the follower truncates to {@code divergingEndOffset}.
     */
    record Fetched(TopicPartition tp, Error error, long highWatermark, long logStartOffset, ByteBuffer records,
                   int divergingEpoch, long divergingEndOffset) {
    }

    CompletableFuture<List<Fetched>> fetch(String host, int port, int maxWaitMs, int maxBytes, List<Position> positions);

    @Override
    void close();
}
