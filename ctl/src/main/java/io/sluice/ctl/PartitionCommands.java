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
            footer = "{\"moves\": [{\"topic\", \"partition\", \"from\", \"to\", \"adding\", \"removing\", \"bytesToCopy\", "
                    + "\"error\"}], \"cancel\", \"throttle\" (bytes/s or null), \"executed\", \"rollbackFile\"}; error is null when the "
                    + "cluster accepted the move (or without --execute).",
            description = {"Move partitions to other brokers (the first replica leads). New replicas copy the log as followers; "
                    + "the old ones are removed once every new one is in sync.",
                    "Prints the plan (replicas before and after, bytes to copy); starts nothing without --execute. --execute "
                            + "first writes the assignment it replaces to a rollback file (Kafka's reassignment JSON, in "
                            + "$XDG_STATE_HOME/sluice/rollback or ~/.local/state/sluice/rollback, or $SLUICE_ROLLBACK_DIR); "
                            + "'sluice partition move --from-file FILE --execute' moves the partitions back. --from-file also "
                            + "takes kafka-reassign-partitions.sh's files.",
                    "--throttle limits the copy (leader.replication.throttled.rate and follower.replication.throttled.rate on the "
                            + "brokers involved, the throttled replicas on the topics); sluice partition reassign-status removes "
                            + "the throttle once the moves are done (as kafka-reassign-partitions.sh --verify does), and so does "
                            + "--wait. --cancel stops a move in flight: the partition keeps its replicas from before it."})
    static final class Move extends BaseCommand {
        @Parameters(paramLabel = "TOPIC:PARTITION", arity = "0..1", description = "The partition, e.g. orders:3")
        String partition;

        @Option(names = "--replicas", split = ",", paramLabel = "ID", description = "Target brokers, comma-separated, e.g. 3,1,2")
        List<Integer> replicas = new ArrayList<>();

        @Option(names = "--from-file", paramLabel = "FILE", description = "Moves from a reassignment JSON file (a rollback file, "
                + "or kafka-reassign-partitions.sh's)")
        java.nio.file.Path fromFile;

        @Option(names = "--cancel", description = "Cancel the partition's move in flight")
        boolean cancel;

        @Option(names = "--throttle", paramLabel = "RATE", description = "Limit the replication of the move, e.g. 50MB/s, 20MiB/s "
                + "(a bare number is bytes/s)")
        String throttle;

        @Option(names = "--wait", description = "With --execute: wait until the moves have completed (bytes left and ETA on a terminal)")
        boolean await;

        @picocli.CommandLine.Mixin
        ExecuteOptions execution = new ExecuteOptions();

        @Override
        public Integer call() {
            boolean execute = execution.apply(spec);
            int ways = (fromFile != null ? 1 : 0) + (cancel ? 1 : 0) + (!replicas.isEmpty() ? 1 : 0);
            if (ways != 1 || (fromFile == null) != (partition != null)) {
                throw new OpsException(OpsException.Kind.USAGE, "give TOPIC:PARTITION --replicas ID,..., TOPIC:PARTITION --cancel, "
                        + "or --from-file FILE");
            }
            Long rate = throttle == null ? null : io.sluice.ops.ByteRate.parse("--throttle", throttle);
            if (cancel && rate != null) {
                throw new OpsException(OpsException.Kind.USAGE, "--throttle does not go with --cancel");
            }
            java.util.Map<TopicPartition, List<Integer>> targets = new java.util.LinkedHashMap<>();
            if (fromFile != null) {
                targets.putAll(io.sluice.ops.Reassignments.fromJson(Rollbacks.read(fromFile), fromFile.toString()));
            } else if (!cancel) {
                targets.put(parse(partition), replicas);
            }
            try (ClusterConnection c = globals().connect(); Progress progress = progress()) {
                List<io.sluice.ops.Reassignments.Move> moves = cancel
                        ? io.sluice.ops.Reassignments.cancelPlan(c, List.of(parse(partition)))
                        : io.sluice.ops.Reassignments.plan(c, targets);
                return moveAndReport(this, c, progress, moves, rate, cancel, execute, await, cancel ? "partition-cancel" : "partition-move",
                        fromFile != null ? fromFile.getFileName().toString() : partition);
            }
        }
    }

    /**
     * The plan, and with {@code execute} the moves started (after the rollback file) and awaited with {@code await};
     * shared by move and balance. Returns the exit code: 1 when the cluster refused a move.
     */
    static int moveAndReport(BaseCommand cmd, ClusterConnection c, Progress progress, List<io.sluice.ops.Reassignments.Move> moves,
                             Long rate, boolean cancel, boolean execute, boolean await, String kind, String target) {
        java.util.Map<TopicPartition, String> errors = new java.util.HashMap<>();
        java.nio.file.Path rollback = null;
        if (execute && !moves.isEmpty()) {
            rollback = Rollbacks.write(kind, target, "json", io.sluice.ops.Reassignments.toJson(moves, true));
            errors = Rollbacks.applying(rollback, () -> io.sluice.ops.Reassignments.execute(c, moves, rate, cancel));
            boolean failed = errors.values().stream().anyMatch(java.util.Objects::nonNull);
            if (await && !failed && !cancel) {
                List<TopicPartition> tps = moves.stream().map(m -> new TopicPartition(m.topic(), m.partition())).toList();
                awaitReassignments(c, progress, tps);
                if (rate != null) {
                    io.sluice.ops.Reassignments.clearFinishedThrottles(c);
                }
            }
        }
        boolean failed = errors.values().stream().anyMatch(java.util.Objects::nonNull);
        Output out = cmd.output();
        if (out.structured()) {
            List<java.util.Map<String, Object>> rows = new ArrayList<>();
            for (io.sluice.ops.Reassignments.Move m : moves) {
                java.util.Map<String, Object> row = new java.util.LinkedHashMap<>();
                row.put("topic", m.topic());
                row.put("partition", m.partition());
                row.put("from", m.from());
                row.put("to", m.to());
                row.put("adding", m.adding());
                row.put("removing", m.removing());
                row.put("bytesToCopy", m.bytesToCopy());
                row.put("error", errors.get(new TopicPartition(m.topic(), m.partition())));
                rows.add(row);
            }
            java.util.Map<String, Object> o = new java.util.LinkedHashMap<>();
            o.put("moves", rows);
            o.put("cancel", cancel);
            o.put("throttle", rate);
            o.put("executed", execute && !moves.isEmpty());
            o.put("rollbackFile", rollback == null ? null : rollback.toString());
            out.object(o);
            return failed ? ExitCodes.ERROR : ExitCodes.OK;
        }
        List<List<String>> table = new ArrayList<>();
        for (io.sluice.ops.Reassignments.Move m : moves) {
            String error = errors.get(new TopicPartition(m.topic(), m.partition()));
            table.add(List.of(m.topic(), String.valueOf(m.partition()), join(m.from()), join(m.to()),
                    m.adding().isEmpty() ? "-" : join(m.adding()), m.removing().isEmpty() ? "-" : join(m.removing()),
                    m.bytesToCopy() < 0 ? "?" : io.sluice.ops.Units.bytes(m.bytesToCopy()), error == null ? "" : error));
        }
        out.table(List.of("TOPIC", "PARTITION", "FROM", "TO", "ADDING", "REMOVING", "COPY", ""), table);
        if (out.headers()) {
            out.line(summary(moves, rate, cancel, execute, await, failed, rollback));
        }
        return failed ? ExitCodes.ERROR : ExitCodes.OK;
    }

    private static String summary(List<io.sluice.ops.Reassignments.Move> moves, Long rate, boolean cancel, boolean execute, boolean await,
                                  boolean failed, java.nio.file.Path rollback) {
        if (moves.isEmpty()) {
            return "balanced: nothing to move";
        }
        long bytes = moves.stream().mapToLong(m -> Math.max(0, m.bytesToCopy())).sum();
        String copy = cancel ? "" : "; " + io.sluice.ops.Units.bytes(bytes) + " to copy"
                + (rate == null ? "" : " at " + io.sluice.ops.Units.bytes(rate) + "/s, at least " + Math.max(1, bytes / rate) + " s");
        if (!execute) {
            return "dry run: " + moves.size() + (cancel ? " moves to cancel" : " moves planned") + copy + "; add --execute to "
                    + (cancel ? "cancel them" : "start them");
        }
        String done = failed ? "some moves were refused (see above)" : cancel ? moves.size() + " moves cancelled"
                : await ? moves.size() + " moves done" : moves.size() + " moves started" + copy + " (sluice partition reassign-status shows them)";
        return done + "; undo: sluice partition move --from-file " + rollback + " --execute";
    }

    @Command(name = "reassign-status", footerHeading = Output.JSON_HEADING,
            footer = "An array of {\"topic\", \"partition\", \"replicas\", \"adding\", \"removing\", \"bytesLeft\", \"bytesPerSec\", "
                    + "\"etaSeconds\"}; empty when nothing moves. bytesLeft is -1 when the leader's size is unknown; bytesPerSec and "
                    + "etaSeconds are null when nothing was copied while measuring.",
            description = {"Moves in flight: the full replica set, the replicas being added and removed, the bytes the new "
                    + "replicas still lack, the copy rate measured over --sample seconds and the time left at that rate.",
                    "Like kafka-reassign-partitions.sh --verify, it removes the replication throttle of topics whose moves are done "
                            + "(and from the brokers once no throttled move is left), and says so."})
    static final class ReassignStatus extends BaseCommand {
        @Option(names = "--sample", paramLabel = "SECONDS", description = "Measure the copy rate over this long (default: 1; 0: no rate and ETA)")
        int sampleSeconds = 1;

        @Override
        public Integer call() {
            if (sampleSeconds < 0) {
                throw new OpsException(OpsException.Kind.USAGE, "--sample must be 0 or more seconds");
            }
            try (ClusterConnection c = globals().connect()) {
                List<io.sluice.ops.Reassignments.InFlight> rows = io.sluice.ops.Reassignments.inFlight(c, sampleSeconds * 1000L);
                List<String> cleared = io.sluice.ops.Reassignments.clearFinishedThrottles(c);
                Output out = output();
                if (out.structured()) {
                    out.object(rows);
                } else {
                    List<List<String>> table = new ArrayList<>();
                    rows.forEach(r -> table.add(List.of(r.topic(), String.valueOf(r.partition()), join(r.replicas()),
                            r.adding().isEmpty() ? "-" : join(r.adding()), r.removing().isEmpty() ? "-" : join(r.removing()),
                            r.bytesLeft() < 0 ? "?" : io.sluice.ops.Units.bytes(r.bytesLeft()),
                            r.bytesPerSec() == null ? "-" : io.sluice.ops.Units.bytes(r.bytesPerSec()) + "/s",
                            r.etaSeconds() == null ? "-" : duration(r.etaSeconds()))));
                    out.table(List.of("TOPIC", "PARTITION", "REPLICAS", "ADDING", "REMOVING", "LEFT", "RATE", "ETA"), table);
                }
                if (!cleared.isEmpty()) {
                    java.io.PrintWriter note = out.structured() ? spec.commandLine().getErr() : spec.commandLine().getOut();
                    note.println((out.structured() ? "sluice: " : "") + "moves done: removed the replication throttle from "
                            + String.join(", ", cleared));
                    note.flush();
                }
                return ExitCodes.OK;
            }
        }
    }

    static String duration(long seconds) {
        if (seconds < 60) {
            return seconds + "s";
        }
        if (seconds < 3600) {
            return seconds / 60 + "m" + String.format(java.util.Locale.ROOT, "%02d", seconds % 60) + "s";
        }
        return seconds / 3600 + "h" + String.format(java.util.Locale.ROOT, "%02d", seconds % 3600 / 60) + "m";
    }

    @Command(name = "balance", footerHeading = Output.JSON_HEADING,
            footer = "{\"moves\": [{\"topic\", \"partition\", \"from\", \"to\", \"adding\", \"removing\", \"bytesToCopy\", "
                    + "\"error\"}], \"cancel\": false, \"throttle\", \"executed\", \"rollbackFile\"}.",
            description = {"Plan an even spread of replicas and preferred leaders over the live brokers with few moves, and "
                    + "show it. Nothing changes without --execute; with --wait it also waits for the moves and elects the "
                    + "preferred leaders.",
                    "--execute first writes the assignment it replaces to a rollback file ('sluice partition move --from-file FILE "
                            + "--execute' undoes the balance); --throttle limits the copy as for partition move."})
    static final class Balance extends BaseCommand {
        @Parameters(paramLabel = "GLOB", arity = "0..1", description = "Only topics matching this glob (default: all, internal ones included)")
        String glob;

        @Option(names = "--throttle", paramLabel = "RATE", description = "Limit the replication of the moves, e.g. 50MB/s")
        String throttle;

        @Option(names = "--wait", description = "With --execute: wait for the moves, then elect the preferred leaders")
        boolean await;

        @picocli.CommandLine.Mixin
        ExecuteOptions execution = new ExecuteOptions();

        @Override
        public Integer call() {
            boolean execute = execution.apply(spec);
            Long rate = throttle == null ? null : io.sluice.ops.ByteRate.parse("--throttle", throttle);
            try (ClusterConnection c = globals().connect(); Progress progress = progress()) {
                java.util.Map<TopicPartition, List<Integer>> targets = new java.util.LinkedHashMap<>();
                Partitions.balancePlan(c, glob).forEach(m -> targets.put(new TopicPartition(m.topic(), m.partition()), m.to()));
                List<io.sluice.ops.Reassignments.Move> moves = targets.isEmpty() ? List.of() : io.sluice.ops.Reassignments.plan(c, targets);
                int exit = moveAndReport(this, c, progress, moves, rate, false, execute, await, "partition-balance", glob == null ? "all" : glob);
                if (execute && await && exit == ExitCodes.OK && !targets.isEmpty()) {
                    Partitions.electLeaders(c, false, new ArrayList<>(targets.keySet()));
                }
                return exit;
            }
        }
    }

    /** Polls until none of {@code partitions} is being reassigned, showing how many still move, the bytes left and an ETA. */
    static void awaitReassignments(ClusterConnection c, Progress progress, List<TopicPartition> partitions) {
        long deadlineNs = System.nanoTime() + java.util.concurrent.TimeUnit.HOURS.toNanos(1);
        long lastLeft = -1;
        long lastNs = System.nanoTime();
        while (true) {
            List<io.sluice.ops.Reassignments.InFlight> moving = io.sluice.ops.Reassignments.inFlight(c, 0).stream()
                    .filter(r -> partitions.contains(new TopicPartition(r.topic(), r.partition()))).toList();
            if (moving.isEmpty()) {
                progress.close();
                return;
            }
            long left = moving.stream().mapToLong(r -> Math.max(0, r.bytesLeft())).sum();
            long nowNs = System.nanoTime();
            String eta = "";
            if (lastLeft > left && nowNs > lastNs) {
                long perSec = (lastLeft - left) * 1_000_000_000L / (nowNs - lastNs);
                eta = perSec > 0 ? ", ETA " + duration(left / perSec) : "";
            }
            lastLeft = left;
            lastNs = nowNs;
            progress.show(moving.size() + " of " + partitions.size() + " partitions still moving, "
                    + io.sluice.ops.Units.bytes(left) + " left" + eta);
            if (System.nanoTime() > deadlineNs) {
                throw new OpsException(OpsException.Kind.ERROR, moving.size() + " partitions still moving after an hour; see sluice partition reassign-status");
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
