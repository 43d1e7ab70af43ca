package io.sluice.ctl;

import io.sluice.ops.ClusterConnection;
import io.sluice.ops.OpsException;
import io.sluice.ops.Partitions;
import org.apache.kafka.common.TopicPartition;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.List;

/** {@code sluice partition list|elect-leader}. */
@Command(name = "partition", description = "Partitions across topics: placement, leaders, ISR, elections.",
        subcommands = {PartitionCommands.ListPartitions.class, PartitionCommands.ElectLeader.class})
final class PartitionCommands {

    @Command(name = "list", aliases = "ls", footerHeading = Output.JSON_HEADING,
            footer = "An array of {\"topic\", \"partition\", \"leader\" (-1: offline), \"replicas\", \"isr\", \"outOfSync\", "
                    + "\"preferredLeader\", \"underReplicated\", \"offline\"}.",
            description = "Every partition with its leader, replicas and ISR; out-of-sync replicas and offline partitions are marked.")
    static final class ListPartitions extends BaseCommand {
        @Parameters(paramLabel = "GLOB", arity = "0..1", description = "Only topics matching this glob")
        String glob;

        @Option(names = "--internal", description = "Include internal topics (__consumer_offsets)")
        boolean internal;

        @Option(names = "--problems", description = "Only partitions that are offline, under-replicated or not led by their preferred replica")
        boolean problems;

        @Override
        public Integer call() {
            try (ClusterConnection c = globals().connect()) {
                List<Partitions.PartitionRow> rows = Partitions.list(c, glob, internal, problems);
                Output out = output();
                if (out.structured()) {
                    out.object(rows);
                    return ExitCodes.OK;
                }
                List<List<String>> table = new ArrayList<>();
                for (Partitions.PartitionRow r : rows) {
                    String state = r.offline() ? "OFFLINE" : r.underReplicated() ? "UNDER-REPLICATED"
                            : r.preferredLeader() ? "ok" : "not preferred leader";
                    table.add(List.of(r.topic(), String.valueOf(r.partition()), r.leader() < 0 ? "-" : String.valueOf(r.leader()),
                            join(r.replicas()), join(r.isr()), r.outOfSync().isEmpty() ? "-" : join(r.outOfSync()), state));
                }
                out.table(List.of("TOPIC", "PARTITION", "LEADER", "REPLICAS", "ISR", "OUT-OF-SYNC", "STATE"), table);
                return ExitCodes.OK;
            }
        }
    }

    @Command(name = "elect-leader", footerHeading = Output.JSON_HEADING,
            footer = "An array of {\"topic\", \"partition\", \"error\" (null when the leader changed; \"not needed\" when it already led)}.",
            description = {"Move leadership back to the preferred (first) replica, or with --unclean give an offline partition "
                    + "any live replica as leader (records only the old ISR had are lost).",
                    "Without TOPIC:PARTITION arguments, every partition that needs an election."})
    static final class ElectLeader extends BaseCommand {
        @Parameters(paramLabel = "TOPIC:PARTITION", arity = "0..*", description = "Partitions to elect for, e.g. orders:3")
        List<String> partitions = new ArrayList<>();

        @Option(names = "--unclean", description = "Unclean election for offline partitions (may lose acknowledged records)")
        boolean unclean;

        @Override
        public Integer call() {
            List<TopicPartition> tps = new ArrayList<>();
            for (String p : partitions) {
                int colon = p.lastIndexOf(':');
                try {
                    tps.add(new TopicPartition(p.substring(0, colon), Integer.parseInt(p.substring(colon + 1))));
                } catch (RuntimeException e) {
                    throw new OpsException(OpsException.Kind.USAGE, "'" + p + "' is not TOPIC:PARTITION (e.g. orders:3)", e);
                }
            }
            try (ClusterConnection c = globals().connect()) {
                List<Partitions.ElectionResult> results = Partitions.electLeaders(c, unclean, tps);
                Output out = output();
                if (out.structured()) {
                    out.object(results);
                } else {
                    List<List<String>> table = new ArrayList<>();
                    results.forEach(r -> table.add(List.of(r.topic(), String.valueOf(r.partition()), r.error() == null ? "elected" : r.error())));
                    out.table(List.of("TOPIC", "PARTITION", "RESULT"), table);
                }
                boolean failed = results.stream().anyMatch(r -> r.error() != null && !r.error().equals("not needed"));
                return failed ? ExitCodes.ERROR : ExitCodes.OK;
            }
        }
    }

    private static String join(List<Integer> ids) {
        StringBuilder sb = new StringBuilder();
        ids.forEach(i -> sb.append(sb.isEmpty() ? "" : ",").append(i));
        return sb.toString();
    }

    private PartitionCommands() {
    }
}
