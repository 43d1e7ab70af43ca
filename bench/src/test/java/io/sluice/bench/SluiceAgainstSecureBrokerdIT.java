package io.sluice.bench;

import io.sluice.brokerd.Broker;
import io.sluice.brokerd.config.BrokerConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@link SecureSluiceCases} against brokerd, configured as {@link SluiceAgainstSecureKafkaIT} configures Kafka: a
 * SASL_SSL listener (SCRAM-SHA-256/512, certificates from make-certs.sh), the authorizer, {@code super.users}
 * User:admin (and User:ANONYMOUS for the PLAINTEXT inter-broker listener), the admin made from
 * {@code sasl.bootstrap.users.file}. With {@code -Pkafka-compare} (target/kafka-lib present) Apache Kafka's own
 * tools run against it too, as kafka-acls.sh and kafka-configs.sh run them (their main classes in a JVM of their
 * own): SCRAM users made, described and deleted with ConfigCommand, ACLs added, listed and removed with AclCommand,
 * and the effect of each checked with a client; a client quota is refused in words.
 */
class SluiceAgainstSecureBrokerdIT extends SecureSluiceCases {
    static Broker broker;

    @BeforeAll
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    static void startSecureBrokerd() throws Exception {
        certs = makeCerts(workDir.resolve("certs"));
        adminPassword = secret("admin.password", "admin-secret");
        alicePassword = secret("alice.password", "alice-secret");
        Path users = secret("users", "admin:admin-secret");
        broker = Broker.start(BrokerConfig.load(null, Map.ofEntries(
                Map.entry("listeners", "PLAINTEXT://127.0.0.1:0,SASL_SSL://127.0.0.1:0"),
                Map.entry("inter.broker.listener.name", "PLAINTEXT"),
                Map.entry("sasl.enabled.mechanisms", "SCRAM-SHA-256,SCRAM-SHA-512"),
                Map.entry("sasl.bootstrap.users.file", users.toString()),
                Map.entry("ssl.keystore.type", "PEM"), Map.entry("ssl.keystore.location", certs.resolve("broker.pem").toString()),
                Map.entry("ssl.truststore.type", "PEM"), Map.entry("ssl.truststore.location", certs.resolve("ca.pem").toString()),
                Map.entry("authorizer.enabled", "true"),
                Map.entry("super.users", "User:admin;User:ANONYMOUS"),
                Map.entry("data.dir", workDir.resolve("data").toString()),
                Map.entry("metrics.listener", ""))));
        saslBootstrap = "127.0.0.1:" + broker.boundAddress("SASL_SSL").getPort();
    }

    @AfterAll
    static void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    @Override
    String adminCredentialsJson() {
        // sasl.bootstrap.users.file gives each user every enabled SCRAM mechanism, salted with 8192 iterations.
        return "[{\"mechanism\":\"SCRAM-SHA-256\",\"iterations\":8192},{\"mechanism\":\"SCRAM-SHA-512\",\"iterations\":8192}]";
    }

    @Override
    int brokerId() {
        return broker.nodeId();
    }

    // ---- Apache Kafka's kafka-configs.sh and kafka-acls.sh against brokerd (-Pkafka-compare) ----------------------

    record Tool(int exit, String out) {
    }

    /** Runs Kafka's {@code mainClass} as its script does, as the admin over SASL_SSL. */
    static Tool kafkaTool(String mainClass, String... args) throws Exception {
        assumeTrue(Files.isDirectory(kafkaLib()), kafkaLib() + " is missing (it comes with -Pkafka-compare)");
        Path config = workDir.resolve("kafka-admin.properties");
        if (!Files.exists(config)) {
            Files.writeString(config, String.join("\n", "security.protocol=SASL_SSL", "sasl.mechanism=SCRAM-SHA-256",
                    "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username=\"admin\" password=\"admin-secret\";",
                    "ssl.truststore.type=PEM", "ssl.truststore.location=" + certs.resolve("ca.pem"), ""), StandardCharsets.UTF_8);
            Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-------"));
        }
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-cp", kafkaLib().toAbsolutePath() + "/*", mainClass,
                "--bootstrap-server", saslBootstrap, "--command-config", config.toString()));
        cmd.addAll(List.of(args));
        Process tool = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(tool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(tool.waitFor(120, TimeUnit.SECONDS)).isTrue();
        return new Tool(tool.exitValue(), out);
    }

    static Tool configs(String... args) throws Exception {
        return kafkaTool("kafka.admin.ConfigCommand", args);
    }

    static Tool acls(String... args) throws Exception {
        return kafkaTool("org.apache.kafka.tools.AclCommand", args);
    }

    @Test
    @Order(10)
    void kafkaConfigsManagesScramUsersOnBrokerd() throws Exception {
        Tool add = configs("--alter", "--entity-type", "users", "--entity-name", "dora",
                "--add-config", "SCRAM-SHA-256=[iterations=8192,password=dora-secret],SCRAM-SHA-512=[password=dora-secret]");
        assertThat(add.exit()).as(add.out()).isZero();
        assertThat(add.out()).contains("Completed updating config for user dora.");
        Tool one = configs("--describe", "--entity-type", "users", "--entity-name", "dora");
        assertThat(one.exit()).as(one.out()).isZero();
        assertThat(one.out()).contains("SCRAM credential configs for user-principal 'dora' are SCRAM-SHA-256=iterations=8192, SCRAM-SHA-512=iterations=4096");
        // All users: kafka-configs.sh asks DescribeClientQuotas too (brokerd has none to report) and the credentials.
        Tool all = configs("--describe", "--entity-type", "users");
        assertThat(all.exit()).as(all.out()).isZero();
        assertThat(all.out()).contains("SCRAM credential configs for user-principal 'dora' are", "user-principal 'admin'")
                .doesNotContain("Quota configs");
        Path dora = secret("dora.password", "dora-secret");
        awaitRun(() -> as("dora", "SCRAM-SHA-512", dora, "topic", "list"), r -> r.exit() == 0, "dora to authenticate");

        // A quota is refused in words, not stored and ignored.
        Tool quota = configs("--alter", "--entity-type", "users", "--entity-name", "dora", "--add-config", "producer_byte_rate=1024");
        assertThat(quota.exit()).as(quota.out()).isNotZero();
        assertThat(quota.out()).contains("brokerd does not enforce client quotas");

        Tool delete = configs("--alter", "--entity-type", "users", "--entity-name", "dora", "--delete-config", "SCRAM-SHA-512");
        assertThat(delete.exit()).as(delete.out()).isZero();
        awaitRun(() -> as("dora", "SCRAM-SHA-512", dora, "topic", "list"),
                r -> r.exit() == 6 && r.err().contains("refused the password of user dora (SCRAM-SHA-512)"), "dora's SHA-512 credential to be gone");
        assertThat(configs("--describe", "--entity-type", "users", "--entity-name", "dora").out())
                .contains("SCRAM credential configs for user-principal 'dora' are SCRAM-SHA-256=iterations=8192");
    }

    @Test
    @Order(11)
    void kafkaAclsAddsListsAndRemovesAclsOnBrokerd() throws Exception {
        Path dora = secret("dora.password", "dora-secret");
        assertThat(admin("topic", "create", "ledger", "-p", "1").exit()).isZero();
        Path input = workDir.resolve("ledger.txt");
        Files.writeString(input, "x\ny\n", StandardCharsets.UTF_8);
        assertThat(admin("produce", "ledger", input.toString()).exit()).isZero();
        Run refused = as("dora", "SCRAM-SHA-256", dora, "consume", "ledger", "-n", "2");
        assertThat(refused.exit()).as(refused.err()).isEqualTo(6);

        Tool add = acls("--add", "--allow-principal", "User:dora", "--operation", "Read", "--operation", "Describe", "--topic", "ledger");
        assertThat(add.exit()).as(add.out()).isZero();
        assertThat(add.out()).contains("(principal=User:dora, host=*, operation=READ, permissionType=ALLOW)");
        Tool list = acls("--list", "--topic", "ledger");
        assertThat(list.exit()).as(list.out()).isZero();
        assertThat(list.out()).contains("ResourcePattern(resourceType=TOPIC, name=ledger, patternType=LITERAL)",
                "(principal=User:dora, host=*, operation=READ, permissionType=ALLOW)",
                "(principal=User:dora, host=*, operation=DESCRIBE, permissionType=ALLOW)");
        awaitRun(() -> as("dora", "SCRAM-SHA-256", dora, "consume", "ledger", "-n", "2"),
                r -> r.exit() == 0 && r.out().lines().count() == 2, "dora to read ledger");
        // What kafka-acls.sh made, sluice lists the same.
        Run viaSluice = admin("acl", "list", "--principal", "User:dora", "-o", "json");
        assertThat(JSON.readTree(viaSluice.out()).findValuesAsText("operation")).containsExactlyInAnyOrder("READ", "DESCRIBE");

        Tool remove = acls("--remove", "--force", "--allow-principal", "User:dora", "--operation", "Read", "--topic", "ledger");
        assertThat(remove.exit()).as(remove.out()).isZero();
        awaitRun(() -> as("dora", "SCRAM-SHA-256", dora, "consume", "ledger", "-n", "2"),
                r -> r.exit() == 6 && r.err().contains("not allowed to READ topic ledger"), "dora's READ to be gone");
        assertThat(acls("--list", "--topic", "ledger").out()).doesNotContain("operation=READ")
                .contains("(principal=User:dora, host=*, operation=DESCRIBE, permissionType=ALLOW)");
    }
}
