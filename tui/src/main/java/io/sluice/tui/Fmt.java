package io.sluice.tui;

import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.Locale;

/** Number, size, duration and payload formatting for narrow columns. Stateless. */
final class Fmt {
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss", Locale.ROOT);

    private Fmt() {
    }

    /** A count with thousands separators; "-" for negative (unknown). */
    static String count(long n) {
        return n < 0 ? "-" : String.format(Locale.ROOT, "%,d", n);
    }

    /** Records per second: one decimal below 100, none above, k/M beyond 10,000. */
    static String rate(double perSec) {
        if (perSec < 100) {
            return String.format(Locale.ROOT, "%.1f", perSec);
        }
        if (perSec < 10_000) {
            return String.format(Locale.ROOT, "%.0f", perSec);
        }
        if (perSec < 10_000_000) {
            return String.format(Locale.ROOT, "%.1fk", perSec / 1000);
        }
        return String.format(Locale.ROOT, "%.1fM", perSec / 1_000_000);
    }

    /** Bytes in B, KiB, MiB, GiB, TiB; "-" for negative (unknown). */
    static String bytes(long b) {
        return io.sluice.ops.Units.bytes(b);
    }

    /** A duration like 45s, 3m05s, 2h10m, 4d03h; "-" for negative (unknown). */
    static String duration(long ms) {
        if (ms < 0) {
            return "-";
        }
        long s = ms / 1000;
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
        }
        if (s < 86_400) {
            return String.format(Locale.ROOT, "%dh%02dm", s / 3600, (s % 3600) / 60);
        }
        return String.format(Locale.ROOT, "%dd%02dh", s / 86_400, (s % 86_400) / 3600);
    }

    static String clock(long epochMs, ZoneId zone) {
        return CLOCK.format(Instant.ofEpochMilli(epochMs).atZone(zone));
    }

    /** Bytes of a payload looked at: a preview needs no more than a wide terminal line. */
    static final int PREVIEW_BYTES = 1024;

    /**
     * Printable UTF-8 text as is (control characters shown as '.'), anything else as hex; "null" for null. Only the
     * first {@link #PREVIEW_BYTES} are decoded ("..." follows when there is more).
     */
    static String payload(byte[] bytes) {
        if (bytes == null) {
            return "null";
        }
        boolean cut = bytes.length > PREVIEW_BYTES;
        ByteBuffer head = ByteBuffer.wrap(bytes, 0, Math.min(bytes.length, PREVIEW_BYTES));
        try {
            String s = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(head).toString();
            StringBuilder sb = new StringBuilder(s.length());
            s.codePoints().forEach(cp -> sb.appendCodePoint(Character.isISOControl(cp) ? '.' : cp));
            return sb + (cut ? "..." : "");
        } catch (CharacterCodingException e) {
            if (cut && e instanceof java.nio.charset.MalformedInputException m && head.position() + m.getInputLength() >= PREVIEW_BYTES - 3) {
                // a character split by the preview limit: show the text before it
                return payload(java.util.Arrays.copyOf(bytes, head.position())) + "...";
            }
            return "0x" + HexFormat.of().formatHex(bytes, 0, Math.min(bytes.length, 32)) + (bytes.length > 32 ? ".." : "");
        }
    }

    /** {@code s} cut to {@code width} columns, ending in the ellipsis when cut. */
    static String fit(String s, int width, String ellipsis) {
        if (width <= 0) {
            return "";
        }
        if (s.length() <= width) {
            return s;
        }
        return width <= ellipsis.length() ? s.substring(0, width) : s.substring(0, width - ellipsis.length()) + ellipsis;
    }
}
