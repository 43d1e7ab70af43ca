package io.sluice.ctl;

import io.sluice.ops.ClusterConnection;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** Options every command takes: where the cluster is, client properties, output format, verbosity. */
final class GlobalOptions {
    static final String DEFAULT_BROKERS = "127.0.0.1:9092";

    @Option(names = {"-b", "--brokers"}, scope = ScopeType.INHERIT, paramLabel = "HOST:PORT[,...]",
            description = "Bootstrap servers (default: $SLUICE_BROKERS or " + DEFAULT_BROKERS + ")")
    String brokers;

    @Option(names = "-X", scope = ScopeType.INHERIT, paramLabel = "KEY=VALUE",
            description = "Kafka client property, e.g. -X security.protocol=SSL; repeatable")
    Map<String, String> clientProperties = new LinkedHashMap<>();

    @Option(names = {"-o", "--output"}, scope = ScopeType.INHERIT, paramLabel = "FORMAT",
            description = "Output format: ${COMPLETION-CANDIDATES} (default: table)")
    Output.Format format = Output.Format.table;

    @Option(names = "--no-headers", scope = ScopeType.INHERIT, description = "Omit table headers (for awk)")
    boolean noHeaders;

    @Option(names = "--timeout", scope = ScopeType.INHERIT, paramLabel = "SECONDS",
            description = "Give up on an unreachable cluster after this long (default: 10)")
    int timeoutSeconds = 10;

    @Option(names = {"-v", "--verbose"}, scope = ScopeType.INHERIT, description = "Print stack traces of failures")
    boolean verbose;

    String bootstrap() {
        if (brokers != null && !brokers.isBlank()) {
            return brokers;
        }
        String env = System.getenv("SLUICE_BROKERS");
        return env != null && !env.isBlank() ? env : DEFAULT_BROKERS;
    }

    ClusterConnection connect() {
        return new ClusterConnection(bootstrap(), clientProperties, Duration.ofSeconds(timeoutSeconds));
    }
}
