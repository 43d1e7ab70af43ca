package io.sluice.ops;

import java.util.Locale;

/** Sizes in words people read, for messages (doctor) and screens (sluice top). Stateless. */
public final class Units {
    private Units() {
    }

    /** Bytes in B, KiB, MiB, GiB, TiB, PiB (one decimal below 10); "-" for negative (unknown). */
    public static String bytes(long b) {
        if (b < 0) {
            return "-";
        }
        if (b < 1024) {
            return b + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB"};
        double v = b;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, v < 10 ? "%.1f %s" : "%.0f %s", v, units[u]);
    }
}
