package io.sluice.brokerd.security;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * {@code ssl.principal.mapping.rules}: turns a client certificate's subject (its RFC 2253 distinguished name, e.g.
 * {@code CN=alice,OU=eng,O=Example}) into a user name, as Apache Kafka does. The value is a comma-separated list of
 * rules, tried in order; the first that matches decides:
 * <ul>
 *   <li>{@code RULE:pattern/replacement/} with an optional {@code L} or {@code U} after the last slash: when the
 *       Java regular expression {@code pattern} matches the whole subject, the name is {@code replacement} with its
 *       {@code $1}... group references filled in, lower- or upper-cased with {@code L}/{@code U}. Inside pattern and
 *       replacement a backslash escapes the next character, so {@code \/} is a slash and commas need no escaping.</li>
 *   <li>{@code DEFAULT}: the whole subject, unchanged.</li>
 * </ul>
 * When no rule matches, the connection fails authentication (Kafka does the same). The default value is
 * {@code DEFAULT}. Departure from Kafka: text after a rule's flags other than the separating comma is refused at
 * start-up (Kafka ignores it), so a typo such as {@code /LX} is named rather than silently dropped.
 * Immutable and thread-safe.
 */
public final class SslPrincipalMapper {
    private sealed interface Rule permits Default, Replace {
        Optional<String> apply(String subject);
    }

    private record Default() implements Rule {
        @Override
        public Optional<String> apply(String subject) {
            return Optional.of(subject);
        }
    }

    private record Replace(Pattern pattern, String replacement, char caseFlag) implements Rule {
        @Override
        public Optional<String> apply(String subject) {
            Matcher m = pattern.matcher(subject);
            if (!m.matches()) {
                return Optional.empty();
            }
            // The replacement of the whole-subject match (replaceAll would add a second, empty match of
            // patterns such as '.*' at the end, and find() may pick a shorter match than matches() did).
            StringBuilder sb = new StringBuilder();
            m.appendReplacement(sb, replacement);
            m.appendTail(sb);
            String name = sb.toString();
            return Optional.of(switch (caseFlag) {
                case 'L' -> name.toLowerCase(Locale.ENGLISH);
                case 'U' -> name.toUpperCase(Locale.ENGLISH);
                default -> name;
            });
        }
    }

    private final List<Rule> rules;
    private final String source;

    private SslPrincipalMapper(List<Rule> rules, String source) {
        this.rules = rules;
        this.source = source;
    }

    /** Parses the rules; IllegalArgumentException says where the text is wrong. */
    public static SslPrincipalMapper parse(String value) {
        String text = value == null || value.isBlank() ? "DEFAULT" : value;
        List<Rule> rules = new ArrayList<>();
        int i = skipSpaces(text, 0);
        while (i < text.length()) {
            if (text.startsWith("DEFAULT", i)) {
                rules.add(new Default());
                i += "DEFAULT".length();
            } else if (text.startsWith("RULE:", i)) {
                i = parseRule(text, i + "RULE:".length(), rules);
            } else {
                throw new IllegalArgumentException("expected DEFAULT or RULE:pattern/replacement/[LU] at position " + i
                        + " of '" + text + "'");
            }
            i = skipSpaces(text, i);
            if (i < text.length()) {
                if (text.charAt(i) != ',') {
                    throw new IllegalArgumentException("expected ',' between rules at position " + i + " of '" + text + "'");
                }
                i = skipSpaces(text, i + 1);
                if (i == text.length()) {
                    throw new IllegalArgumentException("a rule is missing after the last ',' in '" + text + "'");
                }
            }
        }
        if (rules.isEmpty()) {
            throw new IllegalArgumentException("no rules in '" + text + "'");
        }
        return new SslPrincipalMapper(List.copyOf(rules), text);
    }

    private static int parseRule(String text, int start, List<Rule> rules) {
        int patternEnd = unescapedSlash(text, start);
        int replacementEnd = patternEnd < 0 ? -1 : unescapedSlash(text, patternEnd + 1);
        if (replacementEnd < 0) {
            throw new IllegalArgumentException("RULE at position " + (start - 5) + " of '" + text
                    + "' is not RULE:pattern/replacement/[LU]");
        }
        String pattern = text.substring(start, patternEnd);
        String replacement = text.substring(patternEnd + 1, replacementEnd);
        int i = replacementEnd + 1;
        char flag = 0;
        if (i < text.length() && (text.charAt(i) == 'L' || text.charAt(i) == 'U')) {
            flag = text.charAt(i);
            i++;
        }
        try {
            rules.add(new Replace(Pattern.compile(pattern), replacement, flag));
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("RULE pattern '" + pattern + "' is not a regular expression: "
                    + e.getDescription());
        }
        return i;
    }

    private static int unescapedSlash(String text, int from) {
        for (int i = from; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\\') {
                i++;
            } else if (c == '/') {
                return i;
            }
        }
        return -1;
    }

    private static int skipSpaces(String text, int i) {
        while (i < text.length() && Character.isWhitespace(text.charAt(i))) {
            i++;
        }
        return i;
    }

    /** The user name for {@code subject} (RFC 2253), or empty when no rule matches (authentication fails). */
    public Optional<String> map(String subject) {
        for (Rule r : rules) {
            Optional<String> name = r.apply(subject);
            if (name.isPresent()) {
                return name;
            }
        }
        return Optional.empty();
    }

    @Override
    public String toString() {
        return source;
    }
}
