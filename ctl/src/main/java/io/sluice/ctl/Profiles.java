package io.sluice.ctl;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.sluice.ops.OpsException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.TreeMap;

/**
 * Named connection profiles in {@code ~/.config/sluice/config.yaml} ($SLUICE_CONFIG, or $XDG_CONFIG_HOME/sluice/,
 * overrides the location; {@code ~} is $HOME, see {@link SluicePaths}):
 * <pre>
 * current: prod
 * profiles:
 *   prod:
 *     brokers: kafka-1:9092,kafka-2:9092
 *     security: {protocol: SASL_SSL, saslMechanism: SCRAM-SHA-512, user: alice, passwordFile: ~/.config/sluice/prod.password,
 *                caFile: ~/certs/ca.pem}
 *     properties: {client.rack: eu-1a}
 * </pre>
 * Written atomically (tmp + rename). Not thread-safe.
 */
final class Profiles {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    /** The file's shape (public fields for Jackson). */
    public static final class File {
        public String current;
        public Map<String, Profile> profiles = new TreeMap<>();
    }

    /** One profile. */
    public static final class Profile {
        public String brokers;
        public Map<String, String> properties = new TreeMap<>();
        /** TLS and SASL settings (never a password: where to read it); null when none. */
        @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
        public ClientSecurity security;
    }

    private Profiles() {
    }

    /** See {@link SluicePaths#profiles()}. */
    static Path location() {
        return SluicePaths.system().profiles();
    }

    static File load() {
        Path p = location();
        if (!Files.exists(p)) {
            return new File();
        }
        try {
            File f = YAML.readValue(p.toFile(), File.class);
            if (f.profiles == null) {
                f.profiles = new TreeMap<>();
            }
            return f;
        } catch (IOException e) {
            throw new OpsException(OpsException.Kind.USAGE, "cannot read profiles from " + p + ": " + e.getMessage(), e);
        }
    }

    static void save(File f) {
        Path p = location();
        try {
            Files.createDirectories(p.toAbsolutePath().getParent());
            Path tmp = p.resolveSibling(p.getFileName() + ".tmp");
            YAML.writeValue(tmp.toFile(), f);
            Files.move(tmp, p, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + p, e);
        }
    }
}
