package io.sluice.ctl;

import io.sluice.ops.ClusterConnection;
import io.sluice.ops.Groups;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.List;

/** {@code sluice group ...}: list and describe consumer groups with their lag. */
@Command(name = "group", description = "List consumer groups and show their members, offsets and lag.",
        subcommands = {GroupCommands.ListGroups.class, GroupCommands.Describe.class, GroupCommands.Seek.class,
                GroupCommands.Delete.class, GroupCommands.DeleteOffsets.class})
final class GroupCommands {

    @Command(name = "list", footerHeading = Output.JSON_HEADING,
        footer = "An array of {\"group\", \"state\", \"type\" (Classic or Consumer), \"protocolType\" (e.g. consumer)}.",
        aliases = "ls", description = "List consumer groups and their state.")
    static final class ListGroups extends BaseCommand {
        @Override
        public Integer call() {
            try (ClusterConnection c = globals().connect()) {
                List<Groups.GroupSummary> groups = Groups.list(c);
                Output out = output();
                if (out.structured()) {
                    out.object(groups);
                } else {
                    List<List<String>> rows = new ArrayList<>();
                    groups.forEach(g -> rows.add(List.of(g.group(), g.state(), g.type(), g.protocolType() == null ? "" : g.protocolType())));
                    out.table(List.of("GROUP", "STATE", "TYPE", "PROTOCOL"), rows);
                }
                return ExitCodes.OK;
            }
        }
    }

    @Command(name = "describe", footerHeading = Output.JSON_HEADING,
        footer = "{\"group\", \"state\", \"coordinator\", \"members\": [{\"memberId\", \"clientId\", \"host\", "
                + "\"assignment\"}], \"partitions\": [{\"topic\", \"partition\", \"committed\", \"end\", \"lag\", "
                + "\"memberId\"}], \"totalLag\"}; lag is the end offset minus the committed offset, -1 when nothing is "
                + "committed.",
        description = "Show a group's state, members and per-partition committed offset, end offset and lag.")
    static final class Describe extends BaseCommand {
        @Parameters(paramLabel = "GROUP")
        String group;

        @Override
        public Integer call() {
            try (ClusterConnection c = globals().connect()) {
                Groups.GroupDetail d = Groups.describe(c, group);
                Output out = output();
                if (out.structured()) {
                    out.object(d);
                    return ExitCodes.OK;
                }
                out.line("GROUP        " + d.group());
                out.line("STATE        " + d.state());
                out.line("COORDINATOR  " + d.coordinator());
                out.line("MEMBERS      " + d.members().size());
                out.line("TOTAL-LAG    " + d.totalLag());
                out.line("");
                List<List<String>> rows = new ArrayList<>();
                for (Groups.PartitionLag p : d.partitions()) {
                    rows.add(List.of(p.topic(), String.valueOf(p.partition()), p.committed() < 0 ? "-" : String.valueOf(p.committed()),
                            String.valueOf(p.end()), p.lag() < 0 ? "-" : String.valueOf(p.lag()), p.memberId().isEmpty() ? "-" : p.memberId()));
                }
                out.table(List.of("TOPIC", "PARTITION", "COMMITTED", "END", "LAG", "MEMBER"), rows);
                return ExitCodes.OK;
            }
        }
    }

    @Command(name = "seek", footerHeading = Output.JSON_HEADING,
        footer = "{\"group\", \"to\", \"executed\", \"moves\": [{\"topic\", \"partition\", \"current\", \"target\", "
                + "\"delta\"}], \"rollbackFile\"}; current is -1 when nothing was committed; delta is the records skipped (+) or "
                + "re-read (-); rollbackFile is null without --execute.",
        description = {"Move a group's committed offsets. Prints the plan; changes nothing without --execute.",
            "Refused while the group has active members.",
            "--execute first writes the offsets it replaces to a rollback file (topic,partition,offset lines, in "
                    + "$XDG_STATE_HOME/sluice/rollback or ~/.local/state/sluice/rollback, or $SLUICE_ROLLBACK_DIR) and "
                    + "prints its path; 'sluice group seek GROUP --from-file FILE --execute' puts them back."})
    static final class Seek extends BaseCommand {
        @Parameters(paramLabel = "GROUP")
        String group;

        @picocli.CommandLine.Option(names = "--to", paramLabel = "WHERE",
                description = "start, end, OFFSET, +N (skip N), -N (re-read N) or a time: @EPOCH_MS, 2024-05-01T12:00:00Z, -1h")
        String to;

        @picocli.CommandLine.Option(names = {"--from-file", "--to-file"}, paramLabel = "FILE",
                description = "topic,partition,offset lines (a rollback file, or Kafka's --reset-offsets --from-file CSV)")
        java.nio.file.Path toFile;

        @picocli.CommandLine.Option(names = "--topics", split = ",", paramLabel = "TOPIC[,...]",
                description = "Topics to move (default: every topic the group has offsets for)")
        List<String> topics = new ArrayList<>();

        @picocli.CommandLine.Mixin
        ExecuteOptions execution = new ExecuteOptions();

        @Override
        public Integer call() {
            boolean execute = execution.apply(spec);
            if ((to == null) == (toFile == null)) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), "give exactly one of --to and --from-file");
            }
            io.sluice.ops.OffsetSeek.Plan plan;
            java.nio.file.Path rollback = null;
            try (ClusterConnection c = globals().connect(); Progress progress = progress()) {
                java.util.function.Consumer<String> step = s -> progress.show("seek " + group + ": " + s);
                plan = toFile != null ? io.sluice.ops.OffsetSeek.planFromFile(c, group, toFile, step)
                        : io.sluice.ops.OffsetSeek.plan(c, group, topics, to, step);
                if (execute) {
                    io.sluice.ops.OffsetSeek.Plan planned = plan;
                    String command = "sluice group seek " + group + (to != null ? " --to " + to : " --from-file " + toFile);
                    rollback = Rollbacks.write("group-seek", group, "csv", io.sluice.ops.OffsetSeek.undoCsv(planned, command));
                    plan = Rollbacks.applying(rollback, () -> io.sluice.ops.OffsetSeek.execute(c, planned, step));
                }
            }
            Output out = output();
            if (out.structured()) {
                java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
                m.put("group", plan.group());
                m.put("to", plan.to());
                m.put("executed", plan.executed());
                m.put("moves", plan.moves());
                m.put("rollbackFile", rollback == null ? null : rollback.toString());
                out.object(m);
                return ExitCodes.OK;
            }
            List<List<String>> rows = new ArrayList<>();
            for (io.sluice.ops.OffsetSeek.Move m : plan.moves()) {
                rows.add(List.of(m.topic(), String.valueOf(m.partition()), m.current() < 0 ? "-" : String.valueOf(m.current()),
                        String.valueOf(m.target()), (m.delta() > 0 ? "skip " : m.delta() < 0 ? "re-read " : "") + Math.abs(m.delta())));
            }
            out.table(List.of("TOPIC", "PARTITION", "CURRENT", "NEW", "RECORDS"), rows);
            out.line(plan.executed() ? "offsets of group " + group + " moved; undo: sluice group seek " + group + " --from-file "
                    + rollback + " --execute" : "dry run: nothing changed; add --execute to apply");
            return ExitCodes.OK;
        }
    }

    @Command(name = "delete", footerHeading = Output.JSON_HEADING,
        footer = "{\"deleted\": [GROUP...]}",
        description = "Delete groups without members, with their committed offsets.")
    static final class Delete extends BaseCommand {
        @Parameters(paramLabel = "GROUP", arity = "1..*")
        List<String> groups;

        @Override
        public Integer call() {
            try (ClusterConnection c = globals().connect()) {
                Groups.delete(c, groups);
                Output out = output();
                if (out.structured()) {
                    out.object(java.util.Map.of("deleted", groups));
                } else {
                    groups.forEach(g -> out.line("group " + g + " deleted"));
                }
                return ExitCodes.OK;
            }
        }
    }

    @Command(name = "delete-offsets", footerHeading = Output.JSON_HEADING,
        footer = "{\"group\", \"topic\", \"partitions\": [PARTITION...]}",
        description = "Delete a group's committed offsets for one topic (the group must not consume it).")
    static final class DeleteOffsets extends BaseCommand {
        @Parameters(index = "0", paramLabel = "GROUP")
        String group;

        @picocli.CommandLine.Option(names = "--topic", required = true)
        String topic;

        @Override
        public Integer call() {
            try (ClusterConnection c = globals().connect()) {
                List<org.apache.kafka.common.TopicPartition> deleted = Groups.deleteOffsets(c, group, topic);
                Output out = output();
                List<Integer> partitions = deleted.stream().map(org.apache.kafka.common.TopicPartition::partition).toList();
                if (out.structured()) {
                    out.object(java.util.Map.of("group", group, "topic", topic, "partitions", partitions));
                } else {
                    out.line("deleted offsets of group " + group + " for " + topic + " partitions " + partitions);
                }
                return ExitCodes.OK;
            }
        }
    }

    private GroupCommands() {
    }
}
