package io.sluice.brokerd.security;

import io.sluice.brokerd.metadata.ScramCredential;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * SASL PLAIN (RFC 4616), server side: one message {@code [authzid] NUL authcid NUL passwd}, verified against the SCRAM
 * credential store (no clear passwords are stored anywhere): the password is salted with the stored salt and
 * iteration count and its StoredKey compared, for the first SCRAM mechanism the user has a credential for
 * (SCRAM-SHA-256, then SCRAM-SHA-512). That costs one PBKDF2 (4096+ HMACs): callers run it off the event loop.
 * An authorization id, if any, must equal the user name (as Kafka's PlainSaslServer).
 */
public final class PlainServer {
    private PlainServer() {
    }

    /** The message's parts: {@code authzid} empty when absent. */
    record Message(String authzid, String user, String password) {
    }

    static Message parse(byte[] bytes) throws SaslFailure {
        String s = new String(bytes, StandardCharsets.UTF_8);
        int first = s.indexOf('\0');
        int second = first < 0 ? -1 : s.indexOf('\0', first + 1);
        if (first < 0 || second < 0 || s.indexOf('\0', second + 1) >= 0) {
            throw new SaslFailure("invalid SASL/PLAIN message: expected 3 NUL-separated fields ([authzid] NUL user NUL password)");
        }
        Message m = new Message(s.substring(0, first), s.substring(first + 1, second), s.substring(second + 1));
        if (m.user().isEmpty()) {
            throw new SaslFailure("SASL/PLAIN message without a user name");
        }
        if (m.password().isEmpty()) {
            throw new SaslFailure("SASL/PLAIN message without a password (user '" + ScramServer.printable(m.user()) + "')");
        }
        if (!m.authzid().isEmpty() && !m.authzid().equals(m.user())) {
            throw new SaslFailure("SASL/PLAIN authorization id '" + ScramServer.printable(m.authzid())
                    + "' differs from the user name '" + ScramServer.printable(m.user()) + "'");
        }
        return m;
    }

    /** The authenticated user name; {@link SaslFailure} for a bad message, an unknown user or a wrong password. */
    public static String authenticate(byte[] bytes, ScramCredentials credentials) throws SaslFailure {
        Message m = parse(bytes);
        for (ScramMechanism mechanism : ScramMechanism.values()) {
            Optional<ScramCredential> c = credentials.credential(m.user(), mechanism);
            if (c.isPresent()) {
                if (mechanism.matches(c.get(), m.password())) {
                    return m.user();
                }
                throw new SaslFailure("wrong password for user '" + ScramServer.printable(m.user()) + "'");
            }
        }
        throw new SaslFailure("unknown user '" + ScramServer.printable(m.user()) + "' (no SCRAM credential)");
    }
}
