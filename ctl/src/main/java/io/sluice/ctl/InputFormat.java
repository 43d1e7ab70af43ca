package io.sluice.ctl;

import io.sluice.ops.OpsException;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An input line template for {@code sluice produce --format}, e.g. {@code %k\t%v} or {@code %p %T %k=%v}:
 * {@code %k} key, {@code %v} value, {@code %p} partition, {@code %T} timestamp (ms), {@code %h} headers as
 * {@code k=v[,k=v...]}, {@code %%} a percent sign; {@code \t}, {@code \n}, {@code \\} escapes in the literal text.
 * Each directive takes the shortest text up to the literal that follows it; the last one takes the rest of the line.
 * A line that does not fit the template is an error naming it (nothing is guessed).
 */
final class InputFormat {
    /** What one line held; absent parts are null. */
    record Parsed(String key, String value, Integer partition, Long timestampMs, List<String> headers) {
    }

    private final Pattern pattern;
    private final List<Character> directives = new ArrayList<>();

    private InputFormat(Pattern pattern) {
        this.pattern = pattern;
    }

    static InputFormat parse(String template) {
        StringBuilder re = new StringBuilder();
        List<Character> dirs = new ArrayList<>();
        StringBuilder literal = new StringBuilder();
        for (int i = 0; i < template.length(); i++) {
            char ch = template.charAt(i);
            if (ch == '\\' && i + 1 < template.length()) {
                char e = template.charAt(++i);
                literal.append(switch (e) {
                    case 't' -> '\t';
                    case 'n' -> '\n';
                    case '\\' -> '\\';
                    default -> throw usage("unknown escape \\" + e + " in --format (use \\t, \\n or \\\\)");
                });
            } else if (ch == '%' && i + 1 < template.length()) {
                char d = template.charAt(++i);
                if (d == '%') {
                    literal.append('%');
                    continue;
                }
                if ("kvpTh".indexOf(d) < 0) {
                    throw usage("--format: %" + d + " cannot be read from input (use %k %v %p %T %h)");
                }
                if (dirs.contains(d)) {
                    throw usage("--format: %" + d + " appears twice");
                }
                re.append(Pattern.quote(literal.toString()));
                literal.setLength(0);
                re.append(d == 'p' || d == 'T' ? "(-?\\d+)" : "(.*?)");
                dirs.add(d);
            } else {
                literal.append(ch);
            }
        }
        if (!dirs.contains('v')) {
            throw usage("--format needs %v (the value)");
        }
        re.append(Pattern.quote(literal.toString()));
        // The last directive takes the rest of the line when nothing follows it.
        String regex = re.toString();
        if (literal.isEmpty() && regex.endsWith("(.*?)")) {
            regex = regex.substring(0, regex.length() - "(.*?)".length()) + "(.*)";
        }
        InputFormat f = new InputFormat(Pattern.compile(regex, Pattern.DOTALL));
        f.directives.addAll(dirs);
        return f;
    }

    /** The parts of {@code line}, or an error naming {@code where} when it does not fit. */
    Parsed read(String line, String where) {
        Matcher m = pattern.matcher(line);
        if (!m.matches()) {
            throw new OpsException(OpsException.Kind.USAGE, where + " does not match --format: "
                    + (line.length() > 60 ? line.substring(0, 60) + "..." : line) + " (the lines before it were produced)");
        }
        String key = null;
        String value = null;
        Integer partition = null;
        Long ts = null;
        List<String> headers = List.of();
        for (int i = 0; i < directives.size(); i++) {
            String g = m.group(i + 1);
            switch (directives.get(i)) {
                case 'k' -> key = g;
                case 'v' -> value = g;
                case 'p' -> partition = Integer.valueOf(g);
                case 'T' -> ts = Long.valueOf(g);
                default -> headers = g.isEmpty() ? List.of() : List.of(g.split(","));
            }
        }
        return new Parsed(key, value, partition, ts, headers);
    }

    private static OpsException usage(String message) {
        return new OpsException(OpsException.Kind.USAGE, message);
    }
}
