package io.sluice.ctl;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.sluice.ops.OpsException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The security settings of a connection (a profile's {@code security:} block, or the flags of {@link SecurityOptions}),
 * and the Kafka client properties they stand for. Public fields for Jackson; null means not set.
 *
 * <p>Passwords are never stored here: only where to read one ({@code passwordFile} or {@code passwordEnv});
 * {@link Passwords} reads it. PEM certificates and keys are read from their files and handed to the client inline
 * ({@code ssl.keystore.certificate.chain}, {@code ssl.keystore.key}, KIP-651), so a certificate and its key may live in
 * two files or in one (as make-certs.sh writes them).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public final class ClientSecurity {
    static final Set<String> PROTOCOLS = Set.of("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL");
    static final Set<String> MECHANISMS = Set.of("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512");
    private static final Pattern PEM_CERT = Pattern.compile("-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----", Pattern.DOTALL);
    private static final Pattern PEM_KEY = Pattern.compile("-----BEGIN ([A-Z ]*)PRIVATE KEY-----.*?-----END \\1PRIVATE KEY-----", Pattern.DOTALL);

    public String protocol;
    public String saslMechanism;
    public String user;
    public String passwordFile;
    public String passwordEnv;
    public String caFile;
    public String certFile;
    public String keyFile;

    /** This, with every field {@code over} sets replacing this one's. */
    ClientSecurity overriddenBy(ClientSecurity over) {
        ClientSecurity s = new ClientSecurity();
        s.protocol = pick(over.protocol, protocol);
        s.saslMechanism = pick(over.saslMechanism, saslMechanism);
        s.user = pick(over.user, user);
        // A password source given now replaces the stored one (file and variable are one choice).
        boolean newSource = over.passwordFile != null || over.passwordEnv != null;
        s.passwordFile = newSource ? over.passwordFile : passwordFile;
        s.passwordEnv = newSource ? over.passwordEnv : passwordEnv;
        s.caFile = pick(over.caFile, caFile);
        s.certFile = pick(over.certFile, certFile);
        s.keyFile = pick(over.keyFile, keyFile);
        return s;
    }

    boolean isEmpty() {
        return protocol == null && saslMechanism == null && user == null && passwordFile == null && passwordEnv == null
                && caFile == null && certFile == null && keyFile == null;
    }

    /**
     * The protocol: as given, else inferred as rpk does: SASL when a user is given, SSL when a CA file or client
     * certificate is.
     */
    String effectiveProtocol() {
        if (protocol != null) {
            String p = protocol.toUpperCase(Locale.ROOT);
            if (!PROTOCOLS.contains(p)) {
                throw usage("--security-protocol " + protocol + ": expected PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL");
            }
            return p;
        }
        boolean tls = caFile != null || certFile != null || keyFile != null;
        return (user != null ? "SASL_" : "") + (tls ? "SSL" : "PLAINTEXT");
    }

    /** Checks the settings hang together (before any password is asked for); throws a usage error naming the flag. */
    void validate(SluicePaths paths) {
        String p = effectiveProtocol();
        boolean sasl = p.startsWith("SASL_");
        if (sasl) {
            if (user == null || user.isBlank()) {
                throw usage(p + " needs a user: --user NAME");
            }
            if (saslMechanism == null) {
                throw usage(p + " needs --sasl-mechanism: PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512");
            }
            mechanism();
        } else if (user != null || saslMechanism != null || passwordFile != null || passwordEnv != null) {
            throw usage("--user, --sasl-mechanism and the password are for SASL: use --security-protocol SASL_SSL or SASL_PLAINTEXT (now " + p + ")");
        }
        if (!p.endsWith("SSL") && (caFile != null || certFile != null || keyFile != null)) {
            throw usage("--ca-file, --cert-file and --key-file are for TLS: use --security-protocol SSL or SASL_SSL (now " + p + ")");
        }
        if (keyFile != null && certFile == null) {
            throw usage("--key-file needs --cert-file (the client certificate it belongs to)");
        }
        readable(paths, "--ca-file", caFile);
        readable(paths, "--cert-file", certFile);
        readable(paths, "--key-file", keyFile);
    }

    String mechanism() {
        String m = saslMechanism.toUpperCase(Locale.ROOT);
        if (!MECHANISMS.contains(m)) {
            throw usage("--sasl-mechanism " + saslMechanism + ": expected PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512");
        }
        return m;
    }

    /**
     * The Kafka client properties for these settings; {@code password} is used for SASL (null otherwise). Call
     * {@link #validate} first.
     */
    Map<String, String> properties(SluicePaths paths, String password) {
        Map<String, String> out = new LinkedHashMap<>();
        String p = effectiveProtocol();
        out.put("security.protocol", p);
        if (p.startsWith("SASL_")) {
            String m = mechanism();
            String module = m.equals("PLAIN") ? "org.apache.kafka.common.security.plain.PlainLoginModule"
                    : "org.apache.kafka.common.security.scram.ScramLoginModule";
            out.put("sasl.mechanism", m);
            out.put("sasl.jaas.config", module + " required username=\"" + jaasEscape(user) + "\" password=\"" + jaasEscape(password) + "\";");
        }
        if (caFile != null) {
            out.put("ssl.truststore.type", "PEM");
            out.put("ssl.truststore.location", paths.expand(caFile));
        }
        if (certFile != null) {
            String certText = read(paths, "--cert-file", certFile);
            String keyText = keyFile == null ? certText : read(paths, "--key-file", keyFile);
            out.put("ssl.keystore.type", "PEM");
            out.put("ssl.keystore.certificate.chain", pemBlocks(PEM_CERT, certText, "--cert-file " + certFile, "CERTIFICATE"));
            String key = pemBlocks(PEM_KEY, keyText, (keyFile == null ? "--cert-file " + certFile : "--key-file " + keyFile)
                    + " (or a --key-file)", "PRIVATE KEY");
            if (key.contains("ENCRYPTED")) {
                throw usage((keyFile == null ? certFile : keyFile) + ": the private key is encrypted; sluice takes unencrypted PEM keys "
                        + "(openssl pkcs8 -in KEY -out KEY.plain, then chmod 600 it)");
            }
            out.put("ssl.keystore.key", key);
        }
        return out;
    }

    private static String pemBlocks(Pattern pattern, String text, String where, String kind) {
        Matcher m = pattern.matcher(text);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            sb.append(m.group()).append('\n');
        }
        if (sb.length() == 0) {
            throw usage(where + ": no PEM " + kind + " block in it");
        }
        return sb.toString();
    }

    private static void readable(SluicePaths paths, String flag, String file) {
        if (file != null && !Files.isReadable(Path.of(paths.expand(file)))) {
            throw usage(flag + " " + file + ": " + (Files.exists(Path.of(paths.expand(file))) ? "cannot be read (permissions)" : "no such file"));
        }
    }

    private static String read(SluicePaths paths, String flag, String file) {
        try {
            return Files.readString(Path.of(paths.expand(file)), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new OpsException(OpsException.Kind.USAGE, flag + " " + file + ": cannot be read (" + e.getMessage() + ")", e);
        }
    }

    /** A JAAS option value inside double quotes: backslash and quote escaped. */
    static String jaasEscape(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    private static String pick(String a, String b) {
        return a != null ? a : b;
    }

    private static OpsException usage(String message) {
        return new OpsException(OpsException.Kind.USAGE, message);
    }
}
