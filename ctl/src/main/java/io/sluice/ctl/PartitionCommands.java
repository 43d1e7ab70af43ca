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

/** {@code sluice partition list|elect-leader|move|reassign-status|balance}. */
@Command(name = "partition", description = "Partitions across topics: placement, leaders, ISR, elections, reassignment.",
        subcommands = {PartitionCommands.ListPartitions.class, PartitionCommands.ElectLeader.class, PartitionCommands.Move.class,
                PartitionCommands.ReassignStatus.class, PartitionCommands.Balance.class})
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
                tps.add(parse(p));
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

    @Command(name = "move", footerHeading = Output.JSON_HEADING,
            footer = "An array of {\"topic\", \"partition\", \"error\" (null when the reassignment was accepted)}.",
            description = {"Move a partition to another set of brokers (the first leads). New replicas copy the log as followers; "
                    + "the old ones are removed once every new one is in sync. --cancel stops a move in progress."})
    static final class Move extends BaseCommand {
        @Parameters(paramLabel = "TOPIC:PARTITION", description = "The partition, e.g. orders:3")
        String partition;

        @Option(names = "--replicas", split = ",", paramLabel = "ID", description = "Target brokers, comma-separated, e.g. 3,1,2")
        List<Integer> replicas = new ArrayList<>();

        @Option(names = "--cancel", description = "Cancel the partition's reassignment in progress")
        boolean cancel;

        @Option(names = "--wait", description = "Wait until the move has completed (progress on a terminal)")
        boolean await;

        @Override
        public Integer call() {
            TopicPartition tp = parse(partition);
            if (cancel == !replicas.isEmpty()) {
                throw new OpsException(OpsException.Kind.USAGE, "give either --replicas ID,... or --cancel");
            }
            try (ClusterConnection c = globals().connect(); Progress progress = progress()) {
                String error = Partitions.reassign(c, java.util.Map.of(tp, cancel ? List.of() : replicas)).get(tp);
                if (error == null && await) {
                    awaitReassignments(c, progress, List.of(tp));
                }
                Output out = output();
                if (out.structured()) {
                    java.util.Map<String, Object> row = new java.util.LinkedHashMap<>();
                    row.put("topic", tp.topic());
                    row.put("partition", tp.partition());
                    row.put("error", error);
                    out.object(List.of(row));
                } else {
                    out.line(error == null ? (cancel ? "cancelled " : await ? "moved " : "moving ") + tp.topic() + ":" + tp.partition()
                            + (cancel ? "" : " to " + join(replicas)) : tp.topic() + ":" + tp.partition() + ": " + error);
                }
                return error == null ? ExitCodes.OK : ExitCodes.ERROR;
            }
        }
    }

    @Command(name = "reassign-status", footerHeading = Output.JSON_HEADING,
            footer = "An array of {\"topic\", \"partition\", \"replicas\", \"adding\", \"removing\"}; empty when nothing moves.",
            description = "Reassignments in progress: the full replica set and the replicas being added and removed.")
    static final class ReassignStatus extends BaseCommand {
        @Override
        public Integer call() {
            try (ClusterConnection c = globals().connect()) {
                List<Partitions.Reassignment> rows = Partitions.reassignments(c);
                Output out = output();
                if (out.structured()) {
                    out.object(rows);
                } else {
                    List<List<String>> table = new ArrayList<>();
                    rows.forEach(r -> table.add(List.of(r.topic(), String.valueOf(r.partition()), join(r.replicas()),
                            r.adding().isEmpty() ? "-" : join(r.adding()), r.removing().isEmpty() ? "-" : join(r.removing()))));
                    out.table(List.of("TOPIC", "PARTITION", "REPLICAS", "ADDING", "REMOVING"), table);
                }
                return ExitCodes.OK;
            }
        }
    }

    @Command(name = "balance", footerHeading = Output.JSON_HEADING,
            footer = "{\"moves\": [{\"topic\", \"partition\", \"from\", \"to\"}], \"executed\": true|false}.",
            description = {"Plan an even spread of replicas and preferred leaders over the live brokers with few moves, and "
                    + "show it. Nothing changes without --execute; with --wait it also waits for the moves and elects the "
                    + "preferred leaders."})
    static final class Balance extends BaseCommand {
        @Parameters(paramLabel = "GLOB", arity = "0..1", description = "Only topics matching this glob (default: all, internal ones included)")
        String glob;

        @Option(names = "--execute", description = "Start the planned moves")
        boolean execute;

        @Option(names = "--wait", description = "With --execute: wait for the moves, then elect the preferred leaders")
        boolean await;

        @Override
        public Integer call() {
            try (ClusterConnection c = globals().connect(); Progress progress = progress()) {
                List<io.sluice.ops.PartitionBalancer.Move> moves = Partitions.balancePlan(c, glob);
                boolean failed = false;
                if (execute && !moves.isEmpty()) {
                    java.util.Map<TopicPartition, List<Integer>> targets = new java.util.LinkedHashMap<>();
                    moves.forEach(m -> targets.put(new TopicPartition(m.topic(), m.partition()), m.to()));
                    java.util.Map<TopicPartition, String> errors = Partitions.reassign(c, targets);
                    failed = errors.values().stream().anyMatch(java.util.Objects::nonNull);
                    if (await && !failed) {
                        awaitReassignments(c, progress, new ArrayList<>(targets.keySet()));
                        Partitions.electLeaders(c, false, new ArrayList<>(targets.keySet()));
                    }
                }
                Output out = output();
                if (out.structured()) {
                    java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
                    m.put("moves", moves);
                    m.put("executed", execute);
                    out.object(m);
                } else {
                    List<List<String>> table = new ArrayList<>();
                    moves.forEach(m -> table.add(List.of(m.topic(), String.valueOf(m.partition()), join(m.from()), join(m.to()))));
                    out.table(List.of("TOPIC", "PARTITION", "FROM", "TO"), table);
                    if (out.headers()) {
                        out.line(moves.isEmpty() ? "balanced: nothing to move" : execute ? moves.size() + " moves started"
                                : moves.size() + " moves planned; run again with --execute to start them");
                    }
                }
                return failed ? ExitCodes.ERROR : ExitCodes.OK;
            }
        }
    }

    /** Polls until none of {@code partitions} is being reassigned, showing how many still move. */
    static void awaitReassignments(ClusterConnection c, Progress progress, List<TopicPartition> partitions) {
        long deadlineNs = System.nanoTime() + java.util.concurrent.TimeUnit.HOURS.toNanos(1);
        while (true) {
            long moving = Partitions.reassignments(c).stream()
                    .filter(r -> partitions.contains(new TopicPartition(r.topic(), r.partition()))).count();
            if (moving == 0) {
                progress.close();
                return;
            }
            progress.show(moving + " of " + partitions.size() + " partitions still moving");
            if (System.nanoTime() > deadlineNs) {
                throw new OpsException(OpsException.Kind.ERROR, moving + " partitions still moving after an hour; see sluice partition reassign-status");
            }
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new OpsException(OpsException.Kind.ERROR, "interrupted while waiting for reassignments", e);
            }
        }
    }

    static TopicPartition parse(String p) {
        int colon = p.lastIndexOf(':');
        try {
            return new TopicPartition(p.substring(0, colon), Integer.parseInt(p.substring(colon + 1)));
        } catch (RuntimeException e) {
            throw new OpsException(OpsException.Kind.USAGE, "'" + p + "' is not TOPIC:PARTITION (e.g. orders:3)", e);
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
