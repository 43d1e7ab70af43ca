package io.sluice.bench;

import org.apache.kafka.common.Uuid;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * Starts Apache Kafka from the jars that {@code mvn -Pkafka-compare} copied into {@code bench/target/kafka-lib}:
 * KRaft, every node both broker and controller, on 127.0.0.1, storage formatted by {@code kafka.tools.StorageTool}
 * in a temporary directory. JVM options are those of Kafka's own {@code kafka-server-start.sh}
 * (1 GiB heap, G1), so Kafka runs as its distribution ships it. Configuration is Kafka's defaults except what a
 * single machine needs (replication factors of the internal topics capped at the node count).
 */
final class KafkaLauncher {
    static final List<String> JVM_OPTIONS = List.of("-Xmx1G", "-Xms1G", "-server", "-XX:+UseG1GC",
            "-XX:MaxGCPauseMillis=20", "-XX:InitiatingHeapOccupancyPercent=35", "-XX:+ExplicitGCInvokesConcurrent",
            "-Djava.awt.headless=true");

    private final Path kafkaLib;
    private final Path workDir;
    private final List<String> extraJvmOptions;
    private List<String> extraProperties = List.of();
    private List<String> extraFormatArgs = List.of();
    /** Certificates for an SSL listener beside PLAINTEXT (single node only), or null. */
    private final Path certDir;
    private final int tlsPort;

    /** {@code extraJvmOptions} go after Kafka's own (e.g. a flight recording). */
    KafkaLauncher(Path kafkaLib, Path workDir, List<String> extraJvmOptions) {
        this(kafkaLib, workDir, extraJvmOptions, null, -1);
    }

    /**
     * With {@code certDir}, a single node also serves the listener SSL on {@code tlsPort} with
     * {@code certDir/broker.pem} and {@code ca.pem} (PEM keystore and truststore), configured as brokerd's.
     */
    KafkaLauncher(Path kafkaLib, Path workDir, List<String> extraJvmOptions, Path certDir, int tlsPort) {
        this.certDir = certDir;
        this.tlsPort = tlsPort;
        this.kafkaLib = kafkaLib;
        this.workDir = workDir;
        this.extraJvmOptions = extraJvmOptions;
    }

    /**
     * {@code properties} ({@code key=value} lines) are appended to every node's server.properties, so they override
     * the defaults above (e.g. listeners with SASL_SSL, an authorizer); {@code formatArgs} go to kafka-storage format
     * (e.g. {@code --add-scram} for the first SCRAM user). Returns this.
     */
    KafkaLauncher withOverrides(List<String> properties, List<String> formatArgs) {
        this.extraProperties = List.copyOf(properties);
        this.extraFormatArgs = List.copyOf(formatArgs);
        return this;
    }

    /** One client and one controller port per node. */
    record Ports(int[] client, int[] controller) {
        String bootstrap() {
            return IntStream.of(client).mapToObj(p -> "127.0.0.1:" + p).collect(Collectors.joining(","));
        }
    }

    Ports allocate(int nodes) throws IOException {
        int[] ports = FreePorts.take(2 * nodes);
        return new Ports(java.util.Arrays.copyOfRange(ports, 0, nodes), java.util.Arrays.copyOfRange(ports, nodes, 2 * nodes));
    }

    /** Writes the configs and formats the storage of every node (not timed: it precedes the launch). */
    void prepare(Ports ports) throws IOException, InterruptedException {
        int nodes = ports.client().length;
        String voters = IntStream.range(0, nodes)
                .mapToObj(i -> (i + 1) + "@127.0.0.1:" + ports.controller()[i]).collect(Collectors.joining(","));
        String clusterId = Uuid.randomUuid().toString();
        Files.writeString(workDir.resolve("log4j2.properties"), String.join("\n",
                "appender.out.type=Console", "appender.out.name=OUT", "appender.out.layout.type=PatternLayout",
                "appender.out.layout.pattern=[%d] %p %m (%c)%n", "rootLogger.level=INFO",
                "rootLogger.appenderRef.out.ref=OUT", ""));
        for (int i = 0; i < nodes; i++) {
            Path props = workDir.resolve("server-" + (i + 1) + ".properties");
            short rf = (short) Math.min(3, nodes);
            String ssl = certDir == null ? "" : ",SSL://127.0.0.1:" + tlsPort;
            String sslKeys = certDir == null ? "" : String.join("\n", "ssl.keystore.type=PEM",
                    "ssl.keystore.location=" + certDir.resolve("broker.pem"), "ssl.truststore.type=PEM",
                    "ssl.truststore.location=" + certDir.resolve("ca.pem"), "");
            Files.writeString(props, sslKeys + String.join("\n",
                    "process.roles=broker,controller",
                    "node.id=" + (i + 1),
                    "controller.quorum.voters=" + voters,
                    "listeners=PLAINTEXT://127.0.0.1:" + ports.client()[i] + ",CONTROLLER://127.0.0.1:" + ports.controller()[i] + ssl,
                    "advertised.listeners=PLAINTEXT://127.0.0.1:" + ports.client()[i] + ssl,
                    "controller.listener.names=CONTROLLER",
                    "inter.broker.listener.name=PLAINTEXT",
                    "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SSL:SSL",
                    "log.dirs=" + workDir.resolve("data-" + (i + 1)),
                    "num.partitions=1",
                    "offsets.topic.replication.factor=" + rf,
                    "transaction.state.log.replication.factor=" + rf,
                    "transaction.state.log.min.isr=" + Math.min(2, nodes),
                    "share.coordinator.state.topic.replication.factor=" + rf,
                    "share.coordinator.state.topic.min.isr=" + Math.min(2, nodes),
                    "") + String.join("\n", extraProperties) + "\n");
            List<String> format = new ArrayList<>(List.of("format", "-t", clusterId, "-c", props.toString()));
            format.addAll(extraFormatArgs);
            List<String> cmd = java(List.of(), "kafka.tools.StorageTool", format.toArray(String[]::new));
            Path log = workDir.resolve("format-" + (i + 1) + ".log");
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("kafka-storage format did not finish within 120 s");
            }
            if (p.exitValue() != 0) {
                throw new IOException("kafka-storage format failed:\n" + Files.readString(log));
            }
        }
    }

    List<BrokerProcess> launch(Ports ports) throws IOException {
        List<BrokerProcess> brokers = new ArrayList<>();
        for (int i = 0; i < ports.client().length; i++) {
            Path props = workDir.resolve("server-" + (i + 1) + ".properties");
            brokers.add(BrokerProcess.launch("kafka-" + (i + 1), java(extraJvmOptions, "kafka.Kafka", props.toString()),
                    Map.of("KAFKA_OPTS", "", "JAVA_TOOL_OPTIONS", ""),
                    workDir.resolve("kafka-" + (i + 1) + ".log")));
        }
        return brokers;
    }

    private List<String> java(List<String> extra, String mainClass, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(JVM_OPTIONS);
        cmd.addAll(extra);
        cmd.add("-Dlog4j2.configurationFile=" + workDir.resolve("log4j2.properties"));
        cmd.add("-cp");
        cmd.add(kafkaLib.toAbsolutePath() + "/*");
        cmd.add(mainClass);
        cmd.addAll(List.of(args));
        return cmd;
    }
}
