package io.sluice.brokerd.network;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.timeout.IdleStateEvent;
import org.apache.kafka.common.message.ApiMessageType;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.DescribeClusterRequestData;
import org.apache.kafka.common.message.DescribeClusterResponseData;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.ListGroupsResponseData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.RequestHeaderData;
import org.apache.kafka.common.message.ResponseHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.protocol.ObjectSerializationCache;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/** The pipeline in an EmbeddedChannel: framing limits, ordering, errors, ApiVersions, idle handling. */
@Timeout(10)
class RequestDispatcherTest {
    private final List<CompletableFuture<ApiMessage>> metadataFutures = new ArrayList<>();
    private final ApiRegistry registry = new ApiRegistry();
    private final List<String> observed = new ArrayList<>();
    private final RequestObserver observer = (api, nanos, errors) -> observed.add(api + " " + errors);
    private EmbeddedChannel channel;

    RequestDispatcherTest() {
        registry.register(ApiKeys.METADATA, 0, 13, (ctx, req) -> {
            CompletableFuture<ApiMessage> f = new CompletableFuture<>();
            metadataFutures.add(f);
            return f;
        });
        registry.register(ApiKeys.PRODUCE, 0, 13, (ctx, req) -> {
            ProduceRequestData produce = (ProduceRequestData) req;
            if (produce.acks() == 0) {
                // Each topic named "denied*" is answered TOPIC_AUTHORIZATION_FAILED, the others NONE.
                var resp = new org.apache.kafka.common.message.ProduceResponseData();
                for (ProduceRequestData.TopicProduceData t : produce.topicData()) {
                    resp.responses().add(new org.apache.kafka.common.message.ProduceResponseData.TopicProduceResponse()
                            .setName(t.name()).setPartitionResponses(List.of(new org.apache.kafka.common.message.ProduceResponseData.PartitionProduceResponse()
                                    .setErrorCode(t.name().startsWith("denied") ? Errors.TOPIC_AUTHORIZATION_FAILED.code() : 0))));
                }
                return CompletableFuture.completedFuture(produce.topicData().isEmpty() ? null : resp);
            }
            throw new IllegalStateException("boom");
        });
        // A handler that throws an Error itself, and one whose task on the request executor does.
        registry.register(ApiKeys.LIST_GROUPS, 0, 5, (ctx, req) -> {
            throw new AssertionError("handler bug");
        });
        registry.register(ApiKeys.DESCRIBE_CLUSTER, 0, 1, (ctx, req) -> {
            CompletableFuture<ApiMessage> never = new CompletableFuture<>();
            ctx.executor().execute(() -> {
                throw new StackOverflowError("task bug");
            });
            return never;
        });
        registry.register(ApiKeys.DESCRIBE_GROUPS, 0, 5, (ctx, req) ->
                CompletableFuture.supplyAsync(() -> new DescribeGroupsResponseData(), ctx.executor()));
        ApiVersionsHandler.register(registry);
    }

    /** Request tasks queued here run when {@link #runPool} says, as a ThreadPoolExecutor worker would run them. */
    private final java.util.ArrayDeque<Runnable> pool = new java.util.ArrayDeque<>();

    private void runPool() {
        while (!pool.isEmpty()) {
            try {
                pool.pollFirst().run();
            } catch (Throwable t) {
                observed.add("pool saw " + t.getClass().getSimpleName());
            }
        }
    }

    private EmbeddedChannel channel(int maxFrameBytes) {
        return channel(maxFrameBytes, Runnable::run);
    }

    /** A channel whose requests' slow work runs on {@code requestPool}. */
    private EmbeddedChannel channel(int maxFrameBytes, java.util.concurrent.Executor requestPool) {
        ConnectionBudget budget = new ConnectionBudget(QueuedRequestBytes.unbounded(), 100, -1);
        channel = new EmbeddedChannel(new FrameDecoder(maxFrameBytes, budget, observer),
                new RequestDispatcher(registry, Clock.systemUTC(), budget, requestPool, observer));
        return channel;
    }

    @AfterEach
    void close() {
        if (channel != null) {
            channel.finishAndReleaseAll();
        }
    }

    static ByteBuf frame(ApiKeys key, short version, int correlationId, ApiMessage body) {
        RequestHeaderData h = new RequestHeaderData().setRequestApiKey(key.id).setRequestApiVersion(version)
                .setCorrelationId(correlationId).setClientId("test");
        short hv = key.requestHeaderVersion(version);
        ObjectSerializationCache cache = new ObjectSerializationCache();
        int size = h.size(cache, hv) + body.size(cache, version);
        ByteBuffer buf = ByteBuffer.allocate(4 + size).putInt(size);
        ByteBufferAccessor a = new ByteBufferAccessor(buf);
        h.write(a, cache, hv);
        body.write(a, cache, version);
        return Unpooled.wrappedBuffer(buf.array());
    }

    /** Drains the outbound side into whole response frames: correlation id and the body bytes. */
    private List<ByteBuffer> responses() {
        ByteBuf all = Unpooled.buffer();
        for (Object o; (o = channel.readOutbound()) != null; ) {
            ByteBuf b = (ByteBuf) o;
            all.writeBytes(b);
            b.release();
        }
        List<ByteBuffer> out = new ArrayList<>();
        while (all.readableBytes() >= 4) {
            int size = all.readInt();
            byte[] bytes = new byte[size];
            all.readBytes(bytes);
            out.add(ByteBuffer.wrap(bytes));
        }
        all.release();
        return out;
    }

    private static int correlationId(ByteBuffer response, short headerVersion) {
        return new ResponseHeaderData(new ByteBufferAccessor(response), headerVersion).correlationId();
    }

    @Test
    void responsesLeaveInRequestOrderWhateverOrderTheyComplete() {
        channel(1 << 20);
        for (int i = 1; i <= 3; i++) {
            channel.writeInbound(frame(ApiKeys.METADATA, (short) 12, i, new MetadataRequestData()));
        }
        assertThat(metadataFutures).hasSize(3);
        metadataFutures.get(2).complete(new MetadataResponseData().setClusterId("third"));
        metadataFutures.get(1).complete(new MetadataResponseData().setClusterId("second"));
        channel.runPendingTasks();
        assertThat(responses()).isEmpty(); // the first is still pending, so nothing may leave
        metadataFutures.get(0).complete(new MetadataResponseData().setClusterId("first"));
        channel.runPendingTasks();
        List<ByteBuffer> rs = responses();
        assertThat(rs).hasSize(3);
        List<String> clusterIds = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ByteBufferAccessor a = new ByteBufferAccessor(rs.get(i));
            assertThat(new ResponseHeaderData(a, (short) 1).correlationId()).isEqualTo(i + 1);
            MetadataResponseData m = new MetadataResponseData();
            m.read(a, (short) 12);
            clusterIds.add(m.clusterId());
        }
        assertThat(clusterIds).containsExactly("first", "second", "third");
    }

    @Test
    void responsesWaitingBehindAnUnansweredRequestAreReleasedWhenTheConnectionCloses() {
        RecordingAllocator alloc = new RecordingAllocator();
        ConnectionBudget budget = new ConnectionBudget(QueuedRequestBytes.unbounded(), 100, -1);
        channel = new EmbeddedChannel(new FrameDecoder(1 << 20, budget, observer),
                new RequestDispatcher(registry, Clock.systemUTC(), budget, Runnable::run, observer, alloc));
        for (int i = 1; i <= 3; i++) {
            channel.writeInbound(frame(ApiKeys.METADATA, (short) 12, i, new MetadataRequestData()));
        }
        metadataFutures.get(1).complete(new MetadataResponseData().setClusterId("second"));
        channel.runPendingTasks();
        assertThat(alloc.allocated).hasSize(1);

        channel.close();
        channel.runPendingTasks();
        assertThat(alloc.unreleased()).isEmpty();
        metadataFutures.get(2).complete(new MetadataResponseData().setClusterId("third"));
        metadataFutures.get(0).complete(new MetadataResponseData().setClusterId("first"));
        channel.runPendingTasks();
        assertThat(alloc.allocated).as("nothing is serialized for a closed connection").hasSize(1);
        assertThat(observed).hasSize(3);
    }

    @Test
    void acksZeroGetsNoResponseAndKeepsTheOrderOfTheOthers() {
        channel(1 << 20);
        channel.writeInbound(frame(ApiKeys.METADATA, (short) 12, 1, new MetadataRequestData()));
        channel.writeInbound(frame(ApiKeys.PRODUCE, (short) 9, 2, new ProduceRequestData().setAcks((short) 0)));
        channel.writeInbound(frame(ApiKeys.METADATA, (short) 12, 3, new MetadataRequestData()));
        metadataFutures.get(1).complete(new MetadataResponseData());
        metadataFutures.get(0).complete(new MetadataResponseData());
        channel.runPendingTasks();
        List<ByteBuffer> rs = responses();
        assertThat(rs).hasSize(2);
        assertThat(correlationId(rs.get(0), (short) 1)).isEqualTo(1);
        assertThat(correlationId(rs.get(1), (short) 1)).isEqualTo(3);
    }

    @Test
    void acksZeroWithAnErrorClosesTheConnectionAfterTheEarlierResponses() {
        channel(1 << 20);
        channel.writeInbound(frame(ApiKeys.METADATA, (short) 12, 1, new MetadataRequestData()));
        channel.writeInbound(frame(ApiKeys.PRODUCE, (short) 9, 2, acksZero("allowed")));
        metadataFutures.get(0).complete(new MetadataResponseData());
        channel.runPendingTasks();
        assertThat(responses()).hasSize(1);
        assertThat(channel.isOpen()).as("acks=0 without an error keeps the connection").isTrue();
        // Pipelined: an ApiVersions right behind the failing produce, in the same read.
        channel.writeInbound(Unpooled.wrappedBuffer(frame(ApiKeys.PRODUCE, (short) 9, 3, acksZero("allowed", "denied-1")),
                frame(ApiKeys.API_VERSIONS, (short) 3, 4, new ApiVersionsRequestData()
                        .setClientSoftwareName("t").setClientSoftwareVersion("1"))));
        channel.runPendingTasks();
        assertThat(channel.isOpen()).as("the client gets no response, so the error closes the connection").isFalse();
        assertThat(responses()).as("nothing pipelined behind the failed produce is answered").isEmpty();
        assertThat(observed).contains("PRODUCE [TOPIC_AUTHORIZATION_FAILED]");
    }

    private static ProduceRequestData acksZero(String... topics) {
        ProduceRequestData req = new ProduceRequestData().setAcks((short) 0).setTimeoutMs(1000);
        for (String t : topics) {
            req.topicData().add(new ProduceRequestData.TopicProduceData().setName(t)
                    .setPartitionData(List.of(new ProduceRequestData.PartitionProduceData().setIndex(0)
                            .setRecords(org.apache.kafka.common.record.MemoryRecords.EMPTY))));
        }
        return req;
    }

    @Test
    void aHandlerExceptionBecomesThatApisErrorResponse() {
        channel(1 << 20);
        ProduceRequestData req = new ProduceRequestData().setAcks((short) 1).setTimeoutMs(1000);
        req.topicData().add(new ProduceRequestData.TopicProduceData().setName("t")
                .setPartitionData(List.of(new ProduceRequestData.PartitionProduceData().setIndex(0)
                        .setRecords(org.apache.kafka.common.record.MemoryRecords.EMPTY))));
        channel.writeInbound(frame(ApiKeys.PRODUCE, (short) 9, 7, req));
        List<ByteBuffer> rs = responses();
        assertThat(rs).hasSize(1);
        ByteBufferAccessor a = new ByteBufferAccessor(rs.get(0));
        assertThat(new ResponseHeaderData(a, ApiKeys.PRODUCE.responseHeaderVersion((short) 9)).correlationId()).isEqualTo(7);
        var resp = (org.apache.kafka.common.message.ProduceResponseData) ApiMessageType.PRODUCE.newResponse();
        resp.read(a, (short) 9);
        assertThat(resp.responses().iterator().next().partitionResponses().get(0).errorCode())
                .isEqualTo(Errors.UNKNOWN_SERVER_ERROR.code());
        assertThat(observed).containsExactly("PRODUCE [UNKNOWN_SERVER_ERROR]");
        assertThat(channel.isOpen()).isTrue();
        channel.writeInbound(frame(ApiKeys.METADATA, (short) 12, 8, new MetadataRequestData()));
        metadataFutures.get(0).complete(new MetadataResponseData());
        channel.runPendingTasks();
        assertThat(responses()).as("the next request on the connection is answered").hasSize(1);
    }

    @Test
    void anErrorThrownByAHandlerIsAnsweredWithUnknownServerErrorAndTheConnectionGoesOn() {
        channel(1 << 20);
        channel.writeInbound(frame(ApiKeys.LIST_GROUPS, (short) 4, 1, new ListGroupsRequestData()));
        channel.writeInbound(frame(ApiKeys.METADATA, (short) 12, 2, new MetadataRequestData()));
        metadataFutures.get(0).complete(new MetadataResponseData().setClusterId("after"));
        channel.runPendingTasks();

        List<ByteBuffer> rs = responses();
        assertThat(rs).hasSize(2);
        ByteBufferAccessor first = new ByteBufferAccessor(rs.get(0));
        assertThat(new ResponseHeaderData(first, ApiKeys.LIST_GROUPS.responseHeaderVersion((short) 4)).correlationId()).isEqualTo(1);
        ListGroupsResponseData listed = new ListGroupsResponseData();
        listed.read(first, (short) 4);
        assertThat(listed.errorCode()).isEqualTo(Errors.UNKNOWN_SERVER_ERROR.code());
        ByteBufferAccessor second = new ByteBufferAccessor(rs.get(1));
        assertThat(new ResponseHeaderData(second, (short) 1).correlationId()).isEqualTo(2);
        MetadataResponseData m = new MetadataResponseData();
        m.read(second, (short) 12);
        assertThat(m.clusterId()).isEqualTo("after");
        assertThat(channel.isOpen()).isTrue();
    }

    @Test
    void anErrorThrownByARequestTaskAnswersThatRequestAndTheConnectionsLaterTasksRun() {
        channel(1 << 20, pool::addLast);
        channel.writeInbound(frame(ApiKeys.DESCRIBE_CLUSTER, (short) 1, 1, new DescribeClusterRequestData()));
        channel.writeInbound(frame(ApiKeys.DESCRIBE_GROUPS, (short) 5, 2, new DescribeGroupsRequestData()));
        runPool();
        channel.runPendingTasks();

        List<ByteBuffer> rs = responses();
        assertThat(rs).as("both requests answered").hasSize(2);
        ByteBufferAccessor first = new ByteBufferAccessor(rs.get(0));
        assertThat(new ResponseHeaderData(first, ApiKeys.DESCRIBE_CLUSTER.responseHeaderVersion((short) 1)).correlationId()).isEqualTo(1);
        DescribeClusterResponseData cluster = new DescribeClusterResponseData();
        cluster.read(first, (short) 1);
        assertThat(cluster.errorCode()).isEqualTo(Errors.UNKNOWN_SERVER_ERROR.code());
        assertThat(correlationId(rs.get(1), ApiKeys.DESCRIBE_GROUPS.responseHeaderVersion((short) 5))).isEqualTo(2);
        assertThat(observed).containsExactly("DESCRIBE_CLUSTER [UNKNOWN_SERVER_ERROR]", "DESCRIBE_GROUPS []");
        assertThat(channel.isOpen()).isTrue();
    }

    @Test
    void apiVersionsTooNewGetsUnsupportedVersionAndTheTableInV0() {
        channel(1 << 20);
        channel.writeInbound(frame(ApiKeys.API_VERSIONS, (short) 3, 5, new ApiVersionsRequestData()
                .setClientSoftwareName("t").setClientSoftwareVersion("1")));
        ByteBuf tooNew = frame(ApiKeys.API_VERSIONS, (short) 3, 6, new ApiVersionsRequestData());
        tooNew.setShort(6, 99);
        channel.writeInbound(tooNew);
        List<ByteBuffer> rs = responses();
        assertThat(rs).hasSize(2);
        ByteBufferAccessor ok = new ByteBufferAccessor(rs.get(0));
        assertThat(new ResponseHeaderData(ok, (short) 0).correlationId()).isEqualTo(5);
        ApiVersionsResponseData v3 = new ApiVersionsResponseData();
        v3.read(ok, (short) 3);
        assertThat(v3.errorCode()).isZero();
        assertThat(v3.apiKeys().find(ApiKeys.METADATA.id).maxVersion()).isEqualTo((short) 13);
        ByteBufferAccessor bad = new ByteBufferAccessor(rs.get(1));
        assertThat(new ResponseHeaderData(bad, (short) 0).correlationId()).isEqualTo(6);
        ApiVersionsResponseData v0 = new ApiVersionsResponseData();
        v0.read(bad, (short) 0);
        assertThat(v0.errorCode()).isEqualTo(Errors.UNSUPPORTED_VERSION.code());
        assertThat(v0.apiKeys().find(ApiKeys.PRODUCE.id)).isNotNull();
    }

    @Test
    void oversizedNegativeAndTruncatedFramesCloseTheConnection() {
        channel(100);
        channel.writeInbound(Unpooled.buffer().writeInt(101));
        assertThat(channel.isOpen()).isFalse();
        channel.finishAndReleaseAll();
        channel(100);
        channel.writeInbound(Unpooled.buffer().writeInt(-5).writeLong(0));
        assertThat(channel.isOpen()).isFalse();
        channel.finishAndReleaseAll();
        channel(100);
        channel.writeInbound(Unpooled.buffer().writeInt(3).writeByte(0).writeByte(3).writeByte(0));
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void unknownApiKeysAndUnimplementedVersionsCloseTheConnection() {
        channel(1 << 20);
        ByteBuf unknown = frame(ApiKeys.METADATA, (short) 12, 1, new MetadataRequestData());
        unknown.setShort(4, 999);
        channel.writeInbound(unknown);
        assertThat(channel.isOpen()).isFalse();
        channel.finishAndReleaseAll();
        channel(1 << 20);
        // Produce v2 is advertised (librdkafka needs min 0) but cannot be parsed: closed with a logged reason.
        channel.writeInbound(frame(ApiKeys.PRODUCE, (short) 3, 1, new ProduceRequestData()).setShort(6, 2));
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void idleConnectionsCloseOnlyWithoutRequestsInFlight() {
        channel(1 << 20);
        channel.writeInbound(frame(ApiKeys.METADATA, (short) 12, 1, new MetadataRequestData()));
        channel.pipeline().fireUserEventTriggered(IdleStateEvent.ALL_IDLE_STATE_EVENT);
        assertThat(channel.isOpen()).as("a long-poll in flight is not idle").isTrue();
        metadataFutures.get(0).complete(new MetadataResponseData());
        channel.runPendingTasks();
        assertThat(responses()).hasSize(1);
        channel.pipeline().fireUserEventTriggered(IdleStateEvent.ALL_IDLE_STATE_EVENT);
        assertThat(channel.isOpen()).isFalse();
    }
}
