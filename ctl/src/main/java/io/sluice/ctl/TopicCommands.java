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
@Command(name = "topic", description = "Create, list, describe and delete topics.",
        subcommands = {TopicCommands.Create.class, TopicCommands.ListTopics.class, TopicCommands.Describe.class, TopicCommands.Delete.class})
final class TopicCommands {

    @Command(name = "create", description = "Create a topic.")
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

    @Command(name = "list", aliases = "ls", description = "List topics, optionally those matching a glob (orders-*).")
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

    @Command(name = "describe", description = "Show a topic's partitions (leader, replicas, ISR, offsets, size) and configs.")
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

    @Command(name = "delete", description = "Delete topics.")
    static final class Delete extends BaseCommand {
        @Parameters(paramLabel = "TOPIC", arity = "1..*")
        List<String> topics;

        @Override
        public Integer call() {
            try (ClusterConnection c = globals().connect()) {
                Topics.delete(c, topics);
                Output out = output();
                if (out.structured()) {
                    out.object(Map.of("deleted", topics));
                } else {
                    topics.forEach(t -> out.line("topic " + t + " deleted"));
                }
                return ExitCodes.OK;
            }
        }
    }

    private TopicCommands() {
    }
}
