package io.sluice.ctl;

import io.sluice.ops.ClusterConnection;
import io.sluice.ops.Configs;
import org.apache.kafka.common.config.ConfigResource;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code sluice config get|set|delete topic:NAME|broker:ID ...}. */
@Command(name = "config", description = "Read and change topic and broker configs (RESOURCE is topic:NAME or broker:ID).",
        subcommands = {ConfigCommands.Get.class, ConfigCommands.Set.class, ConfigCommands.Delete.class})
final class ConfigCommands {

    @Command(name = "get", footerHeading = Output.JSON_HEADING,
        footer = "An array of {\"name\", \"value\", \"source\", \"readOnly\", \"sensitive\"}; value is null when "
                + "sensitive.",
        description = "Show configs with their source (DEFAULT_CONFIG, DYNAMIC_TOPIC_CONFIG, STATIC_BROKER_CONFIG, ...).")
    static final class Get extends BaseCommand {
        @Parameters(index = "0", paramLabel = "RESOURCE")
        String resource;

        @Parameters(index = "1..*", paramLabel = "KEY", description = "Only these keys")
        List<String> keys = new ArrayList<>();

        @Override
        public Integer call() {
            ConfigResource res = Configs.resource(resource);
            try (ClusterConnection c = globals().connect()) {
                List<Configs.Entry> entries = Configs.get(c, res, keys);
                Output out = output();
                if (out.structured()) {
                    out.object(entries);
                } else {
                    List<List<String>> rows = new ArrayList<>();
                    entries.forEach(e -> rows.add(List.of(e.name(), e.sensitive() ? "(hidden)" : String.valueOf(e.value()), e.source(),
                            e.readOnly() ? "read-only" : "")));
                    out.table(List.of("NAME", "VALUE", "SOURCE", ""), rows);
                }
                return ExitCodes.OK;
            }
        }
    }

    @Command(name = "set", footerHeading = Output.JSON_HEADING,
        footer = "{\"resource\", \"set\": {KEY: VALUE}, \"changes\": [{\"name\", \"current\", \"source\", \"next\"}], "
                + "\"executed\", \"rollbackFile\"}; next is null for a key going back to its default.",
        description = {"Set configs (validated by the broker; all or nothing). Prints the plan: each key's value and source "
                + "now and its new value; changes nothing without --execute.",
                "--execute first writes the values it replaces to a rollback file (JSON, in $XDG_STATE_HOME/sluice/rollback "
                        + "or ~/.local/state/sluice/rollback, or $SLUICE_ROLLBACK_DIR) and prints its path; "
                        + "'sluice config set --from-file FILE --execute' applies such a file (and so undoes the change).",
                "brokerd's broker configs are static (edit brokerd.yaml and restart), except the replication throttle rates."})
    static final class Set extends BaseCommand {
        @Parameters(index = "0", arity = "0..1", paramLabel = "RESOURCE")
        String resource;

        @Parameters(index = "1..*", arity = "0..*", paramLabel = "KEY=VALUE")
        List<String> assignments = new ArrayList<>();

        @picocli.CommandLine.Option(names = "--from-file", paramLabel = "FILE",
                description = "Apply a rollback file of config set/delete or topic alter-config instead of KEY=VALUE")
        java.nio.file.Path fromFile;

        @picocli.CommandLine.Mixin
        ExecuteOptions execution = new ExecuteOptions();

        @Override
        public Integer call() {
            boolean execute = execution.apply(spec);
            Configs.Undo file = ConfigChangeRun.fromFile(fromFile, resource);
            if (file != null) {
                if (!assignments.isEmpty()) {
                    throw new picocli.CommandLine.ParameterException(spec.commandLine(), "give KEY=VALUE or --from-file, not both");
                }
                return ConfigChangeRun.run(this, file.resource(), file.set(), file.delete(), execute,
                        ConfigChangeRun.fields("resource", file.resource(), "set", file.set(), "deleted", file.delete()));
            }
            if (resource == null || assignments.isEmpty()) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), "give RESOURCE KEY=VALUE... (or --from-file FILE)");
            }
            Configs.resource(resource);
            Map<String, String> set = new LinkedHashMap<>();
            for (String a : assignments) {
                int eq = a.indexOf('=');
                if (eq <= 0) {
                    throw new picocli.CommandLine.ParameterException(spec.commandLine(), "expected KEY=VALUE, got '" + a + "'");
                }
                set.put(a.substring(0, eq), a.substring(eq + 1));
            }
            return ConfigChangeRun.run(this, resource, set, List.of(), execute, ConfigChangeRun.fields("resource", resource, "set", set));
        }
    }

    @Command(name = "delete", footerHeading = Output.JSON_HEADING,
        footer = "{\"resource\", \"deleted\": [KEY...], \"changes\": [{\"name\", \"current\", \"source\", \"next\"}], "
                + "\"executed\", \"rollbackFile\"}",
        description = {"Remove config overrides (back to the default). Prints the plan; changes nothing without --execute.",
                "--execute first writes the values it removes to a rollback file; 'sluice config set --from-file FILE --execute' "
                        + "puts them back."})
    static final class Delete extends BaseCommand {
        @Parameters(index = "0", paramLabel = "RESOURCE")
        String resource;

        @Parameters(index = "1..*", arity = "1..*", paramLabel = "KEY")
        List<String> keys;

        @picocli.CommandLine.Mixin
        ExecuteOptions execution = new ExecuteOptions();

        @Override
        public Integer call() {
            boolean execute = execution.apply(spec);
            Configs.resource(resource);
            return ConfigChangeRun.run(this, resource, Map.of(), keys, execute, ConfigChangeRun.fields("resource", resource, "deleted", keys));
        }
    }

    private ConfigCommands() {
    }
}
