package io.sluice.brokerd.metrics;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict parser of the Prometheus text exposition format 0.0.4 for tests: every line must be a HELP, a TYPE or a
 * sample of a declared family; histograms must have cumulative buckets ending in +Inf equal to _count. Returns each
 * series ({@code name{labels}} exactly as written) with its value; throws IllegalArgumentException naming the line.
 */
public final class PrometheusText {
    private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern SAMPLE = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)\\})? (\\S+)");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\[\\\\\"n])*)\"");

    private PrometheusText() {
    }

    public static Map<String, Double> parse(String text) {
        Map<String, String> types = new HashMap<>();
        Map<String, Double> series = new LinkedHashMap<>();
        Map<String, TreeMap<Double, Double>> buckets = new HashMap<>();
        String[] lines = text.split("\n", -1);
        if (!text.endsWith("\n")) {
            throw new IllegalArgumentException("exposition must end with a newline");
        }
        for (int i = 0; i < lines.length - 1; i++) {
            String line = lines[i];
            String where = "line " + (i + 1) + ": " + line;
            if (line.startsWith("# HELP ")) {
                String[] p = line.split(" ", 4);
                require(p.length >= 3 && NAME.matcher(p[2]).matches(), where);
            } else if (line.startsWith("# TYPE ")) {
                String[] p = line.split(" ");
                require(p.length == 4 && NAME.matcher(p[2]).matches() && List.of("counter", "gauge", "histogram", "summary", "untyped").contains(p[3]), where);
                require(types.put(p[2], p[3]) == null, where + " (family declared twice)");
            } else {
                Matcher m = SAMPLE.matcher(line);
                require(m.matches(), where);
                String name = m.group(1);
                String family = familyOf(name, types);
                require(family != null, where + " (no TYPE for this family)");
                Map<String, String> labels = labels(m.group(3), where);
                double value = value(m.group(4), where);
                String key = name + (m.group(2) == null ? "" : m.group(2));
                require(series.put(key, value) == null, where + " (duplicate series)");
                if (name.endsWith("_bucket") && "histogram".equals(types.get(family))) {
                    require(labels.containsKey("le"), where + " (bucket without le)");
                    Map<String, String> rest = new TreeMap<>(labels);
                    String le = rest.remove("le");
                    buckets.computeIfAbsent(family + rest, k -> new TreeMap<>()).put(le.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(le), value);
                }
            }
        }
        buckets.forEach((k, b) -> {
            double last = -1;
            for (double v : b.values()) {
                require(v >= last, "buckets of " + k + " are not cumulative");
                last = v;
            }
            require(b.containsKey(Double.POSITIVE_INFINITY), "histogram " + k + " has no +Inf bucket");
        });
        return series;
    }

    private static String familyOf(String name, Map<String, String> types) {
        if (types.containsKey(name)) {
            return name;
        }
        for (String suffix : new String[]{"_bucket", "_sum", "_count"}) {
            if (name.endsWith(suffix) && "histogram".equals(types.get(name.substring(0, name.length() - suffix.length())))) {
                return name.substring(0, name.length() - suffix.length());
            }
        }
        return null;
    }

    private static Map<String, String> labels(String body, String where) {
        Map<String, String> out = new LinkedHashMap<>();
        if (body == null || body.isEmpty()) {
            return out;
        }
        Matcher m = LABEL.matcher(body);
        int pos = 0;
        while (m.find() && m.start() == pos) {
            require(out.put(m.group(1), m.group(2)) == null, where + " (label twice)");
            pos = m.end();
            if (pos < body.length()) {
                require(body.charAt(pos) == ',', where);
                pos++;
            }
        }
        require(pos == body.length(), where + " (bad labels)");
        return out;
    }

    private static double value(String v, String where) {
        switch (v) {
            case "+Inf":
                return Double.POSITIVE_INFINITY;
            case "-Inf":
                return Double.NEGATIVE_INFINITY;
            case "NaN":
                return Double.NaN;
            default:
                try {
                    return Double.parseDouble(v);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException(where + " (bad value)", e);
                }
        }
    }

    private static void require(boolean ok, String what) {
        if (!ok) {
            throw new IllegalArgumentException("malformed exposition at " + what);
        }
    }
}
