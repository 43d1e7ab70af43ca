package io.sluice.brokerd.replica;

import io.sluice.brokerd.common.TopicPartition;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Long-poll fetches parked until data arrives or their wait expires. A parked fetch watches its partitions; an
 * append to one of them wakes it (no polling loop), and a single timer completes it at {@code max.wait.ms}.
 * Each parked fetch runs its completion exactly once. Thread-safe.
 */
public final class DelayedFetches {

    /** A parked fetch: {@link #tryComplete()} re-checks the condition and answers when it holds. */
    public interface Waiter {
        /** Returns true when the fetch was answered (enough bytes now). */
        boolean tryComplete();

        /** Answers with whatever is there now (wait expired). */
        void forceComplete();
    }

    private final ScheduledExecutorService timer;
    private final Map<TopicPartition, Set<Parked>> watchers = new ConcurrentHashMap<>();

    private final class Parked {
        final Waiter waiter;
        final List<TopicPartition> partitions;
        final AtomicBoolean done = new AtomicBoolean();
        volatile ScheduledFuture<?> expiry;

        Parked(Waiter waiter, List<TopicPartition> partitions) {
            this.waiter = waiter;
            this.partitions = partitions;
        }

        void unwatch() {
            for (TopicPartition tp : partitions) {
                Set<Parked> set = watchers.get(tp);
                if (set != null) {
                    set.remove(this);
                }
            }
            ScheduledFuture<?> f = expiry;
            if (f != null) {
                f.cancel(false);
            }
        }
    }

    public DelayedFetches(ScheduledExecutorService timer) {
        this.timer = timer;
    }

    /** Parks {@code waiter} on {@code partitions} for at most {@code maxWaitMs}. */
    public void park(Waiter waiter, List<TopicPartition> partitions, long maxWaitMs) {
        Parked p = new Parked(waiter, new ArrayList<>(partitions));
        for (TopicPartition tp : p.partitions) {
            watchers.computeIfAbsent(tp, k -> ConcurrentHashMap.newKeySet()).add(p);
        }
        p.expiry = timer.schedule(() -> expire(p), maxWaitMs, TimeUnit.MILLISECONDS);
        // An append may have landed between the caller's read and the registration above.
        wake(p);
    }

    /** Called after an append to {@code tp}. */
    public void onAppend(TopicPartition tp) {
        Set<Parked> set = watchers.get(tp);
        if (set == null || set.isEmpty()) {
            return;
        }
        for (Parked p : set.toArray(new Parked[0])) {
            wake(p);
        }
    }

    private void wake(Parked p) {
        if (p.done.get()) {
            return;
        }
        synchronized (p) {
            if (!p.done.get() && p.waiter.tryComplete()) {
                p.done.set(true);
                p.unwatch();
            }
        }
    }

    private void expire(Parked p) {
        synchronized (p) {
            if (p.done.compareAndSet(false, true)) {
                p.unwatch();
                p.waiter.forceComplete();
            }
        }
    }

    /** Parked fetches (tests). */
    public int parkedCount() {
        Set<Parked> all = ConcurrentHashMap.newKeySet();
        watchers.values().forEach(all::addAll);
        return all.size();
    }
}
