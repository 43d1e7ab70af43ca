package io.sluice.ctl;

import io.sluice.ops.ClusterConnection;
import io.sluice.ops.Records;
import org.apache.kafka.common.header.Header;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code sluice consume TOPIC}: prints records with a kcat-like {@code --format} template, or one JSON object per record
 * with {@code -o json} (key and value as text, or base64 with {@code keyEncoding/valueEncoding: "base64"} when they are
 * not UTF-8).
 */
@Command(name = "consume", footerHeading = Output.JSON_HEADING,
        footer = "One object per line: {\"topic\", \"partition\", \"offset\", \"timestamp\", \"key\", \"keyEncoding\", "
                + "\"value\", \"valueEncoding\", \"headers\": [{\"key\", \"value\", \"valueEncoding\"}]}; an encoding "
                + "is \"utf8\", or \"base64\" for bytes that are not UTF-8, and null with a null key or value.",
        description = "Print records from a topic; stops at the end unless --follow.")
final class ConsumeCommand extends BaseCommand {
    @Parameters(paramLabel = "TOPIC")
    String topic;

    @Option(names = "--from", paramLabel = "WHERE", description = "start, end, committed (with --group), OFFSET, @TIMESTAMP_MS or -N (default: start, or committed with --group)")
    String from;

    @Option(names = {"-p", "--partition"}, description = "Only this partition")
    Integer partition;

    @Option(names = {"-g", "--group"}, description = "Consume as this group and commit what was read")
    String group;

    @Option(names = {"-n", "--count"}, description = "Stop after this many records")
    long count = Long.MAX_VALUE;

    @Option(names = {"-f", "--follow"}, description = "Keep waiting for new records")
    boolean follow;

    @Option(names = "--format", paramLabel = "TEMPLATE",
            description = "%%t topic, %%p partition, %%o offset, %%T timestamp, %%k key, %%v value, %%h headers, \\n \\t (default: %%v\\n)")
    String format = "%v\\n";

    @Override
    public Integer call() {
        Output out = output();
        String start = from != null ? from : group != null ? "committed" : "start";
        try (ClusterConnection c = globals().connect()) {
            Records.consume(c, globals().properties(), topic, partition, start, group, count, follow, r -> {
                if (out.structured()) {
                    out.line(json(r));
                } else {
                    spec.commandLine().getOut().print(render(format, r));
                    spec.commandLine().getOut().flush();
                }
            });
        }
        return ExitCodes.OK;
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

    private static String json(Records.Incoming r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("topic", r.topic());
        m.put("partition", r.partition());
        m.put("offset", r.offset());
        m.put("timestamp", r.timestampMs());
        bytes(m, "key", r.key());
        bytes(m, "value", r.value());
        List<Map<String, Object>> hs = new ArrayList<>();
        for (Header h : r.headers()) {
            Map<String, Object> hm = new LinkedHashMap<>();
            hm.put("key", h.key());
            bytes(hm, "value", h.value());
            hs.add(hm);
        }
        m.put("headers", hs);
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(m);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void bytes(Map<String, Object> m, String field, byte[] b) {
        if (b == null) {
            m.put(field, null);
            m.put(field + "Encoding", null);
            return;
        }
        try {
            String s = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b)).toString();
            m.put(field, s);
            m.put(field + "Encoding", "utf8");
        } catch (CharacterCodingException e) {
            m.put(field, Base64.getEncoder().encodeToString(b));
            m.put(field + "Encoding", "base64");
        }
    }
}
