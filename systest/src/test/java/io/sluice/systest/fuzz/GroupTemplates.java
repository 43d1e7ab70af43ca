package io.sluice.systest.fuzz;

import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor;
import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.DeleteGroupsRequestData;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetDeleteRequestData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Valid requests of the classic group protocol, as the Java consumer and the admin client send them: the join
 * family on a group of its own per iteration, the offsets family on a small pool of groups (see {@link Plausible}).
 */
final class GroupTemplates {
    private GroupTemplates() {
    }

    static void register(Map<ApiKeys, RequestGenerator.Template> out) {
        out.put(ApiKeys.FIND_COORDINATOR, GroupTemplates::findCoordinator);
        out.put(ApiKeys.JOIN_GROUP, GroupTemplates::joinGroup);
        out.put(ApiKeys.SYNC_GROUP, GroupTemplates::syncGroup);
        out.put(ApiKeys.HEARTBEAT, GroupTemplates::heartbeat);
        out.put(ApiKeys.LEAVE_GROUP, GroupTemplates::leaveGroup);
        out.put(ApiKeys.OFFSET_COMMIT, GroupTemplates::offsetCommit);
        out.put(ApiKeys.OFFSET_FETCH, GroupTemplates::offsetFetch);
        out.put(ApiKeys.LIST_GROUPS, GroupTemplates::listGroups);
        out.put(ApiKeys.DESCRIBE_GROUPS, GroupTemplates::describeGroups);
        out.put(ApiKeys.DELETE_GROUPS, GroupTemplates::deleteGroups);
        out.put(ApiKeys.OFFSET_DELETE, GroupTemplates::offsetDelete);
    }

    private static String anyGroup(Plausible p) {
        return p.chance(50) ? p.offsetsGroup() : p.recentJoinGroup();
    }

    static ApiMessage findCoordinator(short version, Plausible p) {
        FindCoordinatorRequestData req = new FindCoordinatorRequestData();
        if (version >= 1) {
            req.setKeyType(p.chance(90) ? (byte) 0 : (byte) 1);
        }
        if (version >= 4) {
            int n = p.between(1, 3);
            for (int i = 0; i < n; i++) {
                req.coordinatorKeys().add(anyGroup(p));
            }
        } else {
            req.setKey(anyGroup(p));
        }
        return req;
    }

    /** A consumer's subscription to one or two topics, as the Java consumer encodes it. */
    private static byte[] subscription(Plausible p) {
        List<String> topics = new ArrayList<>(List.of(p.topic()));
        if (p.chance(30)) {
            topics.add(p.topic());
        }
        ByteBuffer b = ConsumerProtocol.serializeSubscription(new ConsumerPartitionAssignor.Subscription(topics));
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    static ApiMessage joinGroup(short version, Plausible p) {
        JoinGroupRequestData req = new JoinGroupRequestData().setGroupId(p.joinGroup())
                .setSessionTimeoutMs(p.oneOf(6000, 8000, 10_000, 1000)).setRebalanceTimeoutMs(p.oneOf(5000, 10_000))
                .setMemberId(p.chance(80) ? "" : p.memberId()).setProtocolType(p.chance(90) ? "consumer" : "connect");
        if (version >= 5) {
            req.setGroupInstanceId(p.instanceId());
        }
        if (version >= 8) {
            req.setReason(p.chance(50) ? null : "fuzz");
        }
        req.protocols().add(new JoinGroupRequestData.JoinGroupRequestProtocol().setName("range").setMetadata(subscription(p)));
        if (p.chance(30)) {
            req.protocols().add(new JoinGroupRequestData.JoinGroupRequestProtocol().setName("cooperative-sticky").setMetadata(subscription(p)));
        }
        return req;
    }

    static ApiMessage syncGroup(short version, Plausible p) {
        SyncGroupRequestData req = new SyncGroupRequestData().setGroupId(p.recentJoinGroup())
                .setGenerationId(p.oneOf(-1, 0, 1, 2)).setMemberId(p.memberId());
        if (version >= 3) {
            req.setGroupInstanceId(p.instanceId());
        }
        if (version >= 5) {
            req.setProtocolType("consumer").setProtocolName("range");
        }
        if (p.chance(50)) {
            ByteBuffer a = ConsumerProtocol.serializeAssignment(new ConsumerPartitionAssignor.Assignment(
                    List.of(new TopicPartition(p.topic(), 0))));
            byte[] assignment = new byte[a.remaining()];
            a.get(assignment);
            req.assignments().add(new SyncGroupRequestData.SyncGroupRequestAssignment().setMemberId(req.memberId()).setAssignment(assignment));
        }
        return req;
    }

    static ApiMessage heartbeat(short version, Plausible p) {
        HeartbeatRequestData req = new HeartbeatRequestData().setGroupId(p.recentJoinGroup())
                .setGenerationId(p.oneOf(-1, 0, 1)).setMemberId(p.memberId());
        if (version >= 3) {
            req.setGroupInstanceId(p.instanceId());
        }
        return req;
    }

    static ApiMessage leaveGroup(short version, Plausible p) {
        LeaveGroupRequestData req = new LeaveGroupRequestData().setGroupId(p.recentJoinGroup());
        if (version < 3) {
            return req.setMemberId(p.memberId());
        }
        int n = p.between(1, 2);
        for (int i = 0; i < n; i++) {
            LeaveGroupRequestData.MemberIdentity m = new LeaveGroupRequestData.MemberIdentity().setMemberId(p.memberId())
                    .setGroupInstanceId(p.instanceId());
            if (version >= 5) {
                m.setReason(p.chance(50) ? null : "fuzz");
            }
            req.members().add(m);
        }
        return req;
    }

    static ApiMessage offsetCommit(short version, Plausible p) {
        OffsetCommitRequestData req = new OffsetCommitRequestData().setGroupId(p.offsetsGroup())
                .setGenerationIdOrMemberEpoch(p.chance(90) ? -1 : p.between(0, 2)).setMemberId(p.chance(90) ? "" : p.memberId());
        if (version >= 7) {
            req.setGroupInstanceId(p.chance(95) ? null : "inst-0");
        }
        String topic = p.topic();
        OffsetCommitRequestData.OffsetCommitRequestTopic t = new OffsetCommitRequestData.OffsetCommitRequestTopic();
        if (version >= 10) {
            t.setTopicId(p.topicId(topic));
        } else {
            t.setName(topic);
        }
        for (int partition : p.partitions(topic)) {
            t.partitions().add(new OffsetCommitRequestData.OffsetCommitRequestPartition().setPartitionIndex(partition)
                    .setCommittedOffset(p.offset()).setCommittedLeaderEpoch(p.leaderEpoch())
                    .setCommittedMetadata(p.oneOf(null, "", "meta", "m".repeat(5000))));
        }
        req.topics().add(t);
        return req;
    }

    static ApiMessage offsetFetch(short version, Plausible p) {
        OffsetFetchRequestData req = new OffsetFetchRequestData();
        if (version >= 7) {
            req.setRequireStable(p.chance(50));
        }
        if (version < 8) {
            req.setGroupId(p.offsetsGroup());
            if (version >= 2 && p.chance(30)) {
                return req.setTopics(null);
            }
            String topic = p.topic();
            req.topics().add(new OffsetFetchRequestData.OffsetFetchRequestTopic().setName(topic).setPartitionIndexes(p.partitions(topic)));
            return req;
        }
        int groups = p.between(1, 2);
        for (int g = 0; g < groups; g++) {
            OffsetFetchRequestData.OffsetFetchRequestGroup group = new OffsetFetchRequestData.OffsetFetchRequestGroup().setGroupId(p.offsetsGroup());
            if (p.chance(30)) {
                group.setTopics(null);
            } else {
                String topic = p.topic();
                OffsetFetchRequestData.OffsetFetchRequestTopics t = new OffsetFetchRequestData.OffsetFetchRequestTopics()
                        .setPartitionIndexes(p.partitions(topic));
                if (version >= 10) {
                    t.setTopicId(p.topicId(topic));
                } else {
                    t.setName(topic);
                }
                group.topics().add(t);
            }
            req.groups().add(group);
        }
        return req;
    }

    static ApiMessage listGroups(short version, Plausible p) {
        ListGroupsRequestData req = new ListGroupsRequestData();
        if (version >= 4 && p.chance(50)) {
            req.setStatesFilter(new ArrayList<>(List.of(p.oneOf("Stable", "Empty", "PreparingRebalance", "Bogus"))));
        }
        if (version >= 5 && p.chance(50)) {
            req.setTypesFilter(new ArrayList<>(List.of(p.oneOf("classic", "consumer", "share"))));
        }
        return req;
    }

    static ApiMessage describeGroups(short version, Plausible p) {
        DescribeGroupsRequestData req = new DescribeGroupsRequestData();
        int n = p.between(1, 3);
        for (int i = 0; i < n; i++) {
            req.groups().add(anyGroup(p));
        }
        if (version >= 3) {
            req.setIncludeAuthorizedOperations(p.chance(50));
        }
        return req;
    }

    static ApiMessage deleteGroups(short version, Plausible p) {
        DeleteGroupsRequestData req = new DeleteGroupsRequestData();
        int n = p.between(1, 2);
        for (int i = 0; i < n; i++) {
            req.groupsNames().add(anyGroup(p));
        }
        return req;
    }

    static ApiMessage offsetDelete(short version, Plausible p) {
        OffsetDeleteRequestData req = new OffsetDeleteRequestData().setGroupId(p.offsetsGroup());
        String topic = p.topic();
        OffsetDeleteRequestData.OffsetDeleteRequestTopic t = new OffsetDeleteRequestData.OffsetDeleteRequestTopic().setName(topic);
        for (int partition : p.partitions(topic)) {
            t.partitions().add(new OffsetDeleteRequestData.OffsetDeleteRequestPartition().setPartitionIndex(partition));
        }
        req.topics().add(t);
        return req;
    }
}
