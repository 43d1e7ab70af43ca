package io.sluice.ctl;

import io.sluice.ops.ClusterConnection;
import io.sluice.ops.Doctor;
import io.sluice.ops.DoctorFacts;
import io.sluice.ops.LagSampler;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.Locale;

/** {@code sluice doctor}: one report of everything that needs a human; the exit code follows the worst finding. */
@Command(name = "doctor", footerHeading = Output.JSON_HEADING,
        footer = "{\"clusterId\", \"takenAtMs\", \"worst\" (null, INFO, WARNING or CRITICAL), \"findings\": [{\"severity\", \"check\" "
                + "(partitions, brokers, log-dirs, quorum, configs, groups, single-replica, preferred-leaders or size-skew), \"subject\", "
                + "\"message\", \"fix\", \"command\", \"details\": [\"...\"]}], \"quorum\": {\"known\", \"reason\", \"leaderId\", "
                + "\"leaderEpoch\", \"highWatermark\", \"voters\": [{\"id\", \"logEndOffset\", \"lastCaughtUpTimestampMs\"}]}, "
                + "\"notes\": [\"...\"]}; findings come worst first.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:nothing found, or only INFO findings", "1:error (e.g. the cluster cannot be reached)", "2:usage (bad flag or value)",
            "4:the worst finding is a WARNING", "5:the worst finding is CRITICAL"},
        description = {"Report everything in the cluster that needs a human, each finding with its severity, what to do and the "
                + "sluice command that does it.",
            "Checks: offline, under-min-ISR and under-replicated partitions grouped by cause (CRITICAL, CRITICAL, WARNING); brokers "
                + "down or fenced (WARNING); log dirs offline or with less than 10%% (CRITICAL) or 20%% (WARNING) of their disk free; the "
                + "controller quorum: no leader (CRITICAL), a voter far behind (WARNING), \"unknown\" where the cluster does not answer "
                + "DescribeQuorum; broker configs that differ between brokers (WARNING); consumer groups in STALL or STOP (WARNING) or "
                + "ERR (CRITICAL) over --window (see sluice group list); topics with a single replica in a multi-broker cluster "
                + "(WARNING); partitions not led by their in-sync preferred replica (INFO); partitions at least twice their topic's "
                + "median size and 100 MiB (INFO). -o wide adds the partitions, groups or topics behind each finding."})
final class DoctorCommand extends BaseCommand {
    @Mixin
    LagWindowOptions window = new LagWindowOptions();

    @Override
    public Integer call() {
        LagSampler.Plan plan = window.plan();
        Doctor.Report report;
        try (ClusterConnection c = globals().connect(); Progress progress = progress()) {
            report = Doctor.report(DoctorFacts.gather(c, plan, LagSampler.SYSTEM, s -> progress.show("doctor: " + s)));
        }
        Output out = output();
        if (out.structured()) {
            out.object(report);
        } else {
            print(out, report, globals().format == Output.Format.wide);
        }
        return exitCode(report.worst());
    }

    static int exitCode(Doctor.Severity worst) {
        if (worst == null || worst == Doctor.Severity.INFO) {
            return ExitCodes.OK;
        }
        return worst == Doctor.Severity.WARNING ? ExitCodes.UNHEALTHY : ExitCodes.CRITICAL;
    }

    static void print(Output out, Doctor.Report r, boolean wide) {
        String indent = " ".repeat(10);
        for (Doctor.Finding f : r.findings()) {
            out.line(String.format(Locale.ROOT, "%-9s %s", f.severity(), f.message()));
            out.line(indent + "fix: " + f.fix());
            out.line(indent + "run: " + f.command());
            if (wide) {
                f.details().forEach(d -> out.line(indent + "- " + d));
            }
        }
        if (!r.findings().isEmpty()) {
            out.line("");
        }
        long critical = r.findings().stream().filter(f -> f.severity() == Doctor.Severity.CRITICAL).count();
        long warnings = r.findings().stream().filter(f -> f.severity() == Doctor.Severity.WARNING).count();
        long info = r.findings().size() - critical - warnings;
        out.line(r.findings().isEmpty() ? "nothing found" : r.findings().size() + (r.findings().size() == 1 ? " finding: " : " findings: ")
                + critical + " critical, " + warnings + (warnings == 1 ? " warning, " : " warnings, ") + info + " info"
                + (wide || r.findings().stream().allMatch(f -> f.details().isEmpty()) ? "" : " (-o wide lists what is behind each)"));
        Doctor.Quorum q = r.quorum();
        out.line("controller quorum: " + (q.known() ? "leader " + q.leaderId() + ", epoch " + q.leaderEpoch() + ", " + q.voters().size() + " voters"
                : "unknown (" + q.reason() + ")"));
        r.notes().forEach(n -> out.line("note: " + n));
    }
}
