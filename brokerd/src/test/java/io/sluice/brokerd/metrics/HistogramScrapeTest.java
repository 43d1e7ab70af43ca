package io.sluice.brokerd.metrics;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A scrape taken while requests are observed still shows cumulative buckets with +Inf and _count at least the last
 * bucket (Prometheus refuses the scrape otherwise). observe() updates a bucket and the count one after the other,
 * so the scrape must not expose the moment in between.
 */
@Timeout(60)
class HistogramScrapeTest {
    @Test
    void bucketsStayCumulativeWhileObservationsRace() throws Exception {
        MetricsRegistry registry = new MetricsRegistry();
        MetricsRegistry.Histogram h = registry.histogram("t_seconds", "test", new double[]{0.001, 0.01, 0.1}, "api");
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> writers = new ArrayList<>();
        for (int t = 0; t < 3; t++) {
            Thread w = new Thread(() -> {
                while (!stop.get()) {
                    h.observe(0.05, "ApiVersions");
                }
            });
            w.start();
            writers.add(w);
        }
        try {
            for (int scrape = 0; scrape < 20_000; scrape++) {
                long previous = 0;
                for (String line : registry.scrape().split("\n")) {
                    if (line.startsWith("t_seconds_bucket")) {
                        long v = (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                        assertThat(v).as("scrape %d: %s after a bucket of %d", scrape, line, previous).isGreaterThanOrEqualTo(previous);
                        previous = v;
                    } else if (line.startsWith("t_seconds_count")) {
                        long v = (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                        assertThat(v).as("scrape %d: _count equals +Inf", scrape).isEqualTo(previous);
                    }
                }
            }
        } finally {
            stop.set(true);
            for (Thread w : writers) {
                w.join();
            }
        }
    }
}
