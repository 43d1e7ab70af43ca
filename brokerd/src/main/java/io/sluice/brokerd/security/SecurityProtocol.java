package io.sluice.brokerd.security;

import java.util.Locale;

/** Kafka's listener security protocols: whether a listener speaks TLS and whether it authenticates with SASL. */
public enum SecurityProtocol {
    PLAINTEXT(false, false),
    SSL(true, false),
    SASL_PLAINTEXT(false, true),
    SASL_SSL(true, true);

    private final boolean tls;
    private final boolean sasl;

    SecurityProtocol(boolean tls, boolean sasl) {
        this.tls = tls;
        this.sasl = sasl;
    }

    /** True when the listener's bytes go through TLS (SSL, SASL_SSL). */
    public boolean usesTls() {
        return tls;
    }

    /** True when clients authenticate with SaslHandshake/SaslAuthenticate (SASL_PLAINTEXT, SASL_SSL). */
    public boolean usesSasl() {
        return sasl;
    }

    /** The protocol named {@code name} (case-insensitive), or IllegalArgumentException naming the four. */
    public static SecurityProtocol parse(String name) {
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown security protocol '" + name
                    + "' (expected PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL)");
        }
    }
}
