package io.sluice.systest.fuzz;

import org.apache.kafka.common.protocol.Errors;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a fuzz run did and found: requests per API and version, outcomes (answered, closed, no response) per
 * mutator, error codes per API, checks passed, and every finding with what it takes to reproduce it: the seed, the
 * iteration, the request in hex and the system property that replays it. Written as Markdown to
 * {@code target/fuzz-report.md}.
 */
final class FuzzReport {
    /** One thing that went wrong: a request that was not answered right, or an invariant that broke. */
    record Finding(long seed, long iteration, String request, String mutator, String mutation, String problem, String hex) {
        String replay() {
            return "-Dfuzz.replay=" + seed + ":" + iteration;
        }

        @Override
        public String toString() {
            return "seed " + seed + ", iteration " + iteration + " (" + replay() + "): " + request + ", " + mutator + ": " + mutation
                    + "\n  " + problem.replace("\n", "\n  ") + (hex == null ? "" : "\n  request: " + hex);
        }
    }

    private final FuzzSettings settings;
    private final Map<String, Long> requestsByApi = new TreeMap<>();
    private final Map<String, Map<String, Long>> outcomesByMutator = new TreeMap<>();
    private final Map<String, Map<String, Long>> errorsByApi = new TreeMap<>();
    private final List<Finding> findings = new ArrayList<>();
    private long requests;
    private long checks;
    private long startNs = System.nanoTime();
    private long endNs;
    private String peaks = "";

    FuzzReport(FuzzSettings settings) {
        this.settings = settings;
    }

    void started() {
        startNs = System.nanoTime();
    }

    void record(BaseRequest base, Mutation m, Judge.Verdict v) {
        requests++;
        requestsByApi.merge(base.key().name + " v" + base.version(), 1L, Long::sum);
        outcomesByMutator.computeIfAbsent(m.mutator(), k -> new TreeMap<>()).merge(v.outcome(), 1L, Long::sum);
        Map<String, Long> errors = errorsByApi.computeIfAbsent(base.key().name, k -> new TreeMap<>());
        for (Map.Entry<Errors, Integer> e : v.errors().entrySet()) {
            errors.merge(e.getKey().name(), (long) e.getValue(), Long::sum);
        }
    }

    void checked() {
        checks++;
    }

    void finding(Finding f) {
        findings.add(f);
    }

    void finished(String peaks) {
        endNs = System.nanoTime();
        this.peaks = peaks;
    }

    List<Finding> findings() {
        return findings;
    }

    long requests() {
        return requests;
    }

    double seconds() {
        return ((endNs == 0 ? System.nanoTime() : endNs) - startNs) / 1e9;
    }

    /** One line for the log and the README. */
    String summary() {
        return String.format("%,d requests (seed %d) in %.0f s (%.0f/s), %d invariant checks, %d findings%s",
                requests, settings.seed(), seconds(), requests / Math.max(seconds(), 0.001), checks, findings.size(),
                peaks.isEmpty() ? "" : "; peaks: " + peaks);
    }

    void write(Path file) throws IOException {
        StringBuilder md = new StringBuilder("# Protocol fuzz run\n\n").append(summary()).append("\n\nSettings: ").append(settings).append("\n\n");
        md.append("## Findings\n\n");
        if (findings.isEmpty()) {
            md.append("None.\n");
        }
        for (Finding f : findings) {
            md.append("- ").append(f.toString().replace("\n", "\n  ")).append('\n');
        }
        md.append("\n## Outcomes per mutator\n\n| mutator | outcomes |\n| --- | --- |\n");
        outcomesByMutator.forEach((m, o) -> md.append("| ").append(m).append(" | ").append(o).append(" |\n"));
        md.append("\n## Requests per API and version\n\n");
        requestsByApi.forEach((k, n) -> md.append(k).append(": ").append(n).append("; "));
        md.append("\n\n## Error codes answered per API\n\n| API | errors |\n| --- | --- |\n");
        errorsByApi.forEach((k, e) -> md.append("| ").append(k).append(" | ").append(e).append(" |\n"));
        Files.createDirectories(file.getParent());
        Files.writeString(file, md.toString());
    }
}
