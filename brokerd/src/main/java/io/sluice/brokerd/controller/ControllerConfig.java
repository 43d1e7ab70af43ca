package io.sluice.brokerd.controller;

import java.nio.file.Path;
import java.util.Map;

/**
 * What the controller quorum needs from brokerd.yaml.
 *
 * @param nodeId              this process's node.id (its Raft peer id when it is a voter)
 * @param voters              every voter's controller address by node id; one entry (this node) on a single node
 * @param bindHost            host the Raft server binds (voters only)
 * @param bindPort            port the Raft server binds (0: any free port, single node only)
 * @param storageDir          {@code <data.dir>/__controller}
 * @param sessionTimeoutMs    a broker without a heartbeat this long is fenced
 * @param heartbeatIntervalMs how often a broker heartbeats
 * @param requestTimeoutMs    longest a metadata change waits to be committed
 * @param snapshotEntries     committed entries between controller snapshots, and entries the log keeps behind each
 * @param logSegmentBytes     size at which the Raft log rolls to a new segment file (the unit of purging)
 * @param voter               this process is one of {@code voters} ({@code process.roles} has controller); false: it
 *                            only observes the quorum (process.roles=broker)
 */
public record ControllerConfig(int nodeId, Map<Integer, String> voters, String bindHost, int bindPort, Path storageDir,
                               long sessionTimeoutMs, long heartbeatIntervalMs, long requestTimeoutMs, long snapshotEntries,
                               int logSegmentBytes, boolean voter) {
    public ControllerConfig {
        voters = Map.copyOf(voters);
    }

    /** A voter (combined broker and controller, as before roles existed). */
    public ControllerConfig(int nodeId, Map<Integer, String> voters, String bindHost, int bindPort, Path storageDir,
                            long sessionTimeoutMs, long heartbeatIntervalMs, long requestTimeoutMs, long snapshotEntries,
                            int logSegmentBytes) {
        this(nodeId, voters, bindHost, bindPort, storageDir, sessionTimeoutMs, heartbeatIntervalMs, requestTimeoutMs,
                snapshotEntries, logSegmentBytes, true);
    }

    /** This process is the quorum's only voter: it proposes to its own Raft server, with no client. */
    public boolean isSingleVoter() {
        return voter && voters.size() == 1;
    }
}
