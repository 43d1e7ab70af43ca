package io.sluice.brokerd;

import io.sluice.brokerd.config.BrokerConfig;

import java.net.InetSocketAddress;

/**
 * Wires one broker together (config, logs, metadata, handlers, network) and owns its lifecycle. All wiring lives
 * here; logic lives in the packages.
 */
public final class Broker implements AutoCloseable {

    /** Starts a broker and returns once it serves requests on its listener. */
    public static Broker start(BrokerConfig config) {
        throw new UnsupportedOperationException("process: implement");
    }

    /** The bound listener address (the real port when configured with port 0). */
    public InetSocketAddress boundAddress() {
        throw new UnsupportedOperationException("process: implement");
    }

    /** {@code host:port} for clients' bootstrap.servers. */
    public String bootstrapServers() {
        InetSocketAddress a = boundAddress();
        return a.getHostString() + ":" + a.getPort();
    }

    /** Clean shutdown: stop accepting, answer in-flight requests, flush segments, write checkpoints and marker. */
    @Override
    public void close() {
        throw new UnsupportedOperationException("process: implement");
    }
}
