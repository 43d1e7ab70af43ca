package io.sluice.ctl;

import io.sluice.ops.ClusterConnection;
import io.sluice.ops.ClusterHealth;
import io.sluice.ops.Configs;
import io.sluice.ops.OpsException;
import org.apache.kafka.common.config.ConfigResource;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code sluice broker list|describe}. */
@Command(name = "broker", description = "List brokers and show one broker's configuration.",
        subcommands = {BrokerCommands.ListBrokers.class, BrokerCommands.Describe.class})
final class BrokerCommands {

    @Command(name = "list", footerHeading = Output.JSON_HEADING,
        footer = "An array of {\"id\", \"host\", \"port\", \"rack\"}.",
        aliases = "ls", description = "Brokers with their address and rack; the controller is marked.")
    static final class ListBrokers extends BaseCommand {
        @Override
        public Integer call() {
            try (ClusterConnection c = globals().connect()) {
                ClusterHealth.Info info = ClusterHealth.info(c);
                Output out = output();
                if (out.structured()) {
                    out.object(info.brokers());
                } else {
                    List<List<String>> rows = new ArrayList<>();
                    info.brokers().forEach(b -> rows.add(List.of(String.valueOf(b.id()), b.host() + ":" + b.port(),
                            b.rack() == null ? "-" : b.rack(), b.id() == info.controller() ? "controller" : "")));
                    out.table(List.of("ID", "ADDRESS", "RACK", ""), rows);
                }
                return ExitCodes.OK;
            }
        }
    }

    @Command(name = "describe", footerHeading = Output.JSON_HEADING,
        footer = "{\"broker\": {\"id\", \"host\", \"port\", \"rack\"}, \"controller\", \"configs\": [{\"name\", "
                + "\"value\", \"source\", \"readOnly\", \"sensitive\"}]}",
        description = "A broker's address and its configuration with sources.")
    static final class Describe extends BaseCommand {
        @Parameters(paramLabel = "ID")
        int id;

        @Override
        public Integer call() {
            try (ClusterConnection c = globals().connect()) {
                ClusterHealth.Info info = ClusterHealth.info(c);
                ClusterHealth.Broker broker = info.brokers().stream().filter(b -> b.id() == id).findFirst()
                        .orElseThrow(() -> new OpsException(OpsException.Kind.NOT_FOUND, "broker " + id + " is not in the cluster"));
                List<Configs.Entry> configs = Configs.get(c, new ConfigResource(ConfigResource.Type.BROKER, String.valueOf(id)), List.of());
                Output out = output();
                if (out.structured()) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("broker", broker);
                    m.put("controller", broker.id() == info.controller());
                    m.put("configs", configs);
                    out.object(m);
                    return ExitCodes.OK;
                }
                out.line("ID          " + broker.id());
                out.line("ADDRESS     " + broker.host() + ":" + broker.port());
                out.line("RACK        " + (broker.rack() == null ? "-" : broker.rack()));
                out.line("CONTROLLER  " + (broker.id() == info.controller()));
                out.line("");
                List<List<String>> rows = new ArrayList<>();
                configs.forEach(e -> rows.add(List.of(e.name(), e.sensitive() ? "(hidden)" : String.valueOf(e.value()), e.source())));
                out.table(List.of("CONFIG", "VALUE", "SOURCE"), rows);
                return ExitCodes.OK;
            }
        }
    }

    private BrokerCommands() {
    }
}
