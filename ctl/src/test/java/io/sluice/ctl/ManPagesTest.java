package io.sluice.ctl;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The committed man pages are exactly what the command tree renders, so docs move with the code. */
@Timeout(60)
class ManPagesTest {
    static final Path MAN = Path.of("..", "man").toAbsolutePath().normalize();
    static final String REGENERATE = "mvn -B -q -o package -DskipTests -pl ctl -am && "
            + "java -cp 'ctl/target/classes:ctl/target/lib/*' io.sluice.ctl.ManPages man";

    static Map<String, String> rendered() throws IOException {
        return ManPages.render(SluiceCommand.commandLine(), Files.readString(MAN.resolve(ManPages.HAND_WRITTEN), StandardCharsets.UTF_8));
    }

    @Test
    void committedPagesMatchTheCommandTree() throws IOException {
        Map<String, String> pages = rendered();
        List<String> stale = new ArrayList<>();
        for (Map.Entry<String, String> page : pages.entrySet()) {
            Path file = MAN.resolve(page.getKey());
            if (!Files.exists(file)) {
                stale.add(page.getKey() + " is missing");
            } else if (!Files.readString(file, StandardCharsets.UTF_8).equals(page.getValue())) {
                stale.add(page.getKey() + " differs");
            }
        }
        for (Path file : ManPages.generatedPages(MAN)) {
            if (!pages.containsKey(file.getFileName().toString())) {
                stale.add(file.getFileName() + " documents no command");
            }
        }
        assertThat(stale).as("man/ is stale relative to the command tree; regenerate from the repository root with: " + REGENERATE).isEmpty();
    }

    @Test
    void everyCommandHasAPageWithItsOwnOptionsAndReadCommandsListTheirJsonFields() throws IOException {
        Map<String, String> pages = rendered();
        List<CommandSpec> all = new ArrayList<>();
        collect(SluiceCommand.commandLine().getCommandSpec(), all);
        assertThat(all).hasSizeGreaterThan(30);
        for (CommandSpec spec : all) {
            if (spec.qualifiedName().equals("sluice top")) {
                // sluice top has a hand-written page (tui's), with its key map and snapshot format.
                assertThat(MAN.resolve("sluice-top.1")).exists();
                continue;
            }
            String page = pages.get(ManPages.pageName(spec) + ".1");
            assertThat(page).as(spec.qualifiedName()).isNotNull().contains(".SH SYNOPSIS").contains(".SH DESCRIPTION");
            for (OptionSpec o : spec.options()) {
                if (!o.inherited() && !o.usageHelp() && !o.versionHelp()) {
                    assertThat(page).as(spec.qualifiedName() + " documents " + o.longestName()).contains("\\fB" + ManPages.esc(o.longestName()) + "\\fR");
                }
            }
        }
        for (String read : List.of("sluice-topic-describe.1", "sluice-group-describe.1", "sluice-cluster-info.1", "sluice-version.1", "sluice-consume.1")) {
            assertThat(pages.get(read)).as(read).contains(".SH JSON OUTPUT");
        }
        assertThat(pages.get("sluice.1")).as("the hand-written sections are kept").contains(".SH EXIT STATUS").contains(".SH ENVIRONMENT")
                .contains("sluice\\-topic\\-create\\fR(1)");
    }

    @Test
    void pagesAreCleanTroff(@TempDir Path tmp) throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/groff")), "groff is not installed");
        for (Map.Entry<String, String> page : rendered().entrySet()) {
            Path file = tmp.resolve(page.getKey());
            Files.writeString(file, page.getValue(), StandardCharsets.UTF_8);
            Process p = new ProcessBuilder("/usr/bin/groff", "-man", "-ww", "-z", file.toString()).redirectErrorStream(true).start();
            assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
            assertThat(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).as(page.getKey() + " troff warnings").isEmpty();
        }
    }

    @Test
    void textIsEscapedForTroff() {
        assertThat(ManPages.esc("--to-file a\\b")).isEqualTo("\\-\\-to\\-file a\\eb");
        assertThat(ManPages.esc(".hidden")).isEqualTo("\\&.hidden");
        assertThat(ManPages.esc("'quoted'")).isEqualTo("\\&'quoted'");
    }

    private static void collect(CommandSpec spec, List<CommandSpec> out) {
        out.add(spec);
        ManPages.subcommands(spec).forEach(s -> collect(s, out));
    }
}
