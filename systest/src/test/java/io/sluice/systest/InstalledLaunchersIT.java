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
        return runWithInput(dir, env, "", cmd);
    }

    /** Runs {@code cmd} with {@code input} on its standard input (a pipe, not a terminal). */
    static Result runWithInput(Path dir, Map<String, String> env, String input, String... cmd) throws Exception {
        Path out = Files.createTempFile(dir, "out", ".txt");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        try (var stdin = p.getOutputStream()) {
            stdin.write(input.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
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
        List<String> sluicePages;
        try (var files = Files.list(REPO.resolve("man"))) {
            sluicePages = files.map(f -> f.getFileName().toString()).filter(n -> n.startsWith("sluice") && n.endsWith(".1")).toList();
        }
        assertThat(sluicePages).as("one generated page per command").contains("sluice-topic-create.1", "sluice-group-seek.1", "sluice-shell.1");
        for (String page : sluicePages) {
            assertThat(prefix.resolve("share/man/man1").resolve(page)).as(page).exists();
        }
        assertThat(prefix.resolve("share/man/man1/sluice.1.in")).as("the hand-written source of sluice.1 is not a page").doesNotExist();
        assertThat(prefix.resolve("share/man/man1/sluice-top.1")).exists();

        assertThat(run(tmp, Map.of(), prefix.resolve("bin/brokerd").toString(), "--version").out()).startsWith("brokerd ");
        Result version = run(tmp, Map.of(), prefix.resolve("bin/sluice").toString(), "version", "--client");
        assertThat(version.exit()).as(version.out()).isZero();
        assertThat(version.out()).as("the version comes from the installed jar's manifest").containsPattern("(?m)^SLUICE +\\d+\\.\\d+\\.\\d+");
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

            Result produced = runWithInput(tmp, Map.of("SLUICE_BROKERS", broker.bootstrapServers()), "a\nb\n",
                    prefix.resolve("bin/sluice").toString(), "produce", "installed");
            assertThat(produced.exit()).as(produced.out()).isZero();
            assertThat(produced.out()).as("piped: no progress line, no summary").isEmpty();

            Map<String, String> shellEnv = Map.of("SLUICE_BROKERS", broker.bootstrapServers(), "XDG_CONFIG_HOME", tmp.resolve("config").toString());
            Result shell = runWithInput(tmp, shellEnv, "topic list --no-headers\ntopic describe absent\ntopic list -o json\n",
                    prefix.resolve("bin/sluice").toString(), "shell");
            assertThat(shell.exit()).as("Ctrl-D (end of input) returns the last command's code: " + shell.out()).isZero();
            assertThat(shell.out()).as("no prompt on a pipe, commands after a failing one still run")
                    .startsWith("installed  2  1\n").contains("sluice: describing topic absent:").contains("\"name\" : \"installed\"")
                    .doesNotContain("sluice>").doesNotContain("WARN").doesNotContain("dumb terminal");
            assertThat(tmp.resolve("config/sluice/history")).content().contains("topic describe absent");
        }
    }
}
