package io.sluice.ops;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.common.header.Header;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Which records to keep: a small expression language over a record's key, value, headers, partition, offset and
 * timestamp, with JSON paths into keys and values that hold JSON. Used by {@code sluice consume --filter} and the
 * dashboard's Tail view; parsed by {@link RecordFilterParser}.
 * <pre>
 *   value.status == "FAILED" and header.source != "replay"
 *   key ~ "^order-4[0-9]+$" or value contains "timeout"
 *   value.items[0].sku == 'AB-1' and not header.retry
 *   timestamp >= "2024-05-01T00:00:00Z" and offset < 1000
 * </pre>
 * Why a language and not bare JSON paths: operators search by key and header as often as by a value's fields, and
 * values are not always JSON; a few operators over named fields cover what they ask (equality, order, regular
 * expressions, substrings, presence, and/or/not) and read the same on a command line and in the dashboard, with JSON
 * paths where the value is JSON. Semantics:
 * <ul>
 *   <li>{@code key}, {@code value}: the bytes as UTF-8 text (undecodable bytes read as U+FFFD), or null;
 *       {@code key.a.b[0]}, {@code value["a b"]}: a JSON path into the key or value parsed as JSON (missing when it is
 *       not JSON or has no such field); {@code header.NAME} or {@code header["NAME"]}: the header's value as text
 *       (true when any header of that name satisfies the test: keys may repeat); {@code partition}, {@code offset},
 *       {@code timestamp} (epoch ms; compared with a string, the string is a time as {@link TimeSpec} reads it).</li>
 *   <li>A field alone is a presence test: {@code header.trace} (such a header exists), {@code value.error} (the
 *       path exists and is not JSON null), {@code key} (the key is not null).</li>
 *   <li>{@code ==}, {@code !=} with a string, number, true/false or null literal; {@code <} {@code <=} {@code >}
 *       {@code >=} compare numbers as numbers (text that reads as a number counts) and strings by code point;
 *       {@code ~} finds a Java regular expression anywhere in the text ({@code ^...$} to anchor, {@code (?i)} to
 *       ignore case); {@code contains} finds a substring. A comparison of different types is false ({@code !=}:
 *       true). Strings take double or single quotes with \" \' \\ \n \t \r &#92;uXXXX escapes.</li>
 *   <li>{@code and} ({@code &&}), {@code or} ({@code ||}), {@code not} ({@code !}) and parentheses; and binds
 *       tighter than or.</li>
 * </ul>
 * Immutable and thread-safe. A key or value is decoded (and parsed as JSON) at most once per record, only when the
 * expression uses it. A regular expression that backtracks too long on a record fails the match with an error
 * rather than hanging the scan.
 */
public final class RecordFilter {
    /** Every record. */
    public static final RecordFilter ALL = new RecordFilter("", new Expr.Always());

    static final ObjectMapper JSON = new ObjectMapper();
    /** Character reads a regex may make per record, beyond 100 per character of input, before it is given up. */
    static final long REGEX_BUDGET = 10_000_000L;

    private final String text;
    private final Expr expr;

    RecordFilter(String text, Expr expr) {
        this.text = text;
        this.expr = expr;
    }

    /** Parses {@code text}; blank means {@link #ALL}. A USAGE {@link OpsException} names the problem and its column. */
    public static RecordFilter parse(String text) {
        return parse(text, System.currentTimeMillis());
    }

    /** As {@link #parse(String)}, with relative times in timestamp comparisons taken from {@code nowMs}. */
    public static RecordFilter parse(String text, long nowMs) {
        if (text == null || text.isBlank()) {
            return ALL;
        }
        return new RecordFilter(text.strip(), new RecordFilterParser(text, nowMs).parse());
    }

    /** The expression as given. */
    public String text() {
        return text;
    }

    public boolean matchesAll() {
        return expr instanceof Expr.Always;
    }

    /** Whether the record satisfies the expression; an OpsException when a regular expression gives up on it. */
    public boolean matches(Records.Incoming r) {
        return expr.test(new Subject(r));
    }

    @Override
    public String toString() {
        return text;
    }

    /** Filters are equal when written alike (a relative time in one is fixed when it is parsed). */
    @Override
    public boolean equals(Object o) {
        return o instanceof RecordFilter f && f.text.equals(text);
    }

    @Override
    public int hashCode() {
        return text.hashCode();
    }

    /** The parsed expression. */
    sealed interface Expr {
        boolean test(Subject s);

        record Always() implements Expr {
            @Override
            public boolean test(Subject s) {
                return true;
            }
        }

        record And(Expr left, Expr right) implements Expr {
            @Override
            public boolean test(Subject s) {
                return left.test(s) && right.test(s);
            }
        }

        record Or(Expr left, Expr right) implements Expr {
            @Override
            public boolean test(Subject s) {
                return left.test(s) || right.test(s);
            }
        }

        record Not(Expr inner) implements Expr {
            @Override
            public boolean test(Subject s) {
                return !inner.test(s);
            }
        }

        /** A field alone: present (and, for a JSON path, not null). */
        record Present(Field field) implements Expr {
            @Override
            public boolean test(Subject s) {
                List<Object> values = field.values(s);
                return field instanceof Field.HeaderValue ? !values.isEmpty() : values.stream().anyMatch(v -> v != null);
            }
        }

        /** A comparison: true when any of the field's values (several for a repeated header) satisfies it. */
        record Compare(Field field, Op op, Object literal, Pattern regex) implements Expr {
            @Override
            public boolean test(Subject s) {
                List<Object> values = field.values(s);
                if (op == Op.NE) {
                    return values.stream().noneMatch(v -> Values.equal(v, literal));
                }
                for (Object v : values) {
                    if (Values.test(v, op, literal, regex, s)) {
                        return true;
                    }
                }
                return false;
            }
        }
    }

    /** Comparison operators. */
    enum Op {
        EQ("=="), NE("!="), LT("<"), LE("<="), GT(">"), GE(">="), MATCHES("~"), CONTAINS("contains");

        final String symbol;

        Op(String symbol) {
            this.symbol = symbol;
        }
    }

    /** What an expression reads from a record. */
    sealed interface Field {
        /**
         * The field's values on the subject: a String, BigDecimal, Boolean, {@link Values.Structured} (a JSON object
         * or array) or null for absent; one value, or one per header of that name (none when no such header).
         */
        List<Object> values(Subject s);

        /** key or value, as text or through a JSON path (empty path: the text). */
        record Payload(boolean key, List<Object> path) implements Field {
            @Override
            public List<Object> values(Subject s) {
                if (path.isEmpty()) {
                    return java.util.Collections.singletonList(key ? s.keyText() : s.valueText());
                }
                JsonNode n = key ? s.keyJson() : s.valueJson();
                for (Object step : path) {
                    if (n == null) {
                        break;
                    }
                    n = step instanceof Integer i ? n.get(i) : n.get((String) step);
                }
                return java.util.Collections.singletonList(Values.of(n));
            }
        }

        record HeaderValue(String name) implements Field {
            @Override
            public List<Object> values(Subject s) {
                List<Object> out = new java.util.ArrayList<>();
                for (Header h : s.record.headers()) {
                    if (h.key().equals(name)) {
                        out.add(h.value() == null ? null : text(h.value()));
                    }
                }
                return out;
            }
        }

        record Partition() implements Field {
            @Override
            public List<Object> values(Subject s) {
                return List.of(BigDecimal.valueOf(s.record.partition()));
            }
        }

        record Offset() implements Field {
            @Override
            public List<Object> values(Subject s) {
                return List.of(BigDecimal.valueOf(s.record.offset()));
            }
        }

        record Timestamp() implements Field {
            @Override
            public List<Object> values(Subject s) {
                return List.of(BigDecimal.valueOf(s.record.timestampMs()));
            }
        }
    }

    /** How field values compare with literals. Stateless. */
    static final class Values {
        /** A JSON object or array: only ~ and contains look into it (as JSON text), and == null is false. */
        record Structured(String json) {
        }

        private Values() {
        }

        /** The comparable form of a JSON node; null for missing or JSON null. */
        static Object of(JsonNode n) {
            if (n == null || n.isNull() || n.isMissingNode()) {
                return null;
            }
            if (n.isTextual()) {
                return n.textValue();
            }
            if (n.isNumber()) {
                return n.decimalValue();
            }
            if (n.isBoolean()) {
                return n.booleanValue();
            }
            return new Structured(n.toString());
        }

        static boolean equal(Object v, Object literal) {
            if (literal == null || v == null) {
                return literal == v;
            }
            if (literal instanceof BigDecimal n) {
                BigDecimal d = number(v);
                return d != null && d.compareTo(n) == 0;
            }
            return literal.equals(v);
        }

        static boolean test(Object v, Op op, Object literal, Pattern regex, Subject s) {
            return switch (op) {
                case EQ -> equal(v, literal);
                case NE -> !equal(v, literal);
                case MATCHES -> v != null && find(regex, text(v), s);
                case CONTAINS -> v != null && text(v).contains((String) literal);
                default -> order(v, op, literal);
            };
        }

        private static boolean order(Object v, Op op, Object literal) {
            int c;
            if (literal instanceof BigDecimal n) {
                BigDecimal d = number(v);
                if (d == null) {
                    return false;
                }
                c = d.compareTo(n);
            } else if (literal instanceof String str && v instanceof String t) {
                c = t.compareTo(str);
            } else {
                return false;
            }
            return switch (op) {
                case LT -> c < 0;
                case LE -> c <= 0;
                case GT -> c > 0;
                default -> c >= 0;
            };
        }

        /** A number, or text that reads as one; else null. */
        static BigDecimal number(Object v) {
            if (v instanceof BigDecimal d) {
                return d;
            }
            if (v instanceof String t && !t.isBlank() && t.length() <= 100) {
                try {
                    return new BigDecimal(t.strip());
                } catch (NumberFormatException e) {
                    return null;
                }
            }
            return null;
        }

        private static String text(Object v) {
            if (v instanceof Structured st) {
                return st.json();
            }
            return v instanceof BigDecimal d ? d.toPlainString() : String.valueOf(v);
        }

        private static boolean find(Pattern regex, String text, Subject s) {
            BudgetedChars chars = new BudgetedChars(text, REGEX_BUDGET + 100L * text.length());
            try {
                return regex.matcher(chars).find();
            } catch (BudgetedChars.Exhausted | StackOverflowError e) {
                throw new OpsException(OpsException.Kind.USAGE, "filter: the regular expression /" + regex.pattern()
                        + "/ takes too long on the record at " + s.where() + "; simplify it (avoid nested repetition like (a+)+)");
            }
        }
    }

    /** Text whose characters may be read a bounded number of times: a regex that backtracks without end stops. */
    static final class BudgetedChars implements CharSequence {
        static final class Exhausted extends RuntimeException {
            private static final long serialVersionUID = 1L;

            Exhausted() {
                super(null, null, false, false);
            }
        }

        private final String text;
        private final long[] budget;

        BudgetedChars(String text, long budget) {
            this(text, new long[]{budget});
        }

        private BudgetedChars(String text, long[] budget) {
            this.text = text;
            this.budget = budget;
        }

        @Override
        public char charAt(int index) {
            if (--budget[0] < 0) {
                throw new Exhausted();
            }
            return text.charAt(index);
        }

        @Override
        public int length() {
            return text.length();
        }

        @Override
        public CharSequence subSequence(int start, int end) {
            return new BudgetedChars(text.substring(start, end), budget);
        }

        @Override
        public String toString() {
            return text;
        }
    }

    /** One record under test, with its key and value decoded and parsed at most once. Not thread-safe. */
    static final class Subject {
        private static final Object UNPARSED = new Object();
        final Records.Incoming record;
        private String keyText;
        private String valueText;
        private Object keyJson = UNPARSED;
        private Object valueJson = UNPARSED;

        Subject(Records.Incoming record) {
            this.record = record;
        }

        String keyText() {
            if (keyText == null && record.key() != null) {
                keyText = text(record.key());
            }
            return keyText;
        }

        String valueText() {
            if (valueText == null && record.value() != null) {
                valueText = text(record.value());
            }
            return valueText;
        }

        JsonNode keyJson() {
            if (keyJson == UNPARSED) {
                keyJson = json(record.key());
            }
            return (JsonNode) keyJson;
        }

        JsonNode valueJson() {
            if (valueJson == UNPARSED) {
                valueJson = json(record.value());
            }
            return (JsonNode) valueJson;
        }

        String where() {
            return "partition " + record.partition() + " offset " + record.offset();
        }

        private static JsonNode json(byte[] bytes) {
            if (bytes == null || bytes.length == 0) {
                return null;
            }
            try {
                return JSON.readTree(bytes);
            } catch (JsonProcessingException e) {
                return null; // not JSON: JSON paths find nothing in it
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    /** UTF-8 text of {@code b}, undecodable bytes as U+FFFD. */
    static String text(byte[] b) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPLACE)
                    .onUnmappableCharacter(CodingErrorAction.REPLACE).decode(ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            throw new IllegalStateException("a replacing decoder threw", e);
        }
    }
}
