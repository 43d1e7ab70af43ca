package io.sluice.systest;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** A broker's controller (Ratis) log as its segment files show it, read from the test's side. */
final class RaftLogFiles {
    private RaftLogFiles() {
    }

    /** A Raft log segment: entries {@code first..last}; an open segment with no entry yet has last = first - 1. */
    record Segment(long first, long last) {
    }

    private static final Pattern CLOSED = Pattern.compile("log_(\\d+)-(\\d+)");
    private static final Pattern OPEN = Pattern.compile("log_inprogress_(\\d+)");

    /**
     * The Raft log segments of the broker whose data directory is {@code dataDir}, from
     * {@code <data.dir>/__controller/<group>/current}: closed segments name their range; the entries of the open one are counted (Ratis' format: an 8-byte header, then per entry a varint
     * length, the entry and a 4-byte checksum, then zeros).
     */
    static List<Segment> read(Path dataDir) {
        Path controller = dataDir.resolve("__controller");
        List<Segment> out = new ArrayList<>();
        try (Stream<Path> groups = Files.list(controller)) {
            for (Path group : groups.filter(Files::isDirectory).toList()) {
                try (Stream<Path> files = Files.list(group.resolve("current"))) {
                    for (Path f : files.toList()) {
                        String name = f.getFileName().toString();
                        Matcher closed = CLOSED.matcher(name);
                        Matcher open = OPEN.matcher(name);
                        if (closed.matches()) {
                            out.add(new Segment(Long.parseLong(closed.group(1)), Long.parseLong(closed.group(2))));
                        } else if (open.matches()) {
                            long first = Long.parseLong(open.group(1));
                            out.add(new Segment(first, first + countEntries(f) - 1));
                        }
                    }
                }
            }
        } catch (IOException e) {
            // A segment rolled or was purged while listing: the caller polls again.
            return List.of();
        }
        return out;
    }

    private static long countEntries(Path segment) throws IOException {
        try (InputStream in = new java.io.BufferedInputStream(Files.newInputStream(segment))) {
            in.skipNBytes(8);
            long n = 0;
            while (true) {
                int length = readVarint(in);
                if (length <= 0) {
                    return n;
                }
                in.skipNBytes(length + 4L);
                n++;
            }
        } catch (java.io.EOFException e) {
            return 0;
        }
    }

    private static int readVarint(InputStream in) throws IOException {
        int value = 0;
        for (int shift = 0; shift < 32; shift += 7) {
            int b = in.read();
            if (b < 0) {
                return -1;
            }
            value |= (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                return value;
            }
        }
        throw new IOException("malformed varint");
    }

    /** The first index present in {@code log}, -1 when it has none. */
    static long firstIndex(List<Segment> log) {
        return log.stream().filter(s -> s.last() >= s.first()).mapToLong(Segment::first).min().orElse(-1);
    }

    /** The last index present in {@code log}, -1 when it has none. */
    static long lastIndex(List<Segment> log) {
        return log.stream().mapToLong(Segment::last).max().orElse(-1);
    }
}
