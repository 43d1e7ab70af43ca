package io.sluice.ctl;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

/**
 * {@code sluice}: the operator CLI. The command tree (topic, group, partition, config, produce, consume, cluster,
 * top) arrives with the CLI issue; until then the root command only answers --help and --version, and says so.
 */
@Command(name = "sluice", mixinStandardHelpOptions = true, versionProvider = SluiceCommand.Version.class,
        description = {"Operate Kafka-compatible clusters (brokerd, Apache Kafka, Redpanda).",
                "", "The topic, group, partition, config, produce/consume and cluster commands are not built yet."})
public final class SluiceCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return 0;
    }

    /** Reads the version from the jar manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = SluiceCommand.class.getPackage().getImplementationVersion();
            return new String[]{"sluice " + (v == null ? "dev" : v)};
        }
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new SluiceCommand()).execute(args));
    }
}
