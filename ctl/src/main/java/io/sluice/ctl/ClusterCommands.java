package io.sluice.ctl;

import io.sluice.ops.ClusterConnection;
import io.sluice.ops.ClusterHealth;
import picocli.CommandLine.Command;

import java.util.ArrayList;
import java.util.List;

/** {@code sluice cluster info|health}. */
@Command(name = "cluster", description = "Cluster overview and health.",
        subcommands = {ClusterCommands.Info.class, ClusterCommands.Health.class})
final class ClusterCommands {

    static void print(Output out, ClusterHealth.Info i, boolean wide) {
        if (out.structured()) {
            out.object(i);
            return;
        }
        out.line("CLUSTER-ID   " + i.clusterId());
        out.line("CONTROLLER   " + i.controller());
        out.line("TOPICS       " + i.topics());
        out.line("PARTITIONS   " + i.partitions() + " (offline " + i.offlinePartitions() + ", under-replicated "
                + i.underReplicatedPartitions() + ", under-min-isr " + i.underMinIsrPartitions() + ")");
        out.line("HEALTHY      " + i.healthy());
        out.line("");
        List<List<String>> rows = new ArrayList<>();
        i.brokers().forEach(b -> rows.add(List.of(String.valueOf(b.id()), b.host() + ":" + b.port(), b.rack() == null ? "-" : b.rack())));
        out.table(List.of("BROKER", "ADDRESS", "RACK"), rows);
        if (i.quorum() != null) {
            out.line("");
            printQuorum(out, i.quorum());
        }
        if (!i.causes().isEmpty()) {
            out.line("");
            i.causes().forEach(c -> out.line(c.summary()));
        }
        if (!i.problems().isEmpty() && wide) {
            out.line("");
            List<List<String>> p = new ArrayList<>();
            i.problems().forEach(x -> p.add(List.of(x.topic(), String.valueOf(x.partition()), x.problem())));
            out.table(List.of("TOPIC", "PARTITION", "PROBLEM"), p);
        } else if (!i.problems().isEmpty() && out.headers()) {
            out.line("(-o wide lists each partition)");
        }
    }

    /** The controller quorum: leader, epoch, high watermark, then one row per voter and observer with its lag. */
    static void printQuorum(Output out, io.sluice.ops.Quorum q) {
        out.line("QUORUM       leader " + q.leaderId() + ", epoch " + q.leaderEpoch() + ", high watermark " + q.highWatermark()
                + ", " + q.voters().size() + " voters, " + q.observers().size() + " observers");
        long nowMs = System.currentTimeMillis();
        List<List<String>> rows = new ArrayList<>();
        q.members().forEach(m -> rows.add(List.of(String.valueOf(m.id()), m.role(), offset(m.logEndOffset()), offset(m.lag()),
                ago(m.lastFetchTimestamp(), nowMs), ago(m.lastCaughtUpTimestamp(), nowMs))));
        out.table(List.of("NODE", "ROLE", "LOG-END", "LAG", "LAST-FETCH", "LAST-CAUGHT-UP"), rows);
    }

    private static String offset(long v) {
        return v < 0 ? "-" : String.valueOf(v);
    }

    private static String ago(long timestampMs, long nowMs) {
        return timestampMs < 0 ? "-" : Math.max(0, nowMs - timestampMs) + " ms ago";
    }

    @Command(name = "info", footerHeading = Output.JSON_HEADING,
        footer = "{\"clusterId\", \"controller\", \"brokers\": [{\"id\", \"host\", \"port\", \"rack\"}], \"topics\", "
                + "\"partitions\", \"offlinePartitions\", \"underReplicatedPartitions\", \"underMinIsrPartitions\", "
                + "\"problems\": [{\"topic\", \"partition\", \"problem\" (offline, under-replicated or under-min-isr)}], \"healthy\", "
                + "\"causes\": [{\"kind\" (BROKER_DOWN, REPLICA_BEHIND, NO_LEADER or MIN_ISR_ABOVE_REPLICAS), \"brokers\", "
                + "\"cause\", \"partitions\", \"effects\": [{\"problem\" (OFFLINE, UNDER_MIN_ISR or UNDER_REPLICATED), "
                + "\"partitions\", \"topics\": [{\"topic\", \"internal\", \"partitions\"}]}], \"summary\"}]}; problems and "
                + "topics list user topics before internal ones; \"quorum\" (null when the cluster does not answer "
                + "DescribeQuorum): {\"leaderId\", \"leaderEpoch\", \"highWatermark\", \"members\": [{\"id\", \"role\" "
                + "(leader, voter or observer), \"logEndOffset\", \"lag\" (leader's log end offset minus this one's), "
                + "\"lastFetchTimestamp\", \"lastCaughtUpTimestamp\" (epoch ms; -1 when unknown)}]}.",
        description = {"Brokers, controller, cluster id, partition counts and the controller quorum (leader, voters, "
                + "observers, each one's lag).",
            "Partitions that need attention are grouped by cause, one line each (\"broker 3 down: 56 partitions "
                + "under-replicated: 6 of orders, 50 of __consumer_offsets\"); -o wide lists each partition too."})
    static final class Info extends BaseCommand {
        @Override
        public Integer call() {
            try (ClusterConnection c = globals().connect()) {
                print(output(), ClusterHealth.info(c), globals().format == Output.Format.wide);
                return ExitCodes.OK;
            }
        }
    }

    @Command(name = "health", footerHeading = Output.JSON_HEADING,
        footer = "As cluster info.",
        description = {"Like info; exits 4 when a partition is offline, under-replicated or under min ISR (for monitoring).",
            "Partitions that need attention are grouped by cause, one line each; -o wide lists each partition too."})
    static final class Health extends BaseCommand {
        @Override
        public Integer call() {
            try (ClusterConnection c = globals().connect()) {
                ClusterHealth.Info i = ClusterHealth.info(c);
                print(output(), i, globals().format == Output.Format.wide);
                return i.healthy() ? ExitCodes.OK : ExitCodes.UNHEALTHY;
            }
        }
    }

    private ClusterCommands() {
    }
}
