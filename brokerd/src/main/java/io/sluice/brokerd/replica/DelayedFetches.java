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
import java.util.concurrent.atomic.AtomicLong;

import io.sluice.brokerd.common.Fatal;
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
 * <p>
 * Failure isolation: every call into a waiter is a task boundary. A waiter that throws while an append wakes it
 * (or while it expires) is done: it is unwatched and told through {@link Waiter#abort} to answer its request with
 * an error, and the append that woke it, and the other waiters, go on as if nothing happened. An
 * {@link OutOfMemoryError} ends the process ({@link Fatal}).
 * <p>
 * A parked request whose client went away is {@link Handle#cancel cancelled}: it leaves the watch lists at once
 * (only a small shell, without waiter or partitions, stays in the deadline queue until its time) and nothing more is
 * done for it. Thread-safe.
 */
public final class DelayedFetches {
    private static final Logger log = LoggerFactory.getLogger(DelayedFetches.class);

    /** A parked fetch: {@link #tryComplete()} re-checks the condition and answers when it holds. */
    public interface Waiter {
        /** Returns true when the fetch was answered (enough bytes now). */
        boolean tryComplete();

        /** Answers with whatever is there now (wait expired). */
        void forceComplete();

        /**
         * {@link #tryComplete} or {@link #forceComplete} threw {@code cause}: answer the request with an error now
         * (the waiter is done either way). By default it gets one more chance through {@link #forceComplete}.
         */
        default void abort(Throwable cause) {
            forceComplete();
        }
    }

    /** A parked request, as its owner holds it. */
    public interface Handle {
        /**
         * Takes the request out of the purgatory unanswered (its client went away). Returns true when it was still
         * parked, so the caller now owns answering (or dropping) it; false when it was answered already.
         */
        boolean cancel();
    }

    private final ScheduledExecutorService timer;
    private final Map<TopicPartition, Set<Parked>> watchers = new ConcurrentHashMap<>();
    /** Parked fetches by deadline, answered ones included until the timer passes them; guarded by itself. */
    private final PriorityQueue<Parked> deadlines = new PriorityQueue<>(Comparator.comparingLong(p -> p.deadlineNs));
    /** Deadline the pending timer task is armed for, {@code Long.MAX_VALUE} when none; guarded by {@link #deadlines}. */
    private long armedNs = Long.MAX_VALUE;
    private final AtomicLong cancelled = new AtomicLong();

    private final class Parked implements Handle {
        /** Null once answered: the queue may hold this shell until its deadline, the waiter need not live as long. */
        volatile Waiter waiter;
        /** Null once answered, like {@link #waiter}. */
        volatile List<TopicPartition> partitions;
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
            partitions = List.of();
        }

        @Override
        public boolean cancel() {
            synchronized (this) {
                if (!done.compareAndSet(false, true)) {
                    return false;
                }
                unwatch();
            }
            cancelled.incrementAndGet();
            return true;
        }
    }

    public DelayedFetches(ScheduledExecutorService timer) {
        this.timer = timer;
    }

    /** Parks {@code waiter} on {@code partitions} for at most {@code maxWaitMs}. */
    public Handle park(Waiter waiter, List<TopicPartition> partitions, long maxWaitMs) {
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
        return p;
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
            if (p.done.get() || w == null) {
                return;
            }
            boolean answered;
            try {
                answered = w.tryComplete();
            } catch (Throwable t) {
                Fatal.exitOnOutOfMemory(t);
                p.done.set(true);
                p.unwatch();
                abort(w, t);
                return;
            }
            if (answered) {
                p.done.set(true);
                p.unwatch();
            }
        }
    }

    /** Tells a waiter that threw to answer with an error; what it throws then is logged, never passed on. */
    private static void abort(Waiter w, Throwable cause) {
        try {
            w.abort(cause);
        } catch (Throwable t) {
            Fatal.exitOnOutOfMemory(t);
            t.addSuppressed(cause);
            log.error("A delayed request failed and could not be answered; its client times out", t);
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
            expire(p);
        }
    }

    private void expire(Parked p) {
        synchronized (p) {
            Waiter w = p.waiter;
            if (p.done.compareAndSet(false, true)) {
                p.unwatch();
                try {
                    w.forceComplete();
                } catch (Throwable t) {
                    // One failed answer must not keep the other due requests parked.
                    Fatal.exitOnOutOfMemory(t);
                    abort(w, t);
                }
            }
        }
    }

    /** Parked requests cancelled because their client went away, since start. */
    public long cancelledCount() {
        return cancelled.get();
    }

    /** Parked requests now (a gauge). */
    public int parkedCount() {
        Set<Parked> all = ConcurrentHashMap.newKeySet();
        watchers.values().forEach(all::addAll);
        return all.size();
    }
}
