package io.sluice.brokerd.network;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.RequestUtils;
import org.apache.kafka.common.requests.ResponseHeader;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The broker's client to other brokers (follower fetches) on the inter-broker listener: one pipelined connection per {@code host:port},
 * opened on first use and again after it drops, requests framed with a v2 header and answered by correlation id.
 * A dropped connection fails every request waiting on it. Thread-safe.
 * <p>
 * When that listener speaks TLS, stage {@code ssl} comes first: the inter-broker listener's truststore checks the
 * peer (and its certificate must name the host connected to, with {@code ssl.endpoint.identification.algorithm=https}),
 * and its keystore is the client certificate (mutual TLS). Requests written before the handshake completes wait in
 * the SslHandler; a failed handshake fails them.
 * <p>
 * When that listener speaks SASL, every new connection authenticates before its first request
 * ({@code sasl.mechanism.inter.broker.protocol} with the broker's own user from {@code sasl.inter.broker.credentials.file}):
 * SaslHandshake v1, then SaslAuthenticate v2 with PLAIN or SCRAM (the server's signature checked). Requests wait until
 * then; a failed authentication fails them and the next request tries a new connection. When the server gives the
 * session a lifetime ({@code connections.max.reauth.ms}), a connection is replaced by a new one once 90% of it has
 * passed, rather than re-authenticated in place: the replication fetcher's requests simply go to the new connection.
 * <p>
 * Pipeline stages: {@code frames} (4-byte length prefix, at most {@link #MAX_RESPONSE_BYTES}) and {@code responses}
 * (matches the response to its request and parses the body). The frame's ByteBuf is released by the
 * {@link SimpleChannelInboundHandler} after parsing; parsed records are copied out of it.
 */
public final class InterBrokerClient implements AutoCloseable {
    static final int MAX_RESPONSE_BYTES = 256 * 1024 * 1024;
    private static final int CONNECT_TIMEOUT_MS = 5_000;

    private final String clientId;
    private final io.sluice.brokerd.security.SslFactory ssl;
    private final io.sluice.brokerd.security.SaslClientCredentials sasl;
    private static final java.security.SecureRandom NONCES = new java.security.SecureRandom();
    private final EventLoopGroup group;
    private final Class<? extends SocketChannel> channelType;
    private final Map<String, Connection> connections = new ConcurrentHashMap<>();
    private final AtomicInteger correlation = new AtomicInteger();
    private volatile boolean closed;

    private record Pending(ApiKeys api, short version, CompletableFuture<ApiMessage> future) {
    }

    /** One connection and the requests waiting on it. */
    private final class Connection extends SimpleChannelInboundHandler<ByteBuf> {
        final Map<Integer, Pending> pending = new ConcurrentHashMap<>();
        volatile Channel channel;
        /** Completes once connected and, on a SASL listener, authenticated. */
        final CompletableFuture<Void> ready = new CompletableFuture<>();
        /** System.nanoTime after which this connection is replaced (SASL session lifetime); 0: never. */
        volatile long replaceAfterNs;

        boolean usable() {
            if (!ready.isDone()) {
                return true;
            }
            return !ready.isCompletedExceptionally() && channel.isActive()
                    && (replaceAfterNs == 0 || System.nanoTime() - replaceAfterNs < 0);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, ByteBuf frame) {
            ByteBuffer buf = ByteBuffer.allocate(frame.readableBytes());
            frame.readBytes(buf);
            buf.flip();
            int correlationId = buf.getInt(0);
            Pending p = pending.remove(correlationId);
            if (p == null) {
                return;
            }
            try {
                ResponseHeader.parse(buf, p.api().responseHeaderVersion(p.version()));
                p.future().complete(AbstractResponse.parseResponse(p.api(), new ByteBufferAccessor(buf), p.version()).data());
            } catch (RuntimeException e) {
                p.future().completeExceptionally(e);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            failAll(new IOException("connection to " + ctx.channel().remoteAddress() + " closed"));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            failAll(cause);
            ctx.close();
        }

        void failAll(Throwable cause) {
            for (Integer id : pending.keySet()) {
                Pending p = pending.remove(id);
                if (p != null) {
                    p.future().completeExceptionally(cause);
                }
            }
        }
    }

    /** {@code ssl}: the inter-broker listener's TLS settings, or null when it is plaintext. */
    public InterBrokerClient(int nodeId, io.sluice.brokerd.security.SslFactory ssl) {
        this(nodeId, ssl, null);
    }

    /** {@code sasl}: how to authenticate on a SASL inter-broker listener, or null when it has no SASL. */
    public InterBrokerClient(int nodeId, io.sluice.brokerd.security.SslFactory ssl, io.sluice.brokerd.security.SaslClientCredentials sasl) {
        this.clientId = "broker-" + nodeId;
        this.ssl = ssl;
        this.sasl = sasl;
        boolean epoll = Epoll.isAvailable();
        this.group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("sluice-interbroker", true),
                epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        this.channelType = epoll ? EpollSocketChannel.class : NioSocketChannel.class;
    }

    /** Sends {@code body} as {@code api} at {@code version}; the future completes with the response body. */
    public CompletableFuture<ApiMessage> send(String host, int port, ApiKeys api, short version, ApiMessage body) {
        if (closed) {
            return CompletableFuture.failedFuture(new IOException("inter-broker client closed"));
        }
        String key = host + ":" + port;
        Connection[] replaced = new Connection[1];
        Connection c = connections.compute(key, (k, existing) -> {
            if (existing != null && existing.usable()) {
                return existing;
            }
            replaced[0] = existing;
            return connect(host, port);
        });
        if (replaced[0] != null && replaced[0].channel.isActive()) {
            // Its SASL session is about to end: requests still waiting on it are answered before the close.
            Connection old = replaced[0];
            old.channel.eventLoop().schedule(() -> old.channel.close(), 30, TimeUnit.SECONDS);
        }
        CompletableFuture<ApiMessage> future = new CompletableFuture<>();
        c.ready.whenComplete((ok, error) -> {
            if (error != null) {
                future.completeExceptionally(error);
            } else {
                write(c, api, version, body, future);
            }
        });
        return future;
    }

    /** Writes one request on {@code c}; {@code future} completes with its response. */
    private void write(Connection c, ApiKeys api, short version, ApiMessage body, CompletableFuture<ApiMessage> future) {
        int correlationId = correlation.incrementAndGet();
        c.pending.put(correlationId, new Pending(api, version, future));
        RequestHeader header = new RequestHeader(api, version, clientId, correlationId);
        ByteBuffer payload = RequestUtils.serialize(header.data(), header.headerVersion(), body, version);
        ByteBuf frame = Unpooled.buffer(4 + payload.remaining());
        frame.writeInt(payload.remaining()).writeBytes(payload);
        c.channel.writeAndFlush(frame).addListener(f -> {
            if (!f.isSuccess()) {
                fail(c, correlationId, f.cause());
            }
        });
    }

    /** Writes one SASL request on {@code c} before it is ready; fails on an error code in the response. */
    private CompletableFuture<ApiMessage> saslCall(Connection c, ApiKeys api, short version, ApiMessage body) {
        CompletableFuture<ApiMessage> f = new CompletableFuture<>();
        write(c, api, version, body, f);
        return f.thenApply(response -> {
            short code = response instanceof org.apache.kafka.common.message.SaslHandshakeResponseData h ? h.errorCode()
                    : ((org.apache.kafka.common.message.SaslAuthenticateResponseData) response).errorCode();
            if (code != 0) {
                String message = response instanceof org.apache.kafka.common.message.SaslAuthenticateResponseData a
                        ? a.errorMessage() : "mechanisms offered: " + ((org.apache.kafka.common.message.SaslHandshakeResponseData) response).mechanisms();
                throw new java.util.concurrent.CompletionException(new IOException("inter-broker SASL " + sasl.mechanism()
                        + " as " + sasl.user() + " to " + c.channel.remoteAddress() + " failed: "
                        + org.apache.kafka.common.protocol.Errors.forCode(code) + " (" + message + ")"));
            }
            return response;
        });
    }

    private CompletableFuture<org.apache.kafka.common.message.SaslAuthenticateResponseData> authenticateStep(Connection c, byte[] token) {
        return saslCall(c, ApiKeys.SASL_AUTHENTICATE, (short) 2, new org.apache.kafka.common.message.SaslAuthenticateRequestData()
                .setAuthBytes(token)).thenApply(r -> (org.apache.kafka.common.message.SaslAuthenticateResponseData) r);
    }

    /** SaslHandshake and SaslAuthenticate on a new connection; completes {@code c.ready}. */
    private void authenticate(Connection c) {
        String mechanism = sasl.mechanism();
        CompletableFuture<org.apache.kafka.common.message.SaslAuthenticateResponseData> done = saslCall(c, ApiKeys.SASL_HANDSHAKE,
                (short) 1, new org.apache.kafka.common.message.SaslHandshakeRequestData().setMechanism(mechanism))
                .thenCompose(h -> {
                    if (mechanism.equals(io.sluice.brokerd.security.SaslListenerConfig.PLAIN)) {
                        return authenticateStep(c, ("\0" + sasl.user() + "\0" + sasl.password()).getBytes(java.nio.charset.StandardCharsets.UTF_8));
                    }
                    byte[] nonce = new byte[24];
                    NONCES.nextBytes(nonce);
                    io.sluice.brokerd.security.ScramClient scram = new io.sluice.brokerd.security.ScramClient(
                            io.sluice.brokerd.security.ScramMechanism.forName(mechanism).orElseThrow(), sasl.user(), sasl.password(),
                            java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(nonce));
                    return authenticateStep(c, scram.first())
                            .thenCompose(first -> authenticateStep(c, scram.last(first.authBytes())))
                            .thenApply(last -> {
                                if (!scram.verifyServerFinal(last.authBytes())) {
                                    throw new java.util.concurrent.CompletionException(new IOException("the broker at "
                                            + c.channel.remoteAddress() + " did not prove it knows " + sasl.user() + "'s SCRAM credential"));
                                }
                                return last;
                            });
                });
        done.whenComplete((last, error) -> {
            if (error != null) {
                c.ready.completeExceptionally(error instanceof java.util.concurrent.CompletionException && error.getCause() != null
                        ? error.getCause() : error);
                c.channel.close();
                return;
            }
            if (last.sessionLifetimeMs() > 0) {
                c.replaceAfterNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(last.sessionLifetimeMs() * 9 / 10);
            }
            c.ready.complete(null);
        });
    }

    private static void fail(Connection c, int correlationId, Throwable cause) {
        Pending p = c.pending.remove(correlationId);
        if (p != null) {
            p.future().completeExceptionally(cause);
        }
    }

    private Connection connect(String host, int port) {
        Connection c = new Connection();
        ChannelFuture cf = new Bootstrap().group(group).channel(channelType)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, CONNECT_TIMEOUT_MS)
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (ssl != null) {
                            ch.pipeline().addLast("ssl", ssl.clientContext().newHandler(ch.alloc(), host, port));
                        }
                        ch.pipeline().addLast("frames", new LengthFieldBasedFrameDecoder(MAX_RESPONSE_BYTES, 0, 4, 0, 4));
                        ch.pipeline().addLast("responses", c);
                    }
                })
                .connect(new InetSocketAddress(host, port));
        // Requests wait for the connect (Netty fails writes on a channel not yet connected) and the authentication.
        c.channel = cf.channel();
        cf.addListener(connect -> {
            if (!connect.isSuccess()) {
                c.ready.completeExceptionally(connect.cause());
            } else if (sasl == null) {
                c.ready.complete(null);
            } else {
                authenticate(c);
            }
        });
        return c;
    }

    @Override
    public void close() {
        closed = true;
        for (Connection c : connections.values()) {
            if (c.channel != null) {
                c.channel.close();
            }
        }
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS);
    }
}
