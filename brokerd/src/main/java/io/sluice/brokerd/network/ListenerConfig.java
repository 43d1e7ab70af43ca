package io.sluice.brokerd.network;

import io.sluice.brokerd.security.SecurityProtocol;
import io.sluice.brokerd.security.SslFactory;

/**
 * One listener the {@link NetworkServer} binds.
 *
 * @param name     listener name, upper case (PLAINTEXT, SSL, or a custom name from listener.security.protocol.map)
 * @param protocol its security protocol
 * @param host     address to bind
 * @param port     port to bind; 0 picks a free one
 * @param ssl      the TLS server side for SSL and SASL_SSL listeners, null otherwise
 * @param sasl     the SASL settings of SASL_PLAINTEXT and SASL_SSL listeners, null otherwise
 */
public record ListenerConfig(String name, SecurityProtocol protocol, String host, int port, SslFactory ssl,
                             io.sluice.brokerd.security.SaslListenerConfig sasl) {
    public ListenerConfig {
        if (protocol.usesTls() != (ssl != null)) {
            throw new IllegalArgumentException("listener " + name + " (" + protocol + ") " + (ssl == null
                    ? "needs TLS settings" : "takes no TLS settings"));
        }
        if (protocol.usesSasl() != (sasl != null)) {
            throw new IllegalArgumentException("listener " + name + " (" + protocol + ") " + (sasl == null
                    ? "needs SASL settings" : "takes no SASL settings"));
        }
    }

    /** A listener without SASL. */
    public ListenerConfig(String name, SecurityProtocol protocol, String host, int port, SslFactory ssl) {
        this(name, protocol, host, port, ssl, null);
    }
}
