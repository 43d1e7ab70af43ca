package io.sluice.ctl;

import org.jline.reader.Parser;
import org.jline.terminal.Terminal;
import org.jline.terminal.impl.DumbTerminal;
import org.jline.terminal.impl.ExternalTerminal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** sluice shell on a dumb terminal fed from a string: commands run, errors do not end it, history persists. */
@Timeout(20)
class ShellTest {
    @TempDir
    Path dir;

    /** What a shell session printed and returned. */
    record Session(int exit, String out, String err) {
    }

    Session session(String input, List<String> globalArgs) throws IOException {
        return session(input, globalArgs, Terminal.TYPE_DUMB);
    }

    /** Runs a shell on a dumb terminal, or on an xterm-like one (that one completes on Tab) for {@code type} xterm. */
    Session session(String input, List<String> globalArgs, String type) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        StringWriter err = new StringWriter();
        ClusterNames names = new ClusterNames(new ClusterNames.Source() {
            @Override
            public List<String> topics() {
                return List.of("orders");
            }

            @Override
            public List<String> groups() {
                return List.of();
            }
        }, System::nanoTime, Long.MAX_VALUE);
        ByteArrayInputStream in = new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8));
        try (Terminal terminal = type.equals(Terminal.TYPE_DUMB) ? new DumbTerminal("test", type, in, out, StandardCharsets.UTF_8)
                : new ExternalTerminal("test", type, in, out, StandardCharsets.UTF_8)) {
            Shell shell = new Shell(terminal, dir.resolve("sluice/history"), SluiceCommand::commandLine, globalArgs, names,
                    new PrintWriter(err), true);
            int exit = shell.run();
            return new Session(exit, out.toString(StandardCharsets.UTF_8), err.toString());
        }
    }

    @Test
    void runsCommandsSurvivesErrorsAndExitsWithTheGivenCode() throws Exception {
        Session s = session("version --client\n\n# a comment\ntopic list --frobnicate\nversion --client -o json\nexit 5\nversion --client\n", List.of());
        assertThat(s.exit()).isEqualTo(5);
        assertThat(s.out()).contains("sluice> ").contains("SLUICE         " + VersionCommand.cliVersion()).contains("\"kafkaClients\"");
        assertThat(s.err()).contains("Unknown option: '--frobnicate'").doesNotContain("Exception");
        assertThat(s.out().split("KAFKA-CLIENTS", -1)).as("nothing runs after exit").hasSize(2);
    }

    @Test
    void endOfInputEndsTheShellWithTheLastExitCode() throws Exception {
        assertThat(session("version --client\ntopic list --frobnicate\n", List.of()).exit()).isEqualTo(2);
        assertThat(session("topic list --frobnicate\nversion --client\n", List.of()).exit()).isZero();
    }

    @Test
    void theShellsGlobalOptionsApplyToEveryCommandAndALineCanOverrideThem() throws Exception {
        Session s = session("version --client\nversion --client -o table\n", List.of("--output", "json"));
        assertThat(s.out()).contains("\"version\" : ").contains("SLUICE         ");
    }

    @Test
    void quotesGroupWordsAndBackslashesReachTheCommandAsTyped() {
        String line = "consume 'two words' --format '%v\\n' \"%k %v\\t\"";
        assertThat(Shell.parser().parse(line, line.length(), Parser.ParseContext.ACCEPT_LINE).words())
                .containsExactly("consume", "two words", "--format", "%v\\n", "%k %v\\t");
    }

    @Test
    void helpShowsACommandsUsage() throws Exception {
        assertThat(session("help consume\n", List.of()).out()).contains("Usage: sluice consume");
        assertThat(session("help\n", List.of()).out()).contains("Usage: sluice [");
    }

    @Test
    void tabCompletesTopicNames() throws Exception {
        Session s = session("topic describe ord\t--help\n", List.of(), "xterm");
        assertThat(s.out()).contains("Usage: sluice topic describe");
        assertThat(Files.readString(dir.resolve("sluice/history"))).as("the line as completed").contains("topic describe orders --help");
    }

    @Test
    void historyIsKeptInTheConfigDirectory() throws Exception {
        session("version --client\nexit\n", List.of());
        assertThat(Files.readString(dir.resolve("sluice/history"))).contains("version --client");
        session("topic list --frobnicate\n", List.of());
        assertThat(Files.readString(dir.resolve("sluice/history"))).contains("version --client").contains("topic list --frobnicate");
    }

    @Test
    void historyLivesBesideTheProfilesFile() {
        System.setProperty("sluice.config", dir.resolve("elsewhere/config.yaml").toString());
        try {
            assertThat(ShellCommand.historyFile()).isEqualTo(dir.resolve("elsewhere/history").toAbsolutePath());
        } finally {
            System.clearProperty("sluice.config");
        }
    }
}
