package io.sluice.brokerd.network;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.concurrent.TimeUnit;

/**
 * The client listener. The server channel's pipeline holds the {@link ConnectionLimiter} ({@code max.connections},
 * {@code max.connections.per.ip}), which refuses excess connections at accept. Pipeline per connection:
 * <pre>
 *   "frameDecoder" (size-prefixed frames, size checked before allocation; decides when to read)
 *   -> "idle" (connections.max.idle.ms) -> "dispatcher" (header + body decode, handler call, in-order responses)
 * </pre>
 * Memory: the heap held by requests read but not answered is bounded broker-wide by {@code queued.max.request.bytes}
 * ({@link QueuedRequestBytes}) and per connection by {@code queued.max.request.bytes.per.connection} and
 * {@code max.inflight.requests.per.connection} ({@link ConnectionBudget}); responses a client does not read pause its
 * reads at Netty's write-buffer high water mark. Reaching a limit stops reading (autoRead off), it never buffers
 * more. Epoll on Linux, NIO elsewhere. {@link #close(long)} stops accepting, waits (bounded) until every connection
 * has answered the requests it already read, then closes connections and event loops.
 */
public final class NetworkServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NetworkServer.class);

    private final NetworkConfig config;
    private final ApiRegistry registry;
    private final Clock clock;
    private final java.util.concurrent.Executor requestPool;
    private final RequestObserver observer;
    private final ChannelGroup channels = new DefaultChannelGroup("clients", GlobalEventExecutor.INSTANCE);
    private final QueuedRequestBytes queuedRequestBytes;
    private final ConnectionLimiter connectionLimiter;
    private EventLoopGroup bossGroup;
    private EventLoopGroup workerGroup;
    private Channel serverChannel;

    /** {@code requestPool} runs handlers' slow work; each connection's requests run there one at a time, in order. */
    public NetworkServer(NetworkConfig config, ApiRegistry registry, Clock clock, java.util.concurrent.Executor requestPool,
                         RequestObserver observer) {
        this.config = config;
        this.observer = observer;
        this.requestPool = requestPool;
        this.registry = registry;
        this.clock = clock;
        this.queuedRequestBytes = new QueuedRequestBytes(config.queuedMaxRequestBytes());
        this.connectionLimiter = new ConnectionLimiter(config.maxConnections(), config.maxConnectionsPerIp(),
                config.maxConnectionsPerIpOverrides(), observer);
        if (registry.lookup(org.apache.kafka.common.protocol.ApiKeys.API_VERSIONS).isEmpty()) {
            ApiVersionsHandler.register(registry);
        }
    }

    /** Binds the listener; returns the bound address (the real port when configured with port 0). */
    public InetSocketAddress start() throws InterruptedException {
        boolean epoll = Epoll.isAvailable();
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        Class<? extends ServerChannel> channelType = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        bossGroup = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("sluice-accept"), io);
        workerGroup = new MultiThreadIoEventLoopGroup(Math.max(1, Runtime.getRuntime().availableProcessors()),
                new DefaultThreadFactory("sluice-network"), io);
        ServerBootstrap b = new ServerBootstrap()
                .group(bossGroup, workerGroup)
                .channel(channelType)
                .option(ChannelOption.SO_REUSEADDR, true)
                .handler(connectionLimiter)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        channels.add(ch);
                        ConnectionBudget budget = new ConnectionBudget(queuedRequestBytes, config.maxInflightPerConnection(),
                                config.queuedMaxRequestBytesPerConnection());
                        ch.pipeline()
                                .addLast("frameDecoder", new FrameDecoder(config.socketRequestMaxBytes(), budget, observer))
                                .addLast("idle", new IdleStateHandler(0, 0, config.connectionsMaxIdleMs(), TimeUnit.MILLISECONDS))
                                .addLast("dispatcher", new RequestDispatcher(registry, clock, budget, requestPool, observer));
                    }
                });
        serverChannel = b.bind(config.host(), config.port()).sync().channel();
        InetSocketAddress bound = (InetSocketAddress) serverChannel.localAddress();
        log.debug("Listening on {} ({})", bound, epoll ? "epoll" : "nio");
        return bound;
    }

    /** Stops accepting, lets in-flight requests be answered for up to {@code timeoutMs}, then closes everything. */
    public void close(long timeoutMs) {
        if (serverChannel != null) {
            serverChannel.close().syncUninterruptibly();
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        for (Channel ch : channels) {
            FrameDecoder decoder = ch.pipeline().get(FrameDecoder.class);
            if (decoder != null) {
                ch.eventLoop().execute(decoder::stopReading);
            }
        }
        while (System.nanoTime() < deadline && !allIdle()) {
            try {
                Thread.sleep(10); // bounded drain wait during shutdown, not a test
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        channels.close().syncUninterruptibly();
        if (bossGroup != null) {
            bossGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
            workerGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    /** Open client connections. */
    public int connectionCount() {
        return channels.size();
    }

    /** Heap bytes of requests read (or being read) and not yet answered, over all connections. */
    public long queuedRequestBytes() {
        return queuedRequestBytes.usedBytes();
    }

    private boolean allIdle() {
        for (Channel ch : channels) {
            RequestDispatcher d = ch.pipeline().get(RequestDispatcher.class);
            if (d != null && ch.isActive()) {
                boolean[] idle = {true};
                ch.eventLoop().submit(() -> idle[0] = d.isIdle()).syncUninterruptibly();
                if (!idle[0]) {
                    return false;
                }
            }
        }
        return true;
    }

    @Override
    public void close() {
        close(5_000);
    }
}
