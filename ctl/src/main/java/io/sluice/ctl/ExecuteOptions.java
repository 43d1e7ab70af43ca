package io.sluice.ctl;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/** --execute / --dry-run of the commands that change something an operator may regret: the plan shows by default. */
final class ExecuteOptions {
    @Option(names = "--execute", description = "Apply the plan (default: only show it)")
    boolean execute;

    @Option(names = "--dry-run", description = "Only show the plan, change nothing (the default)")
    boolean dryRun;

    /** Whether to apply; a usage error when both were given. */
    boolean apply(CommandSpec spec) {
        if (execute && dryRun) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--execute and --dry-run exclude each other");
        }
        return execute;
    }
}
