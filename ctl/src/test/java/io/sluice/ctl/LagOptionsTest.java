package io.sluice.ctl;

import io.sluice.ops.LagSampler;
import io.sluice.ops.OpsException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The lag window options of group list|describe|check and doctor: bad values are usage errors before any request. */
@Timeout(10)
class LagOptionsTest {
    record Run(int exit, String out, String err) {
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        picocli.CommandLine cmd = SluiceCommand.commandLine();
        cmd.setOut(new PrintWriter(out));
        cmd.setErr(new PrintWriter(err));
        // port 1 on loopback: nothing listens; a usage error must come before any attempt to connect
        String[] all = new String[args.length + 4];
        all[0] = "--brokers";
        all[1] = "127.0.0.1:1";
        all[2] = "--timeout";
        all[3] = "1";
        System.arraycopy(args, 0, all, 4, args.length);
        return new Run(cmd.execute(all), out.toString(), err.toString());
    }

    @Test
    void durationsParseWithUnits() {
        assertThat(LagSampler.Plan.parseDurationMs("500ms")).isEqualTo(500);
        assertThat(LagSampler.Plan.parseDurationMs("10s")).isEqualTo(10_000);
        assertThat(LagSampler.Plan.parseDurationMs("1.5s")).isEqualTo(1_500);
        assertThat(LagSampler.Plan.parseDurationMs("2m")).isEqualTo(120_000);
        assertThat(LagSampler.Plan.parseDurationMs("1h")).isEqualTo(3_600_000);
        assertThat(LagSampler.Plan.parseDurationMs("7")).as("bare seconds").isEqualTo(7_000);
        assertThat(LagSampler.Plan.parseDurationMs("0")).isZero();
        assertThat(new LagSampler.Plan(0, 5).samples()).as("no window: one look").isEqualTo(1);
        assertThatThrownBy(() -> LagSampler.Plan.parseDurationMs("-3s")).isInstanceOf(OpsException.class);
    }

    @Test
    void badWindowsAndThresholdsAreUsageErrors() {
        Run soon = run("group", "list", "--window", "soon");
        assertThat(soon.exit()).isEqualTo(2);
        assertThat(soon.err()).isEqualTo("sluice: 'soon' is not a duration (e.g. 500ms, 10s, 2m, 1h)\n");
        Run one = run("group", "describe", "g", "--samples", "1");
        assertThat(one.exit()).isEqualTo(2);
        assertThat(one.err()).contains("--samples 1: expected 2 to 100 looks").hasLineCount(1);
        Run instant = run("group", "check", "g", "--window", "0");
        assertThat(instant.exit()).isEqualTo(2);
        assertThat(instant.err()).contains("--window 0 cannot tell a stalled group from a busy one").hasLineCount(1);
        Run negative = run("group", "check", "g", "--max-lag", "-1");
        assertThat(negative.exit()).isEqualTo(2);
        assertThat(negative.err()).contains("must not be negative");
        assertThat(run("group", "check").exit()).as("at least one group").isEqualTo(2);
    }

    @Test
    void checkDocumentsItsExitCodesAndTheStatusRules() {
        Run help = run("group", "check", "--help");
        assertThat(help.exit()).isZero();
        assertThat(help.out()).contains("--max-lag-seconds").contains("4   a group is not OK, over a threshold, or does not exist");
        assertThat(help.out().replaceAll("\\s+", " ")).as("the rules, wrapped").contains("STALL a live member owns the partition")
                .contains("ERR the committed offset is below the log start");
    }
}
