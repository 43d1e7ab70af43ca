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

    static void print(Output out, ClusterHealth.Info i) {
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
        if (!i.problems().isEmpty()) {
            out.line("");
            List<List<String>> p = new ArrayList<>();
            i.problems().forEach(x -> p.add(List.of(x.topic(), String.valueOf(x.partition()), x.problem())));
            out.table(List.of("TOPIC", "PARTITION", "PROBLEM"), p);
        }
    }

    @Command(name = "info", footerHeading = Output.JSON_HEADING,
        footer = "{\"clusterId\", \"controller\", \"brokers\": [{\"id\", \"host\", \"port\", \"rack\"}], \"topics\", "
                + "\"partitions\", \"offlinePartitions\", \"underReplicatedPartitions\", \"underMinIsrPartitions\", "
                + "\"problems\": [{\"topic\", \"partition\", \"problem\"}], \"healthy\"}",
        description = "Brokers, controller, cluster id and partition counts.")
    static final class Info extends BaseCommand {
        @Override
        public Integer call() {
            try (ClusterConnection c = globals().connect()) {
                print(output(), ClusterHealth.info(c));
                return ExitCodes.OK;
            }
        }
    }

    @Command(name = "health", footerHeading = Output.JSON_HEADING,
        footer = "As cluster info.",
        description = "Like info; exits 4 when a partition is offline, under-replicated or under min ISR (for monitoring).")
    static final class Health extends BaseCommand {
        @Override
        public Integer call() {
            try (ClusterConnection c = globals().connect()) {
                ClusterHealth.Info i = ClusterHealth.info(c);
                print(output(), i);
                return i.healthy() ? ExitCodes.OK : ExitCodes.UNHEALTHY;
            }
        }
    }

    private ClusterCommands() {
    }
}
