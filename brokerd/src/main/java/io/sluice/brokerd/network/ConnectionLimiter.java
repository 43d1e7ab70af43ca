package io.sluice.brokerd.network;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.sluice.brokerd.common.RateLimitedLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code max.connections}, {@code max.connections.per.ip} and {@code max.connections.per.ip.overrides}, enforced at
 * accept as Kafka does for the per-IP limits: a connection beyond a limit is closed before it is registered with an
 * event loop (nothing of it is read), counted in {@code sluice_connections_refused_total{limit}} and logged in one
 * rate-limited line. A connection counts from accept until it closes.
 * <p>
 * Sits in the server channel's pipeline, ahead of Netty's acceptor, so it sees each accepted child channel first.
 * Thread-safe: accepts run on the accept thread, closes on the connections' event loops.
 */
@ChannelHandler.Sharable
final class ConnectionLimiter extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(ConnectionLimiter.class);

    private final int maxConnections;
    private final int maxConnectionsPerIp;
    private final Map<InetAddress, Integer> perIpOverrides;
    private final RequestObserver observer;
    private final RateLimitedLog refusedLog = new RateLimitedLog(log);
    private final AtomicInteger connections = new AtomicInteger();
    private final ConcurrentHashMap<InetAddress, AtomicInteger> perIp = new ConcurrentHashMap<>();

    ConnectionLimiter(int maxConnections, int maxConnectionsPerIp, Map<InetAddress, Integer> perIpOverrides,
                      RequestObserver observer) {
        this.maxConnections = maxConnections;
        this.maxConnectionsPerIp = maxConnectionsPerIp;
        this.perIpOverrides = Map.copyOf(perIpOverrides);
        this.observer = observer;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        Channel child = (Channel) msg;
        InetAddress ip = child.remoteAddress() instanceof InetSocketAddress a ? a.getAddress() : null;
        String refusedBy = tryAdmit(ip);
        if (refusedBy != null) {
            observer.onConnectionRefused(refusedBy);
            refusedLog.warn(refusedBy, "Refused a connection from {}: {} ({}) reached", ip == null ? "?" : ip.getHostAddress(),
                    refusedBy, refusedBy.equals("max.connections") ? maxConnections : limitFor(ip));
            child.unsafe().closeForcibly();
            return;
        }
        child.closeFuture().addListener(f -> release(ip));
        ctx.fireChannelRead(child);
    }

    /**
     * Counts a new connection from {@code ip}; returns the limit it would exceed (nothing counted then), or null.
     * The per-address limit is checked first: it names the client to blame.
     */
    private String tryAdmit(InetAddress ip) {
        if (ip != null && !tryAdmitFrom(ip)) {
            return "max.connections.per.ip";
        }
        if (connections.incrementAndGet() > maxConnections) {
            connections.decrementAndGet();
            if (ip != null) {
                releaseFrom(ip);
            }
            return "max.connections";
        }
        return null;
    }

    private boolean tryAdmitFrom(InetAddress ip) {
        int limit = limitFor(ip);
        boolean[] admitted = {false};
        perIp.compute(ip, (k, count) -> {
            AtomicInteger c = count == null ? new AtomicInteger() : count;
            if (c.get() < limit) {
                c.incrementAndGet();
                admitted[0] = true;
            }
            return c.get() == 0 ? null : c;
        });
        return admitted[0];
    }

    private void releaseFrom(InetAddress ip) {
        perIp.computeIfPresent(ip, (k, c) -> c.decrementAndGet() == 0 ? null : c);
    }

    private void release(InetAddress ip) {
        connections.decrementAndGet();
        if (ip != null) {
            releaseFrom(ip);
        }
    }

    private int limitFor(InetAddress ip) {
        return perIpOverrides.getOrDefault(ip, maxConnectionsPerIp);
    }

    /** Connections counted now (accepted, not yet closed). */
    int connections() {
        return connections.get();
    }
}
