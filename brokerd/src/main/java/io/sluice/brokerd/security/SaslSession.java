package io.sluice.brokerd.security;

import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;

import java.security.SecureRandom;
import java.util.List;

/**
 * The SASL state of one connection on a SASL_PLAINTEXT or SASL_SSL listener, as Kafka's SaslServerAuthenticator
 * keeps it, and the gate every request passes ({@link #refusal}). States:
 * <pre>
 *   HANDSHAKE     --SaslHandshake(enabled mechanism)--> AUTHENTICATE
 *                 (v0: the tokens that follow come as raw frames without a Kafka header, see {@link #expectsRawToken})
 *   AUTHENTICATE  --SaslAuthenticate, mechanism needs more--> AUTHENTICATE
 *                 --SaslAuthenticate, success--> AUTHENTICATED (principal User:name on the ConnectionSession)
 *   AUTHENTICATED --SaslHandshake, connections.max.reauth.ms > 0--> AUTHENTICATE (re-authentication, KIP-368;
 *                   the connection keeps its principal and serves requests until the new session replaces it; at
 *                   most one start a second, as Kafka: a sooner one is answered ILLEGAL_SASL_STATE, state unchanged)
 *   any           --unsupported mechanism, failed authentication, SASL request out of order--> FAILED (the connection
 *                   is closed once the answer is written)
 * </pre>
 * Before AUTHENTICATED only ApiVersions, SaslHandshake and SaslAuthenticate pass the gate; anything else closes the
 * connection (as Kafka). Once the session's lifetime ({@code connections.max.reauth.ms}) has passed, every request
 * but a re-authentication closes the connection; a re-authentication must keep the mechanism and the principal.
 * <p>
 * Thread-safety: the gate runs on the connection's event loop, the SASL handlers on the request executor; every
 * method is synchronized. Time is passed in (ms).
 */
public final class SaslSession {
    enum State { HANDSHAKE, AUTHENTICATE, AUTHENTICATED, FAILED }

    /** Kafka's spacing of re-authentications on one connection (KafkaChannel: at most one start per second). */
    static final long MIN_REAUTH_INTERVAL_MS = 1000;

    /** What a SaslHandshake is answered with. */
    public record HandshakeResult(Errors error, List<String> mechanisms) {
    }

    /**
     * What a SaslAuthenticate is answered with. {@code logReason} says why it failed (for the broker log; the
     * client gets {@code message}); {@code principal} is set on success.
     */
    public record AuthenticateResult(Errors error, String message, byte[] authBytes, long sessionLifetimeMs,
                                     String logReason, Principal principal, boolean legacyNonce) {
        public boolean failed() {
            return error != Errors.NONE;
        }
    }

    private final SaslListenerConfig config;
    private final ConnectionSession connection;
    private final SecureRandom random;
    private State state = State.HANDSHAKE;
    private String mechanism;
    private ScramServer scram;
    private boolean reauthenticating;
    /** The handshake was v0: the client sends its SASL tokens as bare size-prefixed frames (clients before Kafka 1.0). */
    private boolean rawTokens;
    /** When the current session ends (ms); 0: never. */
    private long sessionExpiryMs;
    private Principal authenticatedPrincipal;
    /** When the last re-authentication started (ms); -1: never. */
    private long lastReauthStartMs = -1;

    public SaslSession(SaslListenerConfig config, ConnectionSession connection, SecureRandom random) {
        this.config = config;
        this.connection = connection;
        this.random = random;
    }

    public SaslListenerConfig config() {
        return config;
    }

    /** Null when {@code api} may be handled now; else why the connection must be closed instead. */
    public synchronized String refusal(ApiKeys api, long nowMs) {
        boolean sasl = api == ApiKeys.SASL_HANDSHAKE || api == ApiKeys.SASL_AUTHENTICATE;
        switch (state) {
            case FAILED:
                return api + " after SASL authentication failed";
            case HANDSHAKE:
            case AUTHENTICATE:
                if (reauthenticating) {
                    return expired(nowMs) && !sasl ? expiredReason(api) : null;
                }
                return sasl || api == ApiKeys.API_VERSIONS ? null
                        : api + " before SASL authentication completed (only ApiVersions, SaslHandshake and SaslAuthenticate are allowed)";
            case AUTHENTICATED:
                return expired(nowMs) && api != ApiKeys.SASL_HANDSHAKE ? expiredReason(api) : null;
            default:
                throw new IllegalStateException(state.name());
        }
    }

    private boolean expired(long nowMs) {
        return sessionExpiryMs > 0 && nowMs >= sessionExpiryMs;
    }

    private String expiredReason(ApiKeys api) {
        return api + " after the SASL session of " + authenticatedPrincipal + " expired without re-authentication "
                + "(connections.max.reauth.ms=" + config.reauthMs() + ")";
    }

    /** True when the connection is to be closed once the current answer is written. */
    public synchronized boolean failed() {
        return state == State.FAILED;
    }

    /** True once the connection authenticated (it may be re-authenticating now). */
    public synchronized boolean authenticated() {
        return authenticatedPrincipal != null;
    }

    public synchronized HandshakeResult handshake(String requested, long nowMs) {
        List<String> enabled = config.enabledMechanisms();
        if (state == State.AUTHENTICATED && config.reauthMs() > 0) {
            if (lastReauthStartMs >= 0 && nowMs - lastReauthStartMs < MIN_REAUTH_INTERVAL_MS) {
                // As Kafka: a handshake within a second of the last re-authentication is not one; it is answered as
                // any SaslHandshake on an authenticated connection (the client gives up and closes the connection).
                return new HandshakeResult(Errors.ILLEGAL_SASL_STATE, enabled);
            }
            if (!requested.equals(mechanism)) {
                state = State.FAILED;
                return new HandshakeResult(Errors.ILLEGAL_SASL_STATE, enabled);
            }
            reauthenticating = true;
            lastReauthStartMs = nowMs;
            scram = null;
            state = State.AUTHENTICATE;
            return new HandshakeResult(Errors.NONE, enabled);
        }
        if (state != State.HANDSHAKE) {
            state = state == State.AUTHENTICATED ? state : State.FAILED;
            return new HandshakeResult(Errors.ILLEGAL_SASL_STATE, enabled);
        }
        if (!enabled.contains(requested)) {
            state = State.FAILED;
            return new HandshakeResult(Errors.UNSUPPORTED_SASL_MECHANISM, enabled);
        }
        mechanism = requested;
        state = State.AUTHENTICATE;
        return new HandshakeResult(Errors.NONE, enabled);
    }

    /**
     * A SaslHandshake v0, as clients before Kafka 1.0 send it: the SASL tokens then follow as bare size-prefixed
     * frames, answered the same way, and no re-authentication is possible (KIP-368 needs SaslAuthenticate). A v0
     * handshake on an authenticated connection is ILLEGAL_SASL_STATE and closes it.
     */
    public synchronized HandshakeResult handshakeV0(String requested, long nowMs) {
        if (state != State.HANDSHAKE) {
            state = State.FAILED;
            return new HandshakeResult(Errors.ILLEGAL_SASL_STATE, config.enabledMechanisms());
        }
        HandshakeResult r = handshake(requested, nowMs);
        rawTokens = r.error() == Errors.NONE;
        return r;
    }

    /** True when the next frame of the connection is a raw SASL token (after a v0 handshake), not a Kafka request. */
    public synchronized boolean expectsRawToken() {
        return rawTokens && state == State.AUTHENTICATE;
    }

    /**
     * One SaslAuthenticate token. PLAIN runs a PBKDF2 here: call it off the event loop. On success the connection's
     * principal becomes {@code User:<name>}.
     */
    public synchronized AuthenticateResult authenticate(byte[] token, long nowMs) {
        if (state == State.AUTHENTICATED) {
            // Kafka answers this (KafkaApis) without closing the connection.
            return illegal("SaslAuthenticate request received after successful authentication", false);
        }
        if (state != State.AUTHENTICATE) {
            return illegal("SaslAuthenticate request received " + (state == State.HANDSHAKE ? "before SaslHandshake"
                    : "after SASL authentication failed"), true);
        }
        try {
            String user;
            byte[] response;
            if (mechanism.equals(SaslListenerConfig.PLAIN)) {
                user = PlainServer.authenticate(token, config.credentials());
                response = new byte[0];
            } else {
                if (scram == null) {
                    ScramMechanism m = ScramMechanism.forName(mechanism).orElseThrow();
                    scram = new ScramServer(m, u -> config.credentials().credential(u, m), random);
                }
                response = scram.evaluate(token);
                if (!scram.isComplete()) {
                    return new AuthenticateResult(Errors.NONE, null, response, 0, null, null, false);
                }
                user = scram.userName();
            }
            Principal principal = Principal.user(user);
            if (reauthenticating && !principal.equals(authenticatedPrincipal)) {
                throw new SaslFailure("re-authentication as " + principal + " on a connection of " + authenticatedPrincipal
                        + " (a connection cannot change principals)");
            }
            boolean legacy = scram != null && scram.usedLegacyNonce();
            scram = null;
            reauthenticating = false;
            state = State.AUTHENTICATED;
            authenticatedPrincipal = principal;
            connection.authenticated(principal);
            sessionExpiryMs = config.reauthMs() > 0 ? nowMs + config.reauthMs() : 0;
            return new AuthenticateResult(Errors.NONE, null, response, config.reauthMs(), null, principal, legacy);
        } catch (SaslFailure e) {
            state = State.FAILED;
            scram = null;
            return new AuthenticateResult(Errors.SASL_AUTHENTICATION_FAILED,
                    "Authentication failed during authentication due to invalid credentials with SASL mechanism " + mechanism,
                    new byte[0], 0, e.getMessage(), null, false);
        }
    }

    private AuthenticateResult illegal(String message, boolean close) {
        if (close) {
            state = State.FAILED;
        }
        return new AuthenticateResult(Errors.ILLEGAL_SASL_STATE, message, new byte[0], 0, message, null, false);
    }

    /** The mechanism chosen by the handshake; null before. */
    public synchronized String mechanism() {
        return mechanism;
    }
}
