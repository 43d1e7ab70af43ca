package io.sluice.brokerd.network;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleStateEvent;
import io.sluice.brokerd.security.ConnectionSession;
import io.sluice.brokerd.security.Principal;
import io.sluice.brokerd.security.SecurityProtocol;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.message.ApiMessageType;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.RequestHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Decodes a frame into a request header and body, hands it to the registered {@link ApiHandler}, and writes the
 * responses of one connection in request order, whatever order the handlers complete in (pipelining). Reading stops
 * while {@code maxInflight} requests wait for their responses. One instance per connection; all state is touched on
 * the connection's event loop only (completions from other threads hop onto it).
 * <p>
 * Requests it cannot answer — an unknown API key, an API or version brokerd does not implement (except ApiVersions,
 * which gets UNSUPPORTED_VERSION and the supported list, as Kafka answers), a header or body that does not parse —
 * close the connection with a logged reason, as Apache Kafka does.
 */
final class RequestDispatcher extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(RequestDispatcher.class);

    private final ApiRegistry registry;
    private final Clock clock;
    private final int maxInflight;
    private final ArrayDeque<Slot> pending = new ArrayDeque<>();
    private final SerialExecutor connectionExecutor;
    private final java.util.concurrent.Executor inlineExecutor;
    private final RequestObserver observer;
    private final ByteBufAllocator responseAllocator;
    private ChannelHandlerContext ctx;
    private ConnectionSession session;

    /** One request awaiting its turn to be answered. */
    private static final class Slot {
        final int correlationId;
        final short headerVersion;
        final short version;
        final ApiKeys apiKey;
        final long startNanos = System.nanoTime();
        boolean done;
        List<Object> response; // null with done = no response (acks=0)

        Slot(int correlationId, short headerVersion, short version, ApiKeys apiKey) {
            this.correlationId = correlationId;
            this.headerVersion = headerVersion;
            this.version = version;
            this.apiKey = apiKey;
        }
    }

    RequestDispatcher(ApiRegistry registry, Clock clock, int maxInflight, java.util.concurrent.Executor requestPool,
                      RequestObserver observer) {
        this(registry, clock, maxInflight, requestPool, observer, UnpooledByteBufAllocator.DEFAULT);
    }

    /** {@code responseAllocator} gives the heap buffers responses are serialized into (see {@link ResponseSerializer}). */
    RequestDispatcher(ApiRegistry registry, Clock clock, int maxInflight, java.util.concurrent.Executor requestPool,
                      RequestObserver observer, ByteBufAllocator responseAllocator) {
        this.responseAllocator = responseAllocator;
        this.registry = registry;
        this.observer = observer;
        this.connectionExecutor = new SerialExecutor(requestPool);
        this.inlineExecutor = connectionExecutor::executeInlineIfIdle;
        this.clock = clock;
        this.maxInflight = maxInflight;
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
        } catch (RuntimeException e) {
            log.warn("Closing connection from {}: malformed request ({})", ctx.channel().remoteAddress(), e.toString());
            ctx.close();
        }
    }

    private void handleFrame(ByteBuffer frame) {
        if (frame.remaining() < 8) {
            throw new IllegalArgumentException("frame of " + frame.remaining() + " bytes is too short for a request header");
        }
        short apiKeyId = frame.getShort(0);
        short version = frame.getShort(2);
        if (!ApiKeys.hasId(apiKeyId)) {
            throw new IllegalArgumentException("unknown API key " + apiKeyId);
        }
        ApiKeys apiKey = ApiKeys.forId(apiKeyId);
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
                Slot slot = enqueue(header.correlationId(), (short) 0, (short) 0, apiKey);
                complete(slot, ApiVersionsHandler.unsupportedVersion(registry));
                return;
            }
            throw new IllegalArgumentException(apiKey + " version " + version + " is not supported (brokerd supports "
                    + reg.minVersion() + "-" + reg.maxVersion() + ")");
        }
        int bodyStart = frame.position();
        ApiMessage body = ApiMessageType.fromApiKey(apiKeyId).newRequest();
        body.read(accessor, version);
        RequestContext rc = new RequestContext(apiKey, version, header.correlationId(),
                header.clientId() == null ? "" : header.clientId(), ctx.channel().remoteAddress(), clock.millis(),
                connectionExecutor, inlineExecutor, session);
        Slot slot = enqueue(header.correlationId(), responseHeaderVersion, version, apiKey);
        CompletableFuture<ApiMessage> future;
        try {
            future = reg.handler().handle(rc, body);
        } catch (RuntimeException e) {
            future = CompletableFuture.failedFuture(e);
        }
        ByteBuffer bodyBytes = frame.duplicate().position(bodyStart);
        future.whenComplete((response, error) -> {
            if (ctx.executor().inEventLoop()) {
                onComplete(slot, rc, bodyBytes, response, error);
            } else {
                ctx.executor().execute(() -> onComplete(slot, rc, bodyBytes, response, error));
            }
        });
    }

    private Slot enqueue(int correlationId, short headerVersion, short version, ApiKeys apiKey) {
        Slot slot = new Slot(correlationId, headerVersion, version, apiKey);
        pending.addLast(slot);
        if (pending.size() >= maxInflight) {
            ctx.channel().config().setAutoRead(false);
        }
        return slot;
    }

    private void onComplete(Slot slot, RequestContext rc, ByteBuffer body, ApiMessage response, Throwable error) {
        if (error != null) {
            Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            log.error("Unexpected error handling {} v{} (correlation id {}) from {}", rc.apiKey(), rc.apiVersion(),
                    rc.correlationId(), rc.clientAddress(), cause);
            try {
                response = errorResponse(rc, body, cause);
            } catch (RuntimeException e) {
                log.error("Cannot build the {} v{} error response; closing the connection", rc.apiKey(), rc.apiVersion(), e);
                slot.done = true;
                ctx.close();
                drain();
                return;
            }
        }
        complete(slot, response);
    }

    /** That API's own error response for this version, with UNKNOWN_SERVER_ERROR (or the error's mapped code). */
    private static ApiMessage errorResponse(RequestContext rc, ByteBuffer body, Throwable cause) {
        AbstractRequest request = AbstractRequest.parseRequest(rc.apiKey(), rc.apiVersion(),
                new ByteBufferAccessor(body.duplicate())).request;
        Throwable reported = Errors.forException(cause) == Errors.UNKNOWN_SERVER_ERROR
                ? Errors.UNKNOWN_SERVER_ERROR.exception() : cause;
        return request.getErrorResponse(0, reported).data();
    }

    private void complete(Slot slot, ApiMessage response) {
        slot.done = true;
        java.util.List<Errors> errors = new java.util.ArrayList<>();
        if (response != null) {
            ResponseErrors.forEach(response, errors::add);
        }
        observer.onResponse(slot.apiKey, System.nanoTime() - slot.startNanos, errors);
        try {
            // A closed connection gets no serialized buffers, so none can wait for a write that will never happen.
            slot.response = response == null || !ctx.channel().isActive() ? null
                    : ResponseSerializer.serialize(responseAllocator, slot.correlationId, slot.headerVersion, response, slot.version);
        } catch (RuntimeException e) {
            // A handler built a response this version cannot carry: a broker bug. The client cannot be answered.
            log.error("Cannot serialize {} v{} response (correlation id {}); closing the connection", slot.apiKey,
                    slot.version, slot.correlationId, e);
            slot.response = null;
            ctx.close();
        }
        drain();
    }

    private void drain() {
        boolean wrote = false;
        while (!pending.isEmpty() && pending.peekFirst().done) {
            Slot s = pending.pollFirst();
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
        if (pending.size() < maxInflight && !ctx.channel().config().isAutoRead()) {
            ctx.channel().config().setAutoRead(true);
        }
    }

    /**
     * Releases the serialized responses that wait behind an unanswered request: the connection is gone, so nobody
     * will write them. Requests still being handled release theirs in {@link #drain()} when they complete.
     */
    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        for (Slot s : pending) {
            if (s.response != null) {
                s.response.forEach(io.netty.util.ReferenceCountUtil::release);
                s.response = null;
            }
        }
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
        if (cause instanceof UnsupportedVersionException) {
            log.warn("Closing connection from {}: {}", ctx.channel().remoteAddress(), cause.getMessage());
        } else {
            log.warn("Closing connection from {} after an error", ctx.channel().remoteAddress(), cause);
        }
        ctx.close();
    }
}
