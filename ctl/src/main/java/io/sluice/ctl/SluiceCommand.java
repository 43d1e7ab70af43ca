package io.sluice.ctl;

import io.sluice.ops.OpsException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/**
 * {@code sluice}: the operator CLI. Commands so far: {@code cluster} (info, health), {@code topic} (create, list,
 * describe, delete) and {@code group} (list, describe, seek). Failures print one line on stderr (stack trace with -v) and exit with the codes of
 * {@link ExitCodes}.
 */
@Command(name = "sluice", mixinStandardHelpOptions = true, scope = CommandLine.ScopeType.INHERIT, versionProvider = SluiceCommand.Version.class,
        description = {"Operate Kafka-compatible clusters (brokerd, Apache Kafka, Redpanda)."},
        subcommands = {ClusterCommands.class, BrokerCommands.class, TopicCommands.class, GroupCommands.class, ConfigCommands.class, RecordsCommands.class, LogCommands.class,
                ProduceCommand.class, ConsumeCommand.class, ProfileCommands.class, AclCommands.class, UserCommands.class, CompletionCommand.class,
                PartitionCommands.class, DoctorCommand.class, VersionCommand.class, ShellCommand.class, TopCommand.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:ok", "1:error (e.g. the cluster cannot be reached)", "2:usage (bad flag or value)",
                "3:not found (topic or group)", "4:unhealthy",
                "5:critical (doctor)",
                "6:denied (authentication failed, TLS handshake failed, or not allowed by the ACLs)"})
public final class SluiceCommand implements Callable<Integer> {
    @Mixin
    GlobalOptions globals = new GlobalOptions();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return ExitCodes.OK;
    }

    /** Reads the version from the jar manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[]{"sluice " + VersionCommand.cliVersion()};
        }
    }

    /** The command line with sluice's error handling: one clear line, the documented exit code. */
    public static CommandLine commandLine() {
        SluiceCommand root = new SluiceCommand();
        CommandLine cmd = new CommandLine(root);
        cmd.setExecutionExceptionHandler((ex0, commandLine, parseResult) -> {
            Exception ex = ex0 instanceof OpsException ? ex0 : denied(ex0, commandLine, root.globals);
            commandLine.getErr().println("sluice: " + (ex instanceof OpsException ? ex.getMessage() : ex.toString()));
            if (root.globals.verbose) {
                ex.printStackTrace(commandLine.getErr());
            }
            commandLine.getErr().flush();
            return ex instanceof OpsException o ? ExitCodes.of(o.kind()) : ExitCodes.ERROR;
        });
        cmd.setParameterExceptionHandler((ex, args) -> {
            PrintWriter err = ex.getCommandLine().getErr();
            err.println("sluice: " + ex.getMessage() + " (" + usageHint(ex) + ")");
            if (root.globals.verbose) {
                ex.printStackTrace(err);
            }
            err.flush();
            return ExitCodes.USAGE;
        });
        return cmd;
    }

    /**
     * A Kafka client's authentication, TLS or authorization failure that no ops call translated (a consumer's or
     * producer's own), in the same words; else {@code ex} itself.
     */
    private static Exception denied(Exception ex, CommandLine commandLine, GlobalOptions globals) {
        // Only settings already worked out: an error handler must not ask for a password.
        OpsException d = io.sluice.ops.SecurityErrors.translate(ex, commandLine.getCommandSpec().qualifiedName(),
                globals.propertiesIfResolved());
        return d != null ? d : ex;
    }

    /** "did you mean --from? see 'sluice consume --help'": the usage error's hint, on the same line as the error. */
    private static String usageHint(CommandLine.ParameterException ex) {
        String hint = "see '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help'";
        if (ex instanceof CommandLine.UnmatchedArgumentException u && !u.getSuggestions().isEmpty()) {
            return "did you mean " + String.join(" or ", u.getSuggestions()) + "? " + hint;
        }
        return hint;
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }
}
