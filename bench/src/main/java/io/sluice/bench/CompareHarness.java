package io.sluice.bench;

import io.sluice.bench.ResultTable.Better;
import io.sluice.bench.Workloads.Batching;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Side-by-side benchmark of Apache Kafka and brokerd on this machine (issue 7). For each system, one after the
 * other: launch it on 127.0.0.1 with a temporary data directory, time launch to first acknowledged produce, read
 * its idle RSS, warm it (and this JVM's client) up, then run the same scenarios with the same client
 * ({@link Workloads}, on the Apache Java client):
 * <ol type="a">
 *   <li>6 partitions, 100-byte records, acks=1, default batching, then batch.size=65536 linger.ms=5;</li>
 *   <li>the same with acks=all;</li>
 *   <li>consume what (a) produced with batch.size=65536;</li>
 *   <li>end-to-end latency at a fixed rate (10,000 records/s);</li>
 *   <li>3 brokers, RF=3, min.insync.replicas=2, acks=all;</li>
 *   <li>a 1,000-partition topic and 1,000 idle connections: broker RSS and Metadata latency.</li>
 * </ol>
 * Broker CPU is utime+stime of the broker PIDs from /proc before and after each scenario. Prints a Markdown table
 * with the ratio Sluice/Kafka and appends it, with the date, commit and machine, to the results file. Every wait
 * has a deadline; brokers are stopped by PID in {@code finally}.
 */
public final class CompareHarness {
    static final String KAFKA = "Kafka";
    static final String SLUICE = "Sluice";
    private static final int PARTITIONS = 6;

    record Options(Path kafkaLib, Path brokerd, Path results, String commit, long records, long warmupRecords,
                   int recordSize, double e2eRate, long e2eRecords, long clusterRecords, int widePartitions,
                   int idleConnections, int metadataRequests, boolean runKafka, boolean runSluice, boolean cluster,
                   int rounds, Path jfrDir, String command, boolean tls) {
    }

    private final Options o;
    private final ResultTable table;
    private final List<String> notes = new ArrayList<>();
    /** The single node's SSL listener (scenario g), set by {@link #start}; null without --tls. */
    private String tlsBootstrap;
    /** Certificates of the SSL listeners (config/cluster-3-secure/make-certs.sh), made once per run. */
    private Path certDir;

    private CompareHarness(Options o, String kafkaVersion) {
        this.o = o;
        this.table = new ResultTable(KAFKA, "Kafka " + kafkaVersion, SLUICE, "Sluice " + o.commit());
    }

    public static void main(String[] args) throws Exception {
        Options o;
        try {
            o = parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("CompareHarness: " + e.getMessage());
            System.exit(2);
            return;
        }
        String report = new CompareHarness(o, kafkaVersion(o.kafkaLib())).run();
        System.out.println(report);
        if (o.results() != null) {
            Files.writeString(o.results(), "\n" + report, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            System.out.println("appended to " + o.results());
        }
    }

    static Options parse(String[] args) {
        Map<String, String> m = new HashMap<>(Map.of("--records", "2000000", "--warmup-records", "1000000",
                "--record-size", "100", "--e2e-rate", "10000", "--e2e-records", "200000",
                "--cluster-records", "1000000", "--wide-partitions", "1000", "--idle-connections", "1000",
                "--metadata-requests", "200", "--systems", "kafka,sluice"));
        m.put("--cluster", "true");
        m.put("--rounds", "1");
        m.put("--tls", "true");
        m.put("--commit", "unknown");
        m.put("--command", "bench/compare.sh");
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("expected --option VALUE, got " + args[i]);
            }
            m.put(args[i], args[++i]);
        }
        for (String required : List.of("--kafka-lib", "--brokerd")) {
            if (!m.containsKey(required)) {
                throw new IllegalArgumentException(required + " is required");
            }
        }
        List<String> systems = List.of(m.get("--systems").split(","));
        return new Options(Path.of(m.get("--kafka-lib")), Path.of(m.get("--brokerd")),
                m.containsKey("--results") ? Path.of(m.get("--results")) : null, m.get("--commit"),
                Long.parseLong(m.get("--records")), Long.parseLong(m.get("--warmup-records")),
                Integer.parseInt(m.get("--record-size")), Double.parseDouble(m.get("--e2e-rate")),
                Long.parseLong(m.get("--e2e-records")), Long.parseLong(m.get("--cluster-records")),
                Integer.parseInt(m.get("--wide-partitions")), Integer.parseInt(m.get("--idle-connections")),
                Integer.parseInt(m.get("--metadata-requests")), systems.contains("kafka"), systems.contains("sluice"),
                Boolean.parseBoolean(m.get("--cluster")), Integer.parseInt(m.get("--rounds")),
                m.containsKey("--jfr") ? Path.of(m.get("--jfr")).toAbsolutePath() : null, m.get("--command"),
                Boolean.parseBoolean(m.get("--tls")));
    }

    static String kafkaVersion(Path kafkaLib) throws IOException {
        try (Stream<Path> jars = Files.list(kafkaLib)) {
            return jars.map(p -> p.getFileName().toString()).filter(n -> n.matches("kafka_2\\.13-.*\\.jar"))
                    .map(n -> n.substring("kafka_2.13-".length(), n.length() - ".jar".length())).findFirst()
                    .orElseThrow(() -> new IOException("no kafka_2.13 jar in " + kafkaLib
                            + ": run mvn -Pkafka-compare package first"));
        }
    }

    private String run() throws Exception {
        defineFigures();
        String loadBefore = loadAverage();
        long startNs = System.nanoTime();
        Path work = Files.createTempDirectory("sluice-compare-");
        try {
            for (int round = 1; round <= o.rounds(); round++) {
                // alternate which system goes first, so that neither always meets the other's aftermath
                List<String> order = round % 2 == 1 ? List.of(KAFKA, SLUICE) : List.of(SLUICE, KAFKA);
                for (String system : order) {
                    if (system.equals(KAFKA) ? o.runKafka() : o.runSluice()) {
                        Path dir = work.resolve(system.toLowerCase(Locale.ROOT) + "-" + round);
                        System.out.printf("== round %d of %d: %s%n", round, o.rounds(), system);
                        notes.add("round " + round + ", " + system + ": load average " + loadAverage() + " at start");
                        guarded(system, "single node, round " + round, () -> runSingleNode(system, dir));
                    }
                }
            }
            if (o.cluster() && o.runKafka()) {
                guarded(KAFKA, "3 nodes", () -> runKafkaCluster(work.resolve("kafka-cluster")));
            } else {
                notAvailable(KAFKA, "e.", "not run");
            }
            if (o.cluster() && o.runSluice()) {
                guarded(SLUICE, "3 nodes", () -> runSluiceCluster(work.resolve("sluice-cluster")));
            } else {
                notAvailable(SLUICE, "e.", "not run");
            }
        } finally {
            deleteTree(work);
        }
        String loadAfter = loadAverage();
        return report(loadBefore, loadAfter, (System.nanoTime() - startNs) / 1e9);
    }

    /** A system that fails to start or warm up leaves its figures empty and a note; the other still runs. */
    private void guarded(String system, String what, Scenario s) {
        try {
            s.run();
        } catch (Exception e) {
            String msg = describe(e);
            notes.add(system + " " + what + " failed: " + msg);
            System.err.printf("%s %s failed: %s%n", system, what, msg);
        }
    }

    private static String describe(Throwable e) {
        StringBuilder sb = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            sb.append(sb.length() > 0 ? "; caused by " : "").append(t.getClass().getSimpleName()).append(": ")
                    .append(t.getMessage());
        }
        return sb.toString();
    }

    private void defineFigures() {
        table.define("start.first_produce_ms", "launch to first acknowledged produce, ms", Better.LOWER);
        table.define("start.idle_rss_mb", "idle RSS after start, MB", Better.LOWER);
        for (String s : List.of("a1", "a2", "b1", "b2")) {
            String what = switch (s) {
                case "a1" -> "a. produce acks=1, default batching";
                case "a2" -> "a. produce acks=1, 64 KiB/5 ms";
                case "b1" -> "b. produce acks=all, default batching";
                default -> "b. produce acks=all, 64 KiB/5 ms";
            };
            defineProduce(s, what);
        }
        table.define("c.records_per_sec", "c. consume: records/s", Better.HIGHER);
        table.define("c.mb_per_sec", "c. consume: MB/s", Better.HIGHER);
        table.define("c.cpu_s_per_m", "c. consume: broker CPU s per M records", Better.LOWER);
        table.define("d.p50_ms", "d. end-to-end at " + (long) o.e2eRate() + "/s: p50 ms", Better.LOWER);
        table.define("d.p99_ms", "d. end-to-end: p99 ms", Better.LOWER);
        table.define("d.p999_ms", "d. end-to-end: p99.9 ms", Better.LOWER);
        table.define("d.cpu_s_per_m", "d. end-to-end: broker CPU s per M records", Better.LOWER);
        defineProduce("e", "e. 3 brokers RF=3 acks=all, default batching");
        table.define("f.rss_mb", "f. RSS with " + o.widePartitions() + " partitions + " + o.idleConnections()
                + " idle connections, MB", Better.LOWER);
        table.define("f.metadata_p50_ms", "f. Metadata (all topics): p50 ms", Better.LOWER);
        table.define("f.metadata_p99_ms", "f. Metadata (all topics): p99 ms", Better.LOWER);
        defineProduce("g1", "g. TLS: produce acks=1, 64 KiB/5 ms");
        table.define("g2.records_per_sec", "g. TLS: consume: records/s", Better.HIGHER);
        table.define("g2.mb_per_sec", "g. TLS: consume: MB/s", Better.HIGHER);
        table.define("g2.cpu_s_per_m", "g. TLS: consume: broker CPU s per M records", Better.LOWER);
        table.define("peak_rss_mb", "peak RSS (VmHWM) over the run, MB", Better.LOWER);
    }

    private void defineProduce(String s, String what) {
        table.define(s + ".records_per_sec", what + ": records/s", Better.HIGHER);
        table.define(s + ".mb_per_sec", what + ": MB/s", Better.HIGHER);
        table.define(s + ".p50_ms", what + ": send-to-ack p50 ms", Better.LOWER);
        table.define(s + ".p99_ms", what + ": send-to-ack p99 ms", Better.LOWER);
        table.define(s + ".cpu_s_per_m", what + ": broker CPU s per M records", Better.LOWER);
    }

    // --- one system on one node ------------------------------------------------------------------------------

    private void runSingleNode(String system, Path dir) throws Exception {
        Files.createDirectories(dir);
        List<BrokerProcess> brokers = new ArrayList<>();
        try {
            String bootstrap = start(system, dir, brokers);
            InetSocketAddress address = new InetSocketAddress("127.0.0.1",
                    Integer.parseInt(bootstrap.substring(bootstrap.lastIndexOf(':') + 1)));
            idleRss(system, brokers);
            warmUp(system, bootstrap, brokers);
            scenario(system, "a1", () -> produceScenario(system, "a1", bootstrap, "1", Batching.CLIENT_DEFAULT, brokers));
            Batching batched = new Batching(65536, 5);
            scenario(system, "a2", () -> produceScenario(system, "a2", bootstrap, "1", batched, brokers));
            scenario(system, "b1", () -> produceScenario(system, "b1", bootstrap, "all", Batching.CLIENT_DEFAULT, brokers));
            scenario(system, "b2", () -> produceScenario(system, "b2", bootstrap, "all", batched, brokers));
            scenario(system, "c", () -> consumeScenario(system, bootstrap, "a2", brokers));
            scenario(system, "d", () -> endToEndScenario(system, bootstrap, brokers));
            scenario(system, "f", () -> wideScenario(system, bootstrap, address, brokers));
            if (o.tls()) {
                // g: a2 and c again over the SSL listener (server authentication, TLSv1.3, the JDK's TLS on both)
                Map<String, Object> tls = Map.of("security.protocol", "SSL", "ssl.truststore.type", "PEM",
                        "ssl.truststore.location", certDir.resolve("ca.pem").toString());
                scenario(system, "g1", () -> {
                    Workloads.createTopic(tlsBootstrap, tls, "g1", PARTITIONS, (short) 1, Map.of(), Duration.ofSeconds(60));
                    putProduce(system, "g1", withCpu(system, "g1", brokers, o.records(), () -> Workloads.produce(tlsBootstrap,
                            tls, "g1", o.records(), o.recordSize(), "1", batched, Duration.ofMinutes(5))));
                });
                scenario(system, "g2", () -> {
                    Workloads.ConsumeResult r = withCpu(system, "g2", brokers, o.records(), () ->
                            Workloads.consumeAll(tlsBootstrap, tls, "g1", PARTITIONS, Duration.ofMinutes(5)));
                    table.put(system, "g2.records_per_sec", r.recordsPerSec());
                    table.put(system, "g2.mb_per_sec", r.mbPerSec());
                    System.out.printf(Locale.ROOT, "%s: g2 %,.0f records/s%n", system, r.recordsPerSec());
                });
            } else {
                notAvailable(system, "g1.", "not run (--tls false)");
                notAvailable(system, "g2.", "not run (--tls false)");
            }
            table.put(system, "peak_rss_mb", brokers.get(0).stats().peakRssMb());
        } finally {
            stopAll(brokers);
        }
    }

    private String start(String system, Path dir, List<BrokerProcess> brokers) throws Exception {
        String bootstrap;
        int tlsPort = -1;
        if (o.tls()) {
            if (certDir == null) {
                certDir = makeCerts(dir.getParent().resolve("certs"));
            }
            tlsPort = FreePorts.take(1)[0];
            tlsBootstrap = "127.0.0.1:" + tlsPort;
        }
        if (system.equals(KAFKA)) {
            KafkaLauncher kafka = new KafkaLauncher(o.kafkaLib(), dir, jfrOptions(dir), certDir, tlsPort);
            KafkaLauncher.Ports ports = kafka.allocate(1);
            kafka.prepare(ports);
            bootstrap = ports.bootstrap();
            try (ReadinessProbe probe = new ReadinessProbe(bootstrap)) {
                brokers.addAll(kafka.launch(ports));
                recordReady(system, probe, brokers);
            }
        } else {
            int port = FreePorts.take(1)[0];
            bootstrap = "127.0.0.1:" + port;
            try (ReadinessProbe probe = new ReadinessProbe(bootstrap)) {
                brokers.add(new SluiceLauncher(o.brokerd(), dir, jfrOptions(dir)).launch(port, tlsPort, certDir));
                recordReady(system, probe, brokers);
            }
        }
        System.out.printf("%s: pid %d, ready on %s in %.0f ms%n", system, brokers.get(0).pid(), bootstrap,
                table.value(system, "start.first_produce_ms"));
        return bootstrap;
    }

    /** A CA and the certificate "broker" (127.0.0.1) with the shipped config/cluster-3-secure/make-certs.sh. */
    private static Path makeCerts(Path dir) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("bash", "config/cluster-3-secure/make-certs.sh", dir.toString(), "broker")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        if (!p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IOException("config/cluster-3-secure/make-certs.sh failed (run from the repository root): " + out);
        }
        return dir;
    }

    /** With --jfr, a flight recording of the broker's whole run, written when it stops. */
    private List<String> jfrOptions(Path dir) throws IOException {
        if (o.jfrDir() == null) {
            return List.of();
        }
        Files.createDirectories(o.jfrDir());
        Path file = o.jfrDir().resolve(dir.getFileName() + ".jfr");
        return List.of("-XX:StartFlightRecording=filename=" + file + ",settings=profile,dumponexit=true");
    }

    private void recordReady(String system, ReadinessProbe probe, List<BrokerProcess> brokers) throws Exception {
        double ms = probe.awaitFirstProduce(brokers.get(0).launchNs(), brokers, Duration.ofSeconds(120));
        table.put(system, "start.first_produce_ms", ms);
    }

    /** RSS five seconds after the first produce, with nothing else going on: the broker at rest. */
    private void idleRss(String system, List<BrokerProcess> brokers) throws Exception {
        TimeUnit.SECONDS.sleep(5); // the definition of "idle", not a wait for some condition
        table.put(system, "start.idle_rss_mb", brokers.get(0).stats().rssMb());
    }

    /** The first run of anything is the slowest: warm broker and client JITs on a throw-away topic. */
    private void warmUp(String system, String bootstrap, List<BrokerProcess> brokers) throws Exception {
        System.out.printf("%s: warm-up, %,d records%n", system, o.warmupRecords());
        // every topic now, so that leadership has settled before anything is measured on it
        for (String topic : List.of("warmup", "a1", "a2", "b1", "b2", "e2e")) {
            Workloads.createTopic(bootstrap, topic, PARTITIONS, (short) 1, Map.of(), Duration.ofSeconds(60));
        }
        Duration limit = Duration.ofMinutes(5);
        Workloads.produce(bootstrap, "warmup", o.warmupRecords() / 2, o.recordSize(), "1", Batching.CLIENT_DEFAULT, limit);
        Workloads.produce(bootstrap, "warmup", o.warmupRecords() / 2, o.recordSize(), "all", new Batching(65536, 5), limit);
        Workloads.consumeAll(bootstrap, "warmup", PARTITIONS, limit);
        Workloads.endToEnd(bootstrap, "e2e", PARTITIONS, (long) o.e2eRate() * 2, o.recordSize(), o.e2eRate(), limit);
    }

    private interface Scenario {
        void run() throws Exception;
    }

    /** Runs one scenario; a failure is recorded against its figures and the run goes on with the next. */
    private void scenario(String system, String id, Scenario s) {
        System.out.printf("%s: scenario %s%n", system, id);
        try {
            s.run();
        } catch (Exception e) {
            String msg = describe(e);
            notes.add(system + " scenario " + id + " failed: " + msg);
            notAvailable(system, id + ".", "failed");
            System.err.printf("%s: scenario %s failed: %s%n", system, id, msg);
        }
    }

    private void notAvailable(String system, String prefix, String reason) {
        for (String id : List.of("records_per_sec", "mb_per_sec", "p50_ms", "p99_ms", "p999_ms", "cpu_s_per_m",
                "rss_mb", "metadata_p50_ms", "metadata_p99_ms")) {
            table.notAvailable(system, prefix + id, reason);
        }
    }

    private void produceScenario(String system, String id, String bootstrap, String acks, Batching batching,
                                 List<BrokerProcess> brokers) throws Exception {
        Workloads.ProduceResult r = withCpu(system, id, brokers, o.records(), () ->
                Workloads.produce(bootstrap, id, o.records(), o.recordSize(), acks, batching, Duration.ofMinutes(5)));
        putProduce(system, id, r);
    }

    private void putProduce(String system, String id, Workloads.ProduceResult r) {
        table.put(system, id + ".records_per_sec", r.recordsPerSec());
        table.put(system, id + ".mb_per_sec", r.mbPerSec());
        table.put(system, id + ".p50_ms", r.latencyNs().getValueAtPercentile(50) / 1e6);
        table.put(system, id + ".p99_ms", r.latencyNs().getValueAtPercentile(99) / 1e6);
        System.out.printf(Locale.ROOT, "%s: %s %,.0f records/s%n", system, id, r.recordsPerSec());
    }

    private void consumeScenario(String system, String bootstrap, String topic, List<BrokerProcess> brokers)
            throws Exception {
        Workloads.ConsumeResult r = withCpu(system, "c", brokers, o.records(), () ->
                Workloads.consumeAll(bootstrap, topic, PARTITIONS, Duration.ofMinutes(5)));
        table.put(system, "c.records_per_sec", r.recordsPerSec());
        table.put(system, "c.mb_per_sec", r.mbPerSec());
        System.out.printf(Locale.ROOT, "%s: c %,.0f records/s%n", system, r.recordsPerSec());
    }

    private void endToEndScenario(String system, String bootstrap, List<BrokerProcess> brokers) throws Exception {
        Duration limit = Duration.ofSeconds((long) (o.e2eRecords() / o.e2eRate()) + 120);
        Workloads.EndToEndResult r = withCpu(system, "d", brokers, o.e2eRecords(), () ->
                Workloads.endToEnd(bootstrap, "e2e", PARTITIONS, o.e2eRecords(), o.recordSize(), o.e2eRate(), limit));
        Histogram h = r.latencyNs();
        table.put(system, "d.p50_ms", h.getValueAtPercentile(50) / 1e6);
        table.put(system, "d.p99_ms", h.getValueAtPercentile(99) / 1e6);
        table.put(system, "d.p999_ms", h.getValueAtPercentile(99.9) / 1e6);
        System.out.printf(Locale.ROOT, "%s: d p99 %.2f ms%n", system, h.getValueAtPercentile(99) / 1e6);
    }

    private void wideScenario(String system, String bootstrap, InetSocketAddress address, List<BrokerProcess> brokers)
            throws Exception {
        Workloads.createTopic(bootstrap, "wide", o.widePartitions(), (short) 1, Map.of(), Duration.ofMinutes(3));
        try (Workloads.IdleConnections idle = Workloads.openIdleConnections(address, o.idleConnections(),
                Duration.ofMinutes(2))) {
            Histogram h = Workloads.metadataLatency(bootstrap, 20, o.metadataRequests(), Duration.ofMinutes(3));
            table.put(system, "f.rss_mb", brokers.get(0).stats().rssMb());
            table.put(system, "f.metadata_p50_ms", h.getValueAtPercentile(50) / 1e6);
            table.put(system, "f.metadata_p99_ms", h.getValueAtPercentile(99) / 1e6);
            System.out.printf(Locale.ROOT, "%s: f %d idle connections, Metadata p50 %.2f ms%n", system, idle.size(),
                    h.getValueAtPercentile(50) / 1e6);
        }
    }

    /** Runs {@code work} and records the brokers' CPU seconds per million records under {@code id}. */
    private <T> T withCpu(String system, String id, List<BrokerProcess> brokers, long records, Callable<T> work)
            throws Exception {
        double before = cpuSeconds(brokers);
        T result = work.call();
        double after = cpuSeconds(brokers);
        table.put(system, id + ".cpu_s_per_m", (after - before) / records * 1e6);
        return result;
    }

    private static double cpuSeconds(List<BrokerProcess> brokers) throws IOException {
        double sum = 0;
        for (BrokerProcess b : brokers) {
            sum += b.stats().cpuSeconds();
        }
        return sum;
    }

    // --- Kafka on three nodes (scenario e) -------------------------------------------------------------------

    private void runKafkaCluster(Path dir) throws Exception {
        Files.createDirectories(dir);
        List<BrokerProcess> brokers = new ArrayList<>();
        try {
            KafkaLauncher kafka = new KafkaLauncher(o.kafkaLib(), dir, List.of());
            KafkaLauncher.Ports ports = kafka.allocate(3);
            kafka.prepare(ports);
            String bootstrap = ports.bootstrap();
            try (ReadinessProbe probe = new ReadinessProbe(bootstrap)) {
                brokers.addAll(kafka.launch(ports));
                probe.awaitFirstProduce(brokers.get(0).launchNs(), brokers, Duration.ofSeconds(180));
            }
            System.out.printf("kafka cluster: pids %s ready on %s%n",
                    brokers.stream().map(b -> String.valueOf(b.pid())).toList(), bootstrap);
            clusterScenario(KAFKA, bootstrap, brokers);
        } finally {
            stopAll(brokers);
        }
    }

    // --- brokerd on three nodes (scenario e) -----------------------------------------------------------------

    private void runSluiceCluster(Path dir) throws Exception {
        Files.createDirectories(dir);
        List<BrokerProcess> brokers = new ArrayList<>();
        try {
            int[] ports = FreePorts.take(6);
            StringBuilder voters = new StringBuilder();
            StringBuilder bootstrapBuilder = new StringBuilder();
            for (int n = 1; n <= 3; n++) {
                voters.append(n == 1 ? "" : ",").append(n).append("@127.0.0.1:").append(ports[2 + n]);
                bootstrapBuilder.append(n == 1 ? "" : ",").append("127.0.0.1:").append(ports[n - 1]);
            }
            String bootstrap = bootstrapBuilder.toString();
            SluiceLauncher sluice = new SluiceLauncher(o.brokerd(), dir, List.of());
            try (ReadinessProbe probe = new ReadinessProbe(bootstrap)) {
                for (int n = 1; n <= 3; n++) {
                    brokers.add(sluice.launchClusterNode(n, ports[n - 1], voters.toString()));
                }
                probe.awaitFirstProduce(brokers.get(0).launchNs(), brokers, Duration.ofSeconds(180));
            }
            System.out.printf("brokerd cluster: pids %s ready on %s%n",
                    brokers.stream().map(b -> String.valueOf(b.pid())).toList(), bootstrap);
            clusterScenario(SLUICE, bootstrap, brokers);
        } finally {
            stopAll(brokers);
        }
    }

    /** Scenario e on a running 3-node cluster of {@code system}: RF=3, min.insync.replicas=2, acks=all, after a warm-up. */
    private void clusterScenario(String system, String bootstrap, List<BrokerProcess> brokers) {
        scenario(system, "e", () -> {
            Map<String, String> cfg = Map.of("min.insync.replicas", "2");
            Workloads.createTopic(bootstrap, "warmup3", PARTITIONS, (short) 3, cfg, Duration.ofMinutes(2));
            Workloads.createTopic(bootstrap, "e", PARTITIONS, (short) 3, cfg, Duration.ofMinutes(2));
            Workloads.produce(bootstrap, "warmup3", o.warmupRecords() / 2, o.recordSize(), "all",
                    Batching.CLIENT_DEFAULT, Duration.ofMinutes(5));
            Workloads.ProduceResult r = withCpu(system, "e", brokers, o.clusterRecords(), () ->
                    Workloads.produce(bootstrap, "e", o.clusterRecords(), o.recordSize(), "all",
                            Batching.CLIENT_DEFAULT, Duration.ofMinutes(5)));
            putProduce(system, "e", r);
        });
    }

    /** SIGTERM to every broker first (a Kafka node waits for its peers while they run), then bounded waits. */
    private static void stopAll(List<BrokerProcess> brokers) throws InterruptedException {
        for (BrokerProcess b : brokers) {
            b.signalStop();
        }
        for (BrokerProcess b : brokers) {
            int code = b.stop(Duration.ofSeconds(30));
            System.out.printf("%s (pid %d) stopped, exit %d%n", b.name(), b.pid(), code);
        }
    }

    // --- report ----------------------------------------------------------------------------------------------

    private String report(String loadBefore, String loadAfter, double seconds) {
        StringBuilder sb = new StringBuilder();
        sb.append("## ").append(ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ISO_LOCAL_DATE_TIME)
                .substring(0, 19)).append(" UTC, commit ").append(o.commit()).append("\n\n");
        sb.append("- machine: ").append(machine()).append('\n');
        sb.append("- load average (1/5/15 min) before: ").append(loadBefore).append(", after: ").append(loadAfter)
                .append(" (the machine is shared with other builds: figures may be disturbed)\n");
        if (o.rounds() > 1) {
            sb.append("- ").append(o.rounds()).append(" rounds of the single-node scenarios, alternating which system "
                    + "goes first; each figure is the median of its rounds (the 3-broker scenario ran once)\n");
        }
        if (o.jfrDir() != null) {
            sb.append("- profiled with JFR (settings=profile) into ").append(o.jfrDir())
                    .append(": figures carry the recording's overhead\n");
        }
        sb.append("- command: `").append(o.command()).append("`, ").append(String.format(Locale.ROOT, "%.0f s", seconds))
                .append('\n');
        sb.append(String.format(Locale.ROOT, "- workload: %,d records of %d bytes per produce scenario, %d partitions, "
                        + "warm-up %,d records per system; end-to-end %,d records at %,.0f/s; "
                        + "3-broker scenario %,d records; %d-partition topic with %d idle connections, %d Metadata requests%n",
                o.records(), o.recordSize(), PARTITIONS, o.warmupRecords(), o.e2eRecords(), o.e2eRate(),
                o.clusterRecords(), o.widePartitions(), o.idleConnections(), o.metadataRequests()));
        sb.append("- Kafka JVM: ").append(String.join(" ", KafkaLauncher.JVM_OPTIONS))
                .append(" (kafka-server-start.sh defaults); brokerd: its installed launcher's defaults\n\n");
        sb.append(table.render());
        for (String n : notes) {
            sb.append("\n- ").append(n);
        }
        return sb.append('\n').toString();
    }

    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "unknown";
        }
    }

    static String machine() {
        String cpu = "unknown CPU";
        long memKb = 0;
        try {
            cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse(cpu);
            memKb = Files.readAllLines(Path.of("/proc/meminfo")).stream().filter(l -> l.startsWith("MemTotal:"))
                    .map(l -> Long.parseLong(l.replaceAll("[^0-9]", ""))).findFirst().orElse(0L);
        } catch (IOException e) {
            // machine description is informative only
        }
        return String.format(Locale.ROOT, "%d CPUs (nproc), %s, %.1f GiB memory, Java %s (%s), %s %s",
                Runtime.getRuntime().availableProcessors(), cpu, memKb / 1048576.0,
                System.getProperty("java.runtime.version"), System.getProperty("java.vm.name"),
                System.getProperty("os.name"), System.getProperty("os.version"));
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
