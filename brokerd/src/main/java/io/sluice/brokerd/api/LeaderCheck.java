package io.sluice.brokerd.api;

import io.sluice.brokerd.common.TopicPartition;
import io.sluice.brokerd.log.PartitionLog;
import io.sluice.brokerd.metadata.PartitionState;
import io.sluice.brokerd.metadata.TopicInfo;
import io.sluice.brokerd.replica.ReplicaManager;
import org.apache.kafka.common.protocol.Errors;

import java.util.Optional;

/**
 * Whether this broker may serve a partition request as its leader, answered as Kafka does: unknown topic (by name or
 * id) or partition, NOT_LEADER_OR_FOLLOWER when another broker leads (the client refreshes metadata), and the
 * client's {@code currentLeaderEpoch} (-1: not given) checked against the committed one: newer is
 * UNKNOWN_LEADER_EPOCH (this broker lags the controller), older is FENCED_LEADER_EPOCH (the client lags). A leader
 * whose log directory went offline (an I/O error) answers KAFKA_STORAGE_ERROR at once, until the controller has moved
 * the leadership (then NOT_LEADER_OR_FOLLOWER); clients refresh their metadata and retry on both.
 *
 * @param error the refusal, or {@link Errors#NONE}
 * @param log   the leader's log when {@code error} is NONE
 * @param state the partition's committed state when the partition exists
 */
record LeaderCheck(Errors error, PartitionLog log, PartitionState state) {

    static LeaderCheck of(ReplicaManager replicas, Optional<TopicInfo> topic, boolean byId, int partition, int currentLeaderEpoch) {
        if (topic.isEmpty()) {
            return new LeaderCheck(byId ? Errors.UNKNOWN_TOPIC_ID : Errors.UNKNOWN_TOPIC_OR_PARTITION, null, null);
        }
        TopicInfo t = topic.get();
        if (partition < 0 || partition >= t.partitions()) {
            return new LeaderCheck(Errors.UNKNOWN_TOPIC_OR_PARTITION, null, null);
        }
        PartitionState state = t.partition(partition);
        if (currentLeaderEpoch >= 0 && currentLeaderEpoch > state.leaderEpoch()) {
            return new LeaderCheck(Errors.UNKNOWN_LEADER_EPOCH, null, state);
        }
        if (currentLeaderEpoch >= 0 && currentLeaderEpoch < state.leaderEpoch()) {
            return new LeaderCheck(Errors.FENCED_LEADER_EPOCH, null, state);
        }
        if (state.leader() != replicas.nodeId()) {
            return new LeaderCheck(Errors.NOT_LEADER_OR_FOLLOWER, null, state);
        }
        Optional<PartitionLog> log = replicas.log(new TopicPartition(t.name(), partition));
        if (log.isEmpty()) {
            // Committed here as leader, but the log is not created yet: the client retries.
            return new LeaderCheck(Errors.NOT_LEADER_OR_FOLLOWER, null, state);
        }
        if (log.get().isFailed()) {
            return new LeaderCheck(Errors.KAFKA_STORAGE_ERROR, null, state);
        }
        return new LeaderCheck(Errors.NONE, log.get(), state);
    }

    /**
     * KAFKA_STORAGE_ERROR for clients that know it (Produce v4+, Fetch v6+: earlier versions predate it), else
     * NOT_LEADER_OR_FOLLOWER, which sends them to the metadata too.
     */
    static Errors storageError(boolean clientKnowsIt) {
        return clientKnowsIt ? Errors.KAFKA_STORAGE_ERROR : Errors.NOT_LEADER_OR_FOLLOWER;
    }

    /** {@link #error()}, KAFKA_STORAGE_ERROR as {@link #storageError} says for the request's version. */
    Errors error(boolean clientKnowsStorageError) {
        return error == Errors.KAFKA_STORAGE_ERROR ? storageError(clientKnowsStorageError) : error;
    }

    boolean ok() {
        return error == Errors.NONE;
    }
}
