package io.sluice.brokerd.controller;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import io.sluice.brokerd.metadata.MetadataImage;

import java.util.List;

/**
 * Read-only requests a process sends the quorum leader (Ratis queries: never in the Raft log), and their replies,
 * as JSON. The {@code query} field names the request; a request without it is a {@link Heartbeat}, the only query
 * brokers sent before roles existed.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "query", defaultImpl = QuorumQuery.Heartbeat.class)
@JsonSubTypes({
        @JsonSubTypes.Type(value = QuorumQuery.Heartbeat.class, name = "Heartbeat"),
        @JsonSubTypes.Type(value = QuorumQuery.FetchMetadata.class, name = "FetchMetadata"),
        @JsonSubTypes.Type(value = QuorumQuery.DescribeQuorum.class, name = "DescribeQuorum"),
})
sealed interface QuorumQuery {
    /** A broker's heartbeat; answered with {@link HeartbeatReply}. */
    record Heartbeat(int nodeId, String incarnation) implements QuorumQuery {
    }

    /** {@code live}: the broker is registered by this process and not fenced. */
    record HeartbeatReply(boolean live) {
    }

    /**
     * An observer (a broker-only process) asks for the committed entries after {@code appliedIndex}, the last one
     * it applied (-1: none); the leader answers at once when it has newer ones, otherwise after up to
     * {@code maxWaitMs} or as soon as one is applied. Answered with {@link MetadataDelta}.
     */
    record FetchMetadata(int nodeId, long appliedIndex, long maxWaitMs) implements QuorumQuery {
    }

    /** One applied log entry. */
    record Entry(long index, MetadataCommand command) {
    }

    /**
     * The leader's answer to {@link FetchMetadata}: either {@code image} (non-null: the whole image at
     * {@code appliedIndex}, when the asked-for entries are no longer held in memory) or the {@code entries} after the
     * asked-for index. {@code appliedIndex} is the leader's last applied index (entries without metadata, such as
     * Raft's own configuration and no-op entries, leave gaps).
     */
    record MetadataDelta(int leaderId, long leaderEpoch, long appliedIndex, MetadataImage image, List<Entry> entries) {
    }

    /** Asks the quorum leader for {@link QuorumDescription}. */
    record DescribeQuorum() implements QuorumQuery {
    }
}
