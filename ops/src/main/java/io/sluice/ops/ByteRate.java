package io.sluice.ops;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Byte rates as operators type them ({@code --throttle 50MB/s}) and as they read them: a number with an optional unit
 * and an optional {@code /s}. Decimal units are powers of 1000 (kB, MB, GB), binary ones powers of 1024 (KiB, MiB,
 * GiB); a bare number is bytes per second, as Kafka's {@code --throttle} takes it. {@link Units#bytes} prints them.
 * Stateless.
 */
public final class ByteRate {
    private static final Pattern RATE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([kKmMgG]i?[bB]|[bB])?(?:/s)?");

    private ByteRate() {
    }

    /** Bytes per second of {@code s}; a USAGE error naming {@code option} otherwise. */
    public static long parse(String option, String s) {
        Matcher m = RATE.matcher(s.trim());
        if (!m.matches()) {
            throw new OpsException(OpsException.Kind.USAGE, option + " " + s + ": expected a rate such as 50MB/s, 20MiB/s, 512kB/s "
                    + "or a number of bytes per second");
        }
        double n = Double.parseDouble(m.group(1));
        String unit = m.group(2) == null ? "b" : m.group(2).toLowerCase(Locale.ROOT);
        double factor = switch (unit) {
            case "kb" -> 1e3;
            case "mb" -> 1e6;
            case "gb" -> 1e9;
            case "kib" -> 1024;
            case "mib" -> 1024 * 1024;
            case "gib" -> 1024.0 * 1024 * 1024;
            default -> 1;
        };
        double bytes = n * factor;
        if (bytes < 1 || bytes > Long.MAX_VALUE / 2) {
            throw new OpsException(OpsException.Kind.USAGE, option + " " + s + ": the rate must be at least 1 byte per second");
        }
        return (long) bytes;
    }
}
