package io.sluice.brokerd.network;

import java.net.InetAddress;
import java.util.Map;

/**
 * Settings of the client listener.
 *
 * @param host                     address to bind (127.0.0.1 by default)
 * @param port                     port to bind; 0 picks a free one (tests)
 * @param socketRequestMaxBytes    largest request frame accepted, bytes; checked before allocating
 * @param connectionsMaxIdleMs     a connection with no traffic this long is closed, ms
 * @param maxInflightPerConnection requests read ahead of their responses on one connection before reading pauses
 * @param queuedMaxRequestBytes    heap bytes of requests read but not answered, broker-wide, before reading pauses;
 *                                 0 or less: unbounded
 * @param queuedMaxRequestBytesPerConnection the same per connection; 0 or less: unbounded
 * @param maxConnections           open client connections; more are closed at accept
 * @param maxConnectionsPerIp      open client connections from one address; more are closed at accept
 * @param maxConnectionsPerIpOverrides per-address exceptions to {@code maxConnectionsPerIp}
 */
public record NetworkConfig(String host, int port, int socketRequestMaxBytes, long connectionsMaxIdleMs,
                            int maxInflightPerConnection, long queuedMaxRequestBytes,
                            long queuedMaxRequestBytesPerConnection, int maxConnections, int maxConnectionsPerIp,
                            Map<InetAddress, Integer> maxConnectionsPerIpOverrides) {
}
