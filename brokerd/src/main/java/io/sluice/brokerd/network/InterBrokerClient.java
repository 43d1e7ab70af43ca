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
 * Pipeline stages: {@code frames} (4-byte length prefix, at most {@link #MAX_RESPONSE_BYTES}) and {@code responses}
 * (matches the response to its request and parses the body). The frame's ByteBuf is released by the
 * {@link SimpleChannelInboundHandler} after parsing; parsed records are copied out of it.
 */
public final class InterBrokerClient implements AutoCloseable {
    static final int MAX_RESPONSE_BYTES = 256 * 1024 * 1024;
    private static final int CONNECT_TIMEOUT_MS = 5_000;

    private final String clientId;
    private final io.sluice.brokerd.security.SslFactory ssl;
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
        volatile ChannelFuture connected;

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
        this.clientId = "broker-" + nodeId;
        this.ssl = ssl;
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
        Connection c = connections.compute(key, (k, existing) ->
                existing != null && (existing.channel.isActive() || !existing.connected.isDone()) ? existing : connect(host, port));
        int correlationId = correlation.incrementAndGet();
        CompletableFuture<ApiMessage> future = new CompletableFuture<>();
        c.pending.put(correlationId, new Pending(api, version, future));
        RequestHeader header = new RequestHeader(api, version, clientId, correlationId);
        ByteBuffer payload = RequestUtils.serialize(header.data(), header.headerVersion(), body, version);
        ByteBuf frame = Unpooled.buffer(4 + payload.remaining());
        frame.writeInt(payload.remaining()).writeBytes(payload);
        c.connected.addListener(connect -> {
            if (!connect.isSuccess()) {
                frame.release();
                fail(c, correlationId, connect.cause());
                return;
            }
            c.channel.writeAndFlush(frame).addListener(f -> {
                if (!f.isSuccess()) {
                    fail(c, correlationId, f.cause());
                }
            });
        });
        return future;
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
        // Requests wait for the connect (Netty fails writes on a channel not yet connected).
        c.channel = cf.channel();
        c.connected = cf;
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
