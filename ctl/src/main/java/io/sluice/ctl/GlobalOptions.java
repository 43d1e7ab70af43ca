package io.sluice.ctl;

import io.sluice.ops.ClusterConnection;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Options every command takes: where the cluster is, its security settings, client properties, output format, verbosity. */
final class GlobalOptions {
    static final String DEFAULT_BROKERS = "127.0.0.1:9092";

    /** The client properties once worked out (a password is asked for at most once per run). */
    private Map<String, String> resolved;

    @Option(names = {"-b", "--brokers"}, scope = ScopeType.INHERIT, paramLabel = "HOST:PORT[,...]",
            description = "Bootstrap servers (default: $SLUICE_BROKERS or " + DEFAULT_BROKERS + ")")
    String brokers;

    @Option(names = {"-P", "--profile"}, scope = ScopeType.INHERIT, paramLabel = "NAME",
            description = "Use this profile instead of the current one (sluice profile list)")
    String profile;

    @Option(names = "-X", scope = ScopeType.INHERIT, paramLabel = "KEY=VALUE",
            description = "Kafka client property, e.g. -X client.rack=eu-1a (over the profile and the security flags); repeatable")
    Map<String, String> clientProperties = new LinkedHashMap<>();

    @Option(names = {"-o", "--output"}, scope = ScopeType.INHERIT, paramLabel = "FORMAT",
            description = "Output format: ${COMPLETION-CANDIDATES} (default: table)")
    Output.Format format = Output.Format.table;

    @Option(names = "--no-headers", scope = ScopeType.INHERIT, description = "Omit table headers (for awk)")
    boolean noHeaders;

    @Option(names = "--timeout", scope = ScopeType.INHERIT, paramLabel = "SECONDS",
            description = "Give up on an unreachable cluster after this long (default: 10)")
    int timeoutSeconds = 10;

    @Option(names = "--progress", scope = ScopeType.INHERIT, paramLabel = "WHEN",
            description = "Progress line on stderr for long operations: ${COMPLETION-CANDIDATES} (default: auto = when stderr is a terminal)")
    Progress.When progress = Progress.When.auto;

    @Option(names = {"-v", "--verbose"}, scope = ScopeType.INHERIT, description = "Print stack traces of failures")
    boolean verbose;

    @Mixin
    SecurityOptions security = new SecurityOptions();

    /** --brokers, else $SLUICE_BROKERS, else the profile (--profile or current), else 127.0.0.1:9092. */
    String bootstrap() {
        if (brokers != null && !brokers.isBlank()) {
            return brokers;
        }
        String env = System.getenv("SLUICE_BROKERS");
        if (profile == null && env != null && !env.isBlank()) {
            return env;
        }
        Profiles.Profile p = activeProfile();
        return p != null && p.brokers != null ? p.brokers : DEFAULT_BROKERS;
    }

    /**
     * The client properties: the profile's, then its security settings overridden by the security flags, then -X;
     * {@code ~} expanded in path properties ({@link SluicePaths}). The profile counts only when it also gave the
     * brokers (or was named with --profile): credentials of one cluster must not travel to another named with
     * --brokers. A SASL password is read (file, variable or prompt: {@link Passwords}) the first time only.
     */
    Map<String, String> properties() {
        if (resolved == null) {
            resolved = resolve(Passwords.system());
        }
        return resolved;
    }

    /** The client properties if this run worked them out already, else empty: never asks for a password. */
    Map<String, String> propertiesIfResolved() {
        return resolved == null ? Map.of() : resolved;
    }

    Map<String, String> resolve(Passwords passwords) {
        Map<String, String> out = new LinkedHashMap<>();
        Profiles.Profile p = profileForCredentials();
        if (p != null && p.properties != null) {
            out.putAll(p.properties);
        }
        ClientSecurity flags = security.settings();
        ClientSecurity s = p != null && p.security != null ? p.security.overriddenBy(flags) : flags;
        if (!s.isEmpty()) {
            SluicePaths paths = SluicePaths.system();
            s.validate(paths);
            String password = s.effectiveProtocol().startsWith("SASL_")
                    ? passwords.read(s.passwordFile, s.passwordEnv, "user " + s.user) : null;
            out.putAll(s.properties(paths, password));
        }
        out.putAll(clientProperties);
        return SluicePaths.system().expandPathProperties(out);
    }

    /** The profile whose settings apply, or null (see {@link #properties()}). */
    private Profiles.Profile profileForCredentials() {
        boolean brokersGiven = (brokers != null && !brokers.isBlank()) || (System.getenv("SLUICE_BROKERS") != null && !System.getenv("SLUICE_BROKERS").isBlank());
        return profile != null || !brokersGiven ? activeProfile() : null;
    }

    private Profiles.Profile activeProfile() {
        Profiles.File f = Profiles.load();
        String name = profile != null ? profile : f.current;
        if (name == null) {
            return null;
        }
        Profiles.Profile p = f.profiles.get(name);
        if (p == null && profile != null) {
            throw new io.sluice.ops.OpsException(io.sluice.ops.OpsException.Kind.NOT_FOUND, "no profile named " + profile + " (sluice profile list)");
        }
        return p;
    }

    /** These options as arguments, for running further commands with the same settings (sluice shell). */
    List<String> asArgs() {
        List<String> args = new ArrayList<>();
        if (brokers != null) {
            args.addAll(List.of("--brokers", brokers));
        }
        if (profile != null) {
            args.addAll(List.of("--profile", profile));
        }
        security.asArgs(args);
        clientProperties.forEach((k, v) -> args.addAll(List.of("-X", k + "=" + v)));
        if (format != Output.Format.table) {
            args.addAll(List.of("--output", format.name()));
        }
        if (noHeaders) {
            args.add("--no-headers");
        }
        args.addAll(List.of("--timeout", String.valueOf(timeoutSeconds)));
        if (progress != Progress.When.auto) {
            args.addAll(List.of("--progress", progress.name()));
        }
        if (verbose) {
            args.add("--verbose");
        }
        return args;
    }

    ClusterConnection connect() {
        return new ClusterConnection(bootstrap(), properties(), Duration.ofSeconds(timeoutSeconds));
    }
}
