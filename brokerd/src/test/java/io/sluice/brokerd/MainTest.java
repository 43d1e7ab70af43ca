package io.sluice.brokerd;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

@Timeout(20)
class MainTest {
    @TempDir
    Path tmp;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void helpAndVersion() {
        assertThat(run("--help")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("Usage: brokerd").contains("--config FILE").contains("--set KEY=VALUE");
        out.reset();
        assertThat(run("--version")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).startsWith("brokerd ");
    }

    @Test
    void badArgumentsExit2WithAMessage() {
        assertThat(run("--frobnicate")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("unknown argument '--frobnicate'").contains("Usage:");
        err.reset();
        assertThat(run("--set", "novalue")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("KEY=VALUE");
        err.reset();
        assertThat(run("--config")).isEqualTo(2);
    }

    @Test
    void aBadConfigNamesTheKeyAndExits2() {
        assertThat(run("--set", "listeners=nowhere", "--set", "data.dir=" + tmp)).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("'listeners'");
        err.reset();
        assertThat(run("--set", "no.such.key=1")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("unknown config key 'no.such.key'");
    }

    @Test
    void checkConfigValidatesAndExits() throws Exception {
        assertThat(run("--check-config", "--config", "../config/brokerd.yaml")).isZero();
        for (int n = 1; n <= 3; n++) {
            assertThat(run("--check-config", "--config", "../config/cluster-3/broker-" + n + ".yaml")).as("shipped broker-%s.yaml", n).isZero();
        }
        for (String file : new String[] {"controller-1", "controller-2", "controller-3", "broker-4", "broker-5", "broker-6"}) {
            assertThat(run("--check-config", "--config", "../config/cluster-6/" + file + ".yaml")).as("shipped %s.yaml", file).isZero();
        }
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("is valid");
        // A broker-only process listed as a voter is refused, naming both keys.
        assertThat(run("--check-config", "--config", "../config/cluster-6/broker-4.yaml", "--set", "node.id=1")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("'process.roles' is broker").contains("'controller.quorum.voters'");
        err.reset();
        java.nio.file.Path bad = tmp.resolve("bad.yaml");
        java.nio.file.Files.writeString(bad, "fsync: sometimes\n");
        assertThat(run("--check-config", "--config", bad.toString())).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("'fsync'");
        err.reset();
        assertThat(run("--check-config", "--set", "listeners=0.0.0.0:9092")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("advertised.listeners");
        err.reset();
        // TLS key material is read too: a keystore that is not there is named.
        assertThat(run("--check-config", "--set", "listeners=SSL://127.0.0.1:9093", "--set",
                "ssl.keystore.location=" + tmp.resolve("absent.p12"))).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("ssl.keystore.location").contains("absent.p12");
        err.reset();
        assertThat(run("--check-config", "--set", "listeners=SASL_SSL://127.0.0.1:9093")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("SASL");
        assertThat(tmp.resolve("meta.properties")).as("checking touches no data dir").doesNotExist();
    }

    @Test
    void aLockedDataDirExits1WithAClearMessage() {
        try (Broker running = Broker.start(io.sluice.brokerd.config.BrokerConfig.load(null,
                java.util.Map.of("listeners", "127.0.0.1:0", "data.dir", tmp.toString(), "metrics.listener", "127.0.0.1:0")))) {
            assertThat(run("--set", "listeners=127.0.0.1:0", "--set", "data.dir=" + tmp)).isEqualTo(1);
            assertThat(err.toString(StandardCharsets.UTF_8)).contains("in use by another brokerd");
        }
    }
}
