package io.sluice.brokerd.group;

import io.sluice.brokerd.common.TopicPartition;

import java.util.List;

/** The coordinator's request and result types (immutable), free of protocol classes. */
public final class GroupTypes {
    private GroupTypes() {
    }

    /** A protocol a member supports (e.g. an assignor) with its opaque metadata. */
    public record Protocol(String name, byte[] metadata) {
    }

    /**
     * JoinGroup as the coordinator sees it. {@code requireKnownMemberId}: the client speaks JoinGroup v4+, so a
     * new member first gets MEMBER_ID_REQUIRED with its id.
     */
    public record JoinRequest(String groupId, String memberId, String groupInstanceId, String clientId, String clientHost,
                              int sessionTimeoutMs, int rebalanceTimeoutMs, String protocolType, List<Protocol> protocols,
                              boolean requireKnownMemberId) {
    }

    /** A member as the leader sees it in the JoinGroup response. */
    public record JoinedMember(String memberId, String groupInstanceId, byte[] metadata) {
    }

    /** JoinGroup outcome; {@code members} is filled for the leader only. */
    public record JoinResult(GroupError error, int generationId, String protocolType, String protocolName, String leaderId,
                             String memberId, List<JoinedMember> members) {
        static JoinResult error(GroupError e, String memberId) {
            return new JoinResult(e, -1, null, null, "", memberId, List.of());
        }
    }

    /** One member's assignment in the leader's SyncGroup. */
    public record Assignment(String memberId, byte[] assignment) {
    }

    public record SyncRequest(String groupId, int generationId, String memberId, String groupInstanceId, String protocolType,
                              String protocolName, List<Assignment> assignments) {
    }

    public record SyncResult(GroupError error, String protocolType, String protocolName, byte[] assignment) {
        static SyncResult error(GroupError e) {
            return new SyncResult(e, null, null, new byte[0]);
        }
    }

    /** A member leaving (LeaveGroup v3+ batches them). */
    public record Leaving(String memberId, String groupInstanceId) {
    }

    public record LeaveResult(String memberId, String groupInstanceId, GroupError error) {
    }

    /** A committed offset. {@code leaderEpoch} -1 when unknown; metadata may be null. */
    public record CommittedOffset(long offset, int leaderEpoch, String metadata, long commitTimestampMs) {
    }

    public record PartitionOffset(TopicPartition partition, CommittedOffset offset) {
    }

    /**
     * OffsetDelete outcome: {@code error} for the whole group (GROUP_ID_NOT_FOUND, NOT_COORDINATOR, or the mapped
     * failure of the tombstones' write, then {@code partitions} is empty), else NONE and an error per partition.
     */
    public record OffsetDeleteResult(GroupError error, java.util.Map<TopicPartition, GroupError> partitions) {
    }

    public record GroupOverview(String groupId, String protocolType, GroupState state) {
    }

    public record MemberDescription(String memberId, String groupInstanceId, String clientId, String clientHost,
                                    byte[] metadata, byte[] assignment) {
    }

    public record GroupDescription(String groupId, GroupState state, String protocolType, String protocolName,
                                   List<MemberDescription> members) {
    }
}
