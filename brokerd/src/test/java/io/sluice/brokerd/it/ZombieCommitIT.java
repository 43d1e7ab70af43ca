package io.sluice.brokerd.it;

import io.sluice.brokerd.Broker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** A member left behind by a rebalance (a zombie) cannot commit, and its commit does not land. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ZombieCommitIT {
    @TempDir
    Path dataDir;

    private static JoinGroupRequestData join(String memberId) {
        JoinGroupRequestData.JoinGroupRequestProtocolCollection protocols = new JoinGroupRequestData.JoinGroupRequestProtocolCollection();
        protocols.add(new JoinGroupRequestData.JoinGroupRequestProtocol().setName("range").setMetadata(new byte[0]));
        return new JoinGroupRequestData().setGroupId("zombies").setMemberId(memberId).setSessionTimeoutMs(10_000)
                .setRebalanceTimeoutMs(1_000).setProtocolType("consumer").setProtocols(protocols);
    }

    /** Two-step join (v5); returns the completed response. */
    private static JoinGroupResponseData joinFully(RawClient c) throws Exception {
        // As a client does: find the coordinator (which creates __consumer_offsets), then join once it serves the group.
        c.call(ApiKeys.FIND_COORDINATOR, (short) 3, new org.apache.kafka.common.message.FindCoordinatorRequestData().setKey("zombies"));
        JoinGroupResponseData[] first = new JoinGroupResponseData[1];
        ItSupport.waitFor(() -> {
            try {
                first[0] = (JoinGroupResponseData) c.call(ApiKeys.JOIN_GROUP, (short) 5, join(""));
            } catch (Exception e) {
                throw new AssertionError(e);
            }
            // both mean "ask again": the coordinator moves here, then loads the partition's groups
            return first[0].errorCode() != Errors.NOT_COORDINATOR.code()
                    && first[0].errorCode() != Errors.COORDINATOR_LOAD_IN_PROGRESS.code();
        }, java.time.Duration.ofSeconds(20), "the coordinator to serve the group");
        return joinSecondStep(c, first[0]);
    }

    private static JoinGroupResponseData joinSecondStep(RawClient c, JoinGroupResponseData first) throws Exception {
        assertThat(first.errorCode()).isEqualTo(Errors.MEMBER_ID_REQUIRED.code());
        return (JoinGroupResponseData) c.call(ApiKeys.JOIN_GROUP, (short) 5, join(first.memberId()));
    }

    private static OffsetCommitRequestData commit(String memberId, int generation, long offset) {
        OffsetCommitRequestData req = new OffsetCommitRequestData().setGroupId("zombies").setMemberId(memberId)
                .setGenerationIdOrMemberEpoch(generation);
        req.topics().add(new OffsetCommitRequestData.OffsetCommitRequestTopic().setName("z")
                .setPartitions(List.of(new OffsetCommitRequestData.OffsetCommitRequestPartition().setPartitionIndex(0).setCommittedOffset(offset))));
        return req;
    }

    private static short commitError(RawClient c, String memberId, int generation, long offset) throws Exception {
        OffsetCommitResponseData r = (OffsetCommitResponseData) c.call(ApiKeys.OFFSET_COMMIT, (short) 8, commit(memberId, generation, offset));
        return r.topics().get(0).partitions().get(0).errorCode();
    }

    @Test
    void aMemberFromAnOldGenerationIsRejected() throws Exception {
        try (Broker broker = ItSupport.startBroker(dataDir, Map.of("group.initial.rebalance.delay.ms", "0", "offsets.topic.num.partitions", "2"));
             Admin admin = ItSupport.admin(broker.bootstrapServers());
             RawClient zombie = new RawClient("127.0.0.1", broker.boundAddress().getPort());
             RawClient fresh = new RawClient("127.0.0.1", broker.boundAddress().getPort())) {
            ItSupport.createTopic(admin, "z", 1, Map.of());
            JoinGroupResponseData z = joinFully(zombie);
            assertThat(z.generationId()).isEqualTo(1);
            SyncGroupResponseData zs = (SyncGroupResponseData) zombie.call(ApiKeys.SYNC_GROUP, (short) 3, new SyncGroupRequestData()
                    .setGroupId("zombies").setGenerationId(1).setMemberId(z.memberId()));
            assertThat(zs.errorCode()).isZero();
            assertThat(commitError(zombie, z.memberId(), 1, 5)).isEqualTo(Errors.NONE.code());

            // A new member joins; the old one never rejoins and is dropped at the rebalance timeout.
            CompletableFuture<JoinGroupResponseData> f = CompletableFuture.supplyAsync(() -> {
                try {
                    return joinFully(fresh);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            JoinGroupResponseData n = f.get(30, TimeUnit.SECONDS);
            assertThat(n.generationId()).isEqualTo(2);
            assertThat(n.members()).extracting(JoinGroupResponseData.JoinGroupResponseMember::memberId).containsExactly(n.memberId());

            short zombieCommit = commitError(zombie, z.memberId(), 1, 999);
            assertThat(zombieCommit).as("the dropped member is unknown now").isEqualTo(Errors.UNKNOWN_MEMBER_ID.code());
            assertThat(commitError(fresh, n.memberId(), 1, 999)).as("right member, old generation").isEqualTo(Errors.ILLEGAL_GENERATION.code());
            long landed = admin.listConsumerGroupOffsets("zombies").partitionsToOffsetAndMetadata().get()
                    .get(new org.apache.kafka.common.TopicPartition("z", 0)).offset();
            assertThat(landed).as("neither stale commit landed").isEqualTo(5);
        }
    }
}
