package io.sluice.brokerd.security;

import java.net.SocketAddress;

/**
 * The security identity of one client connection, the seam authentication and authorization plug into: the
 * listener it came in on, that listener's security protocol, and the principal the connection authenticated as.
 * Every request handler reaches it through {@code RequestContext.session()}.
 * <p>
 * How the principal is set, per protocol:
 * <ul>
 *   <li>PLAINTEXT: {@link Principal#ANONYMOUS}, fixed when the connection is accepted.</li>
 *   <li>SSL: set once the TLS handshake has completed, before the first request is decoded (the TLS stage hands on
 *       no application bytes earlier): the client certificate's subject mapped by {@code ssl.principal.mapping.rules},
 *       or ANONYMOUS when the client sent no certificate ({@code ssl.client.auth} none or requested).</li>
 *   <li>SASL_PLAINTEXT, SASL_SSL: {@code User:<name>} once SaslAuthenticate succeeded ({@link SaslSession} calls
 *       {@link #authenticated}); ANONYMOUS until then, when no request but ApiVersions and the SASL ones is served.
 *       The connection's SASL state is {@link #sasl()}.</li>
 * </ul>
 * Thread-safety: the principal is written on the connection's event loop and read by handlers on any thread
 * (volatile), always after it was set for the requests of that connection.
 */
public final class ConnectionSession {
    private final String listenerName;
    private final SecurityProtocol securityProtocol;
    private final SocketAddress clientAddress;
    private volatile Principal principal;
    private volatile SaslSession sasl;

    public ConnectionSession(String listenerName, SecurityProtocol securityProtocol, SocketAddress clientAddress,
                             Principal principal) {
        this.listenerName = listenerName;
        this.securityProtocol = securityProtocol;
        this.clientAddress = clientAddress;
        this.principal = principal;
    }

    /** The listener name, upper case as in {@code listeners} (PLAINTEXT for the bare HOST:PORT form). */
    public String listenerName() {
        return listenerName;
    }

    public SecurityProtocol securityProtocol() {
        return securityProtocol;
    }

    public SocketAddress clientAddress() {
        return clientAddress;
    }

    /** The authenticated principal; ANONYMOUS until (and unless) authentication names one. */
    public Principal principal() {
        return principal;
    }

    /** Records the principal this connection authenticated as (TLS client certificate, later SASL). */
    public void authenticated(Principal p) {
        this.principal = p;
    }

    /** The connection's SASL state on a SASL_PLAINTEXT or SASL_SSL listener; null on the others. */
    public SaslSession sasl() {
        return sasl;
    }

    /** Attaches the SASL state (once, when a SASL listener accepts the connection). */
    public void attachSasl(SaslSession s) {
        this.sasl = s;
    }

    @Override
    public String toString() {
        return principal + " on " + listenerName + " (" + securityProtocol + ") from " + clientAddress;
    }
}
