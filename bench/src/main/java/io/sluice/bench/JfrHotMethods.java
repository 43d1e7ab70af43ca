package io.sluice.bench;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedMethod;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Where a broker spent its CPU and its allocations, from a flight recording (as {@code compare.sh --jfr DIR}
 * writes): the methods most often on top of the stack in execution samples (self), the methods most often anywhere
 * in the stack (total), and the allocation sites by sampled bytes. JDK 17's {@code jfr} tool has no such view.
 * <pre>
 * JfrHotMethods FILE.jfr [--top 25] [--filter io.sluice]
 * </pre>
 */
public final class JfrHotMethods {
    private JfrHotMethods() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length == 0) {
            System.err.println("usage: JfrHotMethods FILE.jfr [--top N] [--filter PREFIX]");
            System.exit(2);
        }
        int top = 25;
        String filter = "";
        for (int i = 1; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--top" -> top = Integer.parseInt(args[i + 1]);
                case "--filter" -> filter = args[i + 1];
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        String prefix = filter;
        Map<String, Long> self = new HashMap<>();
        Map<String, Long> total = new HashMap<>();
        Map<String, Long> allocBytes = new HashMap<>();
        long samples = 0;
        for (RecordedEvent e : RecordingFile.readAllEvents(Path.of(args[0]))) {
            String type = e.getEventType().getName();
            RecordedStackTrace st = e.getStackTrace();
            if (st == null || st.getFrames().isEmpty()) {
                continue;
            }
            List<RecordedFrame> frames = st.getFrames();
            if (type.equals("jdk.ExecutionSample")) {
                samples++;
                self.merge(name(frames.get(0).getMethod()), 1L, Long::sum);
                Set<String> seen = new HashSet<>();
                for (RecordedFrame f : frames) {
                    String n = name(f.getMethod());
                    if (n.startsWith(filter) && seen.add(n)) {
                        total.merge(n, 1L, Long::sum);
                    }
                }
            } else if (type.equals("jdk.ObjectAllocationSample")) {
                String site = frames.stream().map(f -> name(f.getMethod())).filter(n -> n.startsWith(prefix))
                        .findFirst().orElse(name(frames.get(0).getMethod()));
                allocBytes.merge(site, e.getLong("weight"), Long::sum);
            }
        }
        System.out.printf(Locale.ROOT, "%d execution samples in %s%n", samples, args[0]);
        print("self (top of stack)", self, samples, top, "samples");
        print("total (anywhere in the stack" + (filter.isEmpty() ? "" : ", " + filter + "*") + ")", total, samples,
                top, "samples");
        print("allocation (sampled bytes, first " + (filter.isEmpty() ? "" : filter + "* ") + "frame)", allocBytes,
                allocBytes.values().stream().mapToLong(Long::longValue).sum(), top, "bytes");
    }

    private static void print(String title, Map<String, Long> counts, long all, int top, String unit) {
        System.out.printf("%n%s:%n", title);
        counts.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(top)
                .forEach(en -> System.out.printf(Locale.ROOT, "  %5.1f%%  %,14d %s  %s%n",
                        100.0 * en.getValue() / Math.max(1, all), en.getValue(), unit, en.getKey()));
    }

    private static String name(RecordedMethod m) {
        return m == null ? "?" : m.getType().getName() + "." + m.getName();
    }
}
