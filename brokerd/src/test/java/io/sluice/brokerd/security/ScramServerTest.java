package io.sluice.brokerd.security;

import io.sluice.brokerd.metadata.ScramCredential;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The SCRAM server state machine: RFC 7677's exchange, librdkafka's legacy nonce, and what it must refuse. */
@Timeout(30)
class ScramServerTest {
    private static final byte[] RFC_SALT = Base64.getDecoder().decode("W22ZaJ0SNY7soEsUEjb6gQ==");
    private static final ScramCredential PENCIL =
            ScramMechanism.SCRAM_SHA_256.credentialForPassword("pencil", RFC_SALT, 4096);

    private static ScramServer server(ScramMechanism m, Map<String, ScramCredential> users, String serverNonce) {
        return new ScramServer(m, u -> Optional.ofNullable(users.get(u)), () -> serverNonce);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void rfc7677TestVector() throws Exception {
        ScramServer server = server(ScramMechanism.SCRAM_SHA_256, Map.of("user", PENCIL), "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0");
        byte[] serverFirst = server.evaluate(utf8("n,,n=user,r=rOprNGfwEbeRWgbNEkqO"));
        assertThat(new String(serverFirst, StandardCharsets.UTF_8)).isEqualTo(
                "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096");
        byte[] serverFinal = server.evaluate(utf8("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
                + "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="));
        assertThat(new String(serverFinal, StandardCharsets.UTF_8)).isEqualTo("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
        assertThat(server.isComplete()).isTrue();
        assertThat(server.userName()).isEqualTo("user");
        assertThat(server.usedLegacyNonce()).isFalse();
    }

    @Test
    void sha512RoundTripWithEscapedUserName() throws Exception {
        byte[] salt = new byte[16];
        new SecureRandom().nextBytes(salt);
        ScramCredential c = ScramMechanism.SCRAM_SHA_512.credentialForPassword("s3cret", salt, 8192);
        ScramServer server = new ScramServer(ScramMechanism.SCRAM_SHA_512, u -> u.equals("a,b=c") ? Optional.of(c) : Optional.empty(),
                new SecureRandom());
        ScramClient client = new ScramClient(ScramMechanism.SCRAM_SHA_512, "a,b=c", "s3cret", "clientnonce123");
        byte[] serverFinal = server.evaluate(client.last(server.evaluate(client.first()), false));
        assertThat(new String(serverFinal, StandardCharsets.UTF_8)).isEqualTo(client.expectedServerFinal());
        assertThat(server.userName()).isEqualTo("a,b=c");
    }

    @Test
    void librdkafkaLegacyNonceIsAccepted() throws Exception {
        ScramServer server = server(ScramMechanism.SCRAM_SHA_256, Map.of("user", PENCIL), "SERVERNONCE");
        ScramClient client = new ScramClient(ScramMechanism.SCRAM_SHA_256, "user", "pencil", "CLIENTNONCE");
        byte[] last = client.last(server.evaluate(client.first()), true);
        assertThat(new String(last, StandardCharsets.UTF_8)).startsWith("c=biws,r=CLIENTNONCECLIENTNONCESERVERNONCE,p=");
        assertThat(new String(server.evaluate(last), StandardCharsets.UTF_8)).isEqualTo(client.expectedServerFinal());
        assertThat(server.usedLegacyNonce()).isTrue();
    }

    @Test
    void nonceWithoutTheServerPartOrWithOtherPrefixesIsRefused() throws Exception {
        for (String nonce : new String[]{"CLIENTNONCE", "CLIENTNONCESERVERNONC", "XCLIENTNONCESERVERNONCE",
                "CLIENTNONCECLIENTNONCECLIENTNONCESERVERNONCE", "SERVERNONCE"}) {
            ScramServer server = server(ScramMechanism.SCRAM_SHA_256, Map.of("user", PENCIL), "SERVERNONCE");
            ScramClient client = new ScramClient(ScramMechanism.SCRAM_SHA_256, "user", "pencil", "CLIENTNONCE");
            server.evaluate(client.first());
            // A proof computed over the forged nonce: only the nonce check can refuse it.
            byte[] forged = new ScramClientWithNonce(client, nonce).last();
            assertThatThrownBy(() -> server.evaluate(forged)).as(nonce).isInstanceOf(SaslFailure.class).hasMessageContaining("nonce");
            assertThat(server.state()).isEqualTo(ScramServer.State.FAILED);
        }
    }

    /** Builds a final message with a chosen nonce and a proof valid for it. */
    private record ScramClientWithNonce(ScramClient base, String nonce) {
        byte[] last() {
            String serverFirst = "r=" + nonce + ",s=" + Base64.getEncoder().encodeToString(RFC_SALT) + ",i=4096";
            return base.last(utf8(serverFirst), false);
        }
    }

    @Test
    void wrongPasswordFailsAtTheProof() throws Exception {
        ScramServer server = server(ScramMechanism.SCRAM_SHA_256, Map.of("user", PENCIL), "S");
        ScramClient client = new ScramClient(ScramMechanism.SCRAM_SHA_256, "user", "pen", "C");
        byte[] last = client.last(server.evaluate(client.first()), false);
        assertThatThrownBy(() -> server.evaluate(last)).isInstanceOf(SaslFailure.class).hasMessageContaining("wrong password");
        assertThatThrownBy(() -> server.evaluate(last)).isInstanceOf(SaslFailure.class).hasMessageContaining("after the exchange ended");
    }

    @Test
    void unknownUserGetsAPlausibleChallengeAndFails() throws Exception {
        ScramServer server = server(ScramMechanism.SCRAM_SHA_256, Map.of(), "S");
        ScramClient client = new ScramClient(ScramMechanism.SCRAM_SHA_256, "ghost", "x", "C");
        String first = new String(server.evaluate(client.first()), StandardCharsets.UTF_8);
        assertThat(first).matches("r=CS,s=[A-Za-z0-9+/=]+,i=4096");
        // The same made-up salt every time: asking twice does not tell unknown users from known ones.
        assertThat(new String(server(ScramMechanism.SCRAM_SHA_256, Map.of(), "S").evaluate(client.first()), StandardCharsets.UTF_8))
                .isEqualTo(first);
        byte[] last = client.last(utf8(first), false);
        assertThatThrownBy(() -> server.evaluate(last)).isInstanceOf(SaslFailure.class).hasMessageContaining("unknown user 'ghost'");
    }

    @Test
    void malformedMessagesAreRefused() {
        for (String bad : new String[]{"", "garbage", "n,,n=user", "n,,r=abc", "x,,n=user,r=abc", "p=tls-unique,,n=user,r=abc",
                "n,,n=us=er,r=abc", "n,a=other,n=user,r=abc", "n,,n=,r=abc", "n,,n=user,r=abc,tokenauth=true", "n,,n=user,r=a,b"}) {
            ScramServer server = server(ScramMechanism.SCRAM_SHA_256, Map.of("user", PENCIL), "S");
            assertThatThrownBy(() -> server.evaluate(utf8(bad))).as(bad).isInstanceOf(SaslFailure.class);
        }
        byte[] huge = new byte[1 << 20];
        java.util.Arrays.fill(huge, (byte) 'a');
        assertThatThrownBy(() -> server(ScramMechanism.SCRAM_SHA_256, Map.of(), "S").evaluate(huge))
                .isInstanceOf(SaslFailure.class).satisfies(e -> assertThat(e.getMessage().length()).isLessThan(400));
    }

    @Test
    void malformedFinalMessagesAreRefused() throws Exception {
        for (String bad : new String[]{"", "c=biws,r=CS", "c=eSws,r=CS,p=AAAA", "c=biws,r=CS,p=AAAA", "c=biws,r=CS,p=!!!!",
                "r=CS,c=biws,p=AAAA"}) {
            ScramServer server = server(ScramMechanism.SCRAM_SHA_256, Map.of("user", PENCIL), "S");
            server.evaluate(utf8("n,,n=user,r=C"));
            assertThatThrownBy(() -> server.evaluate(utf8(bad))).as(bad).isInstanceOf(SaslFailure.class);
            assertThat(server.state()).isEqualTo(ScramServer.State.FAILED);
        }
    }

    @Test
    void plainIsVerifiedAgainstTheScramStore() throws Exception {
        ScramCredentials store = (user, m) -> user.equals("user") && m == ScramMechanism.SCRAM_SHA_256 ? Optional.of(PENCIL) : Optional.empty();
        assertThat(PlainServer.authenticate(utf8("\0user\0pencil"), store)).isEqualTo("user");
        assertThat(PlainServer.authenticate(utf8("user\0user\0pencil"), store)).isEqualTo("user");
        assertThatThrownBy(() -> PlainServer.authenticate(utf8("\0user\0pencil2"), store)).hasMessageContaining("wrong password");
        assertThatThrownBy(() -> PlainServer.authenticate(utf8("\0bob\0pencil"), store)).hasMessageContaining("unknown user");
        assertThatThrownBy(() -> PlainServer.authenticate(utf8("admin\0user\0pencil"), store)).hasMessageContaining("authorization id");
        for (String bad : new String[]{"", "user", "\0user", "\0\0pw", "\0user\0", "\0user\0pw\0x"}) {
            assertThatThrownBy(() -> PlainServer.parse(utf8(bad))).as(bad).isInstanceOf(SaslFailure.class);
        }
    }
}
