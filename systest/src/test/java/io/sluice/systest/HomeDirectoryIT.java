package io.sluice.systest;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code ~} is $HOME, not the JVM's user.home: brokerd started with HOME set to a temp dir (and user.home pointing
 * elsewhere) keeps its data under that HOME, and sluice keeps its profiles there, as {@code HOME=/x ./install.sh &&
 * HOME=/x brokerd} expects.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class HomeDirectoryIT {
    private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();

    private static ProcessBuilder java(Path home, Path elsewhere, String mainClass, String... args) {
        List<String> cmd = new java.util.ArrayList<>(List.of(JAVA, "-Xmx128m", "-XX:+UseSerialGC", "-Duser.home=" + elsewhere,
                "-cp", System.getProperty("java.class.path"), mainClass));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("HOME", home.toString());
        pb.environment().remove("XDG_CONFIG_HOME");
        pb.environment().remove("SLUICE_CONFIG");
        pb.environment().remove("SLUICE_BROKERS");
        return pb;
    }

    private static String read(Path f) {
        try {
            return Files.readString(f);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void brokerdDataAndSluiceProfilesGoUnderHome(@TempDir Path tmp) throws Exception {
        Path home = Files.createDirectories(tmp.resolve("home"));
        Path elsewhere = Files.createDirectories(tmp.resolve("user-home"));
        Path log = tmp.resolve("brokerd.log");
        // The embedded default's data.dir is ~/.local/share/sluice.
        Process brokerd = java(home, elsewhere, "io.sluice.brokerd.Main", "--set", "listeners=127.0.0.1:0", "--set", "metrics.listener=")
                .redirectOutput(log.toFile()).start();
        try {
            BrokerCluster.waitFor(() -> {
                if (!brokerd.isAlive()) {
                    throw new AssertionError("brokerd exited with " + brokerd.exitValue() + ":\n" + read(log));
                }
                return read(log).contains("ready in ");
            }, Duration.ofSeconds(60), () -> "brokerd to be ready: " + read(log));
            Path dataDir = home.resolve(".local/share/sluice");
            assertThat(read(log)).contains("data.dir=" + dataDir);
            assertThat(dataDir.resolve("meta.properties")).exists();
            assertThat(elsewhere.resolve(".local")).doesNotExist();
        } finally {
            brokerd.destroy();
            assertThat(brokerd.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }

        Process profile = java(home, elsewhere, "io.sluice.ctl.SluiceCommand", "profile", "create", "local", "--set-brokers", "127.0.0.1:1",
                "--property", "ssl.truststore.location=~/ca.jks").start();
        assertThat(profile.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String out = new String(profile.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(profile.exitValue()).as(out).isZero();
        assertThat(home.resolve(".config/sluice/config.yaml")).content().contains("local").contains("127.0.0.1:1");
        assertThat(elsewhere.resolve(".config")).doesNotExist();
    }
}
