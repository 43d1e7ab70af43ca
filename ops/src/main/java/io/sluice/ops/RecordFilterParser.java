package io.sluice.ops;

import io.sluice.ops.RecordFilter.Expr;
import io.sluice.ops.RecordFilter.Field;
import io.sluice.ops.RecordFilter.Op;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Recursive-descent parser of {@link RecordFilter} expressions:
 * <pre>
 *   or      := and (("or" | "||") and)*
 *   and     := unary (("and" | "&amp;&amp;") unary)*
 *   unary   := ("not" | "!") unary | "(" or ")" | test
 *   test    := field [op literal]
 *   field   := ("key" | "value") path* | "header" ("." NAME | "[" STRING "]") | "partition" | "offset" | "timestamp"
 *   path    := "." NAME | "[" (INTEGER | STRING) "]"
 *   op      := "==" | "!=" | "&lt;" | "&lt;=" | "&gt;" | "&gt;=" | "~" | "contains"
 *   literal := STRING | NUMBER | "true" | "false" | "null"
 * </pre>
 * Input is untrusted (typed by a person, pasted from anywhere): its length and nesting are bounded, and every
 * problem is a USAGE {@link OpsException} that names it and its column, never another exception. Single use.
 */
final class RecordFilterParser {
    static final int MAX_LENGTH = 4096;
    static final int MAX_DEPTH = 64;
    static final int MAX_NUMBER_CHARS = 100;
    private static final String FIELDS = "key, value, header.NAME, partition, offset, timestamp";

    private enum Kind { NAME, STRING, NUMBER, SYMBOL, END }

    private record Token(Kind kind, String text, int column) {
    }

    private final String input;
    private final long nowMs;
    private final List<Token> tokens;
    private int next;
    private int depth;

    RecordFilterParser(String input, long nowMs) {
        if (input.length() > MAX_LENGTH) {
            throw error("the filter is " + input.length() + " characters long; at most " + MAX_LENGTH, 1);
        }
        this.input = input;
        this.nowMs = nowMs;
        this.tokens = tokenize(input);
    }

    Expr parse() {
        Expr e = or();
        Token t = peek();
        if (t.kind() != Kind.END) {
            throw error("unexpected " + show(t) + (isComparison(t) ? " (a comparison needs a field on its left)" : "")
                    + "; join tests with and / or", t.column());
        }
        return e;
    }

    private Expr or() {
        Expr left = and();
        while (accept("or") || accept("||")) {
            left = new Expr.Or(left, and());
        }
        return left;
    }

    private Expr and() {
        Expr left = unary();
        while (accept("and") || accept("&&")) {
            left = new Expr.And(left, unary());
        }
        return left;
    }

    private Expr unary() {
        Token t = peek();
        if (++depth > MAX_DEPTH) {
            throw error("the filter nests deeper than " + MAX_DEPTH + " levels", t.column());
        }
        try {
            if (accept("not") || accept("!")) {
                return new Expr.Not(unary());
            }
            if (accept("(")) {
                Expr inner = or();
                expect(")", "to close the ( at column " + t.column());
                return inner;
            }
            return test();
        } finally {
            depth--;
        }
    }

    private Expr test() {
        Token start = peek();
        Field field = field();
        Token opToken = peek();
        Op op = op(opToken);
        if (opToken.kind() == Kind.SYMBOL && opToken.text().equals("=")) {
            throw error("use == to compare", opToken.column());
        }
        if (op == null) {
            if (field instanceof Field.Partition || field instanceof Field.Offset || field instanceof Field.Timestamp) {
                throw error(start.text() + " needs a comparison, e.g. " + start.text() + " >= 10", opToken.column());
            }
            return new Expr.Present(field);
        }
        next++;
        Token litToken = peek();
        Object literal = literal(litToken, op);
        if (field instanceof Field.Timestamp && literal instanceof String s) {
            literal = BigDecimal.valueOf(time(s, litToken.column()));
        }
        Pattern regex = null;
        if (op == Op.MATCHES) {
            try {
                regex = Pattern.compile((String) literal);
            } catch (PatternSyntaxException e) {
                throw error("bad regular expression: " + e.getDescription()
                        + (e.getIndex() >= 0 ? " near index " + e.getIndex() : ""), litToken.column());
            } catch (StackOverflowError e) {
                throw error("the regular expression is too deeply nested", litToken.column());
            }
        }
        if ((op == Op.LT || op == Op.LE || op == Op.GT || op == Op.GE) && !(literal instanceof String || literal instanceof BigDecimal)) {
            throw error(op.symbol + " compares numbers or strings, not " + litToken.text(), litToken.column());
        }
        return new Expr.Compare(field, op, literal, regex);
    }

    private long time(String s, int column) {
        try {
            return TimeSpec.parse("timestamp", s, nowMs);
        } catch (OpsException e) {
            throw error(e.getMessage(), column);
        }
    }

    private Field field() {
        Token t = peek();
        if (t.kind() != Kind.NAME) {
            throw error("expected a field (" + FIELDS + "), found " + show(t), t.column());
        }
        next++;
        return switch (t.text()) {
            case "key", "value" -> new Field.Payload(t.text().equals("key"), path());
            case "header", "headers" -> new Field.HeaderValue(headerName(t));
            case "partition" -> new Field.Partition();
            case "offset" -> new Field.Offset();
            case "timestamp" -> new Field.Timestamp();
            default -> throw error("unknown field '" + t.text() + "'" + suggestion(t.text()) + " (fields: " + FIELDS + ")", t.column());
        };
    }

    private String headerName(Token header) {
        if (accept(".")) {
            Token name = peek();
            if (name.kind() != Kind.NAME) {
                throw error("expected a header name after 'header.'", name.column());
            }
            next++;
            return name.text();
        }
        if (accept("[")) {
            Token name = peek();
            if (name.kind() != Kind.STRING) {
                throw error("expected a quoted header name in header[...]", name.column());
            }
            next++;
            expect("]", "to close header[");
            return name.text();
        }
        throw error("name the header: header.NAME or header[\"NAME\"]", header.column() + header.text().length());
    }

    private List<Object> path() {
        List<Object> path = new ArrayList<>();
        while (true) {
            if (accept(".")) {
                Token name = peek();
                if (name.kind() != Kind.NAME) {
                    throw error("expected a field name after '.'", name.column());
                }
                next++;
                path.add(name.text());
            } else if (accept("[")) {
                Token idx = peek();
                if (idx.kind() == Kind.STRING) {
                    path.add(idx.text());
                } else if (idx.kind() == Kind.NUMBER && idx.text().matches("\\d{1,9}")) {
                    path.add(Integer.parseInt(idx.text()));
                } else {
                    throw error("expected an array index (0, 1, ...) or a quoted field name in [...]", idx.column());
                }
                next++;
                expect("]", "to close [");
            } else {
                return path;
            }
        }
    }

    private static Op op(Token t) {
        if (t.kind() == Kind.NAME && t.text().equals("contains")) {
            return Op.CONTAINS;
        }
        if (t.kind() != Kind.SYMBOL) {
            return null;
        }
        for (Op op : Op.values()) {
            if (op.symbol.equals(t.text())) {
                return op;
            }
        }
        return null;
    }

    private static boolean isComparison(Token t) {
        return op(t) != null || (t.kind() == Kind.SYMBOL && t.text().equals("="));
    }

    private Object literal(Token t, Op op) {
        Object value = switch (t.kind()) {
            case STRING -> t.text();
            case NUMBER -> number(t);
            case NAME -> switch (t.text()) {
                case "true" -> Boolean.TRUE;
                case "false" -> Boolean.FALSE;
                case "null" -> null;
                default -> throw error("expected a value after " + op.symbol + " (a \"string\", a number, true, false or null), found "
                        + show(t) + "; quote text: \"" + t.text() + "\"", t.column());
            };
            default -> throw error("expected a value after " + op.symbol + " (a \"string\", a number, true, false or null), found "
                    + show(t), t.column());
        };
        next++;
        if ((op == Op.MATCHES || op == Op.CONTAINS) && !(value instanceof String)) {
            throw error(op.symbol + " needs a quoted string" + (op == Op.MATCHES ? " (a regular expression)" : ""), t.column());
        }
        return value;
    }

    private BigDecimal number(Token t) {
        if (t.text().length() > MAX_NUMBER_CHARS) {
            throw error("number too long", t.column());
        }
        try {
            return new BigDecimal(t.text());
        } catch (NumberFormatException e) {
            throw error("not a number: " + t.text(), t.column());
        }
    }

    private boolean accept(String text) {
        Token t = peek();
        if ((t.kind() == Kind.SYMBOL || t.kind() == Kind.NAME) && t.text().equals(text)) {
            next++;
            return true;
        }
        return false;
    }

    private void expect(String text, String why) {
        Token t = peek();
        if (!accept(text)) {
            throw error("expected '" + text + "' " + why + (t.kind() == Kind.END ? ", found the end" : ", found " + show(t)), t.column());
        }
    }

    private Token peek() {
        return tokens.get(next);
    }

    private static String show(Token t) {
        return switch (t.kind()) {
            case END -> "the end";
            case STRING -> "the string \"" + abbreviate(t.text()) + "\"";
            default -> "'" + abbreviate(t.text()) + "'";
        };
    }

    private static String abbreviate(String s) {
        return s.length() > 30 ? s.substring(0, 30) + "..." : s;
    }

    private static String suggestion(String name) {
        for (String known : List.of("key", "value", "header", "partition", "offset", "timestamp")) {
            if (editDistanceAtMostTwo(name.toLowerCase(java.util.Locale.ROOT), known)) {
                return " (did you mean " + known + "?)";
            }
        }
        return "";
    }

    private static boolean editDistanceAtMostTwo(String a, String b) {
        if (Math.abs(a.length() - b.length()) > 2 || a.length() > 20) {
            return false;
        }
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()] <= 2;
    }

    private List<Token> tokenize(String s) {
        List<Token> out = new ArrayList<>();
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            int column = i + 1;
            if (Character.isWhitespace(c)) {
                i++;
            } else if (c == '"' || c == '\'') {
                StringBuilder sb = new StringBuilder();
                i = string(s, i, sb);
                out.add(new Token(Kind.STRING, sb.toString(), column));
            } else if (Character.isDigit(c) || (c == '-' && i + 1 < s.length() && Character.isDigit(s.charAt(i + 1)))) {
                int end = i + 1;
                while (end < s.length() && (Character.isLetterOrDigit(s.charAt(end)) || s.charAt(end) == '.'
                        || ((s.charAt(end) == '-' || s.charAt(end) == '+') && (s.charAt(end - 1) == 'e' || s.charAt(end - 1) == 'E')))) {
                    end++;
                }
                out.add(new Token(Kind.NUMBER, s.substring(i, end), column));
                i = end;
            } else if (Character.isLetter(c) || c == '_' || c == '$') {
                int end = i + 1;
                while (end < s.length() && (Character.isLetterOrDigit(s.charAt(end)) || "_-$".indexOf(s.charAt(end)) >= 0)) {
                    end++;
                }
                out.add(new Token(Kind.NAME, s.substring(i, end), column));
                i = end;
            } else {
                String two = i + 1 < s.length() ? s.substring(i, i + 2) : "";
                if (List.of("==", "!=", "<=", ">=", "&&", "||").contains(two)) {
                    out.add(new Token(Kind.SYMBOL, two, column));
                    i += 2;
                } else if ("()[].<>~!=".indexOf(c) >= 0) {
                    out.add(new Token(Kind.SYMBOL, String.valueOf(c), column));
                    i++;
                } else {
                    throw error("unexpected character " + describe(c) + (c == '&' || c == '|' ? " (use && / || or and / or)" : ""), column);
                }
            }
        }
        out.add(new Token(Kind.END, "", s.length() + 1));
        return out;
    }

    /** Reads the quoted string starting at {@code start} into {@code sb}; returns the index after its closing quote. */
    private int string(String s, int start, StringBuilder sb) {
        char quote = s.charAt(start);
        int i = start + 1;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == quote) {
                return i + 1;
            }
            if (c == '\\') {
                if (i + 1 >= s.length()) {
                    break;
                }
                char e = s.charAt(i + 1);
                switch (e) {
                    case '"', '\'', '\\', '/' -> sb.append(e);
                    case 'n' -> sb.append('\n');
                    case 't' -> sb.append('\t');
                    case 'r' -> sb.append('\r');
                    case 'u' -> {
                        if (i + 6 > s.length() || !s.substring(i + 2, i + 6).matches("[0-9a-fA-F]{4}")) {
                            throw error("\\u needs four hex digits", i + 1);
                        }
                        sb.append((char) Integer.parseInt(s.substring(i + 2, i + 6), 16));
                        i += 4;
                    }
                    default -> throw error("unknown escape \\" + e + " in a string (use \\\" \\' \\\\ \\n \\t \\r \\uXXXX; "
                            + "in a regular expression write \\\\" + e + ")", i + 1);
                }
                i += 2;
            } else {
                sb.append(c);
                i++;
            }
        }
        throw error("the string starting here has no closing " + quote, start + 1);
    }

    private static String printable(String s) {
        StringBuilder sb = new StringBuilder();
        s.chars().forEach(c -> sb.append(Character.isISOControl(c) ? '?' : (char) c));
        return sb.toString();
    }

    private static String describe(char c) {
        return Character.isISOControl(c) || Character.isWhitespace(c) ? String.format("U+%04X", (int) c) : "'" + c + "'";
    }

    /** "filter, column 14: expected ..." and, for a short filter, the filter itself. */
    private OpsException error(String message, int column) {
        String where = input == null || input.length() > 60 ? "" : " (in: " + printable(input) + ")";
        return new OpsException(OpsException.Kind.USAGE, "filter, column " + column + ": " + message + where);
    }
}
