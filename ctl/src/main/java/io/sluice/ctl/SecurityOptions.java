package io.sluice.ctl;

import io.sluice.ops.OpsException;
import picocli.CommandLine.Option;

import java.io.File;
import java.util.List;
import picocli.CommandLine.ScopeType;

/**
 * The security flags every command takes, for one-off use or to store in a profile ({@code sluice profile create});
 * named after rpk's (its {@code --tls-*} spellings are aliases). They override the profile's settings field by field.
 * There is deliberately no way to give a password itself: {@code --password} is refused with the ways that are safe.
 */
final class SecurityOptions {
    /** Completion candidates of --security-protocol. */
    static final class Protocols extends java.util.ArrayList<String> {
        private static final long serialVersionUID = 1L;

        Protocols() {
            super(List.of("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"));
        }
    }

    /** Completion candidates of --sasl-mechanism. */
    static final class Mechanisms extends java.util.ArrayList<String> {
        private static final long serialVersionUID = 1L;

        Mechanisms() {
            super(List.of("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"));
        }
    }

    @Option(names = "--security-protocol", scope = ScopeType.INHERIT, paramLabel = "PROTOCOL", completionCandidates = Protocols.class,
            description = "PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL (default: SASL_ when --user is given, SSL when a CA file or certificate is)")
    String protocol;

    @Option(names = "--sasl-mechanism", scope = ScopeType.INHERIT, paramLabel = "MECHANISM", completionCandidates = Mechanisms.class,
            description = "SASL mechanism: PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512")
    String saslMechanism;

    @Option(names = "--user", scope = ScopeType.INHERIT, paramLabel = "NAME", description = "SASL user name")
    String user;

    @Option(names = "--password-file", scope = ScopeType.INHERIT, paramLabel = "FILE",
            description = "Read the SASL password from the first line of FILE (refused unless only its owner can read it)")
    File passwordFile;

    @Option(names = "--password-env", scope = ScopeType.INHERIT, paramLabel = "VAR",
            description = "Read the SASL password from environment variable VAR (default: $SLUICE_PASSWORD, else a prompt on a terminal)")
    String passwordEnv;

    @Option(names = "--password", scope = ScopeType.INHERIT, hidden = true, arity = "0..1", paramLabel = "PASSWORD")
    String passwordOnCommandLine;

    @Option(names = {"--ca-file", "--tls-truststore"}, scope = ScopeType.INHERIT, paramLabel = "PEM",
            description = "CA certificate(s) (PEM) that sign the brokers' certificates (default: the JVM's CAs)")
    File caFile;

    @Option(names = {"--cert-file", "--tls-cert"}, scope = ScopeType.INHERIT, paramLabel = "PEM",
            description = "Client certificate (PEM) for mutual TLS; may also hold its key")
    File certFile;

    @Option(names = {"--key-file", "--tls-key"}, scope = ScopeType.INHERIT, paramLabel = "PEM",
            description = "Unencrypted private key (PEM) of --cert-file")
    File keyFile;

    /** The flags as settings; refuses a password given on the command line. */
    ClientSecurity settings() {
        if (passwordOnCommandLine != null) {
            throw new OpsException(OpsException.Kind.USAGE, "--password: sluice does not take passwords on the command line "
                    + "(ps and shell history show them); use --password-file FILE (chmod 600), --password-env VAR, $"
                    + Passwords.ENV + " or the prompt on a terminal");
        }
        if (passwordFile != null && passwordEnv != null) {
            throw new OpsException(OpsException.Kind.USAGE, "give either --password-file or --password-env, not both");
        }
        ClientSecurity s = new ClientSecurity();
        s.protocol = protocol;
        s.saslMechanism = saslMechanism;
        s.user = user;
        s.passwordFile = path(passwordFile);
        s.passwordEnv = passwordEnv;
        s.caFile = path(caFile);
        s.certFile = path(certFile);
        s.keyFile = path(keyFile);
        return s;
    }

    /** These flags as arguments (sluice shell); a password typed at the prompt is remembered by {@link Passwords}. */
    void asArgs(List<String> args) {
        add(args, "--security-protocol", protocol);
        add(args, "--sasl-mechanism", saslMechanism);
        add(args, "--user", user);
        add(args, "--password-file", path(passwordFile));
        add(args, "--password-env", passwordEnv);
        add(args, "--ca-file", path(caFile));
        add(args, "--cert-file", path(certFile));
        add(args, "--key-file", path(keyFile));
    }

    private static String path(File f) {
        return f == null ? null : f.getPath();
    }

    private static void add(List<String> args, String flag, String value) {
        if (value != null) {
            args.add(flag);
            args.add(value);
        }
    }
}
