package io.sluice.systest;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * A cluster of brokerd processes on 127.0.0.1 for fault tests: each broker is its own JVM (so it can be killed with
 * SIGKILL or paused with SIGSTOP), with its own data dir under {@code root}, log file {@code broker-N.log} and
 * ephemeral client and controller ports. Every process it starts is stopped by {@link #close} (by its PID).
 * Public for the protocol fuzzer ({@code io.sluice.systest.fuzz}), which runs one broker of its own.
 * <p>
 * With a certificate directory (made by {@code config/cluster-3-secure/make-certs.sh}: {@code ca.pem},
 * {@code broker-N.pem}, the SASL {@code users} and {@code broker-credentials} files) the cluster runs secured as the
 * shipped secure example does: one SASL_SSL listener per broker that is also the inter-broker listener (SCRAM-SHA-512
 * as the user "broker"), users from the bootstrap file, the controller quorum over mutual TLS;
 * {@link #clientConfig()} holds what Java clients then need (SASL_SSL as "admin").
 * <p>
 * {@link #withFaults} builds the fault matrix's variant: every broker runs with fault injection on (its metrics
 * listener's {@code /faults} breaks its disk or steps its clock) and is reached only through {@link LinkProxies}, which
 * cut, drop or delay chosen links (TLS passes through them untouched).
 * <p>
 * Layouts: by default every node is a broker and a controller voter (process.roles broker,controller).
 * {@link #dedicated} (or the system property {@code sluice.systest.controllers=N} for the plain constructors) runs N
 * dedicated controllers (node ids 1..N, process.roles controller, no client listener) and the brokers after them
 * (process.roles broker, ids N+1...), like {@code config/cluster-6}. {@link #ids()} lists the brokers,
 * {@link #controllerIds()} the dedicated controllers; both kinds are started, killed and stopped by id.
 */
public final class BrokerCluster implements AutoCloseable {
    /**
     * How long a start may take until "ready in": a broker waits for the controller quorum, and when all three start
     * at once on two loaded cores that alone took 90 s (the quick fault matrix, machine load 30).
     */
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(180);
    private final Path root;
    private final Map<Integer, Integer> clientPorts = new TreeMap<>();
    private final Map<Integer, Integer> raftPorts = new TreeMap<>();
    private final Map<Integer, Integer> metricsPorts = new TreeMap<>();
    private final Map<Integer, Process> processes = new TreeMap<>();
    /** How many "ready in" lines each broker's log held when it was last started. */
    private final Map<Integer, Long> readyLinesAtStart = new TreeMap<>();
    private final Map<Integer, LineCounter> readyLines = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<String, String> extraConfig;
    /** Certificates of a TLS cluster, or null for a plaintext one. */
    private final Path certDir;
    /** Per-broker keystores other than {@code certDir/broker-N.pem} (a node with a foreign certificate). */
    private final Map<Integer, Path> keystores = new TreeMap<>();
    private final List<String> jvmOptions;
    /** Null unless the brokers are reached through proxies ({@link #withFaults}). */
    private final LinkProxies proxies;
    /** The proxies' ports by broker: what the brokers advertise and list as voters. */
    private final Map<Integer, Integer> proxyClientPorts = new TreeMap<>();
    private final Map<Integer, Integer> proxyRaftPorts = new TreeMap<>();
    /** Ids of the dedicated controllers (empty: every node is broker and controller). */
    private final java.util.SortedSet<Integer> controllers = new java.util.TreeSet<>();

    /** Dedicated controllers asked for with {@code -Dsluice.systest.controllers=N}; 0: the combined layout. */
    static int controllersFromSystemProperty() {
        return Integer.getInteger("sluice.systest.controllers", 0);
    }

    BrokerCluster(Path root, int size, Map<String, String> extraConfig) throws IOException {
        this(root, size, extraConfig, (Path) null);
    }

    /** {@code controllers} dedicated controllers (ids 1..controllers) and {@code brokers} broker-only processes after them. */
    static BrokerCluster dedicated(Path root, int controllers, int brokers, Map<String, String> extraConfig) throws IOException {
        return new BrokerCluster(root, brokers, extraConfig, null, List.of(), null, controllers);
    }

    /** {@code certDir}: run with TLS everywhere using these certificates (see the class comment); null: plaintext. */
    BrokerCluster(Path root, int size, Map<String, String> extraConfig, Path certDir) throws IOException {
        this(root, size, extraConfig, certDir, List.of(), null);
    }

    /** A plaintext cluster; {@code jvmOptions} go on every broker's java command line after the launcher's defaults. */
    public BrokerCluster(Path root, int size, Map<String, String> extraConfig, List<String> jvmOptions) throws IOException {
        this(root, size, extraConfig, null, jvmOptions, null);
    }

    private BrokerCluster(Path root, int size, Map<String, String> extraConfig, Path certDir, List<String> jvmOptions,
                          LinkProxies proxies) throws IOException {
        this(root, size, extraConfig, certDir, jvmOptions, proxies, certDir == null && proxies == null ? controllersFromSystemProperty() : 0);
    }

    private BrokerCluster(Path root, int size, Map<String, String> extraConfig, Path certDir, List<String> jvmOptions,
                          LinkProxies proxies, int dedicatedControllers) throws IOException {
        this.root = root;
        this.extraConfig = extraConfig;
        this.certDir = certDir;
        this.jvmOptions = List.copyOf(jvmOptions);
        this.proxies = proxies;
        for (int id = 1; id <= dedicatedControllers; id++) {
            controllers.add(id);
            raftPorts.put(id, freePort());
            metricsPorts.put(id, freePort());
        }
        for (int id = dedicatedControllers + 1; id <= dedicatedControllers + size; id++) {
            clientPorts.put(id, freePort());
            if (dedicatedControllers == 0) {
                raftPorts.put(id, freePort());
            }
            metricsPorts.put(id, freePort());
            if (proxies != null) {
                proxyClientPorts.put(id, freePort());
                proxyRaftPorts.put(id, freePort());
                proxies.add(id, clientPorts.get(id), raftPorts.get(id), proxyClientPorts.get(id), proxyRaftPorts.get(id));
            }
        }
    }

    /**
     * A cluster whose brokers run with fault injection on, reached only through {@code proxies}; with TLS when
     * {@code certDir} is not null.
     */
    static BrokerCluster withFaults(Path root, int size, Map<String, String> extraConfig, LinkProxies proxies, Path certDir)
            throws IOException {
        return new BrokerCluster(root, size, extraConfig, certDir, List.of(), proxies);
    }

    /** The port clients and other brokers reach broker {@code id}'s listener at (its proxy's, if any). */
    private int reachablePort(int id) {
        return proxies == null ? clientPorts.get(id) : proxyClientPorts.get(id);
    }

    private static final java.util.Random PORTS = new java.util.Random();

    /**
     * A free port below Linux's ephemeral range (32768+), so no other process's outgoing connections or port-0
     * listeners take it between this check and the broker's bind.
     */
    public static int freePort() throws IOException {
        for (int attempt = 0; attempt < 200; attempt++) {
            int port = 20_000 + PORTS.nextInt(12_000);
            try (ServerSocket s = new ServerSocket()) {
                s.setReuseAddress(false);
                s.bind(new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), port), 1);
                return port;
            } catch (IOException busy) {
                // taken: try another
            }
        }
        throw new IOException("no free port found in 20000-32000");
    }

    /**
     * Runs {@code config/cluster-3-secure/make-certs.sh} into {@code dir} for {@code names} (a new CA when the
     * directory has none); returns {@code dir}.
     */
    static Path makeCerts(Path dir, String... names) throws IOException, InterruptedException {
        Path script = Path.of("..", "config", "cluster-3-secure", "make-certs.sh").toAbsolutePath().normalize();
        List<String> cmd = new ArrayList<>(List.of("bash", script.toString(), dir.toString()));
        cmd.addAll(List.of(names));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new AssertionError("make-certs.sh failed: " + out);
        }
        return dir;
    }

    /** Broker {@code id} presents {@code pemKeystore} instead of its certificate of {@code certDir}. */
    void useKeystore(int id, Path pemKeystore) {
        keystores.put(id, pemKeystore);
    }

    /** Settings Java clients need for this cluster: TLS with the client certificate, or nothing for plaintext. */
    Map<String, Object> clientConfig() {
        if (certDir == null) {
            return Map.of();
        }
        String adminPassword;
        try {
            adminPassword = Files.readAllLines(certDir.resolve("users")).stream().filter(l -> l.startsWith("admin:"))
                    .map(l -> l.substring("admin:".length())).findFirst().orElseThrow();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return Map.of("security.protocol", "SASL_SSL", "ssl.truststore.type", "PEM",
                "ssl.truststore.location", certDir.resolve("ca.pem").toString(), "sasl.mechanism", "SCRAM-SHA-512",
                "sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"admin\" "
                        + "password=\"" + adminPassword + "\";");
    }

    /** The brokers (nodes that serve clients). */
    List<Integer> ids() {
        return new ArrayList<>(clientPorts.keySet());
    }

    /** The dedicated controllers; empty in the combined layout. */
    List<Integer> controllerIds() {
        return new ArrayList<>(controllers);
    }

    public String bootstrap() {
        StringBuilder sb = new StringBuilder();
        for (int id : clientPorts.keySet()) {
            sb.append(sb.isEmpty() ? "" : ",").append("127.0.0.1:").append(reachablePort(id));
        }
        return sb.toString();
    }

    String bootstrap(int id) {
        return "127.0.0.1:" + reachablePort(id);
    }

    public int clientPort(int id) {
        return reachablePort(id);
    }

    /** GET {@code path} from broker {@code id}'s metrics listener: status code and body. */
    HttpResult http(int id, String path) throws IOException, InterruptedException {
        java.net.http.HttpResponse<String> r = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + metricsPorts.get(id) + path))
                        .timeout(Duration.ofSeconds(10)).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        return new HttpResult(r.statusCode(), r.body());
    }

    /** PUT {@code path} (e.g. {@code /faults/disk?state=full}) on broker {@code id}'s metrics listener; fails unless 200. */
    String httpPut(int id, String path) throws IOException, InterruptedException {
        java.net.http.HttpResponse<String> r = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + metricsPorts.get(id) + path))
                        .PUT(java.net.http.HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(10)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new AssertionError("PUT " + path + " on broker " + id + ": " + r.statusCode() + " " + r.body());
        }
        return r.body().trim();
    }

    record HttpResult(int status, String body) {
        /** The value of an unlabelled metric sample, or -1 when absent. */
        double sample(String name) {
            for (String line : body.split("\n")) {
                if (line.startsWith(name + " ")) {
                    return Double.parseDouble(line.substring(name.length() + 1).trim());
                }
            }
            return -1;
        }
    }

    /**
     * Reads {@code topic}'s partitions from the beginning until {@code expectedTotal} values arrived or 60 s passed;
     * the values by partition, in offset order (callers assert on what came back).
     */
    Map<Integer, List<String>> readValues(String topic, int partitions, int expectedTotal) {
        Map<Integer, List<String>> got = new TreeMap<>();
        Map<String, Object> config = new java.util.HashMap<>(clientConfig());
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(config, new StringDeserializer(), new StringDeserializer())) {
            List<TopicPartition> tps = new ArrayList<>();
            for (int p = 0; p < partitions; p++) {
                tps.add(new TopicPartition(topic, p));
            }
            c.assign(tps);
            c.seekToBeginning(tps);
            long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            int total = 0;
            while (total < expectedTotal && System.nanoTime() < deadlineNs) {
                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) {
                    got.computeIfAbsent(r.partition(), k -> new ArrayList<>()).add(r.value());
                    total++;
                }
            }
        }
        return got;
    }

    public Path logFile(int id) {
        return root.resolve("broker-" + id + ".log");
    }

    public Path dataDir(int id) {
        return root.resolve("broker-" + id);
    }

    /** Starts every node (dedicated controllers first); returns once each has logged that it is ready. */
    public void startAll() throws Exception {
        List<Integer> all = new ArrayList<>(controllers);
        all.addAll(ids());
        for (int id : all) {
            start(id);
        }
        for (int id : all) {
            awaitReady(id);
        }
    }

    /** Launches broker {@code id} (appending to its log); does not wait. */
    void start(int id) throws IOException {
        StringBuilder voters = new StringBuilder();
        (proxies == null ? raftPorts : proxyRaftPorts).forEach((n, port) ->
                voters.append(voters.isEmpty() ? "" : ",").append(n).append("@127.0.0.1:").append(port));
        StringBuilder yaml = new StringBuilder().append("node.id: ").append(id).append('\n');
        if (controllers.contains(id)) {
            yaml.append("process.roles: controller\n");
        } else {
            if (!controllers.isEmpty()) {
                yaml.append("process.roles: broker\n");
            }
            yaml.append("listeners: ").append(certDir == null ? "" : "SASL_SSL://").append("127.0.0.1:").append(clientPorts.get(id)).append('\n');
        }
        yaml.append("controller.quorum.voters: ").append(voters).append('\n')
                .append("data.dir: ").append(dataDir(id)).append('\n')
                .append("metrics.listener: 127.0.0.1:").append(metricsPorts.get(id)).append('\n');
        if (certDir != null) {
            yaml.append("inter.broker.listener.name: SASL_SSL\n")
                    .append("sasl.enabled.mechanisms: SCRAM-SHA-256,SCRAM-SHA-512\n")
                    .append("sasl.bootstrap.users.file: ").append(certDir.resolve("users")).append('\n')
                    .append("sasl.mechanism.inter.broker.protocol: SCRAM-SHA-512\n")
                    .append("sasl.inter.broker.credentials.file: ").append(certDir.resolve("broker-credentials")).append('\n')
                    .append("ssl.keystore.type: PEM\n")
                    .append("ssl.keystore.location: ").append(keystores.getOrDefault(id, certDir.resolve("broker-" + id + ".pem"))).append('\n')
                    .append("ssl.truststore.type: PEM\n")
                    .append("ssl.truststore.location: ").append(certDir.resolve("ca.pem")).append('\n')
                    .append("ssl.client.auth: none\n");
        }
        if (proxies != null) {
            yaml.append("advertised.listeners: ").append(certDir == null ? "" : "SASL_SSL://").append("127.0.0.1:")
                    .append(proxyClientPorts.get(id)).append('\n')
                    .append("controller.listener: 127.0.0.1:").append(raftPorts.get(id)).append('\n');
        }
        extraConfig.forEach((k, v) -> yaml.append(k).append(": ").append(v).append('\n'));
        readyLinesAtStart.put(id, readyCount(id));
        Path cfg = root.resolve("broker-" + id + ".yaml");
        Files.writeString(cfg, yaml.toString());
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-Xmx256m", "-XX:+UseSerialGC", "-XX:+ExitOnOutOfMemoryError"));
        command.addAll(jvmOptions);
        if (proxies != null) {
            command.add("-Dsluice.fault.injection=true");
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.sluice.brokerd.Main", "--config", cfg.toString()));
        Process p = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile(id).toFile()))
                .start();
        processes.put(id, p);
        if (proxies != null) {
            proxies.process(id, p.pid());
        }
    }

    /** Waits until broker {@code id}'s latest start logged "ready in". */
    void awaitReady(int id) throws Exception {
        long before = readyLinesAtStart.get(id);
        Process p = processes.get(id);
        waitFor(() -> {
            if (!p.isAlive()) {
                throw new AssertionError("broker " + id + " exited with " + p.exitValue() + "; log:\n" + tail(id));
            }
            return readyCount(id) > before;
        }, READY_TIMEOUT, () -> "broker " + id + " to be ready; its log ends:\n" + tail(id));
    }

    private long readyCount(int id) {
        return readyLines.computeIfAbsent(id, n -> new LineCounter("ready in ")).count(logFile(id));
    }

    /**
     * Counts the occurrences of a needle in a growing file, reading only what was appended since the last call (a
     * broker's log can grow to gigabytes when something loops: never read it whole on every poll).
     */
    private static final class LineCounter {
        private final byte[] needle;
        private long scanned;
        private long count;
        private byte[] carry = new byte[0];

        LineCounter(String needle) {
            this.needle = needle.getBytes(StandardCharsets.UTF_8);
        }

        synchronized long count(Path file) {
            try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(file.toFile(), "r")) {
                long length = f.length();
                byte[] chunk = new byte[1 << 20];
                while (scanned < length) {
                    f.seek(scanned);
                    int n = f.read(chunk, 0, (int) Math.min(chunk.length, length - scanned));
                    if (n <= 0) {
                        break;
                    }
                    scanned += n;
                    byte[] window = new byte[carry.length + n];
                    System.arraycopy(carry, 0, window, 0, carry.length);
                    System.arraycopy(chunk, 0, window, carry.length, n);
                    count += occurrences(window);
                    int keep = Math.min(needle.length - 1, window.length);
                    carry = java.util.Arrays.copyOfRange(window, window.length - keep, window.length);
                }
            } catch (java.io.FileNotFoundException e) {
                return count;
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            return count;
        }

        private int occurrences(byte[] window) {
            int found = 0;
            outer:
            for (int i = 0; i + needle.length <= window.length; i++) {
                for (int j = 0; j < needle.length; j++) {
                    if (window[i + j] != needle[j]) {
                        continue outer;
                    }
                }
                found++;
            }
            return found;
        }
    }

    /** Broker {@code id}'s whole log (tests that look for a line; mind its size). */
    String read(int id) {
        try {
            return Files.exists(logFile(id)) ? Files.readString(logFile(id), StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The last 4000 bytes of broker {@code id}'s log (read from the end: the log may be huge). */
    public String tail(int id) {
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(logFile(id).toFile(), "r")) {
            long from = Math.max(0, f.length() - 4000);
            byte[] b = new byte[(int) (f.length() - from)];
            f.seek(from);
            f.readFully(b);
            return new String(b, StandardCharsets.UTF_8);
        } catch (java.io.FileNotFoundException e) {
            return "";
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** SIGKILL: no shutdown hook, no flush, no controlled shutdown. */
    void kill(int id) throws InterruptedException {
        Process p = processes.remove(id);
        p.destroyForcibly();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            throw new AssertionError("broker " + id + " survived SIGKILL");
        }
        if (proxies != null) {
            proxies.brokerDown(id);
        }
    }

    /** SIGTERM and wait: a clean, controlled shutdown. */
    int stop(int id) throws InterruptedException {
        Process p = processes.remove(id);
        p.destroy();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("broker " + id + " did not stop within 60 s after SIGTERM; log:\n" + tail(id));
        }
        if (proxies != null) {
            proxies.brokerDown(id);
        }
        return p.exitValue();
    }

    /** The OS process id of broker {@code id}, which this cluster started. */
    public long pid(int id) {
        Process p = processes.get(id);
        if (p == null) {
            throw new IllegalStateException("broker " + id + " is not running");
        }
        return p.pid();
    }

    /** SIGSTOP: the broker's JVM freezes with its sockets open, as in a long GC pause or a hung host. */
    void pause(int id) throws IOException, InterruptedException {
        signal(id, "STOP");
    }

    /** SIGCONT: resumes a broker frozen by {@link #pause}. */
    void resume(int id) throws IOException, InterruptedException {
        signal(id, "CONT");
    }

    /** Sends {@code kill -<signal>} to the PID of a process this cluster started, never to any other. */
    private void signal(int id, String signal) throws IOException, InterruptedException {
        long pid = pid(id);
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).redirectErrorStream(true).start();
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            kill.destroyForcibly();
            throw new AssertionError("kill -" + signal + " " + pid + " failed: " + new String(kill.getInputStream().readAllBytes(),
                    StandardCharsets.UTF_8));
        }
    }

    public boolean isRunning(int id) {
        Process p = processes.get(id);
        return p != null && p.isAlive();
    }

    public static void waitFor(BooleanSupplier condition, Duration timeout, String what) throws InterruptedException {
        waitFor(condition, timeout, () -> what);
    }

    /** Polls {@code condition} until it holds; fails with {@code what} (computed then) after {@code timeout}. */
    static void waitFor(BooleanSupplier condition, Duration timeout, java.util.function.Supplier<String> what) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout.toSeconds() + " s waiting for " + what.get());
            }
            Thread.sleep(50);
        }
    }

    @Override
    public void close() throws InterruptedException {
        for (Process p : processes.values()) {
            p.destroyForcibly();
        }
        for (Process p : processes.values()) {
            p.waitFor(30, TimeUnit.SECONDS);
        }
        processes.clear();
    }
}
