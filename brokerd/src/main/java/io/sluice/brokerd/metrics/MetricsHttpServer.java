package io.sluice.brokerd.metrics;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.security.MessageDigest;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;

/**
 * The metrics and health listener (the JDK's HTTP server: a few plain endpoints do not need more):
 * <pre>
 *   GET /metrics                 Prometheus text exposition
 *   GET /ready                   200 once the broker serves requests with its metadata loaded, 503 before
 *   GET /health                  200 while no partition is offline, the log directory is online and the controller
 *                                keeps this broker live, 503 (saying why) otherwise
 *   GET|PUT /faults/...          fault injection, only on a broker started with -Dsluice.fault.injection=true
 *   GET /loglevel?logger=NAME    the logger's effective level
 *   PUT /loglevel?logger=NAME&amp;level=LEVEL   changes it at runtime (logger ROOT for the root)
 * </pre>
 * One thread serves all requests; scrapes are cheap. Started before the broker so /ready can say 503 meanwhile.
 * <p>
 * Security, both optional: HTTPS ({@code metrics.listener: https://host:port}) with the broker's {@code ssl.*} keys,
 * each overridable as {@code metrics.ssl.*} (certificate rotation included; {@code metrics.ssl.client.auth=required}
 * asks scrapers for a client certificate), and HTTP basic auth on every path against the users of
 * {@code metrics.basic.auth.file} ({@code USER:PASSWORD} lines in a file only its owner may read; only SHA-256
 * digests of the passwords are kept in memory). A request without valid credentials gets 401.
 */
public final class MetricsHttpServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(MetricsHttpServer.class);

    private final HttpServer server;
    private volatile MetricsRegistry registry;
    private volatile BooleanSupplier ready = () -> false;
    /** What is unhealthy now; empty when healthy. */
    private volatile java.util.function.Supplier<String> problems = () -> "";
    private volatile Faults faults;

    /** Fault injection behind {@code /faults}: the path after {@code /faults/} and the query; the new state. */
    public interface Faults {
        String apply(String what, Map<String, String> params);
    }

    public MetricsHttpServer(String host, int port) throws IOException {
        this(host, port, null, null, null);
    }

    /**
     * {@code tls}: serve HTTPS with this context and {@code tlsConfig}'s protocols, ciphers and client auth (null:
     * HTTP). {@code users}: user name to SHA-256 of the password, from {@link #readUsers} (null: no authentication).
     */
    public MetricsHttpServer(String host, int port, javax.net.ssl.SSLContext tls,
                             io.sluice.brokerd.security.SslConfig tlsConfig, Map<String, byte[]> users) throws IOException {
        InetSocketAddress address = new InetSocketAddress(host, port);
        if (tls != null) {
            com.sun.net.httpserver.HttpsServer https = com.sun.net.httpserver.HttpsServer.create(address, 16);
            https.setHttpsConfigurator(new com.sun.net.httpserver.HttpsConfigurator(tls) {
                @Override
                public void configure(com.sun.net.httpserver.HttpsParameters params) {
                    javax.net.ssl.SSLParameters p = getSSLContext().getDefaultSSLParameters();
                    p.setProtocols(tlsConfig.enabledProtocols().toArray(new String[0]));
                    if (!tlsConfig.cipherSuites().isEmpty()) {
                        p.setCipherSuites(tlsConfig.cipherSuites().toArray(new String[0]));
                    }
                    p.setNeedClientAuth(tlsConfig.clientAuth() == io.sluice.brokerd.security.SslConfig.ClientAuth.REQUIRED);
                    if (tlsConfig.clientAuth() == io.sluice.brokerd.security.SslConfig.ClientAuth.REQUESTED) {
                        p.setWantClientAuth(true);
                    }
                    params.setSSLParameters(p);
                }
            });
            server = https;
        } else {
            server = HttpServer.create(address, 16);
        }
        com.sun.net.httpserver.Authenticator auth = users == null ? null : new com.sun.net.httpserver.BasicAuthenticator("sluice") {
            @Override
            public boolean checkCredentials(String user, String password) {
                byte[] expected = users.get(user);
                byte[] given = sha256(password);
                // Compared in constant time; an unknown user is compared against itself so it costs the same.
                return MessageDigest.isEqual(expected == null ? given : expected, given) && expected != null;
            }
        };
        server.setExecutor(Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "sluice-metrics-http");
            t.setDaemon(true);
            return t;
        }));
        java.util.List<com.sun.net.httpserver.HttpContext> contexts = java.util.List.of(
                server.createContext("/metrics", ex -> handle(ex, this::metrics)),
                server.createContext("/ready", ex -> handle(ex, e -> status(e, ready.getAsBoolean(), "ready", "not ready"))),
                server.createContext("/health", ex -> handle(ex, this::health)),
                server.createContext("/faults", ex -> handle(ex, this::faults)),
                server.createContext("/loglevel", ex -> handle(ex, this::logLevel)),
                server.createContext("/", ex -> handle(ex, e -> respond(e, 404, "text/plain; charset=utf-8", "not found\n"))));
        if (auth != null) {
            contexts.forEach(c -> c.setAuthenticator(auth));
        }
        server.start();
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Reads {@code USER:PASSWORD} lines (blank lines and {@code #} comments skipped) into user to SHA-256 of the
     * password. Refuses a file that anyone but its owner may read or write, as ssh refuses a key file: the passwords
     * in it are in the clear. IllegalArgumentException says what is wrong (never the password).
     */
    public static Map<String, byte[]> readUsers(java.nio.file.Path file) {
        Map<String, byte[]> users = new HashMap<>();
        io.sluice.brokerd.security.UserPasswordFile.read(file).forEach((user, password) -> users.put(user, sha256(password)));
        return users;
    }

    public InetSocketAddress address() {
        return server.getAddress();
    }

    /** Called once the broker is up: from then on /metrics has content and /ready follows {@code ready}. */
    public void serve(MetricsRegistry registry, BooleanSupplier ready, BooleanSupplier healthy) {
        serve(registry, ready, () -> healthy.getAsBoolean() ? "" : "partitions offline");
    }

    /**
     * As above, /health answering 503 with {@code problems} while it says something (a sentence: what is unhealthy),
     * 200 while it is empty.
     */
    public void serve(MetricsRegistry registry, BooleanSupplier ready, java.util.function.Supplier<String> problems) {
        this.registry = registry;
        this.problems = problems;
        this.ready = ready;
    }

    /** Serves {@code /faults} through {@code f} (a broker with fault injection on). */
    public void serveFaults(Faults f) {
        this.faults = f;
    }

    private interface Handler {
        void handle(HttpExchange ex) throws IOException;
    }

    private static void handle(HttpExchange ex, Handler h) throws IOException {
        try (ex) {
            h.handle(ex);
        } catch (RuntimeException | Error e) {
            // A task boundary: an HTTP request is answered 500, the endpoint keeps serving the next ones.
            io.sluice.brokerd.common.Fatal.exitOnOutOfMemory(e);
            log.warn("Metrics endpoint {} failed", ex.getRequestURI(), e);
            respond(ex, 500, "text/plain; charset=utf-8", "error: " + e.getMessage() + "\n");
        }
    }

    private void metrics(HttpExchange ex) throws IOException {
        MetricsRegistry r = registry;
        if (r == null) {
            respond(ex, 503, "text/plain; charset=utf-8", "not ready\n");
            return;
        }
        respond(ex, 200, "text/plain; version=0.0.4; charset=utf-8", r.scrape());
    }

    private void health(HttpExchange ex) throws IOException {
        String p = problems.get();
        status(ex, p.isEmpty(), "healthy", "unhealthy: " + p);
    }

    private void faults(HttpExchange ex) throws IOException {
        Faults f = faults;
        if (f == null) {
            respond(ex, 404, "text/plain; charset=utf-8", "fault injection is off (start brokerd with -Dsluice.fault.injection=true)\n");
            return;
        }
        String path = ex.getRequestURI().getPath();
        String what = path.length() > "/faults/".length() ? path.substring("/faults/".length()) : "";
        if (!what.isEmpty() && !ex.getRequestMethod().equals("PUT") && !ex.getRequestMethod().equals("POST")) {
            respond(ex, 405, "text/plain; charset=utf-8", "use PUT to set a fault\n");
            return;
        }
        try {
            String state = f.apply(what, query(ex.getRequestURI().getRawQuery()));
            if (!what.isEmpty()) {
                log.warn("Fault injected through the metrics listener: {} {}; now {}", what, ex.getRequestURI().getRawQuery(), state);
            }
            respond(ex, 200, "text/plain; charset=utf-8", state + "\n");
        } catch (IllegalArgumentException e) {
            respond(ex, 400, "text/plain; charset=utf-8", e.getMessage() + "\n");
        }
    }

    private static void status(HttpExchange ex, boolean ok, String good, String bad) throws IOException {
        respond(ex, ok ? 200 : 503, "text/plain; charset=utf-8", (ok ? good : bad) + "\n");
    }

    private void logLevel(HttpExchange ex) throws IOException {
        Map<String, String> q = query(ex.getRequestURI().getRawQuery());
        String name = q.getOrDefault("logger", org.slf4j.Logger.ROOT_LOGGER_NAME);
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx)) {
            respond(ex, 501, "text/plain; charset=utf-8", "log levels can be changed only with logback\n");
            return;
        }
        ch.qos.logback.classic.Logger logger = ctx.getLogger(name);
        String method = ex.getRequestMethod();
        if (method.equals("PUT") || method.equals("POST")) {
            String level = q.get("level");
            Level parsed = level == null ? null : Level.toLevel(level, null);
            if (parsed == null) {
                respond(ex, 400, "text/plain; charset=utf-8", "level must be one of TRACE, DEBUG, INFO, WARN, ERROR, OFF\n");
                return;
            }
            logger.setLevel(parsed);
            log.info("Log level of {} set to {} through the metrics listener", name, parsed);
        } else if (!method.equals("GET")) {
            respond(ex, 405, "text/plain; charset=utf-8", "use GET or PUT\n");
            return;
        }
        respond(ex, 200, "text/plain; charset=utf-8", name + " " + logger.getEffectiveLevel() + "\n");
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> out = new HashMap<>();
        if (raw == null) {
            return out;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                out.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8), URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return out;
    }

    private static void respond(HttpExchange ex, int code, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", contentType);
        ex.sendResponseHeaders(code, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }
}
