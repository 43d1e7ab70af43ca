package io.sluice.brokerd.controller;

import java.nio.file.Path;
import java.util.Map;

/**
 * What the controller quorum needs from brokerd.yaml.
 *
 * @param nodeId              this broker's node.id (its Raft peer id)
 * @param voters              every voter's controller address by node id; one entry (this node) on a single node
 * @param bindHost            host the Raft server binds
 * @param bindPort            port the Raft server binds (0: any free port, single node only)
 * @param storageDir          {@code <data.dir>/__controller}
 * @param sessionTimeoutMs    a broker without a heartbeat this long is fenced
 * @param heartbeatIntervalMs how often a broker heartbeats
 * @param requestTimeoutMs    longest a metadata change waits to be committed
 * @param snapshotEntries     committed entries between controller snapshots, and entries the log keeps behind each
 * @param logSegmentBytes     size at which the Raft log rolls to a new segment file (the unit of purging)
 */
public record ControllerConfig(int nodeId, Map<Integer, String> voters, String bindHost, int bindPort, Path storageDir,
                               long sessionTimeoutMs, long heartbeatIntervalMs, long requestTimeoutMs, long snapshotEntries,
                               int logSegmentBytes) {
    public ControllerConfig {
        voters = Map.copyOf(voters);
    }

    public boolean isSingleVoter() {
        return voters.size() == 1;
    }
}
