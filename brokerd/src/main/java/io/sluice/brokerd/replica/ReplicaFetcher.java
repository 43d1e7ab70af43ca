package io.sluice.brokerd.replica;

import io.sluice.brokerd.common.MonotonicClock;
import io.sluice.brokerd.common.TopicPartition;
import io.sluice.brokerd.log.AppendResult;
import io.sluice.brokerd.log.PartitionLog;
import io.sluice.brokerd.log.RecordBatchHeader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Copies the partitions this broker follows from one leader broker: a thread that sends one Fetch (replica id set)
 * for all of them, appends what comes back with {@link PartitionLog#appendAsFollower}, takes the leader's high
 * watermark, and truncates when the leader reports a diverging epoch or the follower fell below its log start.
 * Results are applied under the partition's monitor and only while the partition still follows this leader in the
 * same epoch, so a leadership change never races a late answer. Partitions the {@link Throttle} names are left out of
 * a fetch while the follower's {@link ReplicationQuota} is overdrawn (Kafka's follower.replication.throttled.rate),
 * and the bytes fetched for them are taken from it.
 * <p>
 * The thread is never interrupted: an interrupt during a FileChannel write or fsync closes the segment's channel
 * (ClosedByInterruptException), which would fail the flush when the log closes. {@link #shutdown} cancels the fetch
 * in flight instead and lets an append under way finish. Partitions whose log directory is offline are not fetched.
 */
final class ReplicaFetcher implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(ReplicaFetcher.class);
    private static final long ERROR_BACKOFF_MS = 200;
    /** How long {@link #shutdown} waits for an append under way (on a slow disk) before going on. */
    private static final long SHUTDOWN_WAIT_MS = 30_000;

    /** The follower replication quota and which partitions it throttles now. */
    record Throttle(ReplicationQuota quota, java.util.function.Predicate<TopicPartition> throttled) {
    }

    /** A followed partition: the epoch it follows in and when it may be fetched again after an error ({@link MonotonicClock} ms). */
    private record Followed(Partition partition, int leaderEpoch, long retryAtMs) {
    }

    private final int leaderId;
    private final ReplicaFetchClient client;
    private final int maxWaitMs;
    private final int maxBytes;
    private final Throttle throttle;
    private final Map<TopicPartition, Followed> followed = new ConcurrentHashMap<>();
    private final Thread thread;
    /** The fetch in flight, cancelled by {@link #shutdown}; null between fetches. */
    private volatile java.util.concurrent.CompletableFuture<List<ReplicaFetchClient.Fetched>> inFlight;
    private volatile String host;
    private volatile int port;
    private volatile boolean running = true;

    ReplicaFetcher(int leaderId, String host, int port, ReplicaFetchClient client, int maxWaitMs, int maxBytes, Throttle throttle) {
        this.throttle = throttle;
        this.leaderId = leaderId;
        this.host = host;
        this.port = port;
        this.client = client;
        this.maxWaitMs = maxWaitMs;
        this.maxBytes = maxBytes;
        this.thread = new Thread(this, "sluice-replica-fetcher-" + leaderId);
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    void updateEndpoint(String h, int p) {
        this.host = h;
        this.port = p;
    }

    void follow(Partition p, int leaderEpoch) {
        followed.put(p.log().topicPartition(), new Followed(p, leaderEpoch, 0));
        synchronized (this) {
            notifyAll();
        }
    }

    void unfollow(TopicPartition tp) {
        followed.remove(tp);
    }

    boolean isIdle() {
        return followed.isEmpty();
    }

    /**
     * Stops the thread without interrupting it: wakes it from a pause, cancels the fetch it waits for, and waits for
     * it to finish the results it may be applying (an append, a truncation, an fsync).
     */
    void shutdown() {
        running = false;
        synchronized (this) {
            notifyAll();
        }
        var fetch = inFlight;
        if (fetch != null) {
            fetch.cancel(false);
        }
        try {
            thread.join(SHUTDOWN_WAIT_MS);
            if (thread.isAlive()) {
                log.warn("Replica fetcher for broker {} still applying results after {} ms; going on without it", leaderId,
                        SHUTDOWN_WAIT_MS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void run() {
        while (running) {
            try {
                fetchOnce();
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                if (!running) {
                    return;
                }
                log.warn("Fetching from broker {} failed: {}", leaderId, e.toString());
                pause(ERROR_BACKOFF_MS);
            } catch (Error e) {
                // The fetcher thread is a task boundary: it must not die and leave its partitions unreplicated.
                io.sluice.brokerd.common.Fatal.exitOnOutOfMemory(e);
                log.error("Fetching from broker {} failed", leaderId, e);
                pause(ERROR_BACKOFF_MS);
            }
        }
    }

    private void pause(long ms) {
        synchronized (this) {
            if (!running) {
                return;
            }
            try {
                wait(ms);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                running = false;
            }
        }
    }

    private void fetchOnce() throws InterruptedException {
        long nowMs = MonotonicClock.millis();
        List<ReplicaFetchClient.Position> positions = new ArrayList<>();
        java.util.Set<TopicPartition> throttled = new java.util.HashSet<>();
        boolean quotaExceeded = throttle.quota().isExceeded();
        boolean heldBack = false;
        for (Followed f : followed.values()) {
            if (f.retryAtMs() <= nowMs && !f.partition().log().isFailed()) {
                PartitionLog pl = f.partition().log();
                if (throttle.throttled().test(pl.topicPartition())) {
                    if (quotaExceeded) {
                        heldBack = true;
                        continue;
                    }
                    throttled.add(pl.topicPartition());
                }
                positions.add(new ReplicaFetchClient.Position(pl.topicPartition(), f.leaderEpoch(), pl.logEndOffset(),
                        pl.latestEpoch(), pl.logStartOffset()));
            }
        }
        if (positions.isEmpty()) {
            pause(heldBack ? Math.max(1, Math.min(1_000, throttle.quota().nanosUntilAvailable() / 1_000_000))
                    : followed.isEmpty() ? 1_000 : ERROR_BACKOFF_MS);
            return;
        }
        List<ReplicaFetchClient.Fetched> results;
        var fetch = client.fetch(host, port, maxWaitMs, maxBytes, positions);
        inFlight = fetch;
        try {
            if (!running) {
                return; // shutdown() may have looked for a fetch to cancel before this one was published
            }
            results = fetch.get(maxWaitMs + 30_000L, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.CancellationException e) {
            return; // shutdown
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            log.debug("Fetch from broker {} at {}:{} failed: {}", leaderId, host, port, e.toString());
            pause(ERROR_BACKOFF_MS);
            return;
        } finally {
            inFlight = null;
        }
        Map<TopicPartition, Long> fetchedFrom = new java.util.HashMap<>();
        positions.forEach(p -> fetchedFrom.put(p.tp(), p.fetchOffset()));
        for (ReplicaFetchClient.Fetched r : results) {
            if (throttled.contains(r.tp()) && r.records() != null) {
                throttle.quota().record(r.records().remaining());
            }
            Followed f = followed.get(r.tp());
            Long from = fetchedFrom.get(r.tp());
            if (f != null && from != null) {
                apply(f, r, from);
            }
        }
    }

    /**
     * Applies the answer to a fetch made from {@code fetchedFrom}. An answer that no longer fits the log (it was cut
     * meanwhile: the scrubber found a damaged batch, say) is dropped, as Kafka's fetcher drops a response whose fetch
     * offset is not the log end offset: appended, it would leave a gap of the offsets cut.
     */
    private void apply(Followed f, ReplicaFetchClient.Fetched r, long fetchedFrom) {
        Partition p = f.partition();
        PartitionLog pl = p.log();
        synchronized (p) {
            if (!p.isFollowerOf(leaderId, f.leaderEpoch())) {
                return;
            }
            if (pl.logEndOffset() != fetchedFrom) {
                log.debug("Dropping the answer for {} fetched from offset {}: its log end offset is {} now", pl.topicPartition(),
                        fetchedFrom, pl.logEndOffset());
                return;
            }
            switch (r.error()) {
                case NONE -> {
                    if (r.divergingEpoch() >= 0) {
                        long to = pl.divergenceTruncationOffset(r.divergingEpoch(), r.divergingEndOffset());
                        log.info("Truncating {} to offset {}: its log diverges from leader {} after epoch {}",
                                pl.topicPartition(), to, leaderId, r.divergingEpoch());
                        pl.truncateTo(to);
                        return;
                    }
                    ByteBuffer whole = wholeBatches(r.records());
                    if (whole.hasRemaining()) {
                        AppendResult a = pl.appendAsFollower(whole, System.currentTimeMillis());
                        if (a instanceof AppendResult.Rejected rej) {
                            refused(f, rej);
                            backOff(f);
                            return;
                        }
                        refusing.remove(pl.topicPartition());
                    }
                    pl.updateFollowerHighWatermark(r.highWatermark());
                }
                case OFFSET_OUT_OF_RANGE -> {
                    if (pl.logEndOffset() < r.logStartOffset()) {
                        log.info("{} is below leader {}'s log start offset {}; starting over there", pl.topicPartition(),
                                leaderId, r.logStartOffset());
                        pl.truncateFullyAndStartAt(r.logStartOffset());
                    } else if (r.highWatermark() >= 0 && pl.logEndOffset() > r.highWatermark()) {
                        log.info("Truncating {} to leader {}'s high watermark {}: its log end offset {} is out of range",
                                pl.topicPartition(), leaderId, r.highWatermark(), pl.logEndOffset());
                        pl.truncateTo(r.highWatermark());
                    } else {
                        backOff(f);
                    }
                }
                default -> backOff(f);
            }
        }
    }

    /** Partitions whose last append was refused: their next refusals go to DEBUG (a full disk refuses every 200 ms). */
    private final java.util.Set<TopicPartition> refusing = ConcurrentHashMap.newKeySet();

    private void refused(Followed f, AppendResult.Rejected rej) {
        TopicPartition tp = f.partition().log().topicPartition();
        if (refusing.add(tp)) {
            log.warn("Could not append data replicated from broker {} to {}: {}; retrying every {} ms", leaderId, tp,
                    rej.message(), ERROR_BACKOFF_MS);
        } else {
            log.debug("Could not append data replicated from broker {} to {}: {}", leaderId, tp, rej.message());
        }
    }

    private void backOff(Followed f) {
        followed.computeIfPresent(f.partition().log().topicPartition(),
                (tp, cur) -> cur == f ? new Followed(cur.partition(), cur.leaderEpoch(), MonotonicClock.millis() + ERROR_BACKOFF_MS) : cur);
    }

    /** The complete batches at the start of {@code records}; a trailing partial batch (cut by max bytes) is dropped. */
    static ByteBuffer wholeBatches(ByteBuffer records) {
        if (records == null) {
            return ByteBuffer.allocate(0);
        }
        ByteBuffer buf = records.duplicate();
        int start = buf.position();
        int pos = start;
        while (buf.limit() - pos >= RecordBatchHeader.HEADER_BYTES) {
            int size = RecordBatchHeader.totalSize(buf, pos);
            if (size <= 0 || pos + size > buf.limit()) {
                break;
            }
            pos += size;
        }
        return buf.limit(pos).slice();
    }
}
