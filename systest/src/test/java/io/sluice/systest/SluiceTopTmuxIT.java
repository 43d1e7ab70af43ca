package io.sluice.systest;

import io.sluice.brokerd.Broker;
import io.sluice.brokerd.config.BrokerConfig;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Smoke test of the real dashboard in a real terminal: {@code sluice top} runs in a private tmux server against a
 * brokerd; the test walks the views with keys ({@code tmux send-keys}), reads the screen ({@code capture-pane}),
 * quits with q and with Ctrl-C, and checks that the shell's terminal is back in cooked mode. The captured screens are
 * saved under target/tmux-screens/. Outside CI a missing tmux skips the test; in CI (CI=true) it fails, because
 * .ci/run installs it.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class SluiceTopTmuxIT {
    private static final Path TMUX = Path.of("/usr/bin/tmux");
    private static final Path SCREENS = Path.of("target", "tmux-screens");
    private static final long WAIT_MS = 60_000;

    @TempDir
    Path dir;
    Broker broker;
    String socket;
    Path launcher;

    private static void requireTool(boolean present, String what) {
        if ("true".equals(System.getenv("CI"))) {
            assertThat(present).as(what + " must be installed in CI (.ci/run installs it)").isTrue();
        }
        assumeTrue(present, what + " is not installed");
    }

    @BeforeEach
    void start() throws Exception {
        requireTool(Files.isExecutable(TMUX), "tmux");
        broker = Broker.start(BrokerConfig.load(null, Map.of("listeners", "127.0.0.1:0", "data.dir", dir.resolve("data").toString(),
                "metrics.listener", "", "offsets.topic.num.partitions", "1")));
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic("smoke", 2, (short) 1))).all().get();
            SluiceTopIT.produce(broker.bootstrapServers(), "smoke", 12, 8);
            admin.alterConsumerGroupOffsets("smokers", Map.of(new TopicPartition("smoke", 0), new OffsetAndMetadata(5))).all().get();
        }
        // the test classpath without logback, so the clients' logging goes nowhere (slf4j-nop, as in the installed sluice)
        String classpath = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(e -> !e.contains("logback")).collect(Collectors.joining(File.pathSeparator));
        launcher = dir.resolve("sluice");
        Files.writeString(launcher, "#!/bin/sh\nexec '" + Path.of(System.getProperty("java.home"), "bin", "java")
                + "' -XX:TieredStopAtLevel=1 -cp '" + classpath + "' io.sluice.ctl.SluiceCommand \"$@\"\n");
        assertThat(launcher.toFile().setExecutable(true)).isTrue();
        socket = dir.resolve("tmux.sock").toString(); // a private server whose socket goes with the temp dir
        tmux("-f", "/dev/null", "new-session", "-d", "-s", "top", "-x", "100", "-y", "30", "env LANG=C.UTF-8 PS1='$ ' sh");
        Files.createDirectories(SCREENS);
    }

    @AfterEach
    void stop() throws Exception {
        if (socket != null) {
            tmux("kill-server");
        }
        if (broker != null) {
            broker.close();
        }
    }

    private String tmux(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(TMUX.toString(), "-S", socket));
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile(dir, "tmux", ".txt");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        p.getOutputStream().close();
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(cmd + " did not finish");
        }
        String output = Files.readString(out, StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as("%s: %s", cmd, output).isZero();
        return output;
    }

    private void keys(String... keys) throws Exception {
        List<String> args = new ArrayList<>(List.of("send-keys", "-t", "top"));
        args.addAll(List.of(keys));
        tmux(args.toArray(String[]::new));
    }

    private void type(String text) throws Exception {
        tmux("send-keys", "-t", "top", "-l", text);
        keys("Enter");
    }

    private String screen() throws Exception {
        return tmux("capture-pane", "-p", "-t", "top");
    }

    /** Waits until the screen satisfies {@code condition}, saves it as {@code name}, and returns it. */
    private String await(String name, Predicate<String> condition, String what) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
        String s = screen();
        while (!condition.test(s)) {
            if (System.nanoTime() > deadline) {
                Files.writeString(SCREENS.resolve(name + "-timeout.txt"), s);
                throw new AssertionError("timed out waiting for " + what + "; screen:\n" + s);
            }
            Thread.sleep(100);
            s = screen();
        }
        Files.writeString(SCREENS.resolve(name + ".txt"), s);
        return s;
    }

    private void startTop() throws Exception {
        startTop("");
    }

    private void startTop(String env) throws Exception {
        type(env + "'" + launcher + "' -b " + broker.bootstrapServers() + " top --interval 0.5; echo \"top exited $?\"");
    }

    /** An SGR sequence that sets a foreground or background colour, as capture-pane -e writes them. */
    private static final java.util.regex.Pattern COLOUR = java.util.regex.Pattern.compile(
            "\u001b\\[(?:[0-9]+;)*(?:3[0-7]|4[0-7]|9[0-7]|10[0-7]|38|48)(?:;[0-9]+)*m");

    private void assertTerminalRestored(String name) throws Exception {
        Path script = dir.resolve("modes.sh");
        Files.writeString(script, "printf 'terminal modes:'\nfor m in $(stty -a | tr ' ;' '\\n\\n' | grep -x -e icanon -e -icanon -e echo -e -echo); do"
                + " printf ' %s' \"$m\"; done\necho\n");
        type("sh '" + script + "'");
        String s = await(name, t -> t.matches("(?s).*terminal modes:[^\\n]*\\n\\$.*"), "stty output and the next prompt");
        assertThat(s).contains("terminal modes: icanon echo\n");
        assertThat(s).as("the dashboard left the alternate screen").doesNotContain("1 Overview");
    }

    @Test
    void walksEveryViewAndQuitsCleanly() throws Exception {
        startTop();
        String overview = await("01-overview", s -> s.contains("1 Overview") && s.contains("Lag ") && s.contains("smokers"), "the overview");
        assertThat(overview).contains("Brokers     1 up, 0 down").contains("0 offline, 0 under-replicated").contains("updated");
        assertThat(COLOUR.matcher(tmux("capture-pane", "-p", "-e", "-t", "top")).find()).as("colours by default").isTrue();
        tmux("resize-window", "-t", "top", "-x", "80", "-y", "24");
        String small = await("01-overview-80x24", s -> s.lines().count() == 24 && s.lines().anyMatch(l -> l.startsWith("Enter problems")),
                "the overview redrawn at 80x24");
        assertThat(small.lines()).allSatisfy(l -> assertThat(l.length()).isLessThanOrEqualTo(80));
        assertThat(small.lines().toList().get(23)).startsWith("Enter problems").contains("q quit");
        assertThat(small).contains("Partitions  0 offline, 0 under-replicated, 0 under min ISR");
        keys("2");
        await("02-brokers", s -> s.contains("LEADERS") && s.contains(" up "), "the brokers view");
        keys("3");
        await("03-topics", s -> s.contains("STATUS") && s.contains("smoke"), "the topics view");
        keys("/");
        tmux("send-keys", "-t", "top", "-l", "smoke");
        keys("Enter", "Enter");
        String partitions = await("04-partitions", s -> s.contains("Topic smoke") && s.contains("LEADER"), "the partitions of smoke");
        assertThat(partitions).containsPattern("\\n +0 " + broker.nodeId() + " +" + broker.nodeId() + " +" + broker.nodeId() + " +0 +12 ");
        keys("Escape");
        await("05-topics-again", s -> s.contains("STATUS"), "back on topics");
        keys("4");
        String placement = await("06-placement", s -> s.contains("PARTITION") && s.contains("smoke-1"), "the placement view");
        assertThat(placement).contains("leader skew");
        keys("e");
        await("06b-elect", s -> s.contains("Elect preferred leaders") && s.contains("nothing to do"), "the election's answer on one broker");
        keys("x");
        keys("5");
        await("07-groups", s -> s.contains("TREND") && s.contains("smokers"), "the groups view");
        keys("/");
        tmux("send-keys", "-t", "top", "-l", "smokers");
        keys("Enter", "Enter");
        // the group's header can be drawn a frame before its partition rows (the groups list still below it)
        String group = await("08-group", s -> s.contains("Group smokers") && s.contains("COMMITTED")
                && java.util.regex.Pattern.compile("smoke +0 +\\d").matcher(s).find(), "the smokers group's partitions");
        assertThat(group).containsPattern("smoke +0 +5 +12 +7 ");
        keys("o");
        type("end");
        String plan = await("08b-seek-plan", s -> s.contains("move 1 partition(s) of smokers to end:"), "the seek plan");
        assertThat(plan).contains("smoke-0  5 -> 12  skip 7").contains("y: do it");
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
            TopicPartition p0 = new TopicPartition("smoke", 0);
            assertThat(admin.listConsumerGroupOffsets("smokers").partitionsToOffsetAndMetadata().get().get(p0).offset())
                    .as("nothing moves before y").isEqualTo(5);
            keys("y");
            await("08c-seek-done", s -> s.contains("offsets of group smokers moved"), "the seek to be applied");
            assertThat(admin.listConsumerGroupOffsets("smokers").partitionsToOffsetAndMetadata().get().get(p0).offset()).isEqualTo(12);
        }
        keys("x");
        await("08d-group-caught-up", s -> s.contains("Group smokers") && !s.contains("offsets of group") && s.matches("(?s).*smoke +0 +12 +12 +0 .*"),
                "the group page with the new offset");
        keys("Escape", "Escape", "3");
        await("09-topics", s -> s.contains("STATUS") && s.contains("filter \"smoke\""), "topics, still filtered, before tail");
        keys("t");
        await("10-tail", s -> s.contains("Tail smoke") && s.contains("click 19"), "the tail of smoke");
        keys("p");
        await("11-paused", s -> s.contains("PAUSED"), "paused");
        keys("p", "?");
        await("12-help", s -> s.contains("Keys (any key closes this)"), "the help overlay");
        keys("x", "1");
        await("13-overview", s -> s.contains("Busiest topics") && !s.contains("Keys (any key"), "the overview again");
        keys("q");
        await("14-after-quit", s -> s.contains("top exited 0"), "sluice top to exit");
        assertTerminalRestored("15-terminal");
    }

    @Test
    void sigtermRestoresTheTerminal() throws Exception {
        startTop();
        await("sigterm-01-overview", t -> t.contains("1 Overview") && t.contains("smokers"), "the overview");
        long shell = Long.parseLong(tmux("display-message", "-p", "-t", "top", "#{pane_pid}").trim());
        ProcessHandle java = ProcessHandle.of(shell).orElseThrow().children()
                .filter(p -> p.info().command().map(c -> c.endsWith("java")).orElse(false)).findFirst().orElseThrow();
        assertThat(java.destroy()).as("SIGTERM sent to sluice top, pid " + java.pid()).isTrue();
        await("sigterm-02-after", t -> t.contains("top exited 143"), "sluice top to exit on SIGTERM");
        assertTerminalRestored("sigterm-03-terminal");
    }

    @Test
    void ctrlCQuitsAndRestoresTheTerminalAndNoColorMeansNoColours() throws Exception {
        startTop("NO_COLOR=1 ");
        await("ctrl-c-01-overview", s -> s.contains("1 Overview") && s.contains("smokers"), "the overview");
        String escapes = tmux("capture-pane", "-p", "-e", "-t", "top");
        assertThat(COLOUR.matcher(escapes).find()).as("NO_COLOR: no colour escapes in\n" + escapes).isFalse();
        assertThat(escapes).as("bars in reverse video").contains("\u001b[7m");
        keys("C-c");
        await("ctrl-c-02-after", s -> s.contains("top exited 0"), "sluice top to exit on Ctrl-C");
        assertTerminalRestored("ctrl-c-03-terminal");
    }
}
