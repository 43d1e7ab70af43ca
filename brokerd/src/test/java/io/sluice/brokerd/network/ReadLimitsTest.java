package io.sluice.brokerd.network;

import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.record.MemoryRecords;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The read limits of the pipeline, in EmbeddedChannels with a broker that answers only when the test says:
 * {@code queued.max.request.bytes} across connections, the per-connection byte and request caps, and what a closed
 * connection gives back. An EmbeddedChannel hands the decoder every byte written, whatever autoRead says, so these
 * tests look at what reached the handlers and at autoRead (a real socket is not read while it is off).
 */
@Timeout(10)
class ReadLimitsTest {
    private static final int RECORDS_BYTES = 100_000;
    private final ApiRegistry registry = new ApiRegistry();
    /** Produce requests the handler got, each waiting for the test to answer it, per channel. */
    private final List<CompletableFuture<ApiMessage>> produces = new ArrayList<>();
    private final List<String> metadataFrom = new ArrayList<>();
    private final List<CompletableFuture<ApiMessage>> metadata = new ArrayList<>();
    private final List<String> pauses = new ArrayList<>();
    private final RequestObserver observer = new RequestObserver() {
        @Override
        public void onResponse(ApiKeys api, long durationNanos, List<org.apache.kafka.common.protocol.Errors> errors) {
        }

        @Override
        public void onReadPaused(String limit) {
            pauses.add(limit);
        }
    };
    private final List<EmbeddedChannel> channels = new ArrayList<>();

    ReadLimitsTest() {
        registry.register(ApiKeys.PRODUCE, 3, 13, (ctx, req) -> {
            CompletableFuture<ApiMessage> f = new CompletableFuture<>();
            produces.add(f);
            return f;
        });
        registry.register(ApiKeys.METADATA, 0, 13, (ctx, req) -> {
            CompletableFuture<ApiMessage> f = new CompletableFuture<>();
            metadata.add(f);
            metadataFrom.add(ctx.clientId());
            return f;
        });
        ApiVersionsHandler.register(registry);
    }

    @AfterEach
    void close() {
        channels.forEach(EmbeddedChannel::finishAndReleaseAll);
    }

    private EmbeddedChannel channel(QueuedRequestBytes broker, int maxInflightRequests, long maxInflightBytes) {
        ConnectionBudget budget = new ConnectionBudget(broker, maxInflightRequests, maxInflightBytes);
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(1 << 20, budget, observer),
                new RequestDispatcher(registry, Clock.systemUTC(), budget, Runnable::run, observer));
        channels.add(ch);
        return ch;
    }

    private static ByteBuf produce(int correlationId) {
        ProduceRequestData req = new ProduceRequestData().setAcks((short) 1).setTimeoutMs(1000);
        req.topicData().add(new ProduceRequestData.TopicProduceData().setName("t")
                .setPartitionData(List.of(new ProduceRequestData.PartitionProduceData().setIndex(0)
                        .setRecords(MemoryRecords.readableRecords(ByteBuffer.wrap(new byte[RECORDS_BYTES]))))));
        return RequestDispatcherTest.frame(ApiKeys.PRODUCE, (short) 9, correlationId, req);
    }

    private static ByteBuf metadata(int correlationId, String clientId) {
        ByteBuf frame = RequestDispatcherTest.frame(ApiKeys.METADATA, (short) 12, correlationId, new MetadataRequestData());
        // RequestDispatcherTest.frame writes client id "test"; rewrite it in place (same length) to tell connections apart.
        byte[] id = clientId.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        assertThat(id).hasSize(4);
        frame.setBytes(4 + 2 + 2 + 4 + 2, id);
        return frame;
    }

    private void runAllPendingTasks() {
        for (int i = 0; i < 3; i++) {
            channels.forEach(EmbeddedChannel::runPendingTasks);
        }
    }

    private static int frameBytes() {
        ByteBuf f = produce(0);
        int size = f.readableBytes() - 4;
        f.release();
        return size;
    }

    @Test
    void aSlowBrokerStopsReadingAtQueuedMaxRequestBytesAndResumesAsRequestsAreAnswered() {
        int frame = frameBytes();
        QueuedRequestBytes broker = new QueuedRequestBytes(2L * frame + frame / 2);
        EmbeddedChannel producer = channel(broker, 100, -1);
        EmbeddedChannel other = channel(broker, 100, -1);
        for (int i = 1; i <= 6; i++) {
            producer.writeInbound(produce(i));
        }

        assertThat(produces).as("requests read before the budget ran out (the third takes it over the limit)").hasSize(3);
        assertThat(producer.config().isAutoRead()).isFalse();
        assertThat(broker.usedBytes()).isEqualTo(3L * frame).isLessThanOrEqualTo(broker.limitBytes() + frame);
        assertThat(pauses).containsExactly("queued.max.request.bytes");

        other.writeInbound(produce(1));
        assertThat(produces).as("another connection waits for memory too").hasSize(3);
        assertThat(other.config().isAutoRead()).isFalse();

        produces.get(0).complete(new ProduceResponseData());
        runAllPendingTasks();
        assertThat(produces).as("one answered, the next one read").hasSize(4);
        assertThat(broker.usedBytes()).isEqualTo(3L * frame);
        assertThat(broker.waitingConnections()).as("both wait, the other connection first").isEqualTo(2);

        for (int answered = 1; answered < produces.size(); answered++) {
            produces.get(answered).complete(new ProduceResponseData());
            runAllPendingTasks();
            assertThat(broker.usedBytes()).isLessThanOrEqualTo(broker.limitBytes() + frame);
        }
        assertThat(produces).hasSize(7);
        assertThat(broker.usedBytes()).as("every request answered gave its bytes back").isZero();
        assertThat(producer.config().isAutoRead()).isTrue();
        assertThat(other.config().isAutoRead()).isTrue();
        assertThat(responses(producer)).isEqualTo(6);
        assertThat(responses(other)).isEqualTo(1);
    }

    @Test
    void aClientSendingOneSmallRequestAtATimeIsServedWhileOthersHoldTheWholeBudget() {
        int frame = frameBytes();
        QueuedRequestBytes broker = new QueuedRequestBytes(frame + frame / 2);
        EmbeddedChannel producer = channel(broker, 100, -1);
        EmbeddedChannel small = channel(broker, 100, -1);
        for (int i = 1; i <= 3; i++) {
            producer.writeInbound(produce(i));
        }
        assertThat(produces).hasSize(2);
        assertThat(broker.waitingConnections()).isEqualTo(1);

        for (int i = 1; i <= 3; i++) {
            small.writeInbound(metadata(i, "smll"));
            assertThat(metadata).as("request %d read at once", i).hasSize(i);
            metadata.get(i - 1).complete(new MetadataResponseData());
            runAllPendingTasks();
        }
        assertThat(responses(small)).isEqualTo(3);
        assertThat(produces).as("the big requests still wait").hasSize(2);
        assertThat(broker.usedBytes()).isEqualTo(2L * frame);
    }

    @Test
    void aConnectionStopsReadingAtItsOwnByteCapWhileOthersGoOn() {
        int frame = frameBytes();
        QueuedRequestBytes broker = new QueuedRequestBytes(-1);
        EmbeddedChannel producer = channel(broker, 100, frame + frame / 2);
        EmbeddedChannel other = channel(broker, 100, frame + frame / 2);
        for (int i = 1; i <= 4; i++) {
            producer.writeInbound(produce(i));
        }
        other.writeInbound(metadata(1, "othr"));

        assertThat(produces).as("the second request takes the connection over its cap; the third waits").hasSize(2);
        assertThat(producer.config().isAutoRead()).isFalse();
        assertThat(pauses).containsExactly("queued.max.request.bytes.per.connection");
        assertThat(metadataFrom).as("other connections are not held up").containsExactly("othr");

        produces.get(0).complete(new ProduceResponseData());
        runAllPendingTasks();
        assertThat(produces).hasSize(3);
        produces.get(1).complete(new ProduceResponseData());
        produces.get(2).complete(new ProduceResponseData());
        runAllPendingTasks();
        assertThat(produces).hasSize(4);
        produces.get(3).complete(new ProduceResponseData());
        runAllPendingTasks();
        assertThat(producer.config().isAutoRead()).isTrue();
        assertThat(responses(producer)).isEqualTo(4);
    }

    @Test
    void aConnectionStopsReadingAtMaxInflightRequestsUntilAResponseLeaves() {
        EmbeddedChannel ch = channel(QueuedRequestBytes.unbounded(), 2, -1);
        for (int i = 1; i <= 3; i++) {
            ch.writeInbound(metadata(i, "test"));
        }
        assertThat(metadata).hasSize(2);
        assertThat(pauses).containsExactly("max.inflight.requests.per.connection");

        metadata.get(1).complete(new MetadataResponseData());
        runAllPendingTasks();
        assertThat(metadata).as("the second is answered but waits behind the first: still two in flight").hasSize(2);

        metadata.get(0).complete(new MetadataResponseData());
        runAllPendingTasks();
        assertThat(metadata).hasSize(3);
        metadata.get(2).complete(new MetadataResponseData());
        runAllPendingTasks();
        assertThat(responses(ch)).isEqualTo(3);
        assertThat(ch.config().isAutoRead()).isTrue();
    }

    @Test
    void aClosedConnectionGivesBackItsUnfinishedFrameAtOnceAndItsRequestsWhenAnswered() {
        int frame = frameBytes();
        QueuedRequestBytes broker = new QueuedRequestBytes(10L * frame);
        EmbeddedChannel ch = channel(broker, 100, -1);
        ch.writeInbound(produce(1));
        ByteBuf half = produce(2);
        ch.writeInbound(half.readRetainedSlice(half.readableBytes() / 2));
        half.release();
        assertThat(produces).hasSize(1);
        assertThat(broker.usedBytes()).as("the half-read frame is reserved whole").isEqualTo(2L * frame);

        ch.close();
        ch.runPendingTasks();
        assertThat(broker.usedBytes()).as("the unfinished frame is given back with the connection").isEqualTo(frame);
        produces.get(0).complete(new ProduceResponseData());
        ch.runPendingTasks();
        assertThat(broker.usedBytes()).as("the request in flight gives its bytes back when its handler answers").isZero();
    }

    @Test
    void aConnectionThatClosesWhileWaitingForMemoryHoldsNothing() {
        int frame = frameBytes();
        QueuedRequestBytes broker = new QueuedRequestBytes(frame / 2);
        EmbeddedChannel first = channel(broker, 100, -1);
        EmbeddedChannel queued = channel(broker, 100, -1);
        EmbeddedChannel granted = channel(broker, 100, -1);
        first.writeInbound(produce(1));
        queued.writeInbound(produce(1));
        granted.writeInbound(produce(1));
        assertThat(broker.waitingConnections()).isEqualTo(2);

        queued.close();
        assertThat(broker.waitingConnections()).as("a closed connection leaves the queue").isEqualTo(1);
        produces.get(0).complete(new ProduceResponseData()); // grants the last one its frame, on its event loop...
        granted.pipeline().fireChannelInactive(); // ...where the connection's close is seen first
        runAllPendingTasks();
        assertThat(produces).as("nothing read for the closed connection").hasSize(1);
        assertThat(broker.usedBytes()).as("the grant of a closed connection is given back").isZero();
        assertThat(broker.waitingConnections()).isZero();
    }

    @Test
    void bytesReadWhilePausedAreDecodedFirstWhenReadingResumes() {
        EmbeddedChannel ch = channel(QueuedRequestBytes.unbounded(), 1, -1);
        // Three requests in one read: the first is handled, the other two wait in the stash.
        ByteBuf all = io.netty.buffer.Unpooled.buffer();
        for (int i = 1; i <= 3; i++) {
            ByteBuf f = metadata(i, "test");
            all.writeBytes(f);
            f.release();
        }
        ch.writeInbound(all);
        assertThat(metadata).hasSize(1);
        for (int i = 0; i < 3; i++) {
            metadata.get(i).complete(new MetadataResponseData());
            runAllPendingTasks();
        }
        assertThat(metadata).hasSize(3);
        assertThat(responses(ch)).isEqualTo(3);
    }

    /** Counts whole response frames written to {@code ch} (and releases them). */
    private static int responses(EmbeddedChannel ch) {
        ByteBuf all = io.netty.buffer.Unpooled.buffer();
        for (Object o; (o = ch.readOutbound()) != null; ) {
            ByteBuf b = (ByteBuf) o;
            all.writeBytes(b);
            b.release();
        }
        int n = 0;
        while (all.readableBytes() >= 4) {
            int size = all.readInt();
            all.skipBytes(size);
            n++;
        }
        all.release();
        return n;
    }
}
