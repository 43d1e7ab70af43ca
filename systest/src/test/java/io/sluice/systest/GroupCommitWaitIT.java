package io.sluice.systest;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.HeartbeatResponseData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An offset commit waiting for a frozen follower holds up no other group request. Three brokerd processes,
 * {@code __consumer_offsets} with one partition (so every group has the same coordinator) on all three; a follower
 * of it that is not the controller is SIGSTOPped, so it stays in the ISR (replica.lag.time.max.ms, the broker
 * session and offsets.commit.timeout.ms are all a minute) and the high watermark cannot pass a new commit. While
 * that commit waits, a member of another group heartbeats past its session timeout, a new group is joined, and
 * OffsetFetch from another connection still reads the previous offset; after SIGCONT the commit is answered and
 * visible, and an OffsetFetch pipelined behind it on its own connection reads it. Requests go over
 * raw connections to the coordinator, so no client picks the frozen broker by chance.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class GroupCommitWaitIT extends ClusterTest {
    private static final String TOPIC = "work";
    /** Long enough that a loaded test machine does not expire the member between two heartbeats. */
    private static final int SESSION_TIMEOUT_MS = 10_000;
    private static final Duration HEARTBEAT_INTERVAL = Duration.ofMillis(500);

    @Test
    void heartbeatsJoinsAndFetchesAreAnsweredWhileACommitWaitsForAFrozenFollower() throws Exception {
        cluster = new BrokerCluster(root, 3, Map.of("broker.session.timeout.ms", "60000", "broker.heartbeat.interval.ms", "300",
                "replica.lag.time.max.ms", "60000", "offsets.commit.timeout.ms", "60000", "offsets.topic.num.partitions", "1",
                "group.initial.rebalance.delay.ms", "0", "auto.leader.rebalance.enable", "false"));
        cluster.startAll();
        admin = ClusterMetadataIT.admin(cluster.bootstrap());
        BrokerCluster.waitFor(() -> liveNodes() == 3, Duration.ofSeconds(30), "three registered brokers");
        admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 3))).all().get(30, TimeUnit.SECONDS);
        try (RawKafkaClient any = new RawKafkaClient(cluster.clientPort(1))) {
            any.call(ApiKeys.FIND_COORDINATOR, (short) 3, new FindCoordinatorRequestData().setKey("busy")); // creates the topic
        }

        BrokerCluster.waitFor(() -> offsetsPartition() != null && offsetsPartition().isr().size() == 3, Duration.ofSeconds(60),
                "__consumer_offsets-0 with three in-sync replicas");
        int coordinator = offsetsPartition().leader().id();
        int controller = admin.describeCluster().controller().get(10, TimeUnit.SECONDS).id();
        int follower = offsetsPartition().replicas().stream().mapToInt(n -> n.id())
                .filter(id -> id != coordinator && id != controller).findFirst().orElseThrow();

        try (RawKafkaClient member = new RawKafkaClient(cluster.clientPort(coordinator));
             RawKafkaClient committer = new RawKafkaClient(cluster.clientPort(coordinator));
             RawKafkaClient probe = new RawKafkaClient(cluster.clientPort(coordinator))) {
            JoinGroupResponseData joined = joinAndSync(member, "live");
            assertThat(commit(committer, "busy", 5)).isEqualTo(Errors.NONE);
            assertThat(fetchCommitted(probe, "busy")).isEqualTo(5);

            cluster.pause(follower);
            paused = follower;
            int pending = committer.send(ApiKeys.OFFSET_COMMIT, (short) 8, commitRequest("busy", 10));
            // Pipelined on the same connection, as Kafka clients may: it must read that commit, not the one before.
            int ownRead = committer.send(ApiKeys.OFFSET_FETCH, (short) 5, fetchRequest("busy"));

            // Heartbeat as a client would, for longer than the session timeout; every one is answered while the
            // commit still waits (its response has not started to arrive).
            long untilNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(SESSION_TIMEOUT_MS + 2_000);
            int beats = 0;
            for (long nextNs = System.nanoTime(); nextNs < untilNs; nextNs += HEARTBEAT_INTERVAL.toNanos()) {
                LockSupport.parkNanos(nextNs - System.nanoTime()); // the heartbeat interval, not a wait for a condition
                assertThat(heartbeat(member, "live", joined)).as("heartbeat %d", beats).isEqualTo(Errors.NONE);
                assertThat(committer.responseArrived()).as("the commit waits for the frozen follower").isFalse();
                beats++;
            }
            assertThat(fetchCommitted(probe, "busy")).as("the waiting commit is not visible yet").isEqualTo(5);
            JoinGroupResponseData fresh = (JoinGroupResponseData) probe.call(ApiKeys.JOIN_GROUP, (short) 5, joinRequest("fresh", ""));
            assertThat(Errors.forCode(fresh.errorCode())).isEqualTo(Errors.MEMBER_ID_REQUIRED);
            DescribeGroupsResponseData described = (DescribeGroupsResponseData) probe.call(ApiKeys.DESCRIBE_GROUPS, (short) 3,
                    new DescribeGroupsRequestData().setGroups(List.of("live")));
            assertThat(described.groups().get(0).groupState()).isEqualTo("Stable");
            assertThat(committer.responseArrived()).isFalse();

            long resumedNs = System.nanoTime();
            cluster.resume(follower);
            paused = null;
            OffsetCommitResponseData answered = (OffsetCommitResponseData) committer.receive(ApiKeys.OFFSET_COMMIT, (short) 8,
                    pending, Duration.ofSeconds(60));
            long answeredNs = System.nanoTime();
            OffsetFetchResponseData readBack = (OffsetFetchResponseData) committer.receive(ApiKeys.OFFSET_FETCH, (short) 5, ownRead,
                    Duration.ofSeconds(10));
            assertThat(readBack.topics().get(0).partitions().get(0).committedOffset()).as("read-your-commit on one connection").isEqualTo(10);
            assertThat(Errors.forCode(answered.topics().get(0).partitions().get(0).errorCode())).isEqualTo(Errors.NONE);
            assertThat(fetchCommitted(probe, "busy")).isEqualTo(10);
            assertThat(heartbeat(member, "live", joined)).isEqualTo(Errors.NONE);
            System.out.printf("GroupCommitWaitIT: %d heartbeats answered while a commit waited for frozen broker %d; "
                    + "the commit was answered %d ms after SIGCONT%n", beats, follower, TimeUnit.NANOSECONDS.toMillis(answeredNs - resumedNs));
        }
    }

    private int liveNodes() {
        try {
            return admin.describeCluster().nodes().get(10, TimeUnit.SECONDS).size();
        } catch (Exception e) {
            return -1;
        }
    }

    private TopicPartitionInfo offsetsPartition() {
        try {
            return admin.describeTopics(List.of("__consumer_offsets")).allTopicNames().get(10, TimeUnit.SECONDS)
                    .get("__consumer_offsets").partitions().get(0);
        } catch (Exception e) {
            return null;
        }
    }

    private static JoinGroupRequestData joinRequest(String group, String memberId) {
        JoinGroupRequestData.JoinGroupRequestProtocolCollection protocols = new JoinGroupRequestData.JoinGroupRequestProtocolCollection();
        protocols.add(new JoinGroupRequestData.JoinGroupRequestProtocol().setName("range").setMetadata(new byte[0]));
        return new JoinGroupRequestData().setGroupId(group).setMemberId(memberId).setSessionTimeoutMs(SESSION_TIMEOUT_MS)
                .setRebalanceTimeoutMs(SESSION_TIMEOUT_MS).setProtocolType("consumer").setProtocols(protocols);
    }

    /** Joins {@code group} as its only member (two-step join, then the leader's SyncGroup); the group is stable. */
    private static JoinGroupResponseData joinAndSync(RawKafkaClient c, String group) throws Exception {
        JoinGroupResponseData[] first = new JoinGroupResponseData[1];
        BrokerCluster.waitFor(() -> {
            try {
                first[0] = (JoinGroupResponseData) c.call(ApiKeys.JOIN_GROUP, (short) 5, joinRequest(group, ""));
            } catch (Exception e) {
                throw new AssertionError(e);
            }
            return first[0].errorCode() != Errors.NOT_COORDINATOR.code() && first[0].errorCode() != Errors.COORDINATOR_LOAD_IN_PROGRESS.code();
        }, Duration.ofSeconds(30), "the coordinator to serve " + group);
        assertThat(Errors.forCode(first[0].errorCode())).isEqualTo(Errors.MEMBER_ID_REQUIRED);
        JoinGroupResponseData joined = (JoinGroupResponseData) c.call(ApiKeys.JOIN_GROUP, (short) 5, joinRequest(group, first[0].memberId()));
        assertThat(Errors.forCode(joined.errorCode())).isEqualTo(Errors.NONE);
        SyncGroupResponseData synced = (SyncGroupResponseData) c.call(ApiKeys.SYNC_GROUP, (short) 3, new SyncGroupRequestData()
                .setGroupId(group).setGenerationId(joined.generationId()).setMemberId(joined.memberId())
                .setAssignments(List.of(new SyncGroupRequestData.SyncGroupRequestAssignment().setMemberId(joined.memberId())
                        .setAssignment(new byte[0]))));
        assertThat(Errors.forCode(synced.errorCode())).isEqualTo(Errors.NONE);
        return joined;
    }

    private static Errors heartbeat(RawKafkaClient c, String group, JoinGroupResponseData joined) throws Exception {
        HeartbeatResponseData r = (HeartbeatResponseData) c.call(ApiKeys.HEARTBEAT, (short) 3, new HeartbeatRequestData()
                .setGroupId(group).setGenerationId(joined.generationId()).setMemberId(joined.memberId()));
        return Errors.forCode(r.errorCode());
    }

    /** A standalone commit (generation -1, as Admin and assign()-consumers send) of {@code offset} for work-0. */
    private static OffsetCommitRequestData commitRequest(String group, long offset) {
        OffsetCommitRequestData req = new OffsetCommitRequestData().setGroupId(group).setMemberId("").setGenerationIdOrMemberEpoch(-1);
        req.topics().add(new OffsetCommitRequestData.OffsetCommitRequestTopic().setName(TOPIC).setPartitions(List.of(
                new OffsetCommitRequestData.OffsetCommitRequestPartition().setPartitionIndex(0).setCommittedOffset(offset))));
        return req;
    }

    private static Errors commit(RawKafkaClient c, String group, long offset) throws Exception {
        OffsetCommitResponseData r = (OffsetCommitResponseData) c.call(ApiKeys.OFFSET_COMMIT, (short) 8, commitRequest(group, offset));
        return Errors.forCode(r.topics().get(0).partitions().get(0).errorCode());
    }

    private static OffsetFetchRequestData fetchRequest(String group) {
        return new OffsetFetchRequestData().setGroupId(group).setTopics(List.of(new OffsetFetchRequestData.OffsetFetchRequestTopic()
                .setName(TOPIC).setPartitionIndexes(List.of(0))));
    }

    private static long fetchCommitted(RawKafkaClient c, String group) throws Exception {
        OffsetFetchResponseData r = (OffsetFetchResponseData) c.call(ApiKeys.OFFSET_FETCH, (short) 5, fetchRequest(group));
        assertThat(Errors.forCode(r.errorCode())).isEqualTo(Errors.NONE);
        return r.topics().get(0).partitions().get(0).committedOffset();
    }
}
