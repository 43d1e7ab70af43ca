package io.sluice.ctl;

import io.sluice.ops.ClusterConnection;
import io.sluice.ops.Groups;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.List;

/** {@code sluice group ...}: list, describe and check consumer groups with their lag and lag status. */
@Command(name = "group", description = "List consumer groups and show their members, offsets, lag and lag status.",
        subcommands = {GroupCommands.ListGroups.class, GroupCommands.Describe.class, GroupCommands.Check.class, GroupCommands.Seek.class,
                GroupCommands.Delete.class, GroupCommands.DeleteOffsets.class})
final class GroupCommands {

    /** The lag statuses and their rules, for the descriptions of list, describe and check (and so their man pages). */
    static final String STATUS_RULES = "The lag status of a partition is judged from its committed offset over --window (the rules of "
            + "Burrow): OK caught up at some look, or moving and gaining; WARN moving but the lag grew over the whole window; "
            + "STALL a live member owns the partition but its committed offset did not move, with lag at every look; STOP the "
            + "same with no member owning it (nobody consumes); REWIND the committed offset went backwards; ERR the committed "
            + "offset is below the log start (records deleted before the group read them); UNKNOWN nothing to judge (nothing "
            + "committed, partition offline, or a lagging partition seen once). A group has its worst partition's status "
            + "(ERR, STOP, STALL, REWIND, WARN, UNKNOWN, then OK): it is OK only when every partition is. The command looks --samples times over --window, so it "
            + "takes that long; it keeps no history between runs, so each run judges on its own, the same from cron as by hand.";

    static String status(io.sluice.ops.LagEvaluator.Status s) {
        return s.name();
    }

    @Command(name = "list", footerHeading = Output.JSON_HEADING,
        footer = "An array of {\"group\", \"state\", \"type\" (Classic or Consumer), \"protocolType\" (e.g. consumer), "
                + "\"status\" (OK, WARN, STALL, STOP, REWIND, ERR or UNKNOWN), \"totalLag\" (-1 unknown)}.",
        aliases = "ls", description = {"List consumer groups with their state, lag status and total lag.", STATUS_RULES})
    static final class ListGroups extends BaseCommand {
        @Mixin
        LagWindowOptions window = new LagWindowOptions();

        @Override
        public Integer call() {
            io.sluice.ops.LagSampler.Plan plan = window.plan();
            List<Groups.GroupSummary> groups;
            try (ClusterConnection c = globals().connect(); Progress progress = progress()) {
                groups = Groups.list(c, plan, io.sluice.ops.LagSampler.SYSTEM, s -> progress.show("group list: " + s));
            }
            Output out = output();
            if (out.structured()) {
                out.object(groups);
            } else {
                List<List<String>> rows = new ArrayList<>();
                groups.forEach(g -> rows.add(List.of(g.group(), g.state(), status(g.status()), g.totalLag() < 0 ? "-" : String.valueOf(g.totalLag()),
                        g.type(), g.protocolType() == null ? "" : g.protocolType())));
                out.table(List.of("GROUP", "STATE", "STATUS", "LAG", "TYPE", "PROTOCOL"), rows);
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "describe", footerHeading = Output.JSON_HEADING,
        footer = "{\"group\", \"state\", \"coordinator\", \"members\": [{\"memberId\", \"clientId\", \"host\", "
                + "\"assignment\"}], \"partitions\": [{\"topic\", \"partition\", \"committed\", \"end\", \"lag\", "
                + "\"memberId\", \"status\"}], \"totalLag\", \"status\"}; lag is the end offset minus the committed offset, "
                + "-1 when nothing is committed; offsets and lag are those of the last look.",
        description = {"Show a group's state, members, lag status and per-partition committed offset, end offset, lag and status.",
            STATUS_RULES})
    static final class Describe extends BaseCommand {
        @Parameters(paramLabel = "GROUP")
        String group;

        @Mixin
        LagWindowOptions window = new LagWindowOptions();

        @Override
        public Integer call() {
            io.sluice.ops.LagSampler.Plan plan = window.plan();
            Groups.GroupDetail d;
            try (ClusterConnection c = globals().connect(); Progress progress = progress()) {
                d = Groups.describe(c, group, plan, io.sluice.ops.LagSampler.SYSTEM, s -> progress.show("group describe " + group + ": " + s));
            }
            Output out = output();
            if (out.structured()) {
                out.object(d);
                return ExitCodes.OK;
            }
            out.line("GROUP        " + d.group());
            out.line("STATE        " + d.state());
            out.line("STATUS       " + status(d.status()));
            out.line("COORDINATOR  " + d.coordinator());
            out.line("MEMBERS      " + d.members().size());
            out.line("TOTAL-LAG    " + d.totalLag());
            out.line("");
            List<List<String>> rows = new ArrayList<>();
            for (Groups.PartitionLag p : d.partitions()) {
                rows.add(List.of(p.topic(), String.valueOf(p.partition()), p.committed() < 0 ? "-" : String.valueOf(p.committed()),
                        String.valueOf(p.end()), p.lag() < 0 ? "-" : String.valueOf(p.lag()), status(p.status()),
                        p.memberId().isEmpty() ? "-" : p.memberId()));
            }
            out.table(List.of("TOPIC", "PARTITION", "COMMITTED", "END", "LAG", "STATUS", "MEMBER"), rows);
            return ExitCodes.OK;
        }
    }

    @Command(name = "check", footerHeading = Output.JSON_HEADING,
        footer = "An array of {\"group\", \"state\" (null: no such group), \"status\", \"totalLag\", \"maxTimeLagMs\" "
                + "(-1: not measured), \"healthy\", \"reasons\": [\"...\"], \"problems\": [{\"topic\", \"partition\", "
                + "\"committed\", \"end\", \"lag\", \"memberId\", \"status\"}]}; problems are the partitions whose status "
                + "is not OK.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:every group's status is OK and it is within the thresholds",
            "1:error (e.g. the cluster cannot be reached)", "2:usage (bad flag or value)",
            "4:a group is not OK, over a threshold, or does not exist"},
        description = {"Check groups for cron and alerting. Exits 4 when a group's lag status is not OK, its total lag is over "
                + "--max-lag or the oldest record it has yet to read is older than --max-lag-seconds.", STATUS_RULES})
    static final class Check extends BaseCommand {
        @Parameters(paramLabel = "GROUP", arity = "1..*", description = "Groups to check")
        List<String> groups;

        @Mixin
        LagWindowOptions window = new LagWindowOptions();

        @picocli.CommandLine.Option(names = "--max-lag", paramLabel = "N",
                description = "Also unhealthy when the group's total lag (records, over all its partitions) is above N")
        Long maxLag;

        @picocli.CommandLine.Option(names = "--max-lag-seconds", paramLabel = "S",
                description = "Also unhealthy when the next record the group would read in some partition was written more than S seconds ago")
        Long maxLagSeconds;

        @Override
        public Integer call() {
            io.sluice.ops.LagSampler.Plan plan = window.plan();
            if (plan.windowMs() == 0) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                        "--window 0 cannot tell a stalled group from a busy one: give check a window of a few commit intervals (default 10s)");
            }
            if ((maxLag != null && maxLag < 0) || (maxLagSeconds != null && maxLagSeconds < 0)) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--max-lag and --max-lag-seconds must not be negative");
            }
            List<Groups.CheckResult> results;
            GlobalOptions g = globals();
            try (ClusterConnection c = g.connect(); Progress progress = progress();
                 io.sluice.ops.RecordProbe probe = new io.sluice.ops.RecordProbe(g.bootstrap(), g.properties())) {
                results = Groups.check(c, groups, plan, maxLag == null ? -1 : maxLag, maxLagSeconds == null ? -1 : maxLagSeconds * 1000,
                        probe, io.sluice.ops.LagSampler.SYSTEM, s -> progress.show("group check: " + s));
            }
            Output out = output();
            if (out.structured()) {
                out.object(results);
            } else {
                List<List<String>> rows = new ArrayList<>();
                for (Groups.CheckResult r : results) {
                    rows.add(List.of(r.group(), r.state() == null ? "-" : r.state(), status(r.status()),
                            r.totalLag() < 0 ? "-" : String.valueOf(r.totalLag()),
                            r.maxTimeLagMs() < 0 ? "-" : r.maxTimeLagMs() / 1000 + "s",
                            r.healthy() ? "ok" : String.join("; ", r.reasons())));
                }
                out.table(List.of("GROUP", "STATE", "STATUS", "LAG", "TIME-LAG", "RESULT"), rows);
            }
            return results.stream().allMatch(Groups.CheckResult::healthy) ? ExitCodes.OK : ExitCodes.UNHEALTHY;
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
