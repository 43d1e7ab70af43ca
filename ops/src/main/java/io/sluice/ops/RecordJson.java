package io.sluice.ops;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Records as JSON lines, both ways: what {@code sluice consume -o json} prints, {@code sluice produce --format json}
 * reads back unchanged, so a consume, a file and a produce copy records without loss:
 * <pre>
 * {"topic":"orders","partition":0,"offset":41,"timestamp":1714564800000,"key":"k1","keyEncoding":"utf8",
 *  "value":"AP8=","valueEncoding":"base64","headers":[{"key":"trace","value":"abc","valueEncoding":"utf8"}]}
 * </pre>
 * Bytes that are valid UTF-8 are written as text ({@code "utf8"}), others as base64 ({@code "base64"}); a null key,
 * value or header value is JSON null with a null encoding, so null and empty ("") stay apart. Header order and
 * repeated header keys are kept. Reading ignores topic, offset and unknown fields; a missing encoding means utf8.
 * Stateless and thread-safe.
 */
public final class RecordJson {
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    /** A record read from a line; {@code partition} and {@code timestampMs} are null when the line has none. */
    public record Parsed(byte[] key, byte[] value, Integer partition, Long timestampMs, List<Header> headers) {
    }

    private RecordJson() {
    }

    /** One line of JSON (no line break in it: strings escape theirs). */
    public static String write(Records.Incoming r) {
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
            return JSON.writeValueAsString(m);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a map of strings and numbers did not serialise", e);
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

    /**
     * The record on {@code line}; a USAGE error naming {@code where} (file and line) and the field when the line is
     * not such a record.
     */
    public static Parsed read(String line, String where) {
        JsonNode n;
        try {
            n = JSON.readTree(line);
        } catch (JsonProcessingException e) {
            throw bad(where, "not JSON: " + e.getOriginalMessage());
        }
        if (n == null || !n.isObject()) {
            throw bad(where, "expected a JSON object per line, as sluice consume -o json prints");
        }
        byte[] key = bytes(n, "key", where);
        byte[] value = bytes(n, "value", where);
        Integer partition = null;
        JsonNode p = n.get("partition");
        if (p != null && !p.isNull()) {
            if (!p.canConvertToInt() || !p.isIntegralNumber() || p.intValue() < 0) {
                throw bad(where, "partition must be a number >= 0, not " + abbreviate(p.toString()));
            }
            partition = p.intValue();
        }
        Long timestamp = null;
        JsonNode t = n.get("timestamp");
        if (t != null && !t.isNull()) {
            if (!t.isIntegralNumber() || !t.canConvertToLong() || t.longValue() < -1) {
                throw bad(where, "timestamp must be epoch milliseconds, not " + abbreviate(t.toString()));
            }
            // -1 is "no timestamp" (old message formats): let the producer stamp it.
            timestamp = t.longValue() < 0 ? null : t.longValue();
        }
        return new Parsed(key, value, partition, timestamp, headers(n.get("headers"), where));
    }

    private static List<Header> headers(JsonNode hs, String where) {
        List<Header> out = new ArrayList<>();
        if (hs == null || hs.isNull()) {
            return out;
        }
        if (!hs.isArray()) {
            throw bad(where, "headers must be an array of {\"key\", \"value\", \"valueEncoding\"}");
        }
        for (Iterator<JsonNode> it = hs.elements(); it.hasNext(); ) {
            JsonNode h = it.next();
            JsonNode k = h.get("key");
            if (!h.isObject() || k == null || !k.isTextual()) {
                throw bad(where, "each header needs a \"key\" string: " + abbreviate(h.toString()));
            }
            out.add(new RecordHeader(k.textValue(), bytes(h, "value", where + " header " + k.textValue())));
        }
        return out;
    }

    private static byte[] bytes(JsonNode n, String field, String where) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            throw bad(where, field + " must be a string or null, not " + abbreviate(v.toString()));
        }
        JsonNode enc = n.get(field + "Encoding");
        String encoding = enc == null || enc.isNull() ? "utf8" : enc.asText();
        return switch (encoding) {
            case "utf8" -> v.textValue().getBytes(StandardCharsets.UTF_8);
            case "base64" -> {
                try {
                    yield Base64.getDecoder().decode(v.textValue());
                } catch (IllegalArgumentException e) {
                    throw bad(where, field + " is not base64 (" + e.getMessage() + ")");
                }
            }
            default -> throw bad(where, field + "Encoding must be utf8 or base64, not " + abbreviate(encoding));
        };
    }

    private static String abbreviate(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "..." : s;
    }

    private static OpsException bad(String where, String why) {
        return new OpsException(OpsException.Kind.USAGE, where + ": " + why + " (the lines before it were produced)");
    }
}
