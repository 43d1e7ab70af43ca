package io.sluice.brokerd.security;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The TLS settings of one listener (or of the metrics endpoint, or the inter-broker client), with Kafka's names:
 * the broker-wide {@code ssl.*} keys, each overridable per listener as {@code listener.name.<name>.ssl.*} and for the
 * metrics endpoint as {@code metrics.ssl.*}. Immutable; {@link #validate} checks everything that can be checked
 * without reading files, naming the key.
 *
 * @param prefix                 the key prefix these values came from ({@code ""}, {@code listener.name.ssl.},
 *                               {@code metrics.}), for error messages
 * @param keystoreType           PKCS12, JKS or PEM
 * @param keystoreLocation       the keystore file; for PEM a file holding the private key and its certificate chain
 * @param keystorePassword       the keystore's password (not for PEM)
 * @param keyPassword            the private key's password; PKCS12/JKS: defaults to the keystore password; PEM: the
 *                               password of an encrypted PKCS#8 key
 * @param keystoreKey            PEM only: the private key inline (PKCS#8, KIP-651), instead of a file
 * @param keystoreCertificateChain PEM only: the certificate chain inline, with {@code keystoreKey}
 * @param truststoreType         PKCS12, JKS or PEM
 * @param truststoreLocation     the truststore file, or none: the JDK's default trusted CAs
 * @param truststorePassword     the truststore's password (not for PEM)
 * @param truststoreCertificates PEM only: trusted certificates inline
 * @param clientAuth             none, requested or required
 * @param enabledProtocols       TLSv1.3 and/or TLSv1.2
 * @param cipherSuites           enabled cipher suites; empty: the JDK's defaults
 * @param endpointIdentification {@code https}: a client checks the server's certificate names its host; empty: no
 * @param principalMapper        {@code ssl.principal.mapping.rules}
 * @param overridden             the {@code ssl.*} keys whose value came from {@code prefix} (the others are the
 *                               broker-wide ones), so messages name the key the operator actually set
 */
public record SslConfig(String prefix, String keystoreType, Path keystoreLocation, String keystorePassword,
                        String keyPassword, String keystoreKey, String keystoreCertificateChain, String truststoreType,
                        Path truststoreLocation, String truststorePassword, String truststoreCertificates,
                        ClientAuth clientAuth, List<String> enabledProtocols, List<String> cipherSuites,
                        String endpointIdentification, SslPrincipalMapper principalMapper, java.util.Set<String> overridden) {

    /** {@code ssl.client.auth}. */
    public enum ClientAuth {
        NONE, REQUESTED, REQUIRED;

        public static ClientAuth parse(String v) {
            return valueOf(v.trim().toUpperCase(Locale.ROOT));
        }
    }

    /** TLS versions brokerd accepts in {@code ssl.enabled.protocols}; older ones are refused. */
    public static final List<String> ALLOWED_PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

    public SslConfig {
        enabledProtocols = List.copyOf(enabledProtocols);
        cipherSuites = List.copyOf(cipherSuites);
        overridden = java.util.Set.copyOf(overridden);
    }

    /** The keys these settings come from, for messages: {@code ssl.*}, and the prefixed form that overrides them. */
    public String keys() {
        return prefix.isEmpty() ? "ssl.*" : "ssl.* (or " + prefix + "ssl.*)";
    }

    /** The name of the key {@code sslKey} ({@code ssl.keystore.location}...) as set: with the prefix if overridden. */
    public String key(String sslKey) {
        return overridden.contains(sslKey) ? prefix + sslKey : sslKey;
    }

    public boolean pemKeystore() {
        return keystoreType.equalsIgnoreCase("PEM");
    }

    public boolean pemTruststore() {
        return truststoreType.equalsIgnoreCase("PEM");
    }

    public boolean hasKeystore() {
        return keystoreLocation != null || !keystoreKey.isEmpty();
    }

    public boolean hostnameVerification() {
        return endpointIdentification.equalsIgnoreCase("https");
    }

    /**
     * Checks the combination of keys; {@code needKeystore} for a server (a TLS listener, the HTTPS metrics endpoint).
     * Throws IllegalArgumentException whose message names the key as it was set (see {@link #key}).
     */
    public void validate(boolean needKeystore) {
        if (pemKeystore()) {
            if (!keystorePassword.isEmpty()) {
                throw bad("ssl.keystore.password", "is not used with ssl.keystore.type PEM; an encrypted key's password "
                        + "goes in " + key("ssl.key.password"));
            }
            if (keystoreLocation != null && (!keystoreKey.isEmpty() || !keystoreCertificateChain.isEmpty())) {
                throw bad("ssl.keystore.location", "and " + key("ssl.keystore.key") + "/" + key("ssl.keystore.certificate.chain") + " are "
                        + "both set: give the PEM key and chain either in a file or inline");
            }
            if (keystoreKey.isEmpty() != keystoreCertificateChain.isEmpty()) {
                throw bad(keystoreKey.isEmpty() ? "ssl.keystore.key" : "ssl.keystore.certificate.chain",
                        "must be set together with " + key(keystoreKey.isEmpty() ? "ssl.keystore.certificate.chain" : "ssl.keystore.key"));
            }
        } else if (!keystoreKey.isEmpty() || !keystoreCertificateChain.isEmpty()) {
            throw bad(keystoreKey.isEmpty() ? "ssl.keystore.certificate.chain" : "ssl.keystore.key",
                    "needs ssl.keystore.type PEM (it is " + keystoreType + ")");
        }
        if (needKeystore && !hasKeystore()) {
            throw bad("ssl.keystore.location", "must be set: a TLS server needs its certificate and private key ("
                    + key("ssl.keystore.location") + ", or with PEM " + key("ssl.keystore.key") + " and "
                    + key("ssl.keystore.certificate.chain") + ")");
        }
        if (pemTruststore()) {
            if (!truststorePassword.isEmpty()) {
                throw bad("ssl.truststore.password", "is not used with ssl.truststore.type PEM");
            }
            if (truststoreLocation != null && !truststoreCertificates.isEmpty()) {
                throw bad("ssl.truststore.location", "and " + key("ssl.truststore.certificates") + " are both set");
            }
        } else if (!truststoreCertificates.isEmpty()) {
            throw bad("ssl.truststore.certificates", "needs ssl.truststore.type PEM (it is " + truststoreType + ")");
        }
    }

    private IllegalArgumentException bad(String key, String why) {
        return new IllegalArgumentException("config key '" + key(key) + "' " + why);
    }
}
