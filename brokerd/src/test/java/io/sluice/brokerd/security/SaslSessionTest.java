package io.sluice.brokerd.security;

import io.sluice.brokerd.metadata.ScramCredential;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** A connection's SASL states: the request gate, handshakes, failures, session expiry and re-authentication. */
@Timeout(30)
class SaslSessionTest {
    private static final ScramCredential ALICE = ScramMechanism.SCRAM_SHA_256.credentialForPassword("pw", new byte[]{1, 2, 3}, 4096);
    private static final ScramCredentials STORE = (u, m) -> u.equals("alice") || u.equals("bob") ? Optional.of(ALICE) : Optional.empty();

    private final ConnectionSession connection = new ConnectionSession("SASL_PLAINTEXT", SecurityProtocol.SASL_PLAINTEXT,
            new InetSocketAddress("127.0.0.1", 1), Principal.ANONYMOUS);

    private SaslSession session(long reauthMs) {
        return new SaslSession(new SaslListenerConfig(List.of("PLAIN", "SCRAM-SHA-256"), reauthMs, 0, 1000, STORE), connection,
                new SecureRandom());
    }

    private static byte[] plain(String user, String password) {
        return ("\0" + user + "\0" + password).getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void onlyApiVersionsAndSaslBeforeAuthentication() {
        SaslSession s = session(0);
        assertThat(s.refusal(ApiKeys.API_VERSIONS, 0)).isNull();
        assertThat(s.refusal(ApiKeys.SASL_HANDSHAKE, 0)).isNull();
        assertThat(s.refusal(ApiKeys.METADATA, 0)).contains("METADATA before SASL authentication completed");
        assertThat(s.handshake("PLAIN", 0).error()).isEqualTo(Errors.NONE);
        assertThat(s.refusal(ApiKeys.PRODUCE, 0)).isNotNull();
        SaslSession.AuthenticateResult r = s.authenticate(plain("alice", "pw"), 0);
        assertThat(r.error()).isEqualTo(Errors.NONE);
        assertThat(r.sessionLifetimeMs()).isZero();
        assertThat(connection.principal()).isEqualTo(Principal.user("alice"));
        assertThat(s.refusal(ApiKeys.PRODUCE, Long.MAX_VALUE)).isNull();
    }

    @Test
    void scramOverTheSession() {
        SaslSession s = session(0);
        s.handshake("SCRAM-SHA-256", 0);
        ScramClient client = new ScramClient(ScramMechanism.SCRAM_SHA_256, "alice", "pw", "nonce");
        SaslSession.AuthenticateResult first = s.authenticate(client.first(), 0);
        assertThat(first.error()).isEqualTo(Errors.NONE);
        assertThat(first.principal()).isNull();
        assertThat(s.refusal(ApiKeys.FETCH, 0)).isNotNull();
        SaslSession.AuthenticateResult last = s.authenticate(client.last(first.authBytes(), false), 0);
        assertThat(new String(last.authBytes(), StandardCharsets.UTF_8)).isEqualTo(client.expectedServerFinal());
        assertThat(connection.principal()).isEqualTo(Principal.user("alice"));
    }

    @Test
    void unsupportedMechanismSecondHandshakeAndAuthenticateFirstAreIllegal() {
        SaslSession s = session(0);
        assertThat(s.handshake("SCRAM-SHA-512", 0)).isEqualTo(new SaslSession.HandshakeResult(Errors.UNSUPPORTED_SASL_MECHANISM,
                List.of("PLAIN", "SCRAM-SHA-256")));
        assertThat(s.failed()).isTrue();
        assertThat(s.refusal(ApiKeys.API_VERSIONS, 0)).contains("after SASL authentication failed");

        SaslSession twice = session(0);
        twice.handshake("PLAIN", 0);
        assertThat(twice.handshake("PLAIN", 0).error()).isEqualTo(Errors.ILLEGAL_SASL_STATE);
        assertThat(twice.failed()).isTrue();

        SaslSession early = session(0);
        assertThat(early.authenticate(plain("alice", "pw"), 0).error()).isEqualTo(Errors.ILLEGAL_SASL_STATE);
        assertThat(early.failed()).isTrue();
    }

    @Test
    void wrongPasswordIsKafkasMessageAndFailsTheConnection() {
        SaslSession s = session(0);
        s.handshake("PLAIN", 0);
        SaslSession.AuthenticateResult r = s.authenticate(plain("alice", "nope"), 0);
        assertThat(r.error()).isEqualTo(Errors.SASL_AUTHENTICATION_FAILED);
        assertThat(r.message()).isEqualTo("Authentication failed during authentication due to invalid credentials with SASL mechanism PLAIN");
        assertThat(r.logReason()).contains("wrong password for user 'alice'");
        assertThat(s.failed()).isTrue();
        assertThat(connection.principal()).isEqualTo(Principal.ANONYMOUS);
    }

    @Test
    void sessionExpiresAndReauthenticationRenewsIt() {
        SaslSession s = session(1000);
        s.handshake("PLAIN", 0);
        assertThat(s.authenticate(plain("alice", "pw"), 100).sessionLifetimeMs()).isEqualTo(1000);
        assertThat(s.refusal(ApiKeys.FETCH, 1099)).isNull();
        assertThat(s.refusal(ApiKeys.FETCH, 1100)).contains("expired without re-authentication");
        assertThat(s.refusal(ApiKeys.SASL_HANDSHAKE, 1100)).isNull();
        // Re-authentication started in time: other requests go on meanwhile.
        assertThat(s.handshake("PLAIN", 900).error()).isEqualTo(Errors.NONE);
        assertThat(s.refusal(ApiKeys.FETCH, 950)).isNull();
        assertThat(s.authenticate(plain("alice", "pw"), 950).error()).isEqualTo(Errors.NONE);
        assertThat(s.refusal(ApiKeys.FETCH, 1900)).isNull();
        assertThat(s.refusal(ApiKeys.FETCH, 1950)).isNotNull();
    }

    @Test
    void reauthenticationCannotChangePrincipalOrMechanism() {
        SaslSession s = session(1000);
        s.handshake("PLAIN", 0);
        s.authenticate(plain("alice", "pw"), 0);
        s.handshake("PLAIN", 10);
        SaslSession.AuthenticateResult r = s.authenticate(plain("bob", "pw"), 10);
        assertThat(r.error()).isEqualTo(Errors.SASL_AUTHENTICATION_FAILED);
        assertThat(r.logReason()).contains("cannot change principals");
        assertThat(s.failed()).isTrue();

        SaslSession m = session(1000);
        m.handshake("PLAIN", 0);
        m.authenticate(plain("alice", "pw"), 0);
        assertThat(m.handshake("SCRAM-SHA-256", 10).error()).isEqualTo(Errors.ILLEGAL_SASL_STATE);
        assertThat(m.failed()).isTrue();
    }

    @Test
    void withoutReauthASecondHandshakeIsIllegalButKeepsTheConnection() {
        SaslSession s = session(0);
        s.handshake("PLAIN", 0);
        s.authenticate(plain("alice", "pw"), 0);
        assertThat(s.handshake("PLAIN", 10).error()).isEqualTo(Errors.ILLEGAL_SASL_STATE);
        assertThat(s.authenticate(plain("alice", "pw"), 10).error()).isEqualTo(Errors.ILLEGAL_SASL_STATE);
        assertThat(s.failed()).isFalse();
        assertThat(s.refusal(ApiKeys.FETCH, 10)).isNull();
    }

    @Test
    void reauthenticationStartsAtMostOnceASecondAsKafka() {
        SaslSession s = session(60_000);
        s.handshake("PLAIN", 0);
        s.authenticate(plain("alice", "pw"), 0);
        // The first re-authentication may come at once (Kafka counts only re-authentication starts).
        assertThat(s.handshake("PLAIN", 10).error()).isEqualTo(Errors.NONE);
        assertThat(s.authenticate(plain("alice", "pw"), 20).error()).isEqualTo(Errors.NONE);
        SaslSession.HandshakeResult tooSoon = s.handshake("PLAIN", 10 + SaslSession.MIN_REAUTH_INTERVAL_MS - 1);
        assertThat(tooSoon.error()).isEqualTo(Errors.ILLEGAL_SASL_STATE);
        assertThat(s.failed()).as("answered, not closed: the session goes on").isFalse();
        assertThat(s.refusal(ApiKeys.FETCH, 1000)).isNull();
        assertThat(s.handshake("PLAIN", 10 + SaslSession.MIN_REAUTH_INTERVAL_MS).error()).isEqualTo(Errors.NONE);
        assertThat(s.authenticate(plain("alice", "pw"), 1100).error()).isEqualTo(Errors.NONE);
    }
}
