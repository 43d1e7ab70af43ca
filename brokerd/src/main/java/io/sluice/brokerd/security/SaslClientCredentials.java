package io.sluice.brokerd.security;

/**
 * What a broker authenticates with towards other brokers on a SASL inter-broker listener: the mechanism
 * ({@code sasl.mechanism.inter.broker.protocol}) and the broker's own user and password (one line of
 * {@code sasl.inter.broker.credentials.file}). {@link #toString()} leaves the password out.
 */
public record SaslClientCredentials(String mechanism, String user, String password) {
    @Override
    public String toString() {
        return "SaslClientCredentials[" + mechanism + " as " + user + "]";
    }
}
