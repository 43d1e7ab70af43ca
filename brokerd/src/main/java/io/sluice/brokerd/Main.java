package io.sluice.brokerd;

import io.sluice.brokerd.config.BrokerConfig;
import io.sluice.brokerd.config.ConfigException;
import io.sluice.brokerd.log.DataDirLockedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.PrintStream;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * {@code brokerd [--config FILE] [--set key=value]... [--help] [--version]}.
 * Exit status: 0 for --help/--version, 1 when the broker fails at start or run time (e.g. the data directory is
 * locked by another brokerd), 2 for bad usage or a bad configuration, 3 after an out-of-memory error (see
 * {@link io.sluice.brokerd.common.Fatal}; the launcher's {@code -XX:+ExitOnOutOfMemoryError} uses the same status).
 * After SIGTERM/SIGINT the shutdown hook closes the broker cleanly and the JVM exits with its usual 143/130.
 */
public final class Main {
    static final int EXIT_OK = 0;
    static final int EXIT_FAILURE = 1;
    static final int EXIT_USAGE = 2;
    private static final String USAGE = String.join("\n",
            "Usage: brokerd [--config FILE] [--set KEY=VALUE]... [--check-config] [--help] [--version]",
            "",
            "Runs the Sluice broker. Without --config it serves the embedded single-node default",
            "(127.0.0.1:9092, data under ~/.local/share/sluice).",
            "",
            "  --config FILE      read settings from FILE (YAML, flat keys; see brokerd.yaml(5))",
            "  --set KEY=VALUE    override one setting; repeatable; applied after --config",
            "  --check-config     validate the configuration (file and --set, TLS keystores and truststores",
            "                     included) and exit: 0 valid, 2 invalid",
            "  --help             print this help and exit",
            "  --version          print the version and exit",
            "",
            "Signals: SIGTERM or SIGINT shut down cleanly (in-flight requests answered, logs flushed).",
            "Exit status: 1 runtime failure, 2 bad usage or configuration, 3 out of memory; 143 after SIGTERM.");

    /** Parsed command line. */
    record Args(Path configFile, Map<String, String> overrides, boolean help, boolean version, boolean checkOnly) {
    }

    private Main() {
    }

    public static void main(String[] args) {
        // A thread that dies of an uncaught throwable is logged, and one that ran out of memory ends the process.
        Thread.setDefaultUncaughtExceptionHandler(io.sluice.brokerd.common.Fatal.UNCAUGHT);
        int code = run(args, System.out, System.err);
        if (code != EXIT_OK) {
            System.exit(code);
        }
    }

    /** Parses {@code args}; throws IllegalArgumentException with a message for bad usage. */
    static Args parse(String[] args) {
        Path config = null;
        Map<String, String> overrides = new LinkedHashMap<>();
        boolean help = false;
        boolean version = false;
        boolean check = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--help", "-h" -> help = true;
                case "--version", "-V" -> version = true;
                case "--check-config" -> check = true;
                case "--config", "-c" -> {
                    if (i + 1 >= args.length) {
                        throw new IllegalArgumentException("--config needs a file");
                    }
                    config = Paths.get(args[++i]);
                }
                case "--set" -> {
                    if (i + 1 >= args.length) {
                        throw new IllegalArgumentException("--set needs KEY=VALUE");
                    }
                    String kv = args[++i];
                    int eq = kv.indexOf('=');
                    if (eq <= 0) {
                        throw new IllegalArgumentException("--set expects KEY=VALUE, got '" + kv + "'");
                    }
                    overrides.put(kv.substring(0, eq).trim(), kv.substring(eq + 1));
                }
                default -> throw new IllegalArgumentException("unknown argument '" + a + "'");
            }
        }
        return new Args(config, overrides, help, version, check);
    }

    /** Runs brokerd until it is told to stop; returns the exit status. */
    static int run(String[] argv, PrintStream out, PrintStream err) {
        Args args;
        try {
            args = parse(argv);
        } catch (IllegalArgumentException e) {
            err.println("brokerd: " + e.getMessage());
            err.println(USAGE.lines().findFirst().orElse(""));
            return EXIT_USAGE;
        }
        if (args.help()) {
            out.println(USAGE);
            return EXIT_OK;
        }
        if (args.version()) {
            out.println("brokerd " + version());
            return EXIT_OK;
        }
        long startNs = System.nanoTime();
        BrokerConfig config;
        try {
            config = BrokerConfig.load(args.configFile(), args.overrides());
        } catch (ConfigException e) {
            err.println("brokerd: " + e.getMessage());
            return EXIT_USAGE;
        }
        if (args.checkOnly()) {
            try {
                config.checkStartable();
                checkKeyMaterial(config);
                config.networkConfig();
            } catch (ConfigException e) {
                err.println("brokerd: " + e.getMessage());
                return EXIT_USAGE;
            }
            out.println("brokerd: configuration " + config.source() + " is valid");
            return EXIT_OK;
        }
        LoggerFactory.getLogger(Main.class).info("Effective configuration ({}): {}", config.source(), config.describeMasked());
        if (!config.isBroker()) {
            return runController(config, startNs, err);
        }
        Broker broker;
        try {
            broker = Broker.start(config);
        } catch (RuntimeException e) {
            return startFailed(e, err);
        }
        Logger log = LoggerFactory.getLogger(Main.class);
        log.info("brokerd {} node.id={} cluster.id={} listener={} listeners={} data.dir={} config={}", version(), broker.nodeId(),
                broker.clusterId(), broker.bootstrapServers(), broker.listenersDescription(), config.dataDir(), config.source());
        log.info("ready in {} ms", (System.nanoTime() - startNs) / 1_000_000);
        awaitShutdown(log, broker);
        return EXIT_OK;
    }

    /** Why start-up failed, on stderr, as the exit status: a bad config is a usage error, the rest a failure. */
    private static int startFailed(RuntimeException e, PrintStream err) {
        if (e instanceof ConfigException || e instanceof DataDirLockedException) {
            err.println("brokerd: " + e.getMessage());
            return e instanceof ConfigException ? EXIT_USAGE : EXIT_FAILURE;
        }
        err.println("brokerd: failed to start: " + e);
        LoggerFactory.getLogger(Main.class).error("Start-up failed", e);
        return EXIT_FAILURE;
    }

    /** Runs a dedicated controller (process.roles=controller) until it is told to stop; returns the exit status. */
    private static int runController(BrokerConfig config, long startNs, PrintStream err) {
        ControllerNode node;
        try {
            node = ControllerNode.start(config);
        } catch (RuntimeException e) {
            return startFailed(e, err);
        }
        Logger log = LoggerFactory.getLogger(Main.class);
        log.info("brokerd {} node.id={} cluster.id={} process.roles=controller controller.quorum.voters={} data.dir={} config={}",
                version(), node.nodeId(), node.clusterId(), config.controllerConfig().voters(), config.dataDir(), config.source());
        log.info("ready in {} ms", (System.nanoTime() - startNs) / 1_000_000);
        awaitShutdown(log, node);
        return EXIT_OK;
    }

    /** Blocks until SIGTERM/SIGINT has closed {@code node}. */
    private static void awaitShutdown(Logger log, AutoCloseable node) {
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            log.info("Shutting down");
            try {
                node.close();
                log.info("Shut down cleanly");
            } catch (Exception e) {
                log.error("Shutdown failed", e);
            }
            stopped.countDown();
        }, "sluice-shutdown"));
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Reads every TLS listener's (and the HTTPS metrics endpoint's) keystore and truststore, as a start would. */
    private static void checkKeyMaterial(BrokerConfig config) {
        try {
            for (io.sluice.brokerd.config.Listeners.Listener l : config.listeners()) {
                if (l.protocol().usesTls()) {
                    io.sluice.brokerd.security.SslFactory.create(config.listenerSsl(l.name()), true);
                }
            }
            if (config.metricsHttps()) {
                io.sluice.brokerd.security.SslFactory.create(config.metricsSsl(), true);
            }
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
    }

    static String version() {
        String v = Main.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }
}
