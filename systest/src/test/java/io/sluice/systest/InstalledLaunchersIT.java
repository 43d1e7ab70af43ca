package io.sluice.systest;

import io.sluice.brokerd.Broker;
import io.sluice.brokerd.config.BrokerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** install.sh puts brokerd, sluice and the man pages under PREFIX, and the installed launchers work. */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class InstalledLaunchersIT {
    private static final Path REPO = Path.of("..").toAbsolutePath().normalize();

    record Result(int exit, String out) {
    }

    static Result run(Path dir, Map<String, String> env, String... cmd) throws Exception {
        Path out = Files.createTempFile(dir, "out", ".txt");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getOutputStream().close();
        if (!p.waitFor(150, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(List.of(cmd) + " did not finish: " + Files.readString(out));
        }
        return new Result(p.exitValue(), Files.readString(out));
    }

    @Test
    void installShInstallsWorkingLaunchersAndManPages(@TempDir Path tmp) throws Exception {
        Path prefix = tmp.resolve("prefix");
        Result install = run(tmp, Map.of("PREFIX", prefix.toString(), "SKIP_BUILD", "1"), "bash", REPO.resolve("install.sh").toString());
        assertThat(install.exit()).as(install.out()).isZero();
        assertThat(prefix.resolve("bin/brokerd")).isExecutable();
        assertThat(prefix.resolve("bin/sluice")).isExecutable();
        assertThat(prefix.resolve("share/man/man8/brokerd.8")).exists();
        assertThat(prefix.resolve("share/man/man5/brokerd.yaml.5")).exists();
        assertThat(prefix.resolve("share/man/man1/sluice.1")).exists();
        assertThat(prefix.resolve("share/man/man1/sluice-top.1")).exists();

        assertThat(run(tmp, Map.of(), prefix.resolve("bin/brokerd").toString(), "--version").out()).startsWith("brokerd ");
        Result check = run(tmp, Map.of(), prefix.resolve("bin/brokerd").toString(), "--check-config", "--config", REPO.resolve("config/brokerd.yaml").toString());
        assertThat(check.exit()).as(check.out()).isZero();

        try (Broker broker = Broker.start(BrokerConfig.load(null, Map.of("listeners", "127.0.0.1:0", "data.dir", tmp.resolve("data").toString(),
                "metrics.listener", "")))) {
            Result create = run(tmp, Map.of("SLUICE_BROKERS", broker.bootstrapServers()), prefix.resolve("bin/sluice").toString(),
                    "topic", "create", "installed", "-p", "2");
            assertThat(create.exit()).as(create.out()).isZero();
            Result list = run(tmp, Map.of("SLUICE_BROKERS", broker.bootstrapServers()), prefix.resolve("bin/sluice").toString(),
                    "topic", "list", "-o", "json");
            assertThat(list.exit()).as(list.out()).isZero();
            assertThat(list.out()).contains("\"name\" : \"installed\"").contains("\"partitions\" : 2").doesNotContain("WARN").doesNotContain("INFO");
            Result top = run(tmp, Map.of("SLUICE_BROKERS", broker.bootstrapServers()), prefix.resolve("bin/sluice").toString(),
                    "top", "--once", "-o", "json");
            assertThat(top.exit()).as(top.out()).isZero();
            assertThat(top.out()).contains("\"name\" : \"installed\"").contains("\"brokersUp\" : 1").doesNotContain("WARN");
            Result noTerminal = run(tmp, Map.of("SLUICE_BROKERS", broker.bootstrapServers()), prefix.resolve("bin/sluice").toString(), "top");
            assertThat(noTerminal.exit()).isEqualTo(2);
            assertThat(noTerminal.out()).isEqualTo("sluice: sluice top needs a terminal; for scripts use sluice top --once -o json\n");
            Result missing = run(tmp, Map.of("SLUICE_BROKERS", broker.bootstrapServers()), prefix.resolve("bin/sluice").toString(),
                    "topic", "describe", "absent");
            assertThat(missing.exit()).isEqualTo(3);
            assertThat(missing.out().lines().count()).as("one line, no stack trace: " + missing.out()).isEqualTo(1);
        }
    }
}
