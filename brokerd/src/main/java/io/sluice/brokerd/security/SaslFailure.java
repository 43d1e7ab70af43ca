package io.sluice.brokerd.security;

/**
 * A SASL exchange that failed: wrong credentials, or a message that breaks the mechanism's rules. The message says
 * exactly why, for the broker log; the client is told only Kafka's generic "Authentication failed during
 * authentication due to invalid credentials with SASL mechanism X" (see {@link SaslSession}), so a failure says
 * nothing about which user names exist.
 */
public final class SaslFailure extends Exception {
    public SaslFailure(String reason) {
        super(reason, null, false, false);
    }
}
