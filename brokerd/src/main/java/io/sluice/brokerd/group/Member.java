package io.sluice.brokerd.group;

import io.sluice.brokerd.group.GroupTypes.JoinResult;
import io.sluice.brokerd.group.GroupTypes.Protocol;
import io.sluice.brokerd.group.GroupTypes.SyncResult;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/** One member of a classic group. Mutable; guarded by the coordinator's lock. */
final class Member {
    String memberId;
    final String groupInstanceId;
    String clientId;
    String clientHost;
    int sessionTimeoutMs;
    int rebalanceTimeoutMs;
    String protocolType;
    List<Protocol> protocols;
    byte[] assignment = new byte[0];
    long lastHeartbeatMs;
    /** Set while the member waits in JoinGroup for the rebalance to complete. */
    CompletableFuture<JoinResult> awaitingJoin;
    /** Set while the member waits in SyncGroup for the leader's assignment. */
    CompletableFuture<SyncResult> awaitingSync;

    Member(String memberId, String groupInstanceId) {
        this.memberId = memberId;
        this.groupInstanceId = groupInstanceId;
    }

    byte[] metadataFor(String protocolName) {
        for (Protocol p : protocols) {
            if (p.name().equals(protocolName)) {
                return p.metadata();
            }
        }
        return new byte[0];
    }

    boolean supports(String protocolName) {
        return protocols.stream().anyMatch(p -> p.name().equals(protocolName));
    }

    boolean sameProtocols(List<Protocol> other) {
        if (other.size() != protocols.size()) {
            return false;
        }
        for (int i = 0; i < other.size(); i++) {
            if (!other.get(i).name().equals(protocols.get(i).name())
                    || !java.util.Arrays.equals(other.get(i).metadata(), protocols.get(i).metadata())) {
                return false;
            }
        }
        return true;
    }

    boolean isExpired(long nowMs) {
        return awaitingJoin == null && nowMs - lastHeartbeatMs > sessionTimeoutMs;
    }
}
