package io.sluice.brokerd.network;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleStateEvent;
import io.sluice.brokerd.common.Fatal;
import io.sluice.brokerd.security.ConnectionSession;
import io.sluice.brokerd.security.Principal;
import io.sluice.brokerd.security.SecurityProtocol;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.message.ApiMessageType;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.RequestHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;

/**
 * Decodes a frame into a request header and body, hands it to the registered {@link ApiHandler}, and writes the
 * responses of one connection in request order, whatever order the handlers complete in (pipelining). Counts the
 * connection's requests and gives back each request's bytes in its {@link ConnectionBudget} once it is answered
 * ({@link FrameDecoder} decides from those when to read). One instance per connection; all state is touched on the
 * connection's event loop only (completions from other threads hop onto it).
 * <p>
 * Requests it cannot answer — an unknown API key, an API or version brokerd does not implement (except ApiVersions,
 * which gets UNSUPPORTED_VERSION and the supported list, as Kafka answers), a header or body that does not parse —
 * close the connection with a logged reason, as Apache Kafka does.
 * <p>
 * Failure isolation: every request read is answered or its connection closed, never left hanging. A handler that
 * throws (anything, Errors included), completes its future exceptionally, or runs a task on one of its request's
 * executors that throws, gets that API's own error response (UNKNOWN_SERVER_ERROR, see
 * {@link ResponseErrors#errorResponse}), logged with the request header; the connection's other requests go on. A
 * response that cannot be serialized is replaced by that error response, and if even that fails the connection is
 * closed. An {@link OutOfMemoryError} ends the process ({@link Fatal}). When the connection closes, the handlers
 * told through {@link ClientConnection} stop waiting for it.
 */
final class RequestDispatcher extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(RequestDispatcher.class);

    private final ApiRegistry registry;
    private final Clock clock;
    private final ConnectionBudget budget;
    private final ArrayDeque<Slot> pending = new ArrayDeque<>();
    private final SerialExecutor connectionExecutor;
    private final RequestObserver observer;
    private final ByteBufAllocator responseAllocator;
    private final ClientConnection connection = new ClientConnection();
    private ChannelHandlerContext ctx;
    private ConnectionSession session;

    /** One request awaiting its turn to be answered. */
    private static final class Slot {
        final int correlationId;
        final short headerVersion;
        final short version;
        final ApiKeys apiKey;
        final long startNanos = System.nanoTime();
        /** Bytes of the request's frame still reserved in the budget; 0 once given back (when answered). */
        int requestBytes;
        /** The request's context and body bytes, for its error response and the log; null once answered. */
        RequestContext request;
        ByteBuffer body;
        boolean done;
        List<Object> response; // null with done = no response (acks=0)
        /** Produce with acks=0: the client reads no response, so an error in it closes the connection instead. */
        boolean noResponse;
        /** A raw SASL token after a SaslHandshake v0: answered with a bare size-prefixed token, no header. */
        boolean rawSaslToken;
        /** The connection closes once the requests before this one are answered; none after it is answered. */
        boolean closeHere;

        Slot(int correlationId, short headerVersion, short version, ApiKeys apiKey, int requestBytes) {
            this.correlationId = correlationId;
            this.headerVersion = headerVersion;
            this.version = version;
            this.apiKey = apiKey;
            this.requestBytes = requestBytes;
        }
    }

    RequestDispatcher(ApiRegistry registry, Clock clock, ConnectionBudget budget, Executor requestPool,
                      RequestObserver observer) {
        this(registry, clock, budget, requestPool, observer, UnpooledByteBufAllocator.DEFAULT);
    }

    /** {@code responseAllocator} gives the heap buffers responses are serialized into (see {@link ResponseSerializer}). */
    RequestDispatcher(ApiRegistry registry, Clock clock, ConnectionBudget budget, Executor requestPool,
                      RequestObserver observer, ByteBufAllocator responseAllocator) {
        this.responseAllocator = responseAllocator;
        this.registry = registry;
        this.observer = observer;
        this.connectionExecutor = new SerialExecutor(requestPool);
        this.clock = clock;
        this.budget = budget;
    }

    /** True when no request of this connection awaits its response (used by graceful shutdown). */
    boolean isIdle() {
        return pending.isEmpty();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        ConnectionSession s = ctx.channel().attr(NetworkServer.SESSION).get();
        // A channel not made by NetworkServer (EmbeddedChannel in tests) is an anonymous PLAINTEXT connection.
        this.session = s != null ? s : new ConnectionSession("PLAINTEXT", SecurityProtocol.PLAINTEXT,
                ctx.channel().remoteAddress(), Principal.ANONYMOUS);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuffer frame = (ByteBuffer) msg;
        try {
            handleFrame(frame);
        } catch (SaslRefusal e) {
            budget.release(frame.capacity());
            log.warn("Closing connection from {} on listener {}: {}", ctx.channel().remoteAddress(), session.listenerName(),
                    e.getMessage());
            ctx.close();
        } catch (Throwable e) {
            // Thrown before the request got a slot: its bytes are still this frame's to give back.
            Fatal.exitOnOutOfMemory(e);
            budget.release(frame.capacity());
            log.warn("Closing connection from {}: malformed request ({})", ctx.channel().remoteAddress(), e.toString());
            ctx.close();
        }
    }

    /** A request the connection's SASL state does not allow now: the connection is closed, as Kafka does. */
    private static final class SaslRefusal extends RuntimeException {
        SaslRefusal(String reason) {
            super(reason, null, false, false);
        }
    }

    private void handleFrame(ByteBuffer frame) {
        io.sluice.brokerd.security.SaslSession sasl = session.sasl();
        if (sasl != null && sasl.expectsRawToken()) {
            handleRawSaslToken(frame);
            return;
        }
        if (frame.remaining() < 8) {
            throw new IllegalArgumentException("frame of " + frame.remaining() + " bytes is too short for a request header");
        }
        short apiKeyId = frame.getShort(0);
        short version = frame.getShort(2);
        if (!ApiKeys.hasId(apiKeyId)) {
            throw new IllegalArgumentException("unknown API key " + apiKeyId);
        }
        ApiKeys apiKey = ApiKeys.forId(apiKeyId);
        String refusal = sasl == null ? null : sasl.refusal(apiKey, clock.millis());
        if (refusal != null) {
            throw new SaslRefusal(refusal);
        }
        short headerVersion = apiKey.requestHeaderVersion(version);
        ByteBufferAccessor accessor = new ByteBufferAccessor(frame);
        RequestHeaderData header = new RequestHeaderData(accessor, headerVersion);
        short responseHeaderVersion = apiKey.responseHeaderVersion(version);
        ApiRegistry.Registration reg = registry.lookup(apiKey).orElse(null);
        if (reg == null) {
            throw new IllegalArgumentException("API " + apiKey + " is not supported by brokerd");
        }
        boolean supported = version >= reg.minVersion() && version <= reg.maxVersion()
                && version >= apiKey.messageType.lowestSupportedVersion();
        if (!supported) {
            if (apiKey == ApiKeys.API_VERSIONS) {
                Slot slot = enqueue(header.correlationId(), (short) 0, (short) 0, apiKey, frame.capacity());
                complete(slot, ApiVersionsHandler.unsupportedVersion(registry));
                return;
            }
            throw new IllegalArgumentException(apiKey + " version " + version + " is not supported (brokerd supports "
                    + reg.minVersion() + "-" + reg.maxVersion() + ")");
        }
        int bodyStart = frame.position();
        ApiMessage body = ApiMessageType.fromApiKey(apiKeyId).newRequest();
        body.read(accessor, version);
        // From here on the slot owns the frame's bytes, and nothing below throws.
        Slot slot = enqueue(header.correlationId(), responseHeaderVersion, version, apiKey, frame.capacity());
        slot.body = frame.duplicate().position(bodyStart);
        slot.noResponse = body instanceof ProduceRequestData produce && produce.acks() == 0;
        dispatch(slot, reg.handler(), body, header.clientId() == null ? "" : header.clientId());
    }

    /**
     * A frame after a SaslHandshake v0: the bare SASL token of a client older than Kafka 1.0. It goes to the
     * SaslAuthenticate handler as a v0 request (so authentication, its delay on failure, metrics and logging are the
     * same), and its answer leaves as a bare size-prefixed token ({@link #completeRawSaslToken}).
     */
    private void handleRawSaslToken(ByteBuffer frame) {
        ApiRegistry.Registration reg = registry.lookup(ApiKeys.SASL_AUTHENTICATE)
                .orElseThrow(() -> new IllegalStateException("SaslAuthenticate is not registered"));
        byte[] token = new byte[frame.remaining()];
        frame.duplicate().get(token);
        Slot slot = enqueue(-1, (short) 0, (short) 0, ApiKeys.SASL_AUTHENTICATE, frame.capacity());
        slot.rawSaslToken = true;
        dispatch(slot, reg.handler(), new org.apache.kafka.common.message.SaslAuthenticateRequestData().setAuthBytes(token), "");
    }

    private void dispatch(Slot slot, ApiHandler handler, ApiMessage body, String clientId) {
        ApiKeys apiKey = slot.apiKey;
        RequestContext rc = new RequestContext(apiKey, slot.version, slot.correlationId, clientId,
                ctx.channel().remoteAddress(), clock.millis(),
                guarded(connectionExecutor, slot), guarded(connectionExecutor::executeInlineIfIdle, slot), connection, session);
        slot.request = rc;
        CompletableFuture<ApiMessage> future;
        try {
            future = handler.handle(rc, body);
            if (future == null) {
                throw new IllegalStateException(apiKey + " handler returned no future");
            }
        } catch (Throwable e) {
            future = CompletableFuture.failedFuture(e);
        }
        future.whenComplete((response, error) -> onEventLoop(() -> onComplete(slot, response, error)));
    }

    /**
     * {@code target} for the tasks of one request: a task that throws answers that request with its error response
     * (the task boundary of every request's work), instead of leaving it unanswered.
     */
    private Executor guarded(Executor target, Slot slot) {
        return task -> target.execute(() -> {
            try {
                task.run();
            } catch (Throwable e) {
                Fatal.exitOnOutOfMemory(e);
                onEventLoop(() -> onComplete(slot, null, e));
            }
        });
    }

    private void onEventLoop(Runnable action) {
        if (ctx.executor().inEventLoop()) {
            action.run();
        } else {
            ctx.executor().execute(action);
        }
    }

    private Slot enqueue(int correlationId, short headerVersion, short version, ApiKeys apiKey, int requestBytes) {
        Slot slot = new Slot(correlationId, headerVersion, version, apiKey, requestBytes);
        pending.addLast(slot);
        budget.requestQueued();
        return slot;
    }

    private void onComplete(Slot slot, ApiMessage response, Throwable error) {
        if (slot.done) {
            return; // already answered: a task failed after its request's future completed, or the other way round
        }
        if (error != null) {
            Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            Fatal.exitOnOutOfMemory(cause);
            RequestContext rc = slot.request;
            if (slot.rawSaslToken) {
                log.error("Unexpected error authenticating a raw SASL token from {}; closing the connection", rc.clientAddress(), cause);
                settle(slot, null);
                drain();
                ctx.close();
                return;
            }
            log.error("Unexpected error handling {} v{} (correlation id {}, client id '{}') from {}; answering {}",
                    slot.apiKey, slot.version, slot.correlationId, rc.clientId(), rc.clientAddress(),
                    Errors.forException(cause), cause);
            response = errorResponseOrClose(slot, cause);
            if (response == null) {
                return;
            }
        }
        complete(slot, response);
    }

    /** The request's error response for {@code cause}; null (connection closed, slot settled) when none can be built. */
    private ApiMessage errorResponseOrClose(Slot slot, Throwable cause) {
        try {
            return ResponseErrors.errorResponse(slot.apiKey, slot.version, slot.body, cause);
        } catch (Throwable e) {
            Fatal.exitOnOutOfMemory(e);
            log.error("Cannot build the {} v{} error response (correlation id {}); closing the connection", slot.apiKey,
                    slot.version, slot.correlationId, e);
            settle(slot, null);
            ctx.close();
            drain();
            return null;
        }
    }

    private void complete(Slot slot, ApiMessage response) {
        if (slot.noResponse) {
            completeWithoutResponse(slot, response);
            return;
        }
        if (slot.rawSaslToken) {
            completeRawSaslToken(slot, response);
            return;
        }
        List<Object> serialized = null;
        if (response != null && ctx.channel().isActive()) {
            // A closed connection gets no serialized buffers, so none can wait for a write that will never happen.
            serialized = serialize(slot, response);
            if (serialized == null) {
                return; // neither the response nor an error response could be serialized: closed
            }
        }
        observe(slot, response);
        settle(slot, serialized);
        drain();
    }

    /**
     * The answer to a raw SASL token: its token, size-prefixed, when it succeeded; nothing when it failed (the session
     * is FAILED then, so {@link #drain} closes the connection: v0 cannot carry an error, Kafka closes too).
     */
    private void completeRawSaslToken(Slot slot, ApiMessage response) {
        List<Object> serialized = null;
        if (response instanceof org.apache.kafka.common.message.SaslAuthenticateResponseData r
                && r.errorCode() == Errors.NONE.code() && ctx.channel().isActive()) {
            byte[] token = r.authBytes() == null ? new byte[0] : r.authBytes();
            io.netty.buffer.ByteBuf out = responseAllocator.heapBuffer(4 + token.length);
            out.writeInt(token.length).writeBytes(token);
            serialized = List.of(out);
        } else if (session.sasl() != null && !session.sasl().failed()) {
            log.warn("Closing connection from {}: its raw SASL token could not be answered", ctx.channel().remoteAddress());
            ctx.close();
        }
        observe(slot, response);
        settle(slot, serialized);
        drain();
    }

    /**
     * An acks=0 produce: nothing is written back. When any partition failed (not authorized, unknown topic, invalid
     * records, ...) the connection is closed, as Kafka does, since closing is the only way to tell such a client that
     * its records were not written: it then refreshes its metadata and sees why.
     */
    private void completeWithoutResponse(Slot slot, ApiMessage response) {
        observe(slot, response);
        List<Errors> errors = new java.util.ArrayList<>();
        if (response != null) {
            ResponseErrors.forEach(response, errors::add);
        }
        RequestContext rc = slot.request;
        settle(slot, null);
        if (!errors.isEmpty()) {
            log.info("Closing the connection from {} (client id '{}'): its acks=0 produce (correlation id {}) failed with {}",
                    ctx.channel().remoteAddress(), rc == null ? "" : rc.clientId(), slot.correlationId, errors);
            // As Kafka, which reads no further request of a connection while one is in progress: the requests
            // pipelined behind it are not answered, so a client never mistakes a later answer for success.
            slot.closeHere = true;
        }
        drain();
    }

    /**
     * Serializes {@code response}; when it cannot be (a handler built a response this version cannot carry: a broker
     * bug), serializes the request's error response instead, and when that fails too closes the connection.
     */
    private List<Object> serialize(Slot slot, ApiMessage response) {
        try {
            return ResponseSerializer.serialize(responseAllocator, slot.correlationId, slot.headerVersion, response, slot.version);
        } catch (Throwable e) {
            Fatal.exitOnOutOfMemory(e);
            log.error("Cannot serialize {} v{} response (correlation id {}); answering UNKNOWN_SERVER_ERROR", slot.apiKey,
                    slot.version, slot.correlationId, e);
        }
        if (slot.body != null) {
            try {
                ApiMessage error = ResponseErrors.errorResponse(slot.apiKey, slot.version, slot.body, Errors.UNKNOWN_SERVER_ERROR.exception());
                return ResponseSerializer.serialize(responseAllocator, slot.correlationId, slot.headerVersion, error, slot.version);
            } catch (Throwable e) {
                Fatal.exitOnOutOfMemory(e);
                log.error("Cannot serialize the {} v{} error response either", slot.apiKey, slot.version, e);
            }
        }
        log.error("Closing the connection from {}: the {} response (correlation id {}) cannot be sent",
                ctx.channel().remoteAddress(), slot.apiKey, slot.correlationId);
        settle(slot, null);
        ctx.close();
        drain();
        return null;
    }

    private void observe(Slot slot, ApiMessage response) {
        try {
            java.util.List<Errors> errors = new java.util.ArrayList<>();
            if (response != null) {
                ResponseErrors.forEach(response, errors::add);
            }
            observer.onResponse(slot.apiKey, System.nanoTime() - slot.startNanos, errors);
        } catch (Throwable e) {
            Fatal.exitOnOutOfMemory(e);
            log.error("Recording the metrics of a {} response failed", slot.apiKey, e);
        }
    }

    /** Marks {@code slot} answered with {@code serialized} and gives its request bytes back. */
    private void settle(Slot slot, List<Object> serialized) {
        slot.done = true;
        slot.response = serialized;
        slot.request = null;
        slot.body = null;
        int bytes = slot.requestBytes;
        slot.requestBytes = 0;
        budget.release(bytes);
    }

    private void drain() {
        boolean wrote = false;
        int sent = 0;
        while (!pending.isEmpty() && pending.peekFirst().done) {
            Slot s = pending.pollFirst();
            sent++;
            if (s.closeHere) {
                if (wrote) {
                    ctx.flush();
                }
                budget.responsesSent(sent);
                ctx.close();
                return;
            }
            if (s.response != null) {
                if (ctx.channel().isActive()) {
                    for (Object part : s.response) {
                        ctx.write(part);
                    }
                    wrote = true;
                } else {
                    s.response.forEach(io.netty.util.ReferenceCountUtil::release);
                }
            }
        }
        if (wrote) {
            ctx.flush();
        }
        budget.responsesSent(sent);
        if (session.sasl() != null && session.sasl().failed() && pending.isEmpty() && ctx.channel().isActive()) {
            // SASL failed (its answer, delayed by connection.failed.authentication.delay.ms, is written): close.
            ctx.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER).addListener(io.netty.channel.ChannelFutureListener.CLOSE);
        }
    }

    /**
     * Releases the serialized responses that wait behind an unanswered request: the connection is gone, so nobody
     * will write them. Requests still being handled release theirs in {@link #drain()} when they complete, and give
     * their bytes back then; the handlers that wait on the client (parked fetches, acks=all produces) are told now.
     */
    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        for (Slot s : pending) {
            if (s.response != null) {
                s.response.forEach(io.netty.util.ReferenceCountUtil::release);
                s.response = null;
            }
        }
        connection.close();
        ctx.fireChannelInactive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent && pending.isEmpty()) {
            log.debug("Closing idle connection from {} (connections.max.idle.ms)", ctx.channel().remoteAddress());
            ctx.close();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Fatal.exitOnOutOfMemory(cause);
        if (cause instanceof UnsupportedVersionException) {
            log.warn("Closing connection from {}: {}", ctx.channel().remoteAddress(), cause.getMessage());
        } else {
            log.warn("Closing connection from {} after an error", ctx.channel().remoteAddress(), cause);
        }
        ctx.close();
    }
}
