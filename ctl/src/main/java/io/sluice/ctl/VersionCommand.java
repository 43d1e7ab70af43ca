package io.sluice.ctl;

import io.sluice.ops.ClusterConnection;
import io.sluice.ops.ClusterHealth;
import io.sluice.ops.OpsException;
import org.apache.kafka.common.utils.AppInfoParser;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.stream.Collectors;

/**
 * {@code sluice version}: the CLI's own version (the jar manifest's Implementation-Version), the kafka-clients and Java
 * versions it runs on, and, unless {@code --client}, the cluster it talks to. The Kafka protocol has no request that
 * reports a broker's software version, so the cluster part is its id, controller and brokers. When the cluster cannot
 * be reached the client part is still printed (cluster null in JSON) and the command fails with the usual one line.
 */
@Command(name = "version", footerHeading = Output.JSON_HEADING,
        footer = "{\"version\", \"kafkaClients\", \"java\", \"cluster\": {\"clusterId\", \"controller\", \"brokers\": "
                + "[{\"id\", \"host\", \"port\", \"rack\"}]}}; cluster is null with --client or when the cluster cannot "
                + "be reached.",
        description = {"Print the sluice, kafka-clients and Java versions and the cluster id and brokers.",
        "With --client the cluster is not contacted."})
final class VersionCommand extends BaseCommand {
    /** The JSON shape (stable): cluster is null with --client or when the cluster cannot be reached. */
    record Versions(String version, String kafkaClients, String java, ClusterHealth.Identity cluster) {
    }

    @Option(names = "--client", description = "Only the client versions; do not contact the cluster")
    boolean clientOnly;

    /** The CLI version from the jar manifest; "dev" when running from classes outside a jar. */
    static String cliVersion() {
        String v = SluiceCommand.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    @Override
    public Integer call() {
        ClusterHealth.Identity cluster = null;
        OpsException failure = null;
        if (!clientOnly) {
            try (ClusterConnection c = globals().connect()) {
                cluster = ClusterHealth.identity(c);
            } catch (OpsException e) {
                failure = e;
            }
        }
        print(new Versions(cliVersion(), AppInfoParser.getVersion(), System.getProperty("java.version"), cluster));
        if (failure != null) {
            throw failure;
        }
        return ExitCodes.OK;
    }

    private void print(Versions v) {
        Output out = output();
        if (out.structured()) {
            out.object(v);
            return;
        }
        out.line("SLUICE         " + v.version());
        out.line("KAFKA-CLIENTS  " + v.kafkaClients());
        out.line("JAVA           " + v.java());
        if (v.cluster() != null) {
            out.line("CLUSTER-ID     " + v.cluster().clusterId());
            out.line("CONTROLLER     " + v.cluster().controller());
            out.line("BROKERS        " + v.cluster().brokers().stream().map(b -> b.id() + "@" + b.host() + ":" + b.port())
                    .collect(Collectors.joining(" ")));
        }
    }
}
