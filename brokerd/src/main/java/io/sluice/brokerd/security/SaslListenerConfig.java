package io.sluice.brokerd.security;

import java.util.List;

/**
 * The SASL settings of one SASL_PLAINTEXT or SASL_SSL listener.
 *
 * @param enabledMechanisms       {@code sasl.enabled.mechanisms} (or the listener's override), in the order the
 *                                SaslHandshake response lists them
 * @param reauthMs                {@code connections.max.reauth.ms}: session lifetime; 0 = sessions never expire
 * @param failedAuthDelayMs       {@code connection.failed.authentication.delay.ms}: how long a failed authentication
 *                                waits before its answer (and the close)
 * @param maxReceiveBytes         {@code sasl.server.max.receive.size}: the largest request accepted before the
 *                                connection authenticated
 * @param credentials             the SCRAM credential store (PLAIN is verified against it too)
 */
public record SaslListenerConfig(List<String> enabledMechanisms, long reauthMs, long failedAuthDelayMs,
                                 int maxReceiveBytes, ScramCredentials credentials) {
    public static final String PLAIN = "PLAIN";
    /** The mechanisms brokerd implements. */
    public static final List<String> SUPPORTED = List.of(PLAIN, "SCRAM-SHA-256", "SCRAM-SHA-512");

    public SaslListenerConfig {
        enabledMechanisms = List.copyOf(enabledMechanisms);
    }
}
