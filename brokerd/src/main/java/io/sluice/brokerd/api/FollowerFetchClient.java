package io.sluice.brokerd.api;

import io.sluice.brokerd.common.TopicPartition;
import io.sluice.brokerd.network.InterBrokerClient;
import io.sluice.brokerd.replica.ReplicaFetchClient;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.BaseRecords;
import org.apache.kafka.common.record.MemoryRecords;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Follower fetches on the wire: Fetch v12 (topic names, {@code lastFetchedEpoch} and diverging-epoch answers,
 * replica id in the request body), sessionless, through the {@link InterBrokerClient}.
 */
public final class FollowerFetchClient implements ReplicaFetchClient {
    private static final short VERSION = 12;

    private final int nodeId;
    private final InterBrokerClient client;

    public FollowerFetchClient(int nodeId, InterBrokerClient client) {
        this.nodeId = nodeId;
        this.client = client;
    }

    @Override
    public CompletableFuture<List<Fetched>> fetch(String host, int port, int maxWaitMs, int maxBytes, List<Position> positions) {
        FetchRequestData req = new FetchRequestData().setReplicaId(nodeId).setMaxWaitMs(maxWaitMs).setMinBytes(1)
                .setMaxBytes(maxBytes).setIsolationLevel((byte) 0).setSessionId(0).setSessionEpoch(-1);
        Map<String, FetchRequestData.FetchTopic> byTopic = new LinkedHashMap<>();
        for (Position p : positions) {
            byTopic.computeIfAbsent(p.tp().topic(), t -> new FetchRequestData.FetchTopic().setTopic(t)).partitions()
                    .add(new FetchRequestData.FetchPartition().setPartition(p.tp().partition())
                            .setCurrentLeaderEpoch(p.currentLeaderEpoch()).setFetchOffset(p.fetchOffset())
                            .setLastFetchedEpoch(p.lastFetchedEpoch()).setLogStartOffset(p.logStartOffset())
                            .setPartitionMaxBytes(maxBytes));
        }
        req.topics().addAll(byTopic.values());
        return client.send(host, port, ApiKeys.FETCH, VERSION, req).thenApply(r -> results((FetchResponseData) r));
    }

    private static List<Fetched> results(FetchResponseData resp) {
        List<Fetched> out = new ArrayList<>();
        Errors top = Errors.forCode(resp.errorCode());
        for (FetchResponseData.FetchableTopicResponse t : resp.responses()) {
            for (FetchResponseData.PartitionData pd : t.partitions()) {
                Errors e = top != Errors.NONE ? top : Errors.forCode(pd.errorCode());
                ByteBuffer records = records(pd.records());
                FetchResponseData.EpochEndOffset div = pd.divergingEpoch();
                boolean diverging = div != null && div.epoch() >= 0 && div.endOffset() >= 0;
                out.add(new Fetched(new TopicPartition(t.topic(), pd.partitionIndex()), errorOf(e), pd.highWatermark(),
                        pd.logStartOffset(), records, diverging ? div.epoch() : -1, diverging ? div.endOffset() : -1));
            }
        }
        return out;
    }

    private static ByteBuffer records(BaseRecords r) {
        if (r instanceof MemoryRecords mr) {
            return mr.buffer();
        }
        return ByteBuffer.allocate(0);
    }

    static Error errorOf(Errors e) {
        return switch (e) {
            case NONE -> Error.NONE;
            case OFFSET_OUT_OF_RANGE -> Error.OFFSET_OUT_OF_RANGE;
            case NOT_LEADER_OR_FOLLOWER -> Error.NOT_LEADER;
            case FENCED_LEADER_EPOCH -> Error.FENCED_LEADER_EPOCH;
            case UNKNOWN_LEADER_EPOCH -> Error.UNKNOWN_LEADER_EPOCH;
            case UNKNOWN_TOPIC_OR_PARTITION, UNKNOWN_TOPIC_ID -> Error.UNKNOWN_PARTITION;
            default -> Error.OTHER;
        };
    }

    @Override
    public void close() {
        client.close();
    }
}
