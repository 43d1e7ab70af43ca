package io.sluice.ctl;

import io.sluice.ops.ClusterConnection;
import io.sluice.ops.RecordFilter;
import io.sluice.ops.RecordJson;
import io.sluice.ops.RecordScan;
import io.sluice.ops.Records;
import org.apache.kafka.common.header.Header;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code sluice consume TOPIC}: prints records with a kcat-like {@code --format} template, or one JSON object per record
 * with {@code -o json} ({@link RecordJson}: key and value as text, or base64 with {@code keyEncoding/valueEncoding:
 * "base64"} when they are not UTF-8), which {@code sluice produce --format json} reads back. {@code --from}/{@code --to}
 * bound the scan by offset or time and {@code --filter} keeps the records a {@link RecordFilter} accepts;
 * {@code --count} prints how many matched instead of the records. The scanning is {@link RecordScan}'s.
 */
@Command(name = "consume", footerHeading = Output.JSON_HEADING,
        footer = {"One object per line: {\"topic\", \"partition\", \"offset\", \"timestamp\", \"key\", \"keyEncoding\", "
                + "\"value\", \"valueEncoding\", \"headers\": [{\"key\", \"value\", \"valueEncoding\"}]}; an encoding "
                + "is \"utf8\", or \"base64\" for bytes that are not UTF-8, and null with a null key or value. "
                + "sluice produce --format json reads these lines back unchanged. With --count: {\"topic\", \"scanned\", \"matched\"}.",
                "",
                "Filter expressions (--filter):",
                "A small language rather than bare JSON paths, because records are found by key and header as often as by "
                        + "a field of a JSON value, and values are not always JSON.",
                "Fields: key, value (UTF-8 text; undecodable bytes read as U+FFFD), key.PATH / value.PATH (a JSON path "
                        + "into a JSON key or value: value.order.id, value.items[0].sku, value[\"a b\"]), header.NAME or "
                        + "header[\"NAME\"] (true when any header of that name matches: keys may repeat), partition, offset, "
                        + "timestamp (epoch ms; compared with a string, the string is a time such as \"-1h\" or "
                        + "\"2024-05-01T12:00:00Z\").",
                "Tests: == != < <= > >= against \"string\", 'string', numbers, true, false, null; ~ \"REGEX\" (found "
                        + "anywhere; ^$ anchor, (?i) ignores case); contains \"TEXT\"; a field alone tests presence "
                        + "(header.trace, value.error). Text that reads as a number compares as one; other mixed types "
                        + "never match (!= does).",
                "Logic: and (&&), or (||), not (!), parentheses; and binds tighter than or.",
                "Example: --filter 'value.status == \"FAILED\" and header.source != \"replay\" and timestamp > \"-1h\"'"},
        description = {"Print records from a topic; stops at the end unless --follow.",
                "--from and --to take offsets or times (@EPOCH_MS, RFC 3339 such as 2024-05-01T12:00:00Z, a date, "
                        + "-1h/-30m/-2d ago, now); the range is half-open: --to is the first offset or time not read.",
                "A progress line on stderr shows how far a long scan has got (on a terminal, or with --progress always)."})
final class ConsumeCommand extends BaseCommand {
    @Parameters(index = "0", paramLabel = "TOPIC")
    String topic;

    /** Catches "--count 5" from before --count became a flag, to say what to type now. */
    @Parameters(index = "1..*", hidden = true)
    List<String> extra = new ArrayList<>();

    @Option(names = "--from", paramLabel = "WHERE", description = "start, end, committed (with --group), OFFSET, -N (the last N "
            + "records of each partition) or a time: @EPOCH_MS, 2024-05-01T12:00:00Z, -1h, now (default: start, or committed with --group)")
    String from;

    @Option(names = "--to", paramLabel = "WHERE", description = "Stop before this: end, OFFSET or a time as for --from (default: the end "
            + "offsets when the command starts)")
    String to;

    @Option(names = {"-p", "--partition"}, description = "Only this partition")
    Integer partition;

    @Option(names = {"-g", "--group"}, description = "Consume as this group and commit what was read")
    String group;

    @Option(names = {"-n", "--num"}, paramLabel = "N", description = "Stop after N records (N matching records with --filter)")
    long num = Long.MAX_VALUE;

    @Option(names = "--filter", paramLabel = "EXPR", description = "Only records this expression accepts, e.g. "
            + "'value.status == \"FAILED\"' or 'key ~ \"^order-\" and header.trace' (the language is below)")
    String filter;

    @Option(names = "--count", description = "Print only the number of (matching) records, not the records")
    boolean count;

    @Option(names = {"-f", "--follow"}, description = "Keep waiting for new records")
    boolean follow;

    @Option(names = "--format", paramLabel = "TEMPLATE",
            description = "%%t topic, %%p partition, %%o offset, %%T timestamp, %%k key, %%v value, %%h headers, \\n \\t (default: %%v\\n)")
    String format = "%v\\n";

    @Override
    public Integer call() {
        if (!extra.isEmpty()) {
            boolean oldCount = count && extra.size() == 1 && extra.get(0).matches("\\d+");
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), oldCount
                    ? "--count no longer takes a number: it prints how many records match; use -n " + extra.get(0) + " (--num) to stop after "
                    + extra.get(0) + " records"
                    : "unexpected argument " + extra.get(0) + ": consume reads one TOPIC");
        }
        if (count && follow) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--count and --follow exclude each other: a count needs an end");
        }
        RecordFilter f = RecordFilter.parse(filter);
        Output out = output();
        PrintWriter stdout = spec.commandLine().getOut();
        String start = from != null ? from : group != null ? "committed" : "start";
        RecordScan.Request req = new RecordScan.Request(topic, partition, start, to, group, num, follow, f);
        RecordScan.Result result;
        try (ClusterConnection c = globals().connect(); Progress progress = progress()) {
            result = RecordScan.run(c, globals().properties(), req, r -> {
                if (count) {
                    return;
                }
                progress.erase();
                if (out.structured()) {
                    out.line(RecordJson.write(r));
                } else {
                    stdout.print(render(format, r));
                    stdout.flush();
                }
            }, (scanned, total, matched) -> progress.update(() -> status(scanned, total, matched, f)));
        }
        if (count) {
            if (out.structured()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("topic", topic);
                m.put("scanned", result.scanned());
                m.put("matched", result.matched());
                out.object(m);
            } else {
                out.line(String.valueOf(result.matched()));
            }
        }
        return ExitCodes.OK;
    }

    private String status(long scanned, long total, long matched, RecordFilter f) {
        String s = "reading " + topic + ": " + String.format(Locale.ROOT, "%,d", scanned)
                + (total >= 0 ? " of " + String.format(Locale.ROOT, "%,d", total) + " records"
                + (total > 0 ? " (" + Math.min(100, scanned * 100 / total) + "%)" : "") : " records");
        return f.matchesAll() ? s : s + ", " + String.format(Locale.ROOT, "%,d", matched) + " matched";
    }

    static String render(String template, Records.Incoming r) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < template.length(); i++) {
            char ch = template.charAt(i);
            if ((ch == '%' || ch == '\\') && i + 1 < template.length()) {
                char n = template.charAt(++i);
                if (ch == '\\') {
                    sb.append(n == 'n' ? "\n" : n == 't' ? "\t" : String.valueOf(n));
                    continue;
                }
                switch (n) {
                    case 't' -> sb.append(r.topic());
                    case 'p' -> sb.append(r.partition());
                    case 'o' -> sb.append(r.offset());
                    case 'T' -> sb.append(r.timestampMs());
                    case 'k' -> sb.append(r.key() == null ? "" : new String(r.key(), StandardCharsets.UTF_8));
                    case 'v' -> sb.append(r.value() == null ? "" : new String(r.value(), StandardCharsets.UTF_8));
                    case 'h' -> {
                        List<String> hs = new ArrayList<>();
                        for (Header h : r.headers()) {
                            hs.add(h.key() + "=" + (h.value() == null ? "" : new String(h.value(), StandardCharsets.UTF_8)));
                        }
                        sb.append(String.join(",", hs));
                    }
                    case '%' -> sb.append('%');
                    default -> sb.append('%').append(n);
                }
            } else {
                sb.append(ch);
            }
        }
        return sb.toString();
    }
}
