package io.sluice.ops;

import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Points in time as operators type them (sluice consume --from/--to, group seek --to, the filter's timestamp):
 * <ul>
 *   <li>{@code @1700000000000}: epoch milliseconds;</li>
 *   <li>{@code 2024-05-01T12:00:00Z}, {@code 2024-05-01T14:00:00.250+02:00} (RFC 3339; a space for the T is
 *       accepted), {@code 2024-05-01} (midnight UTC); a date-time without an offset is refused, not guessed;</li>
 *   <li>{@code -1h}, {@code -90m}, {@code -1h30m}, {@code -2d}, {@code -45s}, {@code -500ms}, {@code -1w}: that long
 *       before now;</li>
 *   <li>{@code now}.</li>
 * </ul>
 * Stateless; "now" is passed in.
 */
public final class TimeSpec {
    private static final Pattern RELATIVE = Pattern.compile("-((?:\\d+(?:ms|s|m|h|d|w))+)");
    private static final Pattern PART = Pattern.compile("(\\d+)(ms|s|m|h|d|w)");
    private static final Pattern DATE_TIME_START = Pattern.compile("\\d{4}-\\d{2}-\\d{2}([T ].*)?");
    private static final long MAX_AGO_MS = 100L * 365 * 24 * 3600 * 1000;

    private TimeSpec() {
    }

    /** Whether {@code s} is written as a time (not an offset or a record count): the forms above. */
    public static boolean looksLikeTime(String s) {
        return s.equals("now") || s.startsWith("@") || RELATIVE.matcher(s).matches() || DATE_TIME_START.matcher(s).matches();
    }

    /** Epoch milliseconds of {@code s}; a USAGE error naming {@code what} (e.g. "--from") and the accepted forms otherwise. */
    public static long parse(String what, String s, long nowMs) {
        if (s.equals("now")) {
            return nowMs;
        }
        if (s.startsWith("@")) {
            try {
                long ms = Long.parseLong(s.substring(1));
                if (ms < 0) {
                    throw bad(what, s, "epoch milliseconds cannot be negative");
                }
                return ms;
            } catch (NumberFormatException e) {
                throw bad(what, s, "expected @ followed by epoch milliseconds");
            }
        }
        Matcher rel = RELATIVE.matcher(s);
        if (rel.matches()) {
            return nowMs - relativeMs(what, s, rel.group(1));
        }
        if (DATE_TIME_START.matcher(s).matches()) {
            return dateTime(what, s);
        }
        throw bad(what, s, "expected a time: @EPOCH_MS, RFC 3339 (2024-05-01T12:00:00Z), a date (2024-05-01), "
                + "-1h / -30m / -2d (ago) or now");
    }

    private static long relativeMs(String what, String s, String parts) {
        long total = 0;
        Matcher m = PART.matcher(parts);
        while (m.find()) {
            long n;
            try {
                n = Long.parseLong(m.group(1));
            } catch (NumberFormatException e) {
                throw bad(what, s, "the number is too large");
            }
            long unitMs = switch (m.group(2)) {
                case "ms" -> 1;
                case "s" -> 1_000;
                case "m" -> 60_000;
                case "h" -> 3_600_000;
                case "d" -> 86_400_000;
                default -> 7 * 86_400_000L;
            };
            if (n > MAX_AGO_MS / unitMs) {
                throw bad(what, s, "more than 100 years ago");
            }
            total += n * unitMs;
        }
        if (total > MAX_AGO_MS) {
            throw bad(what, s, "more than 100 years ago");
        }
        return total;
    }

    private static long dateTime(String what, String s) {
        String t = s.replace(' ', 'T');
        try {
            if (t.length() == 10) {
                return LocalDate.parse(t, DateTimeFormatter.ISO_LOCAL_DATE).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
            }
            String upper = t.toUpperCase(Locale.ROOT);
            if (!upper.endsWith("Z") && !Pattern.compile("[+-]\\d{2}:?\\d{2}$").matcher(upper).find()) {
                throw bad(what, s, "add the UTC offset (Z or +02:00): a time without one is ambiguous");
            }
            return OffsetDateTime.parse(upper, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant().toEpochMilli();
        } catch (DateTimeParseException e) {
            throw bad(what, s, "not an RFC 3339 time like 2024-05-01T12:00:00Z: " + e.getMessage());
        } catch (DateTimeException | ArithmeticException e) {
            throw bad(what, s, e.getMessage());
        }
    }

    private static OpsException bad(String what, String s, String why) {
        return new OpsException(OpsException.Kind.USAGE, what + " " + s + ": " + why);
    }
}
