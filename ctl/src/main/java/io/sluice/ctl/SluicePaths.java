package io.sluice.ctl;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Where sluice keeps its files, and {@code ~} in paths the user gives in files and variables (the shell expands it on
 * the command line, not in config.yaml, $SLUICE_CONFIG or {@code -X key=~/...}). {@code ~} is {@code $HOME} where it
 * is set, else the JVM's {@code user.home}: {@code HOME=/x sluice ...} reads and writes under /x, as every other
 * command-line tool does. {@code ~user} is left alone. {@code env} reads environment variables (tests pass their
 * own); stateless.
 */
final class SluicePaths {
    private final UnaryOperator<String> env;

    SluicePaths(UnaryOperator<String> env) {
        this.env = env;
    }

    static SluicePaths system() {
        return new SluicePaths(System::getenv);
    }

    /** $HOME, else user.home. */
    Path home() {
        String home = env.apply("HOME");
        return Path.of(home == null || home.isBlank() ? System.getProperty("user.home") : home);
    }

    /** {@code path} with a leading {@code ~} or {@code ~/} replaced by {@link #home()}. */
    String expand(String path) {
        if (path == null || (!path.equals("~") && !path.startsWith("~/"))) {
            return path;
        }
        return home() + path.substring(1);
    }

    /**
     * The profiles file: the {@code sluice.config} system property, else $SLUICE_CONFIG, else
     * $XDG_CONFIG_HOME/sluice/config.yaml, else ~/.config/sluice/config.yaml.
     */
    Path profiles() {
        String prop = System.getProperty("sluice.config");
        if (prop != null) {
            return Path.of(expand(prop));
        }
        String file = env.apply("SLUICE_CONFIG");
        if (file != null && !file.isBlank()) {
            return Path.of(expand(file));
        }
        return configHome().resolve("sluice").resolve("config.yaml");
    }

    /**
     * Where --execute writes rollback files: the {@code sluice.rollback.dir} system property, else
     * $SLUICE_ROLLBACK_DIR, else $XDG_STATE_HOME/sluice/rollback, else ~/.local/state/sluice/rollback.
     */
    Path rollbackDir() {
        String prop = System.getProperty("sluice.rollback.dir");
        if (prop != null) {
            return Path.of(expand(prop));
        }
        String dir = env.apply("SLUICE_ROLLBACK_DIR");
        if (dir != null && !dir.isBlank()) {
            return Path.of(expand(dir));
        }
        String state = env.apply("XDG_STATE_HOME");
        Path base = state != null && !state.isBlank() ? Path.of(expand(state)) : home().resolve(".local").resolve("state");
        return base.resolve("sluice").resolve("rollback");
    }

    private Path configHome() {
        String xdg = env.apply("XDG_CONFIG_HOME");
        return xdg != null && !xdg.isBlank() ? Path.of(expand(xdg)) : home().resolve(".config");
    }

    /**
     * Client properties with {@code ~} expanded in the values of path properties (Kafka's {@code *.location} keys:
     * {@code ssl.truststore.location}, {@code ssl.keystore.location}, ...).
     */
    Map<String, String> expandPathProperties(Map<String, String> props) {
        Map<String, String> out = new LinkedHashMap<>();
        props.forEach((k, v) -> out.put(k, k.endsWith(".location") ? expand(v) : v));
        return out;
    }
}
