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

import io.netty.handler.stream.ChunkedWriteHandler;
import io.sluice.brokerd.security.ConnectionSession;
import io.sluice.brokerd.security.Principal;

import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The client listeners, one server channel per {@link ListenerConfig}, sharing one accept loop, one group of
 * network event loops and one {@link ConnectionLimiter} ({@code max.connections}, {@code max.connections.per.ip},
 * counted over all listeners), which refuses excess connections at accept. Pipeline per connection:
 * <pre>
 *   SSL listeners only:  "ssl" (Netty SslHandler) -> "tls" ({@link TlsSessionHandler}: principal from the client
 *                        certificate; failed handshakes closed with a rate-limited log line)
 *                        -> "chunkedWriter" + "fileChunks" (fetched file bytes read into buffers for encryption,
 *                        {@link FileSliceChunks}; plaintext listeners send them with sendfile instead)
 *   every listener:      "frameDecoder" (size-prefixed frames, size checked before allocation; decides when to read)
 *                        -> "idle" (connections.max.idle.ms) -> "dispatcher" (header + body decode, handler call,
 *                        in-order responses)
 * </pre>
 * SASL listeners: each connection gets a {@link io.sluice.brokerd.security.SaslSession} on its session; the
 * dispatcher lets only ApiVersions and the SASL APIs through until it authenticated, and the frame decoder accepts
 * requests of at most {@code sasl.server.max.receive.size} bytes until then. Each connection's {@link ConnectionSession} (listener, protocol, principal) is a
 * channel attribute ({@link #SESSION}) the dispatcher puts into every {@link RequestContext}.
 * <p>
 * Memory: the heap held by requests read but not answered is bounded broker-wide by {@code queued.max.request.bytes}
 * ({@link QueuedRequestBytes}) and per connection by {@code queued.max.request.bytes.per.connection} and
 * {@code max.inflight.requests.per.connection} ({@link ConnectionBudget}); responses a client does not read pause its
 * reads at Netty's write-buffer high water mark. Reaching a limit stops reading (autoRead off), it never buffers
 * more. Epoll on Linux, NIO elsewhere. {@link #close(long)} stops accepting, waits (bounded) until every connection
 * has answered the requests it already read, then closes connections and event loops.
 */
public final class NetworkServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NetworkServer.class);

    /** The connection's security identity, set when the channel is initialised. */
    static final io.netty.util.AttributeKey<ConnectionSession> SESSION = io.netty.util.AttributeKey.valueOf("sluice.session");

    private static final java.security.SecureRandom SECURE_RANDOM = new java.security.SecureRandom();
    private final NetworkConfig config;
    private final List<ListenerConfig> listeners;
    private final ApiRegistry registry;
    private final Clock clock;
    private final java.util.concurrent.Executor requestPool;
    private final RequestObserver observer;
    private final ChannelGroup channels = new DefaultChannelGroup("clients", GlobalEventExecutor.INSTANCE);
    private final QueuedRequestBytes queuedRequestBytes;
    private final ConnectionLimiter connectionLimiter;
    private EventLoopGroup bossGroup;
    private EventLoopGroup workerGroup;
    private final List<Channel> serverChannels = new ArrayList<>();

    /**
     * {@code requestPool} runs handlers' slow work; each connection's requests run there one at a time, in order.
     * {@code config}'s host and port are not used: {@code listeners} say what to bind.
     */
    public NetworkServer(NetworkConfig config, List<ListenerConfig> listeners, ApiRegistry registry, Clock clock,
                         java.util.concurrent.Executor requestPool, RequestObserver observer) {
        this.config = config;
        this.listeners = List.copyOf(listeners);
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

    /**
     * Binds every listener; returns each listener's bound address by name, in configuration order (the real port when
     * configured with port 0). A listener that cannot bind closes those already bound and throws.
     */
    public Map<String, InetSocketAddress> start() throws InterruptedException {
        boolean epoll = Epoll.isAvailable();
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        Class<? extends ServerChannel> channelType = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        bossGroup = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("sluice-accept"), io);
        workerGroup = new MultiThreadIoEventLoopGroup(Math.max(1, Runtime.getRuntime().availableProcessors()),
                new DefaultThreadFactory("sluice-network"), io);
        Map<String, InetSocketAddress> bound = new LinkedHashMap<>();
        for (ListenerConfig listener : listeners) {
            io.sluice.brokerd.common.RateLimitedLog refusals = TlsSessionHandler.newRefusalLog();
            ServerBootstrap b = new ServerBootstrap()
                    .group(bossGroup, workerGroup)
                    .channel(channelType)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .handler(connectionLimiter)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            initConnection(ch, listener, refusals);
                        }
                    });
            Channel server;
            try {
                server = b.bind(listener.host(), listener.port()).sync().channel();
            } catch (InterruptedException e) {
                close(0);
                throw e;
            } catch (Exception e) { // sync() rethrows the bind's IOException (address in use) unchecked
                close(0);
                throw new IllegalStateException("cannot bind listener " + listener.name() + " on " + listener.host() + ":"
                        + listener.port() + ": " + e.getMessage(), e);
            }
            serverChannels.add(server);
            InetSocketAddress address = (InetSocketAddress) server.localAddress();
            bound.put(listener.name(), address);
            log.debug("Listener {} ({}) on {} ({})", listener.name(), listener.protocol(), address, epoll ? "epoll" : "nio");
        }
        return bound;
    }

    private void initConnection(SocketChannel ch, ListenerConfig listener, io.sluice.brokerd.common.RateLimitedLog refusals) {
        channels.add(ch);
        ConnectionSession session = new ConnectionSession(listener.name(), listener.protocol(), ch.remoteAddress(),
                Principal.ANONYMOUS);
        ch.attr(SESSION).set(session);
        if (listener.sasl() != null) {
            session.attachSasl(new io.sluice.brokerd.security.SaslSession(listener.sasl(), session, SECURE_RANDOM));
        }
        if (listener.ssl() != null) {
            ch.pipeline()
                    .addLast("ssl", listener.ssl().serverContext().newHandler(ch.alloc()))
                    .addLast("tls", new TlsSessionHandler(listener.name(), listener.ssl(), session, refusals))
                    .addLast("chunkedWriter", new ChunkedWriteHandler())
                    .addLast("fileChunks", new FileSliceChunks());
        }
        ConnectionBudget budget = new ConnectionBudget(queuedRequestBytes, config.maxInflightPerConnection(),
                config.queuedMaxRequestBytesPerConnection());
        FrameDecoder frames = new FrameDecoder(config.socketRequestMaxBytes(), budget, observer);
        if (session.sasl() != null) {
            io.sluice.brokerd.security.SaslSession sasl = session.sasl();
            frames.limitUntilAuthenticated(listener.sasl().maxReceiveBytes(), sasl::authenticated);
        }
        ch.pipeline()
                .addLast("frameDecoder", frames)
                .addLast("idle", new IdleStateHandler(0, 0, config.connectionsMaxIdleMs(), TimeUnit.MILLISECONDS))
                .addLast("dispatcher", new RequestDispatcher(registry, clock, budget, requestPool, observer));
    }

    /** Stops accepting, lets in-flight requests be answered for up to {@code timeoutMs}, then closes everything. */
    public void close(long timeoutMs) {
        for (Channel server : serverChannels) {
            server.close().syncUninterruptibly();
        }
        serverChannels.clear();
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
