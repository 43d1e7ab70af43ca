package io.sluice.ctl;

import io.sluice.ops.Doctor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** How doctor prints a report for people, and its exit code per worst severity. */
@Timeout(10)
class DoctorCommandTest {
    static final Doctor.Finding DOWN = new Doctor.Finding(Doctor.Severity.CRITICAL, "partitions", "broker 3 down",
            "broker 3 down: 1 partition offline: orders-2", "start broker 3 again", "sluice partition balance",
            List.of("orders-2  offline  leader none  replicas 3  isr -"));
    static final Doctor.Finding LEADERS = new Doctor.Finding(Doctor.Severity.INFO, "preferred-leaders", "orders",
            "1 partition is not led by its preferred replica although it is in sync: orders-0", "elect", "sluice partition elect-leader",
            List.of());

    static String print(Doctor.Report r, boolean wide) {
        StringWriter s = new StringWriter();
        DoctorCommand.print(new Output(new PrintWriter(s), Output.Format.table, true), r, wide);
        return s.toString();
    }

    @Test
    void findingsThenASummaryAndTheQuorum() {
        Doctor.Report r = new Doctor.Report("c1", 0, Doctor.Severity.CRITICAL, List.of(DOWN, LEADERS),
                Doctor.Quorum.unknown("the cluster does not answer DescribeQuorum"), List.of("describing the log dirs of broker 2: timeout"));
        assertThat(print(r, false)).isEqualTo("""
                CRITICAL  broker 3 down: 1 partition offline: orders-2
                          fix: start broker 3 again
                          run: sluice partition balance
                INFO      1 partition is not led by its preferred replica although it is in sync: orders-0
                          fix: elect
                          run: sluice partition elect-leader

                2 findings: 1 critical, 0 warnings, 1 info (-o wide lists what is behind each)
                controller quorum: unknown (the cluster does not answer DescribeQuorum)
                note: describing the log dirs of broker 2: timeout
                """);
        assertThat(print(r, true)).contains("          run: sluice partition balance\n          - orders-2  offline  leader none  replicas 3  isr -\n")
                .contains("2 findings: 1 critical, 0 warnings, 1 info\n");
        Doctor.Report clean = new Doctor.Report("c1", 0, null, List.of(),
                new Doctor.Quorum(true, null, 2, 9, 100, List.of(new Doctor.Voter(1, 100, 0), new Doctor.Voter(2, 100, 0))), List.of());
        assertThat(print(clean, false)).isEqualTo("nothing found\ncontroller quorum: leader 2, epoch 9, 2 voters\n");
    }

    @Test
    void theExitCodeFollowsTheWorstSeverity() {
        assertThat(DoctorCommand.exitCode(null)).isZero();
        assertThat(DoctorCommand.exitCode(Doctor.Severity.INFO)).isZero();
        assertThat(DoctorCommand.exitCode(Doctor.Severity.WARNING)).isEqualTo(4);
        assertThat(DoctorCommand.exitCode(Doctor.Severity.CRITICAL)).isEqualTo(5);
    }

    @Test
    void bashCompletionKnowsDoctorAndGroupCheck() {
        StringWriter out = new StringWriter();
        picocli.CommandLine cmd = SluiceCommand.commandLine();
        cmd.setOut(new PrintWriter(out));
        assertThat(cmd.execute("completion", "bash")).isZero();
        assertThat(out.toString()).contains("_picocli_sluice_doctor").contains("_picocli_sluice_group_check")
                .contains("--max-lag-seconds").contains("--window");
    }
}
