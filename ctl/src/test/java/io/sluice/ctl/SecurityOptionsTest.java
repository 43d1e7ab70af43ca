package io.sluice.ctl;

import io.sluice.ops.OpsException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The security flags, profiles' security settings and the password sources, before any cluster is asked. */
@Timeout(120)
class SecurityOptionsTest {
    @TempDir
    Path dir;
    private String savedConfig;

    record Run(int exit, String out, String err) {
    }

    @BeforeEach
    void isolateProfiles() {
        savedConfig = System.setProperty("sluice.config", dir.resolve("config.yaml").toString());
    }

    @AfterEach
    void restoreProfiles() {
        if (savedConfig == null) {
            System.clearProperty("sluice.config");
        } else {
            System.setProperty("sluice.config", savedConfig);
        }
    }

    private static Run sluice(String... args) {
        CommandLine cmd = SluiceCommand.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cmd.setOut(new PrintWriter(out));
        cmd.setErr(new PrintWriter(err));
        return new Run(cmd.execute(args), out.toString(), err.toString());
    }

    private static void usage(Run r, String message) {
        assertThat(r.exit()).as(r.err()).isEqualTo(2);
        assertThat(r.err()).contains(message).doesNotContain("\tat ").hasLineCount(1);
        assertThat(r.out()).isEmpty();
    }

    private Path file(String name, String text, String perms) throws Exception {
        Path p = dir.resolve(name);
        Files.writeString(p, text);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(perms));
        return p;
    }

    /** The parsed global options of {@code args} (a command line of sluice). */
    private static GlobalOptions parse(String... args) {
        CommandLine cmd = SluiceCommand.commandLine();
        cmd.parseArgs(args);
        return ((SluiceCommand) cmd.getCommand()).globals;
    }

    private Passwords passwords(Map<String, String> env, String typed, AtomicInteger prompts) {
        return new Passwords(new SluicePaths(Map.of("HOME", dir.toString())::get), env::get, text -> {
            prompts.incrementAndGet();
            return typed == null ? null : typed.toCharArray();
        });
    }

    @Test
    void saslFlagsBecomeTheClientsJaasConfigWithThePasswordFromAnOwnerOnlyFile() throws Exception {
        Path pw = file("pw", "s3cr\"et\\x\nignored second line\n", "rw-------");
        GlobalOptions g = parse("-b", "127.0.0.1:1", "--security-protocol", "sasl_ssl", "--sasl-mechanism", "scram-sha-512",
                "--user", "alice", "--password-file", pw.toString(), "topic", "list");
        AtomicInteger prompts = new AtomicInteger();
        Map<String, String> p = g.resolve(passwords(Map.of(), null, prompts));
        assertThat(p).containsEntry("security.protocol", "SASL_SSL").containsEntry("sasl.mechanism", "SCRAM-SHA-512")
                .containsEntry("sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required "
                        + "username=\"alice\" password=\"s3cr\\\"et\\\\x\";");
        assertThat(prompts).hasValue(0);
        Map<String, String> plain = parse("-b", "x:1", "--user", "bob", "--sasl-mechanism", "PLAIN", "topic", "list")
                .resolve(passwords(Map.of("SLUICE_PASSWORD", "from-env"), null, prompts));
        assertThat(plain).as("SASL inferred from --user, plaintext without a CA").containsEntry("security.protocol", "SASL_PLAINTEXT")
                .containsEntry("sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required "
                        + "username=\"bob\" password=\"from-env\";");
    }

    @Test
    void passwordSourcesInOrderFileThenNamedVariableThenSluicePasswordThenThePromptOnlyOnATerminal() throws Exception {
        AtomicInteger prompts = new AtomicInteger();
        Passwords pw = passwords(Map.of("MY_PW", "named", "SLUICE_PASSWORD", "default"), "typed", prompts);
        assertThat(pw.read(file("f", "from-file\r\n", "r--------").toString(), null, "user a")).isEqualTo("from-file");
        assertThat(pw.read(null, "MY_PW", "user a")).isEqualTo("named");
        assertThat(pw.read(null, null, "user a")).isEqualTo("default");
        assertThat(prompts).hasValue(0);
        assertThat(passwords(Map.of(), "typed", prompts).read(null, null, "user a")).isEqualTo("typed");
        assertThat(prompts).hasValue(1);
        assertThatThrownBy(() -> passwords(Map.of(), null, prompts).read(null, null, "user alice"))
                .isInstanceOf(OpsException.class).hasMessage("user alice needs a password and there is no terminal to ask on "
                        + "(sluice prompts only when both its input and its output are a terminal: not with output piped or redirected, "
                        + "nor under cron, CI or ssh without -t): give --password-file FILE (chmod 600), --password-env NAME or $SLUICE_PASSWORD");
        assertThatThrownBy(() -> pw.read(null, "UNSET_PW", "user a")).hasMessage("--password-env UNSET_PW: the variable is not set (or empty)");
    }

    @Test
    void aPasswordFileOthersCanReadMissingUnreadableOrEmptyIsRefusedWithExit2() throws Exception {
        String[] sasl = {"-b", "127.0.0.1:1", "--timeout", "1", "--security-protocol", "SASL_PLAINTEXT", "--sasl-mechanism", "PLAIN", "--user", "alice"};
        Path open = file("open", "secret\n", "rw-r--r--");
        usage(sluice(concat(sasl, "--password-file", open.toString(), "topic", "list")),
                "sluice: --password-file " + open + ": others can read it; restrict it to its owner (chmod 600 " + open + ")");
        Path groupReadable = file("group", "secret\n", "rw-r-----");
        usage(sluice(concat(sasl, "--password-file", groupReadable.toString(), "topic", "list")), "others can read it");
        usage(sluice(concat(sasl, "--password-file", dir.resolve("nope").toString(), "topic", "list")),
                "sluice: --password-file " + dir.resolve("nope") + ": no such file");
        Path directory = Files.createDirectory(dir.resolve("adir"), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        usage(sluice(concat(sasl, "--password-file", directory.toString(), "topic", "list")), "--password-file " + directory + ": cannot be read");
        usage(sluice(concat(sasl, "--password-file", file("empty", "\n", "rw-------").toString(), "topic", "list")), "the first line is empty");
    }

    @Test
    void aPasswordOnTheCommandLineIsRefusedAndNotEchoed() {
        Run r = sluice("-b", "127.0.0.1:1", "--user", "alice", "--sasl-mechanism", "PLAIN", "--password", "hunter2", "topic", "list");
        usage(r, "--password: sluice does not take passwords on the command line (ps and shell history show them); use --password-file FILE");
        assertThat(r.err()).doesNotContain("hunter2");
        assertThat(sluice("--help").out()).doesNotContain("--password ").contains("--password-file").contains("--ca-file");
    }

    @Test
    void inconsistentSettingsAreUsageErrorsNamingTheFlag() throws Exception {
        String[] b = {"-b", "127.0.0.1:1", "--timeout", "1"};
        usage(sluice(concat(b, "--security-protocol", "TLS", "topic", "list")),
                "--security-protocol TLS: expected PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL");
        usage(sluice(concat(b, "--user", "a", "--sasl-mechanism", "GSSAPI", "topic", "list")),
                "--sasl-mechanism GSSAPI: expected PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512");
        usage(sluice(concat(b, "--security-protocol", "SASL_SSL", "topic", "list")), "SASL_SSL needs a user: --user NAME");
        usage(sluice(concat(b, "--user", "a", "topic", "list")), "SASL_PLAINTEXT needs --sasl-mechanism: PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512");
        usage(sluice(concat(b, "--security-protocol", "SSL", "--user", "a", "topic", "list")), "--user, --sasl-mechanism and the password are for SASL");
        usage(sluice(concat(b, "--security-protocol", "PLAINTEXT", "--ca-file", "x.pem", "topic", "list")), "are for TLS");
        usage(sluice(concat(b, "--ca-file", dir.resolve("ca.pem").toString(), "topic", "list")), "--ca-file " + dir.resolve("ca.pem") + ": no such file");
        usage(sluice(concat(b, "--cert-file", file("c.pem", "no pem here", "rw-------").toString(), "topic", "list")),
                "--cert-file " + dir.resolve("c.pem") + ": no PEM CERTIFICATE block in it");
        usage(sluice(concat(b, "--key-file", "k.pem", "topic", "list")), "--key-file needs --cert-file");
        usage(sluice(concat(b, "--password-file", "a", "--password-env", "B", "topic", "list")), "give either --password-file or --password-env, not both");
    }

    @Test
    void tlsFlagsGiveThePemTruststoreAndTheClientCertificateInline() throws Exception {
        String cert = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----";
        String key = "-----BEGIN PRIVATE KEY-----\nMIGH\n-----END PRIVATE KEY-----";
        Path ca = file("ca.pem", cert + "\n", "rw-r--r--");
        Path both = file("client.pem", key + "\n" + cert + "\n" + cert + "\n", "rw-------");
        Map<String, String> p = parse("-b", "x:1", "--tls-truststore", ca.toString(), "--tls-cert", both.toString(), "topic", "list")
                .resolve(passwords(Map.of(), null, new AtomicInteger()));
        assertThat(p).containsEntry("security.protocol", "SSL").containsEntry("ssl.truststore.type", "PEM")
                .containsEntry("ssl.truststore.location", ca.toString()).containsEntry("ssl.keystore.type", "PEM")
                .containsEntry("ssl.keystore.certificate.chain", cert + "\n" + cert + "\n").containsEntry("ssl.keystore.key", key + "\n")
                .doesNotContainKey("sasl.jaas.config");
        Path encrypted = file("enc.pem", "-----BEGIN ENCRYPTED PRIVATE KEY-----\nX\n-----END ENCRYPTED PRIVATE KEY-----\n", "rw-------");
        usage(sluice("-b", "x:1", "--cert-file", ca.toString(), "--key-file", encrypted.toString(), "topic", "list"),
                encrypted + ": the private key is encrypted");
    }

    @Test
    void aProfileStoresTheSecuritySettingsButNeverAPasswordAndFlagsOverrideThem() throws Exception {
        Path pw = file("pw", "from-profile-file\n", "rw-------");
        Run create = sluice("profile", "create", "secure", "--set-brokers", "127.0.0.1:9093", "--security-protocol", "SASL_SSL",
                "--sasl-mechanism", "SCRAM-SHA-256", "--user", "alice", "--password-file", pw.toString());
        assertThat(create.exit()).as(create.err()).isZero();
        String yaml = Files.readString(dir.resolve("config.yaml"));
        assertThat(yaml).contains("protocol: \"SASL_SSL\"").contains("user: \"alice\"").contains("passwordFile: \"" + pw + "\"")
                .doesNotContain("from-profile-file").doesNotContain("caFile");
        Map<String, String> p = parse("topic", "list").resolve(passwords(Map.of("SLUICE_PASSWORD", "env"), null, new AtomicInteger()));
        assertThat(p.get("sasl.jaas.config")).contains("username=\"alice\" password=\"from-profile-file\"");
        Map<String, String> over = parse("--user", "bob", "--password-env", "BOB_PW", "topic", "list")
                .resolve(passwords(Map.of("BOB_PW", "bobs"), null, new AtomicInteger()));
        assertThat(over).containsEntry("security.protocol", "SASL_SSL").containsEntry("sasl.mechanism", "SCRAM-SHA-256");
        assertThat(over.get("sasl.jaas.config")).contains("username=\"bob\" password=\"bobs\"");
        assertThat(parse("-b", "127.0.0.1:1", "topic", "list").resolve(passwords(Map.of(), null, new AtomicInteger())))
                .as("--brokers names another cluster: the profile's credentials stay home").doesNotContainKey("sasl.jaas.config");
        usage(sluice("profile", "create", "bad", "--set-brokers", "x:1", "--user", "a"), "SASL_PLAINTEXT needs --sasl-mechanism");
    }

    @Test
    void sluiceShellPassesTheSecurityFlagsOnButNoPassword() throws Exception {
        Path pw = file("pw", "secret\n", "rw-------");
        String ca = file("ca.pem", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n", "rw-r--r--").toString();
        GlobalOptions g = parse("-b", "h:1", "--user", "alice", "--sasl-mechanism", "SCRAM-SHA-256", "--password-file", pw.toString(),
                "--tls-truststore", ca, "shell");
        assertThat(g.asArgs()).containsSubsequence("--brokers", "h:1").containsSubsequence("--sasl-mechanism", "SCRAM-SHA-256")
                .containsSubsequence("--user", "alice").containsSubsequence("--password-file", pw.toString())
                .containsSubsequence("--ca-file", ca).doesNotContain("secret");
        assertThat(parse(g.asArgs().toArray(String[]::new)).resolve(passwords(Map.of(), null, new AtomicInteger())))
                .containsEntry("security.protocol", "SASL_SSL").containsEntry("ssl.truststore.location", ca);
    }

    private static String[] concat(String[] a, String... b) {
        String[] all = new String[a.length + b.length];
        System.arraycopy(a, 0, all, 0, a.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
