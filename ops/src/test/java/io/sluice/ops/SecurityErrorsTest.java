package io.sluice.ops;

import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import javax.net.ssl.SSLHandshakeException;
import java.security.cert.CertificateException;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

@Timeout(10)
class SecurityErrorsTest {
    private static final Map<String, String> SASL = Map.of("security.protocol", "SASL_SSL", "sasl.mechanism", "SCRAM-SHA-256",
            "sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"alice\" password=\"x\";",
            "ssl.truststore.location", "/etc/certs/ca.pem");

    private static String message(Throwable t, String what, Map<String, String> props) {
        OpsException e = SecurityErrors.translate(t, what, props);
        assertThat(e).isNotNull();
        assertThat(e.kind()).isEqualTo(OpsException.Kind.DENIED);
        return e.getMessage();
    }

    @Test
    void aRefusedPasswordNamesTheUserAndMechanism() {
        assertThat(message(new SaslAuthenticationException("Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-256"),
                "listing topics", SASL)).isEqualTo("listing topics: authentication failed: the cluster refused the password of user alice "
                + "(SCRAM-SHA-256) (check the user, --sasl-mechanism and the password source)");
    }

    @Test
    void tlsFailuresSayUntrustedOrWrongHostAndWhichCaFile() {
        SslAuthenticationException untrusted = new SslAuthenticationException("SSL handshake failed",
                new SSLHandshakeException("PKIX path building failed: unable to find valid certification path to requested target"));
        assertThat(message(untrusted, "listing topics", SASL))
                .isEqualTo("listing topics: TLS: the server's certificate is not trusted by the CA file /etc/certs/ca.pem");
        assertThat(message(untrusted, "listing topics", Map.of())).endsWith("not trusted by the JVM's default CAs (give the cluster's CA with --ca-file)");
        SSLHandshakeException host = new SSLHandshakeException("No subject alternative names matching IP address 127.0.0.1 found");
        host.initCause(new CertificateException("No subject alternative names matching IP address 127.0.0.1 found"));
        assertThat(message(new SslAuthenticationException("SSL handshake failed", host), "describing the cluster", SASL))
                .startsWith("describing the cluster: TLS: the server's certificate does not name the host connected to (No subject alternative names");
    }

    @Test
    void authorizationFailuresNameTheOperationAndResource() {
        assertThat(message(new TopicAuthorizationException(Set.of("orders")), "reading orders", SASL))
                .isEqualTo("reading orders: not allowed to READ topic orders (ACLs; see sluice acl list)");
        assertThat(message(new TopicAuthorizationException(Set.of("orders")), "producing to orders", SASL))
                .isEqualTo("producing to orders: not allowed to WRITE topic orders (ACLs; see sluice acl list)");
        assertThat(message(new TopicAuthorizationException(Set.of("a")), "altering the configs of topic a", SASL)).contains("not allowed to ALTER_CONFIGS topic a");
        assertThat(message(new GroupAuthorizationException("denied", "app"), "describing group app", SASL))
                .isEqualTo("describing group app: not allowed to DESCRIBE group app (ACLs; see sluice acl list)");
        assertThat(message(new ClusterAuthorizationException("denied"), "creating ACLs", SASL)).contains("not allowed to CREATE the cluster");
        assertThat(message(new RuntimeException("wrapped", new TopicAuthorizationException(Set.of("t"))), "deleting t", SASL))
                .contains("not allowed to DELETE topic t");
    }

    @Test
    void otherFailuresAreNotSecurityFailures() {
        assertThat(SecurityErrors.translate(new TimeoutException("x"), "listing topics", SASL)).isNull();
    }
}
