package io.sluice.ctl;

import io.sluice.ops.ClusterConnection;
import io.sluice.ops.Topics;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** {@code sluice topic ...}: create, list, describe, delete. */
@Command(name = "topic", description = "Create, list, describe, alter and delete topics; show their offsets.",
        subcommands = {TopicCommands.Create.class, TopicCommands.ListTopics.class, TopicCommands.Describe.class, TopicCommands.Delete.class,
                TopicCommands.AddPartitions.class, TopicCommands.AlterConfig.class, TopicCommands.Offsets.class})
final class TopicCommands {

    @Command(name = "create", footerHeading = Output.JSON_HEADING,
        footer = "{\"topic\", \"status\"}; status is created, exists (with --if-not-exists) or valid (with --dry-run).",
        description = "Create a topic.")
    static final class Create extends BaseCommand {
        @Parameters(paramLabel = "TOPIC", description = "Topic name")
        String topic;

        @Option(names = {"-p", "--partitions"}, description = "Partitions (default: the broker's num.partitions)")
        Integer partitions;

        @Option(names = {"-r", "--replicas"}, description = "Replication factor (default: the broker's default)")
        Short replicas;

        @Option(names = {"-c", "--config"}, paramLabel = "KEY=VALUE", description = "Topic config; repeatable")
        Map<String, String> configs = new LinkedHashMap<>();

        @Option(names = "--if-not-exists", description = "Succeed if the topic already exists")
        boolean ifNotExists;

        @Option(names = "--dry-run", description = "Validate on the broker without creating")
        boolean dryRun;

        @Override
        public Integer call() {
            requireKeys(spec, "--config", configs);
            try (ClusterConnection c = globals().connect()) {
                boolean created = Topics.create(c, topic, Optional.ofNullable(partitions), Optional.ofNullable(replicas), configs, ifNotExists, dryRun);
                Output out = output();
                String status = dryRun ? "valid" : created ? "created" : "exists";
                if (out.structured()) {
                    out.object(Map.of("topic", topic, "status", status));
                } else {
                    out.line("topic " + topic + " " + status);
                }
                return ExitCodes.OK;
            }
        }
    }

    @Command(name = "list", footerHeading = Output.JSON_HEADING,
        footer = "An array of {\"name\", \"partitions\", \"replicationFactor\", \"internal\"}.",
        aliases = "ls", description = "List topics, optionally those matching a glob (orders-*).")
    static final class ListTopics extends BaseCommand {
        @Parameters(paramLabel = "GLOB", arity = "0..1", description = "Only topics matching this glob")
        String glob;

        @Option(names = {"-i", "--internal"}, description = "Include internal topics (__consumer_offsets)")
        boolean internal;

        @Override
        public Integer call() {
            try (ClusterConnection c = globals().connect()) {
                List<Topics.TopicSummary> topics = Topics.list(c, glob, internal);
                Output out = output();
                if (out.structured()) {
                    out.object(topics);
                } else {
                    List<List<String>> rows = new ArrayList<>();
                    topics.forEach(t -> rows.add(List.of(t.name(), String.valueOf(t.partitions()), String.valueOf(t.replicationFactor()))));
                    out.table(List.of("NAME", "PARTITIONS", "REPLICAS"), rows);
                }
                return ExitCodes.OK;
            }
        }
    }

    @Command(name = "describe", footerHeading = Output.JSON_HEADING,
        footer = "{\"name\", \"topicId\", \"internal\", \"partitions\": [{\"partition\", \"leader\", \"replicas\", "
                + "\"isr\", \"logStartOffset\", \"logEndOffset\", \"sizeBytes\"}], \"configs\": [{\"name\", \"value\", "
                + "\"source\"}]}. The table shows configs that are not defaults (all with -o wide).",
        description = "Show a topic's partitions (leader, replicas, ISR, offsets, size) and configs.")
    static final class Describe extends BaseCommand {
        @Parameters(paramLabel = "TOPIC")
        String topic;

        @Override
        public Integer call() {
            try (ClusterConnection c = globals().connect()) {
                Topics.TopicDetail d = Topics.describe(c, topic);
                Output out = output();
                if (out.structured()) {
                    out.object(d);
                    return ExitCodes.OK;
                }
                out.line("NAME      " + d.name());
                out.line("ID        " + d.topicId());
                out.line("INTERNAL  " + d.internal());
                out.line("");
                List<List<String>> rows = new ArrayList<>();
                for (Topics.PartitionDetail p : d.partitions()) {
                    rows.add(List.of(String.valueOf(p.partition()), String.valueOf(p.leader()), ids(p.replicas()), ids(p.isr()),
                            String.valueOf(p.logStartOffset()), String.valueOf(p.logEndOffset()), String.valueOf(p.sizeBytes())));
                }
                out.table(List.of("PARTITION", "LEADER", "REPLICAS", "ISR", "LOG-START", "LOG-END", "SIZE"), rows);
                out.line("");
                List<List<String>> cfg = new ArrayList<>();
                boolean wide = globals().format == Output.Format.wide;
                d.configs().stream().filter(v -> wide || !v.source().equals("DEFAULT_CONFIG"))
                        .forEach(v -> cfg.add(List.of(v.name(), String.valueOf(v.value()), v.source())));
                out.table(List.of("CONFIG", "VALUE", "SOURCE"), cfg);
                return ExitCodes.OK;
            }
        }

        private static String ids(List<Integer> ids) {
            return ids.toString().replace(" ", "");
        }
    }

    @Command(name = "delete", footerHeading = Output.JSON_HEADING,
        footer = "{\"deleted\": [TOPIC...], \"topics\": [{\"topic\", \"partitions\", \"replicationFactor\", \"records\"}], "
                + "\"executed\"}; deleted is empty without --execute.",
        description = {"Delete topics. Prints what would go (partitions, records); deletes only with --execute.",
                "There is no rollback file: a deleted topic's records cannot come back."})
    static final class Delete extends BaseCommand {
        @Parameters(paramLabel = "TOPIC", arity = "1..*")
        List<String> topics;

        @picocli.CommandLine.Mixin
        ExecuteOptions execution = new ExecuteOptions();

        @Override
        public Integer call() {
            boolean execute = execution.apply(spec);
            try (ClusterConnection c = globals().connect()) {
                List<Topics.TopicDeletion> plan = Topics.deletePlan(c, topics);
                if (execute) {
                    Topics.delete(c, topics);
                }
                Output out = output();
                if (out.structured()) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("deleted", execute ? topics : List.of());
                    m.put("topics", plan);
                    m.put("executed", execute);
                    out.object(m);
                } else if (execute) {
                    topics.forEach(t -> out.line("topic " + t + " deleted"));
                } else {
                    List<List<String>> rows = new ArrayList<>();
                    plan.forEach(d -> rows.add(List.of(d.topic(), String.valueOf(d.partitions()), String.valueOf(d.replicationFactor()),
                            String.valueOf(d.records()))));
                    out.table(List.of("TOPIC", "PARTITIONS", "REPLICAS", "RECORDS"), rows);
                    if (out.headers()) {
                        out.line("dry run: nothing changed; --execute deletes these topics and their records for good");
                    }
                }
                return ExitCodes.OK;
            }
        }
    }

    @Command(name = "add-partitions", footerHeading = Output.JSON_HEADING,
        footer = "{\"topic\", \"partitions\"}",
        description = "Raise a topic's partition count.")
    static final class AddPartitions extends BaseCommand {
        @Parameters(paramLabel = "TOPIC")
        String topic;

        @Option(names = {"-p", "--partitions"}, required = true, description = "New total number of partitions")
        int partitions;

        @Override
        public Integer call() {
            try (ClusterConnection c = globals().connect()) {
                Topics.addPartitions(c, topic, partitions);
                Output out = output();
                if (out.structured()) {
                    out.object(Map.of("topic", topic, "partitions", partitions));
                } else {
                    out.line("topic " + topic + " now has " + partitions + " partitions");
                }
                return ExitCodes.OK;
            }
        }
    }

    @Command(name = "alter-config", footerHeading = Output.JSON_HEADING,
        footer = "{\"topic\", \"set\": {KEY: VALUE}, \"deleted\": [KEY...], \"changes\": [{\"name\", \"current\", \"source\", "
                + "\"next\"}], \"executed\", \"rollbackFile\"}",
        description = {"Set or remove topic configs (validated by the broker; all or nothing). Prints the plan; changes "
                + "nothing without --execute.",
                "--execute first writes the values it replaces to a rollback file; 'sluice config set --from-file FILE "
                        + "--execute' (or this command with --from-file) puts them back."})
    static final class AlterConfig extends BaseCommand {
        @Parameters(paramLabel = "TOPIC", arity = "0..1")
        String topic;

        @Option(names = {"-s", "--set"}, paramLabel = "KEY=VALUE", description = "Config to set; repeatable")
        Map<String, String> set = new LinkedHashMap<>();

        @Option(names = {"-d", "--delete"}, paramLabel = "KEY", description = "Config to reset to its default; repeatable")
        List<String> delete = new ArrayList<>();

        @Option(names = "--from-file", paramLabel = "FILE", description = "Apply a rollback file of a config change instead")
        java.nio.file.Path fromFile;

        @picocli.CommandLine.Mixin
        ExecuteOptions execution = new ExecuteOptions();

        @Override
        public Integer call() {
            boolean execute = execution.apply(spec);
            requireKeys(spec, "--set", set);
            io.sluice.ops.Configs.Undo file = ConfigChangeRun.fromFile(fromFile, topic == null ? null : "topic:" + topic);
            if (file != null) {
                if (!set.isEmpty() || !delete.isEmpty()) {
                    throw new picocli.CommandLine.ParameterException(spec.commandLine(), "give --set/--delete or --from-file, not both");
                }
                if (!file.resource().startsWith("topic:")) {
                    throw new io.sluice.ops.OpsException(io.sluice.ops.OpsException.Kind.USAGE, fromFile + " changes " + file.resource()
                            + ", not a topic (use sluice config set --from-file)");
                }
                String t = file.resource().substring("topic:".length());
                return ConfigChangeRun.run(this, file.resource(), file.set(), file.delete(), execute,
                        ConfigChangeRun.fields("topic", t, "set", file.set(), "deleted", file.delete()));
            }
            if (topic == null) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), "give TOPIC (or --from-file FILE)");
            }
            return ConfigChangeRun.run(this, "topic:" + topic, set, delete, execute, ConfigChangeRun.fields("topic", topic, "set", set, "deleted", delete));
        }
    }

    @Command(name = "offsets", footerHeading = Output.JSON_HEADING,
        footer = "An array of {\"partition\", \"earliest\", \"latest\", \"atTimestamp\"}; atTimestamp is null without "
                + "--at and -1 when no record is that new.",
        description = "Earliest and latest offset per partition, and optionally the offset for a timestamp.")
    static final class Offsets extends BaseCommand {
        @Parameters(paramLabel = "TOPIC")
        String topic;

        @Option(names = "--at", paramLabel = "TIMESTAMP_MS", description = "Also show the first offset at or after this time")
        Long at;

        @Override
        public Integer call() {
            try (ClusterConnection c = globals().connect()) {
                List<Topics.PartitionOffsets> offsets = Topics.offsets(c, topic, at);
                Output out = output();
                if (out.structured()) {
                    out.object(offsets);
                    return ExitCodes.OK;
                }
                List<List<String>> rows = new ArrayList<>();
                for (Topics.PartitionOffsets o : offsets) {
                    List<String> row = new ArrayList<>(List.of(String.valueOf(o.partition()), String.valueOf(o.earliest()), String.valueOf(o.latest())));
                    if (at != null) {
                        row.add(String.valueOf(o.atTimestamp()));
                    }
                    rows.add(row);
                }
                out.table(at == null ? List.of("PARTITION", "EARLIEST", "LATEST") : List.of("PARTITION", "EARLIEST", "LATEST", "AT"), rows);
                return ExitCodes.OK;
            }
        }
    }

    /** KEY=VALUE options: picocli splits at '=', so "=5" arrives as an empty key; refuse it here, not at the broker. */
    static void requireKeys(picocli.CommandLine.Model.CommandSpec spec, String option, Map<String, String> values) {
        for (Map.Entry<String, String> e : values.entrySet()) {
            if (e.getKey().isBlank()) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                        option + " '" + e.getKey() + "=" + e.getValue() + "': expected KEY=VALUE with a config name as KEY");
            }
        }
    }

    private TopicCommands() {
    }
}
