package io.sluice.brokerd.controller;

import java.util.List;

/**
 * The controller quorum as its leader sees it, for DescribeQuorum. Offsets are Raft log positions: an entry's
 * offset is its log index, so a log end offset is the next index and the high watermark the commit index plus one
 * (as in Kafka's metadata log). Times are wall-clock epoch ms; -1 when unknown.
 *
 * @param leaderId      node id of the leader
 * @param leaderEpoch   the Raft term
 * @param highWatermark commit index + 1
 * @param voters        every voter, the leader included
 * @param observers     broker-only processes that fetched metadata from this leader in the last five minutes
 */
public record QuorumDescription(int leaderId, long leaderEpoch, long highWatermark, List<Replica> voters,
                                List<Replica> observers) {
    /**
     * @param nodeId              node id
     * @param logEndOffset        the next log index this replica is known to hold (-1 when unknown)
     * @param lastFetchMs         when the leader last heard from it
     * @param lastCaughtUpMs      when it was last known to hold everything the leader had committed
     */
    public record Replica(int nodeId, long logEndOffset, long lastFetchMs, long lastCaughtUpMs) {
    }
}
