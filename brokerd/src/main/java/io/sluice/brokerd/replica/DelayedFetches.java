package io.sluice.brokerd.replica;

import io.sluice.brokerd.common.TopicPartition;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Long-poll fetches parked until data arrives or their wait expires. A parked fetch watches its partitions; an
 * append to one of them wakes it (no polling loop). Each parked fetch runs its completion exactly once.
 * <p>
 * Expiry: parked fetches sit in one queue ordered by deadline, and a single timer task is armed for the earliest
 * deadline that may still expire. Most fetches are answered by an append long before their deadline; they are not
 * taken out of the queue (their waiter is dropped, so only a small shell stays) but skipped when the timer reaches
 * them. Parking a fetch whose deadline is not earlier than the armed one schedules nothing, so a stream of short
 * long-polls (one per record at low rates) costs no timer thread wake-up each, as a timer task per fetch did
 * (cancelled tasks stay queued in a {@code ScheduledThreadPoolExecutor} and wake its thread at their time).
 * Thread-safe.
 */
public final class DelayedFetches {
    private static final Logger log = LoggerFactory.getLogger(DelayedFetches.class);

    /** A parked fetch: {@link #tryComplete()} re-checks the condition and answers when it holds. */
    public interface Waiter {
        /** Returns true when the fetch was answered (enough bytes now). */
        boolean tryComplete();

        /** Answers with whatever is there now (wait expired). */
        void forceComplete();
    }

    private final ScheduledExecutorService timer;
    private final Map<TopicPartition, Set<Parked>> watchers = new ConcurrentHashMap<>();
    /** Parked fetches by deadline, answered ones included until the timer passes them; guarded by itself. */
    private final PriorityQueue<Parked> deadlines = new PriorityQueue<>(Comparator.comparingLong(p -> p.deadlineNs));
    /** Deadline the pending timer task is armed for, {@code Long.MAX_VALUE} when none; guarded by {@link #deadlines}. */
    private long armedNs = Long.MAX_VALUE;

    private final class Parked {
        /** Null once answered: the queue may hold this shell until its deadline, the waiter need not live as long. */
        volatile Waiter waiter;
        final List<TopicPartition> partitions;
        final long deadlineNs;
        final AtomicBoolean done = new AtomicBoolean();

        Parked(Waiter waiter, List<TopicPartition> partitions, long deadlineNs) {
            this.waiter = waiter;
            this.partitions = partitions;
            this.deadlineNs = deadlineNs;
        }

        void unwatch() {
            for (TopicPartition tp : partitions) {
                Set<Parked> set = watchers.get(tp);
                if (set != null) {
                    set.remove(this);
                }
            }
            waiter = null;
        }
    }

    public DelayedFetches(ScheduledExecutorService timer) {
        this.timer = timer;
    }

    /** Parks {@code waiter} on {@code partitions} for at most {@code maxWaitMs}. */
    public void park(Waiter waiter, List<TopicPartition> partitions, long maxWaitMs) {
        long nowNs = System.nanoTime();
        Parked p = new Parked(waiter, new ArrayList<>(partitions), nowNs + TimeUnit.MILLISECONDS.toNanos(maxWaitMs));
        for (TopicPartition tp : p.partitions) {
            watchers.computeIfAbsent(tp, k -> ConcurrentHashMap.newKeySet()).add(p);
        }
        synchronized (deadlines) {
            deadlines.add(p);
            maybeArm(p.deadlineNs, nowNs);
        }
        // An append may have landed between the caller's read and the registration above.
        wake(p);
    }

    /** Arms the timer for {@code deadlineNs} unless a pending task already fires no later. Caller holds the lock. */
    private void maybeArm(long deadlineNs, long nowNs) {
        if (armedNs > nowNs && armedNs <= deadlineNs) {
            return;
        }
        armedNs = deadlineNs;
        timer.schedule(this::expireDue, Math.max(0, deadlineNs - nowNs), TimeUnit.NANOSECONDS);
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
            Waiter w = p.waiter;
            if (!p.done.get() && w != null && w.tryComplete()) {
                p.done.set(true);
                p.unwatch();
            }
        }
    }

    /** The timer task: answers every fetch whose deadline has passed, drops answered ones, re-arms for the next. */
    private void expireDue() {
        List<Parked> due = new ArrayList<>();
        synchronized (deadlines) {
            long nowNs = System.nanoTime();
            Parked head;
            while ((head = deadlines.peek()) != null && (head.done.get() || head.deadlineNs <= nowNs)) {
                deadlines.poll();
                if (!head.done.get()) {
                    due.add(head);
                }
            }
            if (head != null) {
                maybeArm(head.deadlineNs, nowNs);
            } else if (armedNs <= nowNs) {
                armedNs = Long.MAX_VALUE;
            }
        }
        for (Parked p : due) {
            try {
                expire(p);
            } catch (RuntimeException e) {
                // One failed answer must not keep the other due fetches parked; the request itself times out client-side.
                log.error("Answering an expired delayed request failed", e);
            }
        }
    }

    private void expire(Parked p) {
        synchronized (p) {
            Waiter w = p.waiter;
            if (p.done.compareAndSet(false, true)) {
                p.unwatch();
                w.forceComplete();
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
