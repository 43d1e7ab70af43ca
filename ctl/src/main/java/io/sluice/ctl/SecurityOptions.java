package io.sluice.ctl;

import io.sluice.ops.OpsException;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * The security flags every command takes, for one-off use or to store in a profile ({@code sluice profile create});
 * named after rpk's (its {@code --tls-*} spellings are aliases). They override the profile's settings field by field.
 * There is deliberately no way to give a password itself: {@code --password} is refused with the ways that are safe.
 */
final class SecurityOptions {
    @Option(names = "--security-protocol", scope = ScopeType.INHERIT, paramLabel = "PROTOCOL",
            description = "PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL (default: SASL_ when --user is given, SSL when a CA file or certificate is)")
    String protocol;

    @Option(names = "--sasl-mechanism", scope = ScopeType.INHERIT, paramLabel = "MECHANISM",
            description = "SASL mechanism: PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512")
    String saslMechanism;

    @Option(names = "--user", scope = ScopeType.INHERIT, paramLabel = "NAME", description = "SASL user name")
    String user;

    @Option(names = "--password-file", scope = ScopeType.INHERIT, paramLabel = "FILE",
            description = "Read the SASL password from the first line of FILE (refused unless only its owner can read it)")
    String passwordFile;

    @Option(names = "--password-env", scope = ScopeType.INHERIT, paramLabel = "VAR",
            description = "Read the SASL password from environment variable VAR (default: $SLUICE_PASSWORD, else a prompt on a terminal)")
    String passwordEnv;

    @Option(names = "--password", scope = ScopeType.INHERIT, hidden = true, arity = "0..1", paramLabel = "PASSWORD")
    String passwordOnCommandLine;

    @Option(names = {"--ca-file", "--tls-truststore"}, scope = ScopeType.INHERIT, paramLabel = "PEM",
            description = "CA certificate(s) (PEM) that sign the brokers' certificates (default: the JVM's CAs)")
    String caFile;

    @Option(names = {"--cert-file", "--tls-cert"}, scope = ScopeType.INHERIT, paramLabel = "PEM",
            description = "Client certificate (PEM) for mutual TLS; may also hold its key")
    String certFile;

    @Option(names = {"--key-file", "--tls-key"}, scope = ScopeType.INHERIT, paramLabel = "PEM",
            description = "Unencrypted private key (PEM) of --cert-file")
    String keyFile;

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
        s.passwordFile = passwordFile;
        s.passwordEnv = passwordEnv;
        s.caFile = caFile;
        s.certFile = certFile;
        s.keyFile = keyFile;
        return s;
    }

    /** These flags as arguments (sluice shell); a password typed at the prompt is remembered by {@link Passwords}. */
    void asArgs(java.util.List<String> args) {
        add(args, "--security-protocol", protocol);
        add(args, "--sasl-mechanism", saslMechanism);
        add(args, "--user", user);
        add(args, "--password-file", passwordFile);
        add(args, "--password-env", passwordEnv);
        add(args, "--ca-file", caFile);
        add(args, "--cert-file", certFile);
        add(args, "--key-file", keyFile);
    }

    private static void add(java.util.List<String> args, String flag, String value) {
        if (value != null) {
            args.add(flag);
            args.add(value);
        }
    }
}
