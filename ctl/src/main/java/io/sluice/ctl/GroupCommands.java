package io.sluice.ctl;

import io.sluice.ops.ClusterConnection;
import io.sluice.ops.Groups;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.List;

/** {@code sluice group ...}: list and describe consumer groups with their lag. */
@Command(name = "group", description = "List consumer groups and show their members, offsets and lag.",
        subcommands = {GroupCommands.ListGroups.class, GroupCommands.Describe.class})
final class GroupCommands {

    @Command(name = "list", aliases = "ls", description = "List consumer groups and their state.")
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
                    groups.forEach(g -> rows.add(List.of(g.group(), g.state(), g.protocolType())));
                    out.table(List.of("GROUP", "STATE", "TYPE"), rows);
                }
                return ExitCodes.OK;
            }
        }
    }

    @Command(name = "describe", description = "Show a group's state, members and per-partition committed offset, end offset and lag.")
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

    private GroupCommands() {
    }
}
