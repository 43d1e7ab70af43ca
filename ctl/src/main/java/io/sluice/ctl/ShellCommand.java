package io.sluice.ctl;

import io.sluice.ops.ClusterConnection;
import io.sluice.ops.Groups;
import io.sluice.ops.OpsException;
import io.sluice.ops.Topics;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code sluice shell}: an interactive session (jline) running the same commands, with completion of commands, options,
 * topic and group names, and history in the sluice config directory. Global options given to {@code sluice shell}
 * apply to every command typed in it.
 */
@Command(name = "shell", description = {"Interactive session: type sluice commands without 'sluice'; Tab completes commands, options,",
        "topic and group names; history in ~/.config/sluice/history; exit or Ctrl-D to leave."})
final class ShellCommand extends BaseCommand {
    /** How long completion waits for the cluster, at most: a Tab must not hang for the full --timeout. */
    static final Duration LOOKUP_TIMEOUT = Duration.ofSeconds(2);
    /** How long fetched names are reused. */
    static final long NAMES_TTL_NS = TimeUnit.SECONDS.toNanos(30);

    private static final ThreadLocal<Boolean> INSIDE = ThreadLocal.withInitial(() -> false);

    /** Where the history lives: beside the profiles file ($SLUICE_CONFIG, $XDG_CONFIG_HOME/sluice or ~/.config/sluice). */
    static Path historyFile() {
        return Profiles.location().toAbsolutePath().getParent().resolve("history");
    }

    @Override
    public Integer call() throws IOException {
        if (INSIDE.get()) {
            throw new OpsException(OpsException.Kind.USAGE, "already in sluice shell");
        }
        GlobalOptions g = globals();
        ClusterNames names = new ClusterNames(new ClusterSource(g), System::nanoTime, NAMES_TTL_NS);
        INSIDE.set(true);
        // dumb(true): on a pipe jline falls back to a dumb terminal without warning about it.
        try (Terminal terminal = TerminalBuilder.builder().system(true).dumb(true).build()) {
            Shell shell = new Shell(terminal, historyFile(), SluiceCommand::commandLine, g.asArgs(), names,
                    spec.commandLine().getErr(), System.console() != null);
            return shell.run();
        } finally {
            INSIDE.remove();
        }
    }

    /** Names from the cluster the shell's global options point at, with a short timeout. */
    record ClusterSource(GlobalOptions globals) implements ClusterNames.Source {
        @Override
        public List<String> topics() {
            try (ClusterConnection c = connect()) {
                return Topics.list(c, null, false).stream().map(Topics.TopicSummary::name).toList();
            }
        }

        @Override
        public List<String> groups() {
            try (ClusterConnection c = connect()) {
                return Groups.names(c);
            }
        }

        private ClusterConnection connect() {
            Duration timeout = Duration.ofSeconds(Math.min(LOOKUP_TIMEOUT.toSeconds(), globals.timeoutSeconds));
            return new ClusterConnection(globals.bootstrap(), globals.properties(), timeout);
        }
    }
}
