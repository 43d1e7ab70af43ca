package io.sluice.ctl;

import io.sluice.ops.ClusterConnection;
import io.sluice.ops.ClusterSnapshot;
import io.sluice.ops.OpsException;
import io.sluice.ops.RecordProbe;
import io.sluice.ops.SnapshotCollector;
import io.sluice.tui.TextReport;
import io.sluice.tui.TopApp;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.time.Duration;

/**
 * {@code sluice top}: launches the live dashboard (tui), or with {@code --once} prints one cluster snapshot and exits:
 * {@code -o json|yaml} the {@link ClusterSnapshot} (field names listed in sluice-top(1)), otherwise the dashboard's
 * pages as plain text.
 */
@Command(name = "top", description = {"Live terminal dashboard: brokers, topics, partitions, placement, groups with lag status, problems "
        + "by cause, tail; it seeks groups and elects leaders once you confirm.",
        "With --once, print one snapshot and exit: -o json|yaml for scripts, -o text (or table) for people."})
final class TopCommand extends BaseCommand {
    static final int TEXT_COLUMNS = 100;

    @Option(names = "--once", description = "Print one snapshot and exit")
    boolean once;

    @Option(names = "--interval", paramLabel = "SECONDS", description = "Refresh interval, 0.5 to 30 (default: 2; + and - change it live)")
    double intervalSeconds = 2;

    @Override
    public Integer call() {
        if (intervalSeconds < 0.5 || intervalSeconds > 30) {
            throw new OpsException(OpsException.Kind.USAGE, "--interval " + intervalSeconds + ": expected 0.5 to 30 seconds");
        }
        GlobalOptions g = globals();
        if (!once && (g.format == Output.Format.json || g.format == Output.Format.yaml)) {
            throw new OpsException(OpsException.Kind.USAGE, "-o " + g.format + " prints a snapshot: add --once");
        }
        if (!once) {
            return TopApp.run(new TopApp.Options(g.bootstrap(), g.properties(), Duration.ofSeconds(g.timeoutSeconds),
                    Math.round(intervalSeconds * 1000), System.getenv()));
        }
        try (ClusterConnection c = g.connect(); RecordProbe probe = new RecordProbe(g.bootstrap(), g.properties())) {
            ClusterSnapshot s = new SnapshotCollector(c, probe).collect(System.currentTimeMillis());
            Output out = output();
            if (out.structured()) {
                out.object(s);
            } else {
                spec.commandLine().getOut().print(TextReport.render(s, g.bootstrap(), TEXT_COLUMNS));
                spec.commandLine().getOut().flush();
            }
            return ExitCodes.OK;
        }
    }
}
