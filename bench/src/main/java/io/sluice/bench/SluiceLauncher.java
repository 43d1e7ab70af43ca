package io.sluice.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Starts brokerd through its installed launcher ({@code PREFIX/bin/brokerd} from {@code install.sh}), so it runs
 * with the JVM options it ships with, on 127.0.0.1 with a temporary data directory and the metrics listener off
 * (Kafka serves no HTTP either). Everything else is brokerd's default configuration.
 */
final class SluiceLauncher {
    private final Path brokerdLauncher;
    private final Path workDir;
    private final List<String> extraJvmOptions;

    /** {@code extraJvmOptions} go after the launcher's own, through BROKERD_OPTS (e.g. a flight recording). */
    SluiceLauncher(Path brokerdLauncher, Path workDir, List<String> extraJvmOptions) {
        this.brokerdLauncher = brokerdLauncher;
        this.workDir = workDir;
        this.extraJvmOptions = extraJvmOptions;
    }

    /**
     * Node {@code nodeId} of a cluster whose controller quorum is {@code voters} ({@code id@host:port,...}); its data
     * directory and log are {@code node-N} under the work directory.
     */
    BrokerProcess launchClusterNode(int nodeId, int port, String voters) throws IOException {
        List<String> cmd = List.of(brokerdLauncher.toAbsolutePath().toString(),
                "--set", "node.id=" + nodeId,
                "--set", "listeners=127.0.0.1:" + port,
                "--set", "controller.quorum.voters=" + voters,
                "--set", "data.dir=" + workDir.resolve("node-" + nodeId),
                "--set", "metrics.listener=");
        Map<String, String> env = Map.of("JAVA_OPTS", "", "BROKERD_OPTS", String.join(" ", extraJvmOptions),
                "JAVA_TOOL_OPTIONS", "");
        return BrokerProcess.launch("brokerd-" + nodeId, cmd, env, workDir.resolve("brokerd-" + nodeId + ".log"));
    }

    BrokerProcess launch(int port) throws IOException {
        return launch(port, -1, null);
    }

    /**
     * A single node; with {@code tlsPort} >= 0 it also serves the listener SSL there with the certificate
     * {@code certDir/broker.pem} (PEM, as config/cluster-3-secure/make-certs.sh makes it), server authentication only.
     */
    BrokerProcess launch(int port, int tlsPort, Path certDir) throws IOException {
        List<String> cmd = new java.util.ArrayList<>(List.of(brokerdLauncher.toAbsolutePath().toString(),
                "--set", "data.dir=" + workDir.resolve("data"),
                "--set", "metrics.listener="));
        if (tlsPort >= 0) {
            cmd.addAll(List.of("--set", "listeners=PLAINTEXT://127.0.0.1:" + port + ",SSL://127.0.0.1:" + tlsPort,
                    "--set", "ssl.keystore.type=PEM", "--set", "ssl.keystore.location=" + certDir.resolve("broker.pem"),
                    "--set", "ssl.truststore.type=PEM", "--set", "ssl.truststore.location=" + certDir.resolve("ca.pem")));
        } else {
            cmd.addAll(List.of("--set", "listeners=127.0.0.1:" + port));
        }
        // the launcher's own JVM options only, whatever the caller's environment holds
        Map<String, String> env = Map.of("JAVA_OPTS", "", "BROKERD_OPTS", String.join(" ", extraJvmOptions),
                "JAVA_TOOL_OPTIONS", "");
        return BrokerProcess.launch("brokerd", cmd, env, workDir.resolve("brokerd.log"));
    }
}
