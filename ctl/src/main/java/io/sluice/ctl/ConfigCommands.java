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
        footer = "{\"resource\", \"set\": {KEY: VALUE}}",
        description = {"Set configs (validated by the broker; all or nothing).",
                "brokerd's broker configs are static: edit brokerd.yaml and restart."})
    static final class Set extends BaseCommand {
        @Parameters(index = "0", paramLabel = "RESOURCE")
        String resource;

        @Parameters(index = "1..*", arity = "1..*", paramLabel = "KEY=VALUE")
        List<String> assignments;

        @Override
        public Integer call() {
            ConfigResource res = Configs.resource(resource);
            Map<String, String> set = new LinkedHashMap<>();
            for (String a : assignments) {
                int eq = a.indexOf('=');
                if (eq <= 0) {
                    throw new picocli.CommandLine.ParameterException(spec.commandLine(), "expected KEY=VALUE, got '" + a + "'");
                }
                set.put(a.substring(0, eq), a.substring(eq + 1));
            }
            try (ClusterConnection c = globals().connect()) {
                Configs.alter(c, res, set, List.of());
                Output out = output();
                if (out.structured()) {
                    out.object(Map.of("resource", resource, "set", set));
                } else {
                    set.forEach((k, v) -> out.line(resource + ": " + k + " = " + v));
                }
                return ExitCodes.OK;
            }
        }
    }

    @Command(name = "delete", footerHeading = Output.JSON_HEADING,
        footer = "{\"resource\", \"deleted\": [KEY...]}",
        description = "Remove config overrides (back to the default).")
    static final class Delete extends BaseCommand {
        @Parameters(index = "0", paramLabel = "RESOURCE")
        String resource;

        @Parameters(index = "1..*", arity = "1..*", paramLabel = "KEY")
        List<String> keys;

        @Override
        public Integer call() {
            ConfigResource res = Configs.resource(resource);
            try (ClusterConnection c = globals().connect()) {
                Configs.alter(c, res, Map.of(), keys);
                Output out = output();
                if (out.structured()) {
                    out.object(Map.of("resource", resource, "deleted", keys));
                } else {
                    keys.forEach(k -> out.line(resource + ": " + k + " reset to default"));
                }
                return ExitCodes.OK;
            }
        }
    }

    private ConfigCommands() {
    }
}
