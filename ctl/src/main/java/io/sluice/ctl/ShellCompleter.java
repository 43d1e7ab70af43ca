package io.sluice.ctl;

import org.jline.reader.Candidate;
import org.jline.reader.Completer;
import org.jline.reader.LineReader;
import org.jline.reader.ParsedLine;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Completion for {@code sluice shell}, read off picocli's command tree so it follows every command added later:
 * subcommand names (and aliases), option names (including the inherited global ones), the fixed values of enum
 * options (-o), and topic or group names from the cluster wherever a parameter or option is labelled TOPIC or GROUP
 * (or named --topic(s)/--group). A comma-separated option (--topics a,b) completes its last element.
 */
final class ShellCompleter implements Completer {
    /** Words the shell itself understands at the start of a line. */
    static final List<String> BUILTINS = List.of("exit", "quit", "help");

    private final CommandSpec root;
    private final ClusterNames names;

    ShellCompleter(CommandSpec root, ClusterNames names) {
        this.root = root;
        this.names = names;
    }

    @Override
    public void complete(LineReader reader, ParsedLine line, List<Candidate> candidates) {
        candidates(line.words().subList(0, line.wordIndex()), line.word().substring(0, line.wordCursor()))
                .forEach(c -> candidates.add(new Candidate(c, c, null, null, null, null, true)));
    }

    /** The completions of {@code current} after the whole words {@code before}; jline filters them by prefix. */
    List<String> candidates(List<String> before, String current) {
        CommandSpec spec = root;
        OptionSpec pending = null;
        int positional = 0;
        for (String w : before) {
            if (pending != null) {
                pending = null;
                continue;
            }
            if (w.startsWith("-") && w.length() > 1) {
                int eq = w.indexOf('=');
                OptionSpec o = spec.findOption(eq > 0 ? w.substring(0, eq) : w);
                if (o != null && eq < 0 && o.arity().min() > 0) {
                    pending = o;
                }
                continue;
            }
            CommandLine sub = positional == 0 ? spec.subcommands().get(w) : null;
            if (sub != null) {
                spec = sub.getCommandSpec();
            } else {
                positional++;
            }
        }
        if (pending != null) {
            return values(pending, current);
        }
        if (current.startsWith("-")) {
            List<String> out = new ArrayList<>();
            spec.options().stream().filter(o -> !o.hidden()).forEach(o -> out.addAll(List.of(o.names())));
            return out;
        }
        List<String> out = new ArrayList<>();
        if (positional == 0 && !spec.subcommands().isEmpty()) {
            spec.subcommands().forEach((name, sub) -> out.add(name));
            if (spec == root) {
                out.addAll(BUILTINS);
            }
            return out;
        }
        for (PositionalParamSpec p : spec.positionalParameters()) {
            if (p.index().contains(positional)) {
                out.addAll(values(p, current));
            }
        }
        return out;
    }

    private List<String> values(ArgSpec arg, String current) {
        List<String> out = new ArrayList<>();
        if (arg.completionCandidates() != null) {
            arg.completionCandidates().forEach(out::add);
            return out;
        }
        List<String> named = switch (kind(arg)) {
            case "TOPIC" -> names.topics();
            case "GROUP" -> names.groups();
            default -> List.of();
        };
        String prefix = "";
        if (arg instanceof OptionSpec o && ",".equals(o.splitRegex()) && current.contains(",")) {
            prefix = current.substring(0, current.lastIndexOf(',') + 1);
        }
        for (String n : named) {
            out.add(prefix + n);
        }
        return out;
    }

    /** TOPIC, GROUP or "" from a parameter's label or an option's longest name. */
    private static String kind(ArgSpec arg) {
        String label = arg.paramLabel().replaceAll("[<>]", "").toUpperCase(Locale.ROOT);
        String name = arg instanceof OptionSpec o ? o.longestName().toUpperCase(Locale.ROOT) : "";
        for (String k : List.of("TOPIC", "GROUP")) {
            if (label.startsWith(k) || name.startsWith("--" + k)) {
                return k;
            }
        }
        return "";
    }
}
