package io.sluice.ops;

import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.DelegationTokenAuthorizationException;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SecurityDisabledException;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;
import org.apache.kafka.common.errors.UnsupportedSaslMechanismException;

import java.security.cert.CertificateExpiredException;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns the Kafka clients' authentication, TLS and authorization failures into one line an operator can act on,
 * naming what was tried: the user and SASL mechanism whose password was refused, the CA file that did not vouch for
 * the server (or the host name its certificate does not carry), the operation and resource the ACLs do not allow.
 * The client settings are read from the properties the client was built with, so every caller says the same.
 *
 * <p>The operation of an authorization failure is read from the verb the caller put first in {@code what}
 * ("reading orders" is READ, "producing to orders" WRITE, "altering topic orders" ALTER_CONFIGS): the error codes
 * themselves (TOPIC_AUTHORIZATION_FAILED, ...) do not say which operation was checked.
 */
public final class SecurityErrors {
    private static final Pattern JAAS_USER = Pattern.compile("username=\"((?:[^\"\\\\]|\\\\.)*)\"");

    private SecurityErrors() {
    }

    /**
     * The operator's message for {@code failure} (or a cause of it) when it is a security failure, else null.
     * {@code props} are the client properties the failing client was built with.
     */
    public static OpsException translate(Throwable failure, String what, Map<String, ?> props) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String message = describe(t, what, props);
            if (message != null) {
                return new OpsException(OpsException.Kind.DENIED, what + ": " + message, failure);
            }
        }
        return null;
    }

    private static String describe(Throwable t, String what, Map<String, ?> props) {
        if (t instanceof SslAuthenticationException) {
            return tls(t, props);
        }
        if (t instanceof UnsupportedSaslMechanismException) {
            return "the cluster does not enable SASL mechanism " + value(props, "sasl.mechanism", "GSSAPI")
                    + " on this listener (" + t.getMessage() + "); choose another with --sasl-mechanism";
        }
        if (t instanceof SaslAuthenticationException) {
            return "authentication failed: the cluster refused the password of user " + user(props) + " ("
                    + value(props, "sasl.mechanism", "GSSAPI") + ")" + " (check the user, --sasl-mechanism and the password source)";
        }
        if (t instanceof AuthenticationException) {
            return "authentication failed: " + t.getMessage();
        }
        if (t instanceof SecurityDisabledException) {
            return "the cluster has no authorizer (ACLs are off: authorizer.enabled / authorizer.class.name)";
        }
        if (t instanceof AuthorizationException a) {
            return authorization(a, what);
        }
        return null;
    }

    private static String tls(Throwable t, Map<String, ?> props) {
        String ca = value(props, "ssl.truststore.location", null);
        String trust = ca != null ? "the CA file " + ca : "the JVM's default CAs (give the cluster's CA with --ca-file)";
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            String m = String.valueOf(c.getMessage());
            if (c instanceof CertificateExpiredException || m.contains("NotAfter") || m.contains("validity check failed")) {
                return "TLS: the server's certificate has expired (" + m + ")";
            }
            if (m.contains("No subject alternative") || m.contains("No name matching")) {
                return "TLS: the server's certificate does not name the host connected to (" + m + "); connect by a name "
                        + "the certificate carries, or re-issue it with this name";
            }
            if (m.contains("PKIX path") || m.contains("unable to find valid certification path")) {
                return "TLS: the server's certificate is not trusted by " + trust;
            }
            if (m.contains("bad_certificate") || m.contains("certificate_required") || m.contains("unknown_ca")) {
                return "TLS: the server refused the client certificate (" + m + "); give one its CA signed with --cert-file and --key-file";
            }
        }
        return "TLS handshake failed (" + rootMessage(t) + "; trusting " + trust + ")";
    }

    private static String authorization(AuthorizationException a, String what) {
        String op = operation(what);
        if (a instanceof TopicAuthorizationException ta && !ta.unauthorizedTopics().isEmpty()) {
            Set<String> topics = ta.unauthorizedTopics();
            return "not allowed to " + op + " topic " + String.join(", ", new java.util.TreeSet<>(topics)) + " (ACLs; see sluice acl list)";
        }
        if (a instanceof TopicAuthorizationException) {
            return "not allowed to " + op + " the topic (ACLs; see sluice acl list)";
        }
        if (a instanceof GroupAuthorizationException ga) {
            String g = ga.groupId();
            return "not allowed to " + (op.equals("WRITE") ? "READ" : op) + " group" + (g == null || g.isEmpty() ? "" : " " + g) + " (ACLs; see sluice acl list)";
        }
        if (a instanceof ClusterAuthorizationException) {
            return "not allowed to " + op + " the cluster (ACLs on the cluster resource; see sluice acl list --cluster)";
        }
        if (a instanceof TransactionalIdAuthorizationException) {
            return "not allowed to use the transactional id (ACLs; see sluice acl list)";
        }
        if (a instanceof DelegationTokenAuthorizationException) {
            return "not allowed to use delegation tokens";
        }
        return "not allowed (" + a.getMessage() + ")";
    }

    /** The ACL operation a caller's {@code what} ("reading orders") implies. */
    static String operation(String what) {
        String w = what.toLowerCase(Locale.ROOT);
        boolean configs = w.contains("config") || w.contains("throttle");
        if (w.startsWith("reading") || w.startsWith("consuming")) {
            return "READ";
        }
        if (w.startsWith("producing") || w.startsWith("writing")) {
            return "WRITE";
        }
        if (w.startsWith("creating")) {
            return "CREATE";
        }
        if (w.startsWith("deleting")) {
            return "DELETE";
        }
        if (w.startsWith("altering") || w.startsWith("setting") || w.startsWith("removing") || w.startsWith("moving")
                || w.startsWith("electing") || w.startsWith("reassigning")) {
            return configs ? "ALTER_CONFIGS" : "ALTER";
        }
        return configs ? "DESCRIBE_CONFIGS" : "DESCRIBE";
    }

    private static String user(Map<String, ?> props) {
        Object jaas = props.get("sasl.jaas.config");
        if (jaas != null) {
            Matcher m = JAAS_USER.matcher(jaas.toString());
            if (m.find()) {
                return m.group(1).replace("\\\"", "\"").replace("\\\\", "\\");
            }
        }
        return "(not given: sasl.jaas.config has no username)";
    }

    private static String value(Map<String, ?> props, String key, String otherwise) {
        Object v = props.get(key);
        return v == null || v.toString().isBlank() ? otherwise : v.toString();
    }

    private static String rootMessage(Throwable t) {
        Throwable r = t;
        while (r.getCause() != null && r.getCause() != r) {
            r = r.getCause();
        }
        return String.valueOf(r.getMessage());
    }
}
