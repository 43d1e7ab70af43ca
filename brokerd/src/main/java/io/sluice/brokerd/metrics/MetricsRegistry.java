package io.sluice.brokerd.metrics;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

/**
 * A small Prometheus registry: labelled counters and histograms updated on hot paths with adders, and gauges
 * computed at scrape time by callbacks. {@link #scrape()} renders text exposition format 0.0.4. Thread-safe.
 * (Written here rather than pulling a client library: the broker needs three metric types and one text format.)
 */
public final class MetricsRegistry {

    private final Map<String, Family> families = new ConcurrentSkipListMap<>();

    /** A metric family: name, type, help, label names. */
    private abstract static class Family {
        final String name;
        final String help;
        final String type;
        final List<String> labelNames;

        Family(String name, String help, String type, String... labelNames) {
            this.name = name;
            this.help = help;
            this.type = type;
            this.labelNames = List.of(labelNames);
        }

        abstract void render(StringBuilder out);
    }

    /** A monotonically increasing count per label values. */
    public static final class Counter extends Family {
        private final Map<List<String>, LongAdder> values = new ConcurrentHashMap<>();

        Counter(String name, String help, String... labelNames) {
            super(name, help, "counter", labelNames);
        }

        public void inc(long n, String... labelValues) {
            values.computeIfAbsent(List.of(labelValues), k -> new LongAdder()).add(n);
        }

        public long get(String... labelValues) {
            LongAdder a = values.get(List.of(labelValues));
            return a == null ? 0 : a.sum();
        }

        @Override
        void render(StringBuilder out) {
            values.forEach((labels, v) -> sample(out, name, labelNames, labels, v.sum()));
        }
    }

    /** Observations in fixed buckets (seconds for latencies), plus sum and count. */
    public static final class Histogram extends Family {
        private final double[] bounds;
        private final Map<List<String>, Cells> values = new ConcurrentHashMap<>();

        private static final class Cells {
            final LongAdder[] buckets;
            final DoubleAdder sum = new DoubleAdder();
            final LongAdder count = new LongAdder();

            Cells(int n) {
                buckets = new LongAdder[n];
                Arrays.setAll(buckets, i -> new LongAdder());
            }
        }

        Histogram(String name, String help, double[] bounds, String... labelNames) {
            super(name, help, "histogram", labelNames);
            this.bounds = bounds.clone();
        }

        public void observe(double value, String... labelValues) {
            Cells c = values.computeIfAbsent(List.of(labelValues), k -> new Cells(bounds.length));
            for (int i = 0; i < bounds.length; i++) {
                if (value <= bounds[i]) {
                    c.buckets[i].increment();
                    break;
                }
            }
            c.sum.add(value);
            c.count.increment();
        }

        @Override
        void render(StringBuilder out) {
            List<String> withLe = new ArrayList<>(labelNames);
            withLe.add("le");
            values.forEach((labels, c) -> {
                long cumulative = 0;
                for (int i = 0; i < bounds.length; i++) {
                    cumulative += c.buckets[i].sum();
                    sample(out, name + "_bucket", withLe, append(labels, format(bounds[i])), cumulative);
                }
                // observe() bumps a bucket before the count: a scrape in between would see the last bucket above
                // +Inf, which Prometheus rejects as non-cumulative. The count is at least what the buckets hold.
                long count = Math.max(cumulative, c.count.sum());
                sample(out, name + "_bucket", withLe, append(labels, "+Inf"), count);
                sample(out, name + "_sum", labelNames, labels, c.sum.sum());
                sample(out, name + "_count", labelNames, labels, count);
            });
        }

        private static List<String> append(List<String> labels, String v) {
            List<String> l = new ArrayList<>(labels);
            l.add(v);
            return l;
        }
    }

    /** Values computed at scrape time: the callback emits (label values, value) pairs. */
    public interface GaugeCallback {
        void collect(Emitter emitter);
    }

    /** Receives gauge samples during a scrape. */
    public interface Emitter {
        void emit(double value, String... labelValues);
    }

    private static final class Gauge extends Family {
        final GaugeCallback callback;

        Gauge(String name, String help, GaugeCallback callback, String type, String... labelNames) {
            super(name, help, type, labelNames);
            this.callback = callback;
        }

        @Override
        void render(StringBuilder out) {
            callback.collect((value, labelValues) -> sample(out, name, labelNames, List.of(labelValues), value));
        }
    }

    public Counter counter(String name, String help, String... labelNames) {
        return (Counter) families.computeIfAbsent(name, n -> new Counter(n, help, labelNames));
    }

    public Histogram histogram(String name, String help, double[] bounds, String... labelNames) {
        return (Histogram) families.computeIfAbsent(name, n -> new Histogram(n, help, bounds, labelNames));
    }

    public void gauge(String name, String help, GaugeCallback callback, String... labelNames) {
        families.put(name, new Gauge(name, help, callback, "gauge", labelNames));
    }

    /** A counter whose value lives elsewhere (e.g. a JVM MXBean), read at scrape time. */
    public void counterCallback(String name, String help, GaugeCallback callback, String... labelNames) {
        families.put(name, new Gauge(name, help, callback, "counter", labelNames));
    }

    /** The text exposition of every family. */
    public String scrape() {
        StringBuilder out = new StringBuilder();
        for (Family f : families.values()) {
            out.append("# HELP ").append(f.name).append(' ').append(f.help.replace("\\", "\\\\").replace("\n", "\\n")).append('\n');
            out.append("# TYPE ").append(f.name).append(' ').append(f.type).append('\n');
            f.render(out);
        }
        return out.toString();
    }

    static void sample(StringBuilder out, String name, List<String> labelNames, List<String> labelValues, double value) {
        out.append(name);
        if (!labelNames.isEmpty()) {
            out.append('{');
            for (int i = 0; i < labelNames.size(); i++) {
                if (i > 0) {
                    out.append(',');
                }
                out.append(labelNames.get(i)).append("=\"").append(escape(labelValues.get(i))).append('"');
            }
            out.append('}');
        }
        out.append(' ').append(format(value)).append('\n');
    }

    private static String escape(String v) {
        return v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    static String format(double v) {
        if (v == Math.rint(v) && !Double.isInfinite(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return String.format(Locale.ROOT, "%s", v);
    }
}
