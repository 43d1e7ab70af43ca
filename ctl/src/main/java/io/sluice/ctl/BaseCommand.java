package io.sluice.ctl;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/** Shared plumbing of leaf commands: the global options and an {@link Output} for the chosen format. */
abstract class BaseCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    GlobalOptions globals() {
        return ((SluiceCommand) spec.root().userObject()).globals;
    }

    Output output() {
        GlobalOptions g = globals();
        return new Output(spec.commandLine().getOut(), g.format, !g.noHeaders);
    }

    /** A progress line on this command's stderr, shown as --progress says. */
    Progress progress() {
        return Progress.of(spec.commandLine().getErr(), globals().progress, Progress::stderrIsTerminal);
    }
}
