package io.sluice.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** sluice acl's plan and its JSON fields (no cluster needed without --execute), and the mistakes refused before any cluster is asked. */
@Timeout(120)
class AclUserOptionsTest {
    record Run(int exit, String out, String err) {
    }

    private static Run sluice(String... args) {
        CommandLine cmd = SluiceCommand.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cmd.setOut(new PrintWriter(out));
        cmd.setErr(new PrintWriter(err));
        String[] all = new String[args.length + 4];
        System.arraycopy(new String[]{"--brokers", "127.0.0.1:1", "--timeout", "1"}, 0, all, 0, 4);
        System.arraycopy(args, 0, all, 4, args.length);
        return new Run(cmd.execute(all), out.toString(), err.toString());
    }

    private static void usage(Run r, String message) {
        assertThat(r.exit()).as(r.err()).isEqualTo(2);
        assertThat(r.err()).contains(message).doesNotContain("\tat ").hasLineCount(1);
    }

    @Test
    void aclCreatePlansEveryPrincipalOperationAndResourceWithStableJsonFields() throws Exception {
        Run r = sluice("acl", "create", "--allow", "User:alice", "--deny", "User:bob", "--operation", "read,describe-configs",
                "--topic", "orders", "--group", "app", "--prefixed", "--host", "10.0.0.1", "-o", "json");
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode plan = new ObjectMapper().readTree(r.out());
        assertThat(plan.get("executed").asBoolean()).isFalse();
        assertThat(plan.get("rollbackFile").isNull()).isTrue();
        assertThat(plan.get("acls")).hasSize(8);
        assertThat(plan.get("acls").get(0).toString()).isEqualTo("{\"principal\":\"User:alice\",\"host\":\"10.0.0.1\",\"operation\":\"READ\","
                + "\"permission\":\"ALLOW\",\"resourceType\":\"TOPIC\",\"resourceName\":\"orders\",\"patternType\":\"PREFIXED\"}");
        assertThat(plan.get("acls").get(1).get("permission").asText()).isEqualTo("DENY");
        assertThat(plan.get("acls").get(2).get("operation").asText()).isEqualTo("DESCRIBE_CONFIGS");
        assertThat(plan.get("acls").get(7).get("resourceType").asText()).isEqualTo("GROUP");
        Run table = sluice("acl", "create", "--allow", "User:alice", "--operation", "all", "--cluster");
        assertThat(table.out()).isEqualTo("PRINCIPAL   HOST  OPERATION  PERMISSION  RESOURCE  NAME           PATTERN\n"
                + "User:alice  *     ALL        ALLOW       CLUSTER   kafka-cluster  LITERAL\n"
                + "dry run: nothing changed; add --execute to apply\n");
    }

    @Test
    void aclMistakesAreUsageErrors(@TempDir Path dir) throws Exception {
        usage(sluice("acl", "create", "--allow", "alice", "--operation", "read", "--topic", "t"), "principal alice: expected TYPE:NAME, e.g. User:alice");
        usage(sluice("acl", "create", "--allow", "User:a", "--operation", "reed", "--topic", "t"), "--operation reed: expected one of all, read, write");
        usage(sluice("acl", "create", "--allow", "User:a", "--topic", "t"), "name what is allowed or denied: --operation");
        usage(sluice("acl", "create", "--operation", "read", "--topic", "t"), "name whom the ACL is for: --allow User:NAME or --deny User:NAME");
        usage(sluice("acl", "create", "--allow", "User:a", "--operation", "read"), "name the resource: --topic, --group, --transactional-id or --cluster");
        usage(sluice("acl", "delete", "--execute"), "name what to delete: --principal, --topic");
        usage(sluice("acl", "list", "--permission", "maybe"), "--permission maybe: expected ALLOW or DENY");
        usage(sluice("acl", "create", "--execute", "--dry-run", "--allow", "User:a", "--operation", "read", "--topic", "t"), "exclude each other");
        Path bad = Files.writeString(dir.resolve("bad.json"), "{\"not\": \"acls\"}");
        usage(sluice("acl", "create", "--from-file", bad.toString()), bad + ": not a list of ACLs as sluice acl writes them");
        usage(sluice("acl", "create", "--from-file", bad.toString(), "--topic", "t"), "--from-file takes the ACLs from the file");
    }

    @Test
    void completionOffersTheNewCommandsFlagsAndTheirValues() {
        CommandLine cmd = SluiceCommand.commandLine();
        StringWriter out = new StringWriter();
        cmd.setOut(new PrintWriter(out));
        assertThat(cmd.execute("completion", "bash")).isZero();
        assertThat(out.toString()).contains("sluice_acl_create").contains("sluice_user_passwd").contains("--ca-file")
                .contains("--password-file").contains("SASL_SSL").contains("SCRAM-SHA-512").doesNotContain("'--password'");
    }

    @Test
    void userMistakesAreUsageErrorsAndNewPasswordsNeverComeFromSluicePassword() {
        usage(sluice("user", "create", "a", "--mechanism", "SCRAM-SHA-1"), "--mechanism SCRAM-SHA-1: expected SCRAM-SHA-256 or SCRAM-SHA-512");
        usage(sluice("user", "create", "a", "--iterations", "1000"), "--iterations 1000: at least 4096 (Kafka's minimum)");
        usage(sluice("user", "create", "a", "--password", "x"), "--password: sluice does not take passwords on the command line");
        AtomicInteger prompts = new AtomicInteger();
        Passwords noTerminal = new Passwords(SluicePaths.system(), Map.of("SLUICE_PASSWORD", "connection")::get, t -> {
            prompts.incrementAndGet();
            return null;
        });
        assertThatThrownBy(() -> noTerminal.readNew(null, null, "user bob")).hasMessage("the new password for user bob: there is no terminal "
                + "to ask on (sluice prompts only when both its input and its output are a terminal: not with output piped or redirected, "
                + "nor under cron, CI or ssh without -t); give --new-password-file FILE (chmod 600) or --new-password-env NAME");
        String[] answers = {"one", "two"};
        Passwords typo = new Passwords(SluicePaths.system(), Map.<String, String>of()::get, t -> answers[prompts.getAndIncrement() % 2].toCharArray());
        prompts.set(0);
        assertThatThrownBy(() -> typo.readNew(null, null, "user bob")).hasMessage("the two passwords typed differ; nothing changed");
        Passwords twice = new Passwords(SluicePaths.system(), Map.<String, String>of()::get, t -> "same".toCharArray());
        assertThat(twice.readNew(null, null, "user bob")).isEqualTo("same");
        assertThatThrownBy(() -> twice.readNew(null, "NOPE", "user bob")).hasMessage("--new-password-env NOPE: the variable is not set (or empty)");
    }
}
