package io.sluice.brokerd.controller;

import org.apache.ratis.metrics.LongCounter;
import org.apache.ratis.metrics.MetricRegistries;
import org.apache.ratis.metrics.MetricRegistryInfo;
import org.apache.ratis.metrics.RatisMetricRegistry;
import org.apache.ratis.metrics.Timekeeper;
import org.apache.ratis.util.TimeDuration;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The Ratis metrics implementation brokerd installs (found by Ratis through {@code ServiceLoader}, file
 * {@code META-INF/services/org.apache.ratis.metrics.MetricRegistries}): registries that record nothing.
 * <p>
 * Why: brokerd exports no Ratis metric (its Prometheus endpoint reports the broker's own), yet Ratis' default
 * implementation ({@code ratis-metrics-default}) builds a Dropwizard registry per server, division, log and appender
 * and publishes every metric as a JMX MBean. On a single node that cost about 600 loaded classes (Dropwizard,
 * javax.management, jdk.jfr through the platform MBean providers) and their heap at every start, for figures nobody
 * reads. Timers and counters here are constant objects; gauges are dropped.
 * <p>
 * Thread-safety: thread-safe.
 */
public final class UnrecordedRatisMetrics extends MetricRegistries {
    private final Map<MetricRegistryInfo, RatisMetricRegistry> registries = new ConcurrentHashMap<>();

    /** For {@code ServiceLoader}. */
    public UnrecordedRatisMetrics() {
    }

    @Override
    public void clear() {
        registries.clear();
    }

    @Override
    public RatisMetricRegistry create(MetricRegistryInfo info) {
        return registries.computeIfAbsent(info, UnrecordedRegistry::new);
    }

    @Override
    public boolean remove(MetricRegistryInfo info) {
        return registries.remove(info) != null;
    }

    @Override
    public Optional<RatisMetricRegistry> get(MetricRegistryInfo info) {
        return Optional.ofNullable(registries.get(info));
    }

    @Override
    public Set<MetricRegistryInfo> getMetricRegistryInfos() {
        return Set.copyOf(registries.keySet());
    }

    @Override
    public Collection<RatisMetricRegistry> getMetricRegistries() {
        return List.copyOf(registries.values());
    }

    /** No reporter: nothing is recorded to report. */
    @Override
    public void addReporterRegistration(Consumer<RatisMetricRegistry> start, Consumer<RatisMetricRegistry> stop) {
    }

    @Override
    public void enableJmxReporter() {
    }

    @Override
    public void enableConsoleReporter(TimeDuration period) {
    }

    private record UnrecordedRegistry(MetricRegistryInfo info) implements RatisMetricRegistry {
        private static final Timekeeper.Context STOPPED = () -> 0L;
        private static final Timekeeper TIMER = () -> STOPPED;
        private static final LongCounter COUNTER = new LongCounter() {
            @Override
            public void inc(long n) {
            }

            @Override
            public void dec(long n) {
            }

            @Override
            public long getCount() {
                return 0;
            }
        };

        @Override
        public Timekeeper timer(String name) {
            return TIMER;
        }

        @Override
        public LongCounter counter(String name) {
            return COUNTER;
        }

        @Override
        public boolean remove(String name) {
            return false;
        }

        @Override
        public <T> void gauge(String name, Supplier<Supplier<T>> gaugeSupplier) {
        }

        @Override
        public MetricRegistryInfo getMetricRegistryInfo() {
            return info;
        }
    }
}
