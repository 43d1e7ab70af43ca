package io.sluice.bench;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Figures of two systems side by side, in the order they were first defined, with the ratio second/first
 * (Sluice/Kafka) and which direction is better. A figure measured in several rounds shows the median of its
 * samples. A figure a system could not produce carries a reason instead of a number. Not thread-safe.
 */
final class ResultTable {
    enum Better { HIGHER, LOWER }

    private record Figure(String id, String label, Better better) {
    }

    private final String first;
    private final String firstLabel;
    private final String second;
    private final String secondLabel;
    private final List<Figure> figures = new ArrayList<>();
    private final Map<String, Map<String, List<Double>>> samples = new HashMap<>();
    private final Map<String, Map<String, String>> reasons = new HashMap<>();

    /** Systems are keyed by {@code first} and {@code second}; the labels head their columns. */
    ResultTable(String first, String firstLabel, String second, String secondLabel) {
        this.first = first;
        this.firstLabel = firstLabel;
        this.second = second;
        this.secondLabel = secondLabel;
    }

    void define(String id, String label, Better better) {
        if (figures.stream().noneMatch(f -> f.id().equals(id))) {
            figures.add(new Figure(id, label, better));
        }
    }

    /** Adds one sample of a figure (one per round). */
    void put(String system, String id, double value) {
        samples.computeIfAbsent(system, k -> new HashMap<>()).computeIfAbsent(id, k -> new ArrayList<>()).add(value);
    }

    void notAvailable(String system, String id, String reason) {
        reasons.computeIfAbsent(system, k -> new HashMap<>()).putIfAbsent(id, reason);
    }

    /** The median of the samples (the mean of the middle two for an even count), or null without any. */
    Double value(String system, String id) {
        List<Double> v = samples.getOrDefault(system, Map.of()).get(id);
        if (v == null || v.isEmpty()) {
            return null;
        }
        List<Double> sorted = v.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    /** A Markdown table: figure, better, first, second, second/first; several samples show "median (min-max)". */
    String render() {
        StringBuilder sb = new StringBuilder();
        sb.append("| figure | better | ").append(firstLabel).append(" | ").append(secondLabel).append(" | ")
                .append(second).append('/').append(first).append(" |\n");
        sb.append("| --- | --- | ---: | ---: | ---: |\n");
        for (Figure f : figures) {
            Double a = value(first, f.id());
            Double b = value(second, f.id());
            String ratio = a != null && b != null && a != 0 ? String.format(Locale.ROOT, "%.2fx", b / a) : "";
            sb.append("| ").append(f.label()).append(" | ").append(f.better() == Better.HIGHER ? "higher" : "lower")
                    .append(" | ").append(cell(first, f.id(), a)).append(" | ").append(cell(second, f.id(), b))
                    .append(" | ").append(ratio).append(" |\n");
        }
        return sb.toString();
    }

    private String cell(String system, String id, Double v) {
        if (v != null) {
            List<Double> all = samples.get(system).get(id);
            if (all.size() == 1) {
                return format(v);
            }
            double min = all.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
            double max = all.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
            return format(v) + " (" + format(min) + "-" + format(max) + ")";
        }
        return reasons.getOrDefault(system, Map.of()).getOrDefault(id, "n/a");
    }

    static String format(double v) {
        if (Math.abs(v) >= 1000) {
            return String.format(Locale.ROOT, "%,.0f", v);
        }
        if (Math.abs(v) >= 10) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        return String.format(Locale.ROOT, "%.3f", v);
    }
}
