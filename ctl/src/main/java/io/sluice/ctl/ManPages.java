package io.sluice.ctl;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes sluice's man pages from picocli's command tree, as troff: {@code sluice.1} (global options, every command,
 * then the hand-written sections kept in {@code man/sluice.1.in}: output conventions, exit status, environment, files)
 * and one {@code sluice-CMD[-SUB].1} per command with its synopsis, description, arguments, options, subcommands and
 * JSON fields (the command's picocli footer). Pages carry no date, so regenerating an unchanged tree changes nothing;
 * {@code ManPagesTest} fails when a committed page differs from what this renders.
 * <p>
 * Regenerate after changing a command, from the repository root:
 * {@code mvn -B -q -o package -DskipTests -pl ctl -am && java -cp 'ctl/target/classes:ctl/target/lib/*' io.sluice.ctl.ManPages man}.
 */
public final class ManPages {
    /** The hand-written part of sluice(1), beside the pages. */
    static final String HAND_WRITTEN = "sluice.1.in";

    private ManPages() {
    }

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args.length > 0 ? args[0] : "man");
        Map<String, String> pages = render(SluiceCommand.commandLine(), Files.readString(dir.resolve(HAND_WRITTEN), StandardCharsets.UTF_8));
        for (Path stale : generatedPages(dir)) {
            if (!pages.containsKey(stale.getFileName().toString())) {
                Files.delete(stale);
                System.out.println("removed " + stale);
            }
        }
        for (Map.Entry<String, String> page : pages.entrySet()) {
            Path file = dir.resolve(page.getKey());
            if (!Files.exists(file) || !Files.readString(file, StandardCharsets.UTF_8).equals(page.getValue())) {
                Files.writeString(file, page.getValue(), StandardCharsets.UTF_8);
                System.out.println("wrote " + file);
            }
        }
    }

    /** The sluice pages now in {@code dir} (sluice.1 and sluice-*.1; not sluice-top.1, which tui owns). */
    static List<Path> generatedPages(Path dir) throws IOException {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "sluice*.1")) {
            ds.forEach(out::add);
        }
        out.removeIf(p -> p.getFileName().toString().equals("sluice-top.1"));
        return out;
    }

    /** File name to troff text for every page of the tree under {@code root}. */
    static Map<String, String> render(CommandLine root, String handWritten) {
        Map<String, String> pages = new TreeMap<>();
        pages.put("sluice.1", rootPage(root.getCommandSpec(), handWritten));
        for (CommandSpec sub : subcommands(root.getCommandSpec())) {
            addPages(sub, pages);
        }
        return pages;
    }

    private static void addPages(CommandSpec spec, Map<String, String> pages) {
        if (spec.name().equals("top")) {
            return; // sluice top has its own hand-written page from tui
        }
        pages.put(pageName(spec) + ".1", commandPage(spec));
        subcommands(spec).forEach(s -> addPages(s, pages));
    }

    /** Subcommands once each (picocli's map also holds every alias). */
    static List<CommandSpec> subcommands(CommandSpec spec) {
        List<CommandSpec> out = new ArrayList<>();
        spec.subcommands().forEach((name, cl) -> {
            if (name.equals(cl.getCommandName())) {
                out.add(cl.getCommandSpec());
            }
        });
        return out;
    }

    static String pageName(CommandSpec spec) {
        return spec.qualifiedName("-");
    }

    private static String rootPage(CommandSpec spec, String handWritten) {
        StringBuilder sb = new StringBuilder();
        header(sb, spec, "operate Kafka-compatible clusters (brokerd, Apache Kafka, Redpanda)");
        sb.append(".SH SYNOPSIS\n.B sluice\n[\\fIGLOBAL OPTIONS\\fR] \\fICOMMAND\\fR [\\fIARGS\\fR]\n");
        sb.append(".SH DESCRIPTION\n");
        paragraphs(sb, spec.usageMessage().description());
        sb.append("Each command has its own page, e.g. \\fBsluice\\-topic\\-create\\fR(1); "
                + "\\fBsluice shell\\fR runs commands interactively.\n");
        sb.append(".SH GLOBAL OPTIONS\nThese apply to every command and may stand before or after it.\n");
        options(sb, spec.options());
        sb.append(".SH COMMANDS\n");
        for (CommandSpec cmd : subcommands(spec)) {
            List<String> subs = subcommands(cmd).stream().map(CommandSpec::name).toList();
            sb.append(".TP\n\\fB").append(esc(cmd.name())).append("\\fR");
            if (!subs.isEmpty()) {
                sb.append(" ").append(esc(String.join(" | ", subs)));
            }
            sb.append('\n').append(esc(firstLine(cmd))).append('\n');
        }
        sb.append(handWritten.endsWith("\n") ? handWritten : handWritten + "\n");
        sb.append(".SH SEE ALSO\n");
        List<String> refs = new ArrayList<>();
        for (CommandSpec cmd : subcommands(spec)) {
            collectRefs(cmd, refs);
        }
        refs.add("\\fBbrokerd\\fR(8)");
        sb.append(String.join(",\n", refs)).append('\n');
        return sb.toString();
    }

    private static void collectRefs(CommandSpec spec, List<String> refs) {
        refs.add(ref(spec));
        subcommands(spec).forEach(s -> collectRefs(s, refs));
    }

    private static String commandPage(CommandSpec spec) {
        StringBuilder sb = new StringBuilder();
        header(sb, spec, lowerFirst(stripPeriod(firstLine(spec))));
        sb.append(".SH SYNOPSIS\n.B ").append(esc(spec.qualifiedName())).append('\n').append(synopsis(spec)).append('\n');
        sb.append(".SH DESCRIPTION\n");
        paragraphs(sb, spec.usageMessage().description());
        if (spec.aliases().length > 0) {
            sb.append("Also: ").append(esc(String.join(", ", List.of(spec.aliases())))).append(".\n");
        }
        List<PositionalParamSpec> params = spec.positionalParameters().stream().filter(p -> !p.hidden()).toList();
        if (!params.isEmpty()) {
            sb.append(".SH ARGUMENTS\n");
            for (PositionalParamSpec p : params) {
                sb.append(".TP\n\\fI").append(esc(p.paramLabel())).append("\\fR\n");
                lines(sb, List.of(p.description()));
            }
        }
        List<OptionSpec> own = spec.options().stream().filter(o -> !global(o) && !o.hidden()).toList();
        if (!own.isEmpty()) {
            sb.append(".SH OPTIONS\n");
            options(sb, own);
        }
        List<String> globals = spec.options().stream().filter(o -> global(o) && !o.hidden()).map(ManPages::primaryName).toList();
        if (!globals.isEmpty()) {
            sb.append(".SH GLOBAL OPTIONS\n").append(esc(String.join(", ", globals))).append(": see \\fBsluice\\fR(1).\n");
        }
        List<CommandSpec> subs = subcommands(spec);
        if (!subs.isEmpty()) {
            sb.append(".SH COMMANDS\n");
            for (CommandSpec s : subs) {
                sb.append(".TP\n\\fB").append(esc(s.qualifiedName())).append("\\fR\n").append(esc(firstLine(s)))
                        .append(" See ").append(ref(s)).append(".\n");
            }
        }
        footerSections(sb, spec);
        if (!spec.usageMessage().exitCodeList().isEmpty()) {
            sb.append(".SH EXIT STATUS\n");
            spec.usageMessage().exitCodeList().forEach((code, meaning) ->
                    sb.append(".TP\n.B ").append(esc(code.strip())).append('\n').append(esc(String.format(Locale.ROOT, meaning))).append('\n'));
        }
        sb.append(".SH SEE ALSO\n\\fBsluice\\fR(1)");
        CommandSpec parent = spec.parent();
        if (parent != null && parent.parent() != null) {
            sb.append(",\n").append(ref(parent));
        }
        for (CommandSpec s : subs) {
            sb.append(",\n").append(ref(s));
        }
        sb.append('\n');
        return sb.toString();
    }

    /**
     * The footer as sections: the lines before the first empty line under the footer heading (JSON OUTPUT), then each
     * further block, whose first line ("Filter expressions (--filter):") names its section, one paragraph per line.
     */
    private static void footerSections(StringBuilder sb, CommandSpec spec) {
        List<List<String>> blocks = new ArrayList<>(List.of(new ArrayList<>()));
        for (String line : format(spec.usageMessage().footer())) {
            if (line.isBlank()) {
                blocks.add(new ArrayList<>());
            } else {
                blocks.get(blocks.size() - 1).add(line.strip());
            }
        }
        String first = String.join(" ", blocks.get(0)).strip();
        if (!first.isEmpty()) {
            String heading = spec.usageMessage().footerHeading().equals(Output.JSON_HEADING) ? "JSON OUTPUT"
                    : String.format(Locale.ROOT, spec.usageMessage().footerHeading()).strip().replaceAll(":$", "").toUpperCase(Locale.ROOT);
            sb.append(".SH ").append(esc(heading)).append('\n').append(esc(first)).append('\n');
        }
        for (List<String> block : blocks.subList(1, blocks.size())) {
            if (block.isEmpty()) {
                continue;
            }
            String title = block.get(0).replaceAll("\\s*\\(.*\\)", "").replaceAll(":$", "").toUpperCase(Locale.ROOT);
            sb.append(".SH ").append(esc(title)).append('\n');
            block.subList(1, block.size()).forEach(line -> sb.append(".PP\n").append(esc(line)).append('\n'));
        }
    }

    private static void header(StringBuilder sb, CommandSpec spec, String summary) {
        String name = pageName(spec);
        sb.append(".\\\" Generated from sluice's command tree by io.sluice.ctl.ManPages; do not edit (see ManPages).\n");
        sb.append(".TH ").append(esc(name.toUpperCase(Locale.ROOT))).append(" 1 \"\" \"Sluice\" \"User Commands\"\n");
        sb.append(".ad l\n.nh\n");
        sb.append(".SH NAME\n").append(esc(name)).append(" \\- ").append(esc(summary)).append('\n');
    }

    /** Options documented once in sluice(1): the inherited ones and the help/version options every command has. */
    private static boolean global(OptionSpec o) {
        return o.inherited() || o.usageHelp() || o.versionHelp();
    }

    /** The command's own options and parameters; inherited (global) options are shown as [GLOBAL OPTIONS]. */
    private static String synopsis(CommandSpec spec) {
        List<String> parts = new ArrayList<>();
        parts.add("[\\fIGLOBAL OPTIONS\\fR]");
        for (OptionSpec o : spec.options()) {
            if (global(o) || o.hidden()) {
                continue;
            }
            String s = "\\fB" + esc(o.shortestName()) + "\\fR" + (o.arity().max() > 0 ? " \\fI" + esc(o.paramLabel()) + "\\fR" : "");
            s = o.required() ? s : "[" + s + "]";
            parts.add(o.isMultiValue() ? s + "..." : s);
        }
        for (PositionalParamSpec p : spec.positionalParameters()) {
            String s = "\\fI" + esc(p.paramLabel()) + "\\fR";
            s = p.arity().min() > 0 ? s : "[" + s + "]";
            parts.add(p.isMultiValue() ? s + "..." : s);
        }
        if (!subcommands(spec).isEmpty()) {
            parts.add("\\fICOMMAND\\fR");
        }
        return String.join("\n", parts);
    }

    /** The first long name (--ca-file, not its rpk alias --tls-truststore), else the longest (-X). */
    private static String primaryName(OptionSpec o) {
        for (String n : o.names()) {
            if (n.startsWith("--")) {
                return n;
            }
        }
        return o.longestName();
    }

    private static void options(StringBuilder sb, List<OptionSpec> options) {
        for (OptionSpec o : options) {
            if (o.hidden()) {
                continue;
            }
            List<String> names = new ArrayList<>();
            for (String n : o.names()) {
                names.add("\\fB" + esc(n) + "\\fR");
            }
            sb.append(".TP\n").append(String.join(", ", names));
            if (o.arity().max() > 0) {
                sb.append(" \\fI").append(esc(o.paramLabel())).append("\\fR");
            }
            sb.append('\n');
            lines(sb, List.of(o.description()));
        }
    }

    /** A command's description: format strings (%n, %%), as picocli's help renders them. */
    private static void paragraphs(StringBuilder sb, String[] lines) {
        lines(sb, format(lines));
    }

    /** Text lines; an option's or parameter's description comes from picocli already formatted and interpolated. */
    private static void lines(StringBuilder sb, List<String> lines) {
        for (String line : lines) {
            if (!line.isBlank()) {
                sb.append(esc(line.strip())).append('\n');
            }
        }
    }

    /** Picocli's command-level text is format strings (%n, %%); render them as help does. */
    private static List<String> format(String[] lines) {
        List<String> out = new ArrayList<>();
        for (String line : lines) {
            out.addAll(List.of(String.format(Locale.ROOT, line).split("\n")));
        }
        return out;
    }

    /** The first sentence of the command's description. */
    private static String firstLine(CommandSpec spec) {
        String text = String.join(" ", format(spec.usageMessage().description())).strip();
        int end = text.indexOf(". ");
        return end < 0 ? text : text.substring(0, end + 1);
    }

    private static String ref(CommandSpec spec) {
        return "\\fB" + esc(pageName(spec)) + "\\fR(1)";
    }

    private static String stripPeriod(String s) {
        return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
    }

    private static String lowerFirst(String s) {
        return s.isEmpty() || (s.length() > 1 && Character.isUpperCase(s.charAt(1))) ? s
                : Character.toLowerCase(s.charAt(0)) + s.substring(1);
    }

    /** Escapes text for troff: backslashes, minus signs, and a leading dot or quote that would start a request. */
    static String esc(String text) {
        String s = text.replace("\\", "\\e").replace("-", "\\-");
        return s.startsWith(".") || s.startsWith("'") ? "\\&" + s : s;
    }
}
