package io.sluice.ctl;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.assertj.core.api.Assertions.assertThat;

@Timeout(10)
class SluiceCommandTest {
    private static int run(StringWriter out, StringWriter err, String... args) {
        CommandLine cmd = new CommandLine(new SluiceCommand());
        cmd.setOut(new PrintWriter(out));
        cmd.setErr(new PrintWriter(err));
        return cmd.execute(args);
    }

    @Test
    void versionAndHelp() {
        StringWriter out = new StringWriter();
        assertThat(run(out, new StringWriter(), "--version")).isZero();
        assertThat(out.toString()).startsWith("sluice ");
        out = new StringWriter();
        assertThat(run(out, new StringWriter(), "--help")).isZero();
        assertThat(out.toString()).contains("Usage: sluice");
    }

    @Test
    void versionClientOnlyNeedsNoClusterAndHasStableJsonFields() throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        assertThat(run(out, err, "version", "--client", "-o", "json")).as(err.toString()).isZero();
        com.fasterxml.jackson.databind.JsonNode v = new com.fasterxml.jackson.databind.ObjectMapper().readTree(out.toString());
        assertThat(v.get("version").asText()).isEqualTo(VersionCommand.cliVersion());
        assertThat(v.get("kafkaClients").asText()).isEqualTo(org.apache.kafka.common.utils.AppInfoParser.getVersion());
        assertThat(v.get("java").asText()).isEqualTo(System.getProperty("java.version"));
        assertThat(v.has("cluster")).isTrue();
        assertThat(v.get("cluster").isNull()).isTrue();
        out = new StringWriter();
        assertThat(run(out, new StringWriter(), "version", "--client")).isZero();
        assertThat(out.toString()).startsWith("SLUICE         " + VersionCommand.cliVersion() + "\n").doesNotContain("CLUSTER-ID");
    }

    @Test
    void everySubcommandTakesHelp() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        assertThat(run(out, err, "topic", "describe", "--help")).as(err.toString()).isZero();
        assertThat(out.toString()).startsWith("Usage: sluice topic describe");
        out = new StringWriter();
        assertThat(run(out, new StringWriter(), "group", "seek", "-h")).isZero();
        assertThat(out.toString()).startsWith("Usage: sluice group seek").contains("--execute");
    }

    @Test
    void anUnknownOptionIsAUsageErrorNotAStackTrace() {
        StringWriter err = new StringWriter();
        assertThat(run(new StringWriter(), err, "--bogus")).isEqualTo(2);
        assertThat(err.toString()).contains("Unknown option: '--bogus'").doesNotContain("Exception");
    }
}
