package io.sluice.brokerd.network;

/**
 * Settings of the client listener.
 *
 * @param host                  address to bind (127.0.0.1 by default)
 * @param port                  port to bind; 0 picks a free one (tests)
 * @param socketRequestMaxBytes largest request frame accepted, bytes; checked before allocating
 * @param connectionsMaxIdleMs  a connection with no traffic this long is closed, ms
 * @param maxInflightPerConnection requests read ahead of their responses on one connection before reading pauses
 */
public record NetworkConfig(String host, int port, int socketRequestMaxBytes, long connectionsMaxIdleMs,
                            int maxInflightPerConnection) {
}
