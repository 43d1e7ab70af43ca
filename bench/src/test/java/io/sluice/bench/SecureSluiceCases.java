package io.sluice.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.ctl.SluiceCommand;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The cases sluice must pass against a secured cluster, whichever broker serves it: one SASL_SSL listener
 * (SCRAM-SHA-256/512, certificates from make-certs.sh), an authorizer, the super user {@code admin} (password
 * admin-secret) bootstrapped by the broker's own means. Every command with the security flags, {@code sluice user}
 * and {@code sluice acl} end to end (a user allowed to write but not to read is refused a fetch with words naming
 * READ on the topic, exit 6; prefixed ACLs; deny beats allow; a rollback file restores deleted ACLs), Kafka's own
 * AclCommand listing what sluice created (when target/kafka-lib is there), {@code sluice top --once} as a user the
 * ACLs restrict, and the refused password of a user in words. Subclasses start the broker and set the static
 * fields; {@link SluiceAgainstSecureKafkaIT} runs them against Apache Kafka, {@link SluiceAgainstSecureBrokerdIT}
 * against brokerd.
 *
 * <p>Credentials and ACLs reach the broker through the metadata log, a moment after the admin call returns: every
 * check of their effect waits for it with a deadline. The tests build on each other (ordered) on one node.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class SecureSluiceCases {
    static final Duration PROPAGATION = Duration.ofSeconds(60);
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path workDir;
    static String saslBootstrap;
    static Path certs;
    static Path adminPassword;
    static Path alicePassword;

    /** The admin's credentials as {@code sluice user list -o json} shows them (each broker bootstraps its own way). */
    abstract String adminCredentialsJson();

    /** The id of the single broker. */
    abstract int brokerId();

    static Path kafkaLib() {
        return Path.of(System.getProperty("basedir", "."), "target", "kafka-lib");
    }

    @Test
    @Order(1)
    void theAdminWorksOverSaslSslAndAWrongPasswordIsSaidInWords() throws Exception {
        Run info = admin("cluster", "info", "-o", "json");
        assertThat(info.exit()).as(info.err()).isZero();
        assertThat(JSON.readTree(info.out()).get("brokers")).hasSize(1);
        Run create = admin("topic", "create", "orders", "-p", "2");
        assertThat(create.exit()).as(create.err()).isZero();
        Run wrong = sluice("--security-protocol", "SASL_SSL", "--sasl-mechanism", "SCRAM-SHA-256", "--user", "admin",
                "--password-file", alicePassword.toString(), "--ca-file", certs.resolve("ca.pem").toString(), "topic", "list");
        assertThat(wrong.exit()).as(wrong.err()).isEqualTo(6);
        assertThat(wrong.err()).isEqualTo("sluice: listing topics: authentication failed: the cluster refused the password of user admin "
                + "(SCRAM-SHA-256) (check the user, --sasl-mechanism and the password source)\n");
    }

    @Test
    @Order(2)
    void userCreateListPasswdDelete() throws Exception {
        Run create = admin("user", "create", "alice", "--mechanism", "SCRAM-SHA-512", "--iterations", "8192",
                "--new-password-file", alicePassword.toString(), "-o", "json");
        assertThat(create.exit()).as(create.err()).isZero();
        JsonNode c = JSON.readTree(create.out());
        assertThat(c.get("user").asText()).isEqualTo("alice");
        assertThat(c.get("mechanism").asText()).isEqualTo("SCRAM-SHA-512");
        assertThat(c.get("iterations").asInt()).isEqualTo(8192);
        Run listed = awaitRun(() -> admin("user", "list", "-o", "json"), r -> r.out().contains("alice"), "alice to be listed");
        JsonNode list = JSON.readTree(listed.out());
        assertThat(list.toString()).isEqualTo("[{\"name\":\"admin\",\"credentials\":" + adminCredentialsJson() + "},"
                + "{\"name\":\"alice\",\"credentials\":[{\"mechanism\":\"SCRAM-SHA-512\",\"iterations\":8192}]}]");
        assertThat(admin("user", "list").out()).contains("alice  SCRAM-SHA-512  8192");
        Run again = admin("user", "create", "alice", "--mechanism", "SCRAM-SHA-512", "--new-password-file", alicePassword.toString());
        assertThat(again.exit()).isEqualTo(2);
        assertThat(again.err()).isEqualTo("sluice: user alice already has a SCRAM-SHA-512 credential (sluice user passwd alice changes its password)\n");
        // alice authenticates (she may see nothing yet: no ACLs).
        awaitRun(() -> alice("topic", "list", "-o", "json"), r -> r.exit() == 0, "alice to authenticate");
        assertThat(alice("topic", "list", "-o", "json").out().trim()).isEqualTo("[ ]");

        Path newPassword = secret("alice.new", "alice-new-secret");
        Run passwd = admin("user", "passwd", "alice", "--mechanism", "SCRAM-SHA-512", "--new-password-file", newPassword.toString());
        assertThat(passwd.exit()).as(passwd.err()).isZero();
        assertThat(passwd.out()).isEqualTo("user alice password changed (SCRAM-SHA-512, 4096 iterations)\n");
        awaitRun(() -> alice("topic", "list"), r -> r.exit() == 6 && r.err().contains("refused the password of user alice (SCRAM-SHA-512)"),
                "the old password to be refused");
        Run bob = admin("user", "passwd", "bob", "--new-password-file", newPassword.toString());
        assertThat(bob.exit()).isEqualTo(3);
        assertThat(bob.err()).isEqualTo("sluice: user bob has no SCRAM-SHA-256 credential (sluice user list; sluice user create bob)\n");
        // Back to the first password for the ACL tests.
        assertThat(admin("user", "passwd", "alice", "--mechanism", "SCRAM-SHA-512", "--new-password-file", alicePassword.toString()).exit()).isZero();
        awaitRun(() -> alice("topic", "list"), r -> r.exit() == 0, "alice's password to be back");

        assertThat(admin("user", "create", "carol", "--new-password-file", alicePassword.toString()).exit()).isZero();
        Run delete = awaitRun(() -> admin("user", "delete", "carol", "-o", "json"), r -> r.exit() == 0, "carol to be there to delete");
        assertThat(JSON.readTree(delete.out()).get("mechanisms").toString()).isEqualTo("[\"SCRAM-SHA-256\"]");
        Run gone = awaitRun(() -> admin("user", "delete", "carol"), r -> r.exit() != 0, "carol to be gone");
        assertThat(gone.exit()).as(gone.err()).isEqualTo(3);
        assertThat(gone.err()).isEqualTo("sluice: no SCRAM user carol (sluice user list)\n");
        assertThat(JSON.readTree(admin("user", "list", "-o", "json").out()).findValuesAsText("name")).containsExactly("admin", "alice");
    }

    @Test
    @Order(3)
    void aclsAllowWriteNotReadThenPrefixedAllowThenDenyWinsThenDeleteAndRestore() throws Exception {
        Run plan = admin("acl", "create", "--allow", "User:alice", "--operation", "write,describe", "--topic", "orders", "-o", "json");
        assertThat(plan.exit()).as(plan.err()).isZero();
        JsonNode p = JSON.readTree(plan.out());
        assertThat(p.get("executed").asBoolean()).isFalse();
        assertThat(p.get("acls")).hasSize(2);
        assertThat(JSON.readTree(admin("acl", "list", "-o", "json").out())).as("a plan changes nothing").isEmpty();

        Run create = admin("acl", "create", "--allow", "User:alice", "--operation", "write,describe", "--topic", "orders", "--execute");
        assertThat(create.exit()).as(create.err()).isZero();
        assertThat(create.out()).contains("2 ACL(s) created; undo: sluice acl delete --from-file ");
        JsonNode acls = JSON.readTree(awaitRun(() -> admin("acl", "list", "--principal", "User:alice", "-o", "json"),
                r -> r.exit() == 0 && r.out().contains("WRITE"), "the ACLs to be listed").out());
        assertThat(acls.toString()).isEqualTo("[{\"principal\":\"User:alice\",\"host\":\"*\",\"operation\":\"DESCRIBE\",\"permission\":\"ALLOW\","
                + "\"resourceType\":\"TOPIC\",\"resourceName\":\"orders\",\"patternType\":\"LITERAL\"},"
                + "{\"principal\":\"User:alice\",\"host\":\"*\",\"operation\":\"WRITE\",\"permission\":\"ALLOW\","
                + "\"resourceType\":\"TOPIC\",\"resourceName\":\"orders\",\"patternType\":\"LITERAL\"}]");

        Path input = workDir.resolve("records.txt");
        Files.writeString(input, "a\nb\nc\n", StandardCharsets.UTF_8);
        awaitRun(() -> alice("produce", "orders", input.toString()), r -> r.exit() == 0, "alice to be allowed to write");
        Run read = alice("consume", "orders", "-n", "3");
        assertThat(read.exit()).as(read.err()).isEqualTo(6);
        assertThat(read.err()).isEqualTo("sluice: reading orders: not allowed to READ topic orders (ACLs; see sluice acl list)\n");

        assertThat(admin("acl", "create", "--allow", "User:alice", "--operation", "read", "--topic", "ord", "--prefixed", "--execute").exit()).isZero();
        awaitRun(() -> alice("consume", "orders", "-n", "3"), r -> r.exit() == 0 && r.out().lines().count() == 3, "a prefixed ACL to allow reading");

        assertThat(admin("acl", "create", "--deny", "User:alice", "--operation", "read", "--topic", "orders", "--execute").exit()).isZero();
        awaitRun(() -> alice("consume", "orders", "-n", "3"), r -> r.exit() == 6 && r.err().contains("not allowed to READ topic orders"),
                "deny to beat allow");

        Run planDelete = awaitRun(() -> admin("acl", "delete", "--principal", "User:alice", "-o", "json"),
                r -> r.exit() == 0 && r.out().contains("DENY"), "the deny ACL to be listed");
        assertThat(JSON.readTree(planDelete.out()).get("acls")).hasSize(4);
        Run delete = admin("acl", "delete", "--principal", "User:alice", "--execute", "-o", "json");
        assertThat(delete.exit()).as(delete.err()).isZero();
        JsonNode d = JSON.readTree(delete.out());
        assertThat(d.get("acls")).hasSize(4);
        awaitRun(() -> admin("acl", "list", "-o", "json"), r -> r.exit() == 0 && r.out().trim().equals("[ ]"), "the ACLs to be gone");
        Run restore = admin("acl", "create", "--from-file", d.get("rollbackFile").asText(), "--execute");
        assertThat(restore.exit()).as(restore.err()).isZero();
        Run restored = awaitRun(() -> admin("acl", "list", "-o", "json"), r -> r.exit() == 0 && r.out().contains("DENY"), "the ACLs to be back");
        assertThat(JSON.readTree(restored.out())).isEqualTo(d.get("acls"));
    }

    @Test
    @Order(4)
    void kafkasOwnAclToolSeesWhatSluiceCreated() throws Exception {
        assumeTrue(Files.isDirectory(kafkaLib()), kafkaLib() + " is missing (it comes with -Pkafka-compare)");
        Path config = workDir.resolve("admin.properties");
        Files.writeString(config, String.join("\n", "security.protocol=SASL_SSL", "sasl.mechanism=SCRAM-SHA-256",
                "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username=\"admin\" password=\"admin-secret\";",
                "ssl.truststore.type=PEM", "ssl.truststore.location=" + certs.resolve("ca.pem"), ""));
        assertThat(admin("acl", "create", "--allow", "User:bob", "--operation", "read", "--group", "app", "--execute").exit()).isZero();
        Process tool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                kafkaLib().toAbsolutePath() + "/*",
                "org.apache.kafka.tools.AclCommand", "--bootstrap-server", saslBootstrap, "--command-config", config.toString(),
                "--list", "--group", "app").redirectErrorStream(true).start();
        String out = new String(tool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(tool.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(tool.exitValue()).as(out).isZero();
        assertThat(out).contains("(principal=User:bob, host=*, operation=READ, permissionType=ALLOW)");
    }

    @Test
    @Order(5)
    void topOverSaslSslShowsWhatTheAclsHideOnItsView() throws Exception {
        Run asAdmin = admin("top", "--once", "-o", "json");
        assertThat(asAdmin.exit()).as(asAdmin.err()).isZero();
        JsonNode all = JSON.readTree(asAdmin.out());
        assertThat(all.get("denied")).isEmpty();
        assertThat(all.get("topics").findValuesAsText("name")).contains("orders");
        assertThat(all.get("brokers").get(0).get("logSizeBytes").asLong()).isPositive();

        // alice may DESCRIBE topic orders only: no DESCRIBE_CONFIGS on it, no DESCRIBE on the cluster (log dirs).
        Run asAlice = alice("top", "--once", "-o", "json");
        assertThat(asAlice.exit()).as(asAlice.err()).isZero();
        JsonNode mine = JSON.readTree(asAlice.out());
        assertThat(mine.get("topics").findValuesAsText("name")).containsExactly("orders");
        assertThat(mine.get("denied").findValuesAsText("view")).containsExactly("topics", "brokers");
        assertThat(mine.get("denied").findValuesAsText("message")).containsExactly(
                "describing the configs of topic orders: not allowed to DESCRIBE_CONFIGS the topic (ACLs; see sluice acl list); min.insync.replicas taken as 1",
                "describing the log dirs of broker " + brokerId() + ": not allowed to DESCRIBE the cluster (ACLs on the cluster resource; see sluice acl list --cluster); log sizes not shown");
        assertThat(mine.get("warnings")).isEmpty();
        Run text = alice("top", "--once", "-o", "text");
        assertThat(text.exit()).as(text.err()).isZero();
        assertThat(text.out()).contains("not allowed (ACLs), brokers: describing the log dirs of broker " + brokerId() + ": not allowed to DESCRIBE the cluster")
                .contains("not allowed to DESCRIBE the cluster (ACLs)");
    }

    @Test
    @Order(6)
    void aMechanismTheListenerDoesNotEnableIsSaidAsSuch() {
        // The listener enables SCRAM-SHA-256 and -512 only.
        Run plain = as("admin", "PLAIN", adminPassword, "topic", "list");
        assertThat(plain.exit()).as(plain.err()).isEqualTo(6);
        assertThat(plain.err()).startsWith("sluice: listing topics: the cluster does not enable SASL mechanism PLAIN on this listener (")
                .endsWith("); choose another with --sasl-mechanism\n").hasLineCount(1);
    }

    // ---- helpers --------------------------------------------------------------------------------------------------

    record Run(int exit, String out, String err) {
    }

    static Run sluice(String... args) {
        CommandLine cmd = SluiceCommand.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cmd.setOut(new PrintWriter(out));
        cmd.setErr(new PrintWriter(err));
        List<String> all = new ArrayList<>(List.of("--brokers", saslBootstrap, "--timeout", "30"));
        all.addAll(List.of(args));
        return new Run(cmd.execute(all.toArray(String[]::new)), out.toString(), err.toString());
    }

    static Run as(String user, String mechanism, Path password, String... args) {
        List<String> all = new ArrayList<>(List.of("--security-protocol", "SASL_SSL", "--sasl-mechanism", mechanism, "--user", user,
                "--password-file", password.toString(), "--ca-file", certs.resolve("ca.pem").toString()));
        all.addAll(List.of(args));
        return sluice(all.toArray(String[]::new));
    }

    static Run admin(String... args) {
        return as("admin", "SCRAM-SHA-256", adminPassword, args);
    }

    static Run alice(String... args) {
        return as("alice", "SCRAM-SHA-512", alicePassword, args);
    }

    /** Runs {@code run} until {@code done} holds, at most {@link #PROPAGATION}; fails with the last result. */
    static Run awaitRun(Supplier<Run> run, Predicate<Run> done, String what) throws InterruptedException {
        long deadlineNs = System.nanoTime() + PROPAGATION.toNanos();
        Run last = run.get();
        while (!done.test(last)) {
            if (System.nanoTime() > deadlineNs) {
                fail("waited " + PROPAGATION.toSeconds() + " s for " + what + "; last: exit " + last.exit() + ", " + last.err() + last.out());
            }
            Thread.sleep(200);
            last = run.get();
        }
        return last;
    }

    static Path secret(String name, String password) throws Exception {
        Path p = workDir.resolve(name);
        Files.writeString(p, password + "\n", StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-------"));
        return p;
    }

    /** A CA and the certificate "broker" (localhost, 127.0.0.1) with the shipped make-certs.sh. */
    static Path makeCerts(Path dir) throws Exception {
        Path script = Path.of(System.getProperty("basedir", "."), "..", "config", "cluster-3-secure", "make-certs.sh").toAbsolutePath().normalize();
        Process p = new ProcessBuilder("bash", script.toString(), dir.toString(), "broker").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return dir;
    }
}
