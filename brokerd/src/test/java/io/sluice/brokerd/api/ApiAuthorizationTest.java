package io.sluice.brokerd.api;

import io.sluice.brokerd.auth.Authorizer;
import io.sluice.brokerd.metadata.TopicRegistry;
import io.sluice.brokerd.network.ApiHandler;
import io.sluice.brokerd.network.RequestContext;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsResponseData;
import org.apache.kafka.common.message.DeleteTopicsRequestData;
import org.apache.kafka.common.message.DeleteTopicsResponseData;
import org.apache.kafka.common.message.DescribeConfigsRequestData;
import org.apache.kafka.common.message.DescribeConfigsResponseData;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.protocol.MessageUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The authorization layer's refusals at every version brokerd serves: a principal without ACLs asks for one topic or
 * group; the handler behind is a fake that records what reached it. The refused entries must carry Kafka's code,
 * the handler must not see them, and the response must serialize at the request's version (the refusals are built by
 * hand, so a field a version cannot carry would break that version's clients).
 */
@Timeout(30)
class ApiAuthorizationTest {
    final AclHandlersTest.FakeWriter writer = new AclHandlersTest.FakeWriter();
    final ApiAuthorization authorization = new ApiAuthorization(new RequestAuthorizer(new Authorizer(Set.of("User:admin"), false),
            () -> writer.image().acls(), (op, type) -> { }), new TopicRegistry(writer, Map.of()), true);
    final AtomicReference<ApiMessage> reached = new AtomicReference<>();

    ApiHandler handlerAnswering(ApiMessage empty) {
        return (ctx, r) -> {
            reached.set(r);
            return CompletableFuture.completedFuture(empty);
        };
    }

    ApiMessage call(ApiKeys api, int version, ApiMessage request, ApiMessage emptyResponse) throws Exception {
        RequestContext ctx = AclHandlersTest.as("alice", api);
        ctx = new RequestContext(api, (short) version, 1, "test", ctx.clientAddress(), 0, Runnable::run, Runnable::run, null, ctx.session());
        reached.set(null);
        ApiMessage response = authorization.guard(api, handlerAnswering(emptyResponse)).handle(ctx, request).get();
        MessageUtil.toByteBufferAccessor(response, (short) version); // throws when the version cannot carry it
        return response;
    }

    @Test
    void topicRefusalsSerializeAtEveryVersion() throws Exception {
        short denied = Errors.TOPIC_AUTHORIZATION_FAILED.code();
        for (int v = 2; v <= 7; v++) {
            CreateTopicsRequestData req = new CreateTopicsRequestData();
            req.topics().add(new CreateTopicsRequestData.CreatableTopic().setName("t").setNumPartitions(1).setReplicationFactor((short) 1));
            CreateTopicsResponseData r = (CreateTopicsResponseData) call(ApiKeys.CREATE_TOPICS, v, req, new CreateTopicsResponseData());
            assertThat(r.topics().find("t").errorCode()).as("CreateTopics v%d", v).isEqualTo(denied);
            assertThat(reached.get()).isNull();
        }
        for (int v = 1; v <= 5; v++) {
            DeleteTopicsResponseData r = (DeleteTopicsResponseData) call(ApiKeys.DELETE_TOPICS, v,
                    new DeleteTopicsRequestData().setTopicNames(List.of("t")), new DeleteTopicsResponseData());
            assertThat(r.responses().find("t").errorCode()).as("DeleteTopics v%d", v).isEqualTo(denied);
        }
        for (int v = 3; v <= 12; v++) {
            ProduceRequestData req = new ProduceRequestData().setAcks((short) 1).setTimeoutMs(1000);
            req.topicData().add(new ProduceRequestData.TopicProduceData().setName("t")
                    .setPartitionData(List.of(new ProduceRequestData.PartitionProduceData().setIndex(0))));
            ProduceResponseData r = (ProduceResponseData) call(ApiKeys.PRODUCE, v, req, new ProduceResponseData());
            assertThat(r.responses().iterator().next().partitionResponses().get(0).errorCode()).as("Produce v%d", v).isEqualTo(denied);
        }
        for (int v = 4; v <= 12; v++) {
            FetchRequestData req = new FetchRequestData().setReplicaId(-1).setSessionEpoch(-1);
            req.topics().add(new FetchRequestData.FetchTopic().setTopic("t")
                    .setPartitions(List.of(new FetchRequestData.FetchPartition().setPartition(0))));
            FetchResponseData r = (FetchResponseData) call(ApiKeys.FETCH, v, req, new FetchResponseData());
            assertThat(r.responses().get(0).partitions().get(0).errorCode()).as("Fetch v%d", v).isEqualTo(denied);
        }
        for (int v = 0; v <= 13; v++) {
            MetadataRequestData req = new MetadataRequestData().setTopics(List.of(new MetadataRequestData.MetadataRequestTopic().setName("t")))
                    .setAllowAutoTopicCreation(true);
            MetadataResponseData r = (MetadataResponseData) call(ApiKeys.METADATA, v, req, new MetadataResponseData());
            assertThat(r.topics().find("t").errorCode()).as("Metadata v%d", v).isEqualTo(denied);
            assertThat(((MetadataRequestData) reached.get()).topics()).as("not auto-created").isEmpty();
        }
        for (int v = 1; v <= 4; v++) {
            DescribeConfigsRequestData req = new DescribeConfigsRequestData().setResources(List.of(
                    new DescribeConfigsRequestData.DescribeConfigsResource().setResourceType((byte) 2).setResourceName("t"),
                    new DescribeConfigsRequestData.DescribeConfigsResource().setResourceType((byte) 4).setResourceName("1")));
            DescribeConfigsResponseData r = (DescribeConfigsResponseData) call(ApiKeys.DESCRIBE_CONFIGS, v, req, new DescribeConfigsResponseData());
            assertThat(r.results()).extracting(DescribeConfigsResponseData.DescribeConfigsResult::errorCode)
                    .as("DescribeConfigs v%d", v).containsExactly(denied, Errors.CLUSTER_AUTHORIZATION_FAILED.code());
        }
    }

    @Test
    void groupRefusalsSerializeAtEveryVersion() throws Exception {
        short denied = Errors.GROUP_AUTHORIZATION_FAILED.code();
        for (int v = 2; v <= 9; v++) {
            OffsetCommitRequestData req = new OffsetCommitRequestData().setGroupId("g").setTopics(List.of(
                    new OffsetCommitRequestData.OffsetCommitRequestTopic().setName("t").setPartitions(List.of(
                            new OffsetCommitRequestData.OffsetCommitRequestPartition().setPartitionIndex(0).setCommittedOffset(5)))));
            OffsetCommitResponseData r = (OffsetCommitResponseData) call(ApiKeys.OFFSET_COMMIT, v, req, new OffsetCommitResponseData());
            assertThat(r.topics().get(0).partitions().get(0).errorCode()).as("OffsetCommit v%d", v).isEqualTo(denied);
        }
        for (int v = 0; v <= 9; v++) {
            JoinGroupRequestData req = new JoinGroupRequestData().setGroupId("g").setProtocolType("consumer").setMemberId("");
            ApiMessage r = call(ApiKeys.JOIN_GROUP, v, req, null);
            assertThat(((org.apache.kafka.common.message.JoinGroupResponseData) r).errorCode()).as("JoinGroup v%d", v).isEqualTo(denied);
            assertThat(reached.get()).isNull();
        }
        for (int v = 0; v <= 6; v++) {
            FindCoordinatorRequestData req = v < 4 ? new FindCoordinatorRequestData().setKey("g")
                    : new FindCoordinatorRequestData().setCoordinatorKeys(List.of("g"));
            FindCoordinatorResponseData r = (FindCoordinatorResponseData) call(ApiKeys.FIND_COORDINATOR, v, req, new FindCoordinatorResponseData());
            short code = v < 4 ? r.errorCode() : r.coordinators().get(0).errorCode();
            assertThat(code).as("FindCoordinator v%d", v).isEqualTo(denied);
        }
    }
}
