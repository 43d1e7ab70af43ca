package io.sluice.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU time and memory of one Linux process, read from {@code /proc/PID/stat} (utime + stime, in clock ticks of
 * 1/100 s, the value of {@code getconf CLK_TCK} on Linux x86-64 and arm64) and {@code /proc/PID/status}
 * (VmRSS: resident now; VmHWM: the peak resident size since the process started).
 */
public record ProcStats(double cpuSeconds, long rssBytes, long peakRssBytes) {
    private static final double TICKS_PER_SECOND = 100.0;

    public static ProcStats of(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
        // fields after "(comm)": state is field 3, utime and stime are fields 14 and 15 of the whole line
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
        long rssKb = 0;
        long hwmKb = 0;
        for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
            if (line.startsWith("VmRSS:")) {
                rssKb = kb(line);
            } else if (line.startsWith("VmHWM:")) {
                hwmKb = kb(line);
            }
        }
        return new ProcStats(ticks / TICKS_PER_SECOND, rssKb * 1024, hwmKb * 1024);
    }

    private static long kb(String statusLine) {
        return Long.parseLong(statusLine.replaceAll("[^0-9]", ""));
    }

    public double rssMb() {
        return rssBytes / 1048576.0;
    }

    public double peakRssMb() {
        return peakRssBytes / 1048576.0;
    }
}
