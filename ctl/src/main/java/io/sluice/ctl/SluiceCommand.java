package io.sluice.ctl;

import io.sluice.ops.OpsException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;

/**
 * {@code sluice}: the operator CLI. Commands so far: {@code cluster} (info, health), {@code topic} (create, list,
 * describe, delete) and {@code group} (list, describe, seek). Failures print one line on stderr (stack trace with -v) and exit with the codes of
 * {@link ExitCodes}.
 */
@Command(name = "sluice", mixinStandardHelpOptions = true, versionProvider = SluiceCommand.Version.class,
        description = {"Operate Kafka-compatible clusters (brokerd, Apache Kafka, Redpanda)."},
        subcommands = {ClusterCommands.class, BrokerCommands.class, TopicCommands.class, GroupCommands.class, ConfigCommands.class, RecordsCommands.class, LogCommands.class,
                ProduceCommand.class, ConsumeCommand.class, ProfileCommands.class, CompletionCommand.class,
                TopCommand.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:ok", "1:error (e.g. the cluster cannot be reached)", "2:usage (bad flag or value)",
                "3:not found (topic or group)", "4:unhealthy"})
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
            String v = SluiceCommand.class.getPackage().getImplementationVersion();
            return new String[]{"sluice " + (v == null ? "dev" : v)};
        }
    }

    /** The command line with sluice's error handling: one clear line, the documented exit code. */
    public static CommandLine commandLine() {
        SluiceCommand root = new SluiceCommand();
        CommandLine cmd = new CommandLine(root);
        cmd.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            commandLine.getErr().println("sluice: " + (ex instanceof OpsException ? ex.getMessage() : ex.toString()));
            if (root.globals.verbose) {
                ex.printStackTrace(commandLine.getErr());
            }
            commandLine.getErr().flush();
            return ex instanceof OpsException o ? ExitCodes.of(o.kind()) : ExitCodes.ERROR;
        });
        return cmd;
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }
}
