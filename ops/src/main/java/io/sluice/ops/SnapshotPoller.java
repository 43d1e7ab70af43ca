package io.sluice.ops;

import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Polls the cluster on its own thread and publishes immutable {@link State}s: the latest good {@link Observation}
 * (snapshot, rates against the previous one, lag trend), when it was taken, and the error of the last attempt if it
 * failed. A dead or slow cluster only makes the state older; readers never wait for the cluster. The previous good
 * snapshot stays on show until a new one arrives.
 *
 * <p>Thread-safety: {@link #state()} and the setters may be called from any thread; the listener is called on the
 * poller thread and must only hand the state over (e.g. wake the screen thread). The collector and probe are used
 * only by the poller thread.
 *
 * <pre>
 *   start() -> [poll -> publish -> wait(interval | wake-up)] ... -> close()
 *   paused: the wait repeats without polling until resumed
 * </pre>
 */
public final class SnapshotPoller implements AutoCloseable {
    /** Refresh intervals that +/- step through. */
    public static final List<Long> INTERVALS_MS = List.of(500L, 1000L, 2000L, 5000L, 10_000L, 30_000L);
    static final int TREND_SAMPLES = 60;
    static final long TREND_WINDOW_MS = 60_000;
    /** The lag status window: six of the Java client's default 5 s auto-commits. */
    public static final long LAG_WINDOW_MS = 30_000;

    /** A snapshot with what it means over time: rates since the last one, lag trend, lag status window. */
    public record Observation(ClusterSnapshot snapshot, ClusterRates rates, LagTrend trend, LagWindow lags) {
        /** The first observation: no rates yet, trend and lag window from this snapshot alone. */
        public static Observation first(ClusterSnapshot snapshot) {
            return new Observation(snapshot, ClusterRates.NONE, new LagTrend(TREND_SAMPLES, TREND_WINDOW_MS).with(snapshot),
                    new LagWindow(LAG_WINDOW_MS).with(snapshot));
        }

        /** The observation after this one, when {@code next} arrives. */
        public Observation then(ClusterSnapshot next) {
            return new Observation(next, ClusterRates.between(snapshot, next), trend.with(next), lags.with(next));
        }
    }

    /**
     * The records to tail: one partition, or all of a topic's with partition -1; with a filter, the latest records
     * among those read that it accepts (see {@link RecordProbe#latest(Map, Map, int, RecordFilter, long)}).
     */
    public record TailRequest(String topic, int partition, int count, RecordFilter filter) {
        public TailRequest(String topic, int partition, int count) {
            this(topic, partition, count, RecordFilter.ALL);
        }
    }

    /**
     * The latest records of a tail request, oldest first, and how many records were read to find them; error null
     * when the read worked.
     */
    public record TailResult(TailRequest request, long takenAtMs, List<Records.Incoming> records, String error, int scanned) {
        public TailResult(TailRequest request, long takenAtMs, List<Records.Incoming> records, String error) {
            this(request, takenAtMs, records, error, records.size());
        }
    }

    /**
     * What the screen shows. {@code observation} is null until the first good snapshot; {@code error} is the last
     * attempt's failure (null after a success); {@code fatal} is an unexpected failure that stopped the poller.
     */
    public record State(Observation observation, long lastAttemptMs, long lastSuccessMs, String error, String fatal,
                        long intervalMs, boolean paused, TailResult tail) {
        /** How old the shown data is at {@code nowMs}; -1 before the first snapshot. */
        public long ageMs(long nowMs) {
            return observation == null ? -1 : Math.max(0, nowMs - lastSuccessMs);
        }
    }

    private final SnapshotCollector collector;
    private final RecordProbe probe;
    private final LongSupplier clockMs;
    private final Consumer<State> listener;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition wake = lock.newCondition();
    private final Thread thread;
    private volatile State state;
    private volatile TailRequest tailRequest;
    private volatile boolean running = true;
    private boolean wakeRequested;

    public SnapshotPoller(ClusterConnection connection, RecordProbe probe, long intervalMs, LongSupplier clockMs, Consumer<State> listener) {
        this.probe = probe;
        this.collector = new SnapshotCollector(connection, probe);
        this.clockMs = clockMs;
        this.listener = listener;
        this.state = new State(null, -1, -1, null, null, intervalMs, false, null);
        this.thread = new Thread(this::run, "sluice-top-poller");
        this.thread.setDaemon(true);
    }

    public void start() {
        thread.start();
    }

    public State state() {
        return state;
    }

    /** Pauses or resumes polling; the data on show stays as it is while paused. */
    public void paused(boolean paused) {
        update(s -> new State(s.observation(), s.lastAttemptMs(), s.lastSuccessMs(), s.error(), s.fatal(), s.intervalMs(), paused, s.tail()));
        wakeUp();
    }

    /** Moves the refresh interval one step along {@link #INTERVALS_MS} (+1 slower, -1 faster). */
    public void stepInterval(int direction) {
        update(s -> new State(s.observation(), s.lastAttemptMs(), s.lastSuccessMs(), s.error(), s.fatal(),
                nextInterval(s.intervalMs(), direction), s.paused(), s.tail()));
        wakeUp();
    }

    static long nextInterval(long currentMs, int direction) {
        if (direction > 0) {
            return INTERVALS_MS.stream().filter(i -> i > currentMs).findFirst().orElse(INTERVALS_MS.get(INTERVALS_MS.size() - 1));
        }
        return INTERVALS_MS.stream().filter(i -> i < currentMs).reduce((a, b) -> b).orElse(INTERVALS_MS.get(0));
    }

    /** What to tail from the next round on; null stops tailing. */
    public void tail(TailRequest request) {
        TailRequest before = tailRequest;
        tailRequest = request;
        if (request != null && !request.equals(before)) {
            wakeUp();
        }
    }

    private synchronized void update(java.util.function.UnaryOperator<State> change) {
        state = change.apply(state);
        listener.accept(state);
    }

    private void wakeUp() {
        lock.lock();
        try {
            wakeRequested = true;
            wake.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void run() {
        try {
            while (running) {
                if (!state.paused()) {
                    pollOnce(clockMs.getAsLong());
                }
                awaitNextRound();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            if (running) {
                update(s -> new State(s.observation(), s.lastAttemptMs(), s.lastSuccessMs(), s.error(),
                        "internal error: " + e, s.intervalMs(), s.paused(), s.tail()));
            }
        }
    }

    private void awaitNextRound() throws InterruptedException {
        lock.lock();
        try {
            long waitNs = TimeUnit.MILLISECONDS.toNanos(state.intervalMs());
            while (running && !wakeRequested && waitNs > 0) {
                waitNs = wake.awaitNanos(waitNs);
            }
            wakeRequested = false;
        } finally {
            lock.unlock();
        }
    }

    /** One round: a snapshot (and the tail, if asked for), published as the new state. Runs on the poller thread. */
    void pollOnce(long nowMs) {
        Observation previous = state.observation();
        try {
            ClusterSnapshot snapshot = collector.collect(nowMs);
            Observation next = previous == null ? Observation.first(snapshot) : previous.then(snapshot);
            TailResult tail = readTail(snapshot, nowMs);
            update(s -> new State(next, nowMs, nowMs, null, null, s.intervalMs(), s.paused(), tail == null ? s.tail() : tail));
        } catch (OpsException | KafkaException e) {
            if (!running) {
                return;
            }
            String message = e instanceof OpsException ? e.getMessage() : "polling: " + e.getMessage();
            update(s -> new State(s.observation(), nowMs, s.lastSuccessMs(), message, null, s.intervalMs(), s.paused(), s.tail()));
        }
    }

    private TailResult readTail(ClusterSnapshot snapshot, long nowMs) {
        TailRequest request = tailRequest;
        if (request == null || probe == null) {
            return null;
        }
        ClusterSnapshot.Topic topic = snapshot.topic(request.topic());
        if (topic == null) {
            return new TailResult(request, nowMs, List.of(), "topic " + request.topic() + " does not exist");
        }
        Map<TopicPartition, Long> start = new HashMap<>();
        Map<TopicPartition, Long> end = new HashMap<>();
        topic.partitions().stream().filter(p -> request.partition() < 0 || p.partition() == request.partition())
                .filter(p -> !p.offline() && p.logEndOffset() >= 0).forEach(p -> {
                    start.put(new TopicPartition(topic.name(), p.partition()), p.logStartOffset());
                    end.put(new TopicPartition(topic.name(), p.partition()), p.logEndOffset());
                });
        if (end.isEmpty()) {
            return new TailResult(request, nowMs, List.of(), "no online partition to read");
        }
        try {
            RecordProbe.Latest latest = probe.latest(start, end, request.count(), request.filter(), SnapshotCollector.PROBE_TIMEOUT_MS);
            return new TailResult(request, nowMs, latest.records(), null, latest.scanned());
        } catch (OpsException e) {
            // The filter gave up on a record (a runaway regular expression): the tail says so, the snapshot stands.
            return new TailResult(request, nowMs, List.of(), e.getMessage());
        }
    }

    /** Stops the poller thread (interrupting a call in flight) and waits briefly for it. Does not close the connection. */
    @Override
    public void close() {
        running = false;
        wakeUp();
        thread.interrupt();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
