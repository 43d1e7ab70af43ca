package io.sluice.brokerd.group;

import io.sluice.brokerd.coordinator.CoordinatorWriteException;
import io.sluice.brokerd.common.TopicPartition;
import io.sluice.brokerd.group.GroupTypes.CommittedOffset;
import io.sluice.brokerd.metadata.InternalTopics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;

/**
 * The coordinator's writes to {@code __consumer_offsets} that are appended but not yet replicated, per partition in
 * append order, and the answers they owe. Invariants:
 * <ul>
 *   <li>a replicated write proves every earlier write of its partition replicated (the high watermark only moves
 *       forward): they are materialised together, oldest first;</li>
 *   <li>a write is answered only after every earlier write of its partition has been, so the answers of one
 *       partition leave in append order; each write is answered once;</li>
 *   <li>answers run outside the coordinator's monitor, one at a time, in the order they were decided.</li>
 * </ul>
 * Not thread-safe: everything but {@link #drainAnswers} is called under the coordinator's monitor.
 */
final class PendingWrites {
    private static final Logger log = LoggerFactory.getLogger(PendingWrites.class);

    /**
     * One append for one group: the offsets it sets (a null value is a tombstone) and who to tell. Guarded by the
     * coordinator's monitor.
     */
    static final class Write {
        final int partition;
        final String groupId;
        final Map<TopicPartition, CommittedOffset> changes;
        /** Told the outcome once, outside the monitor. */
        private final Consumer<GroupError> onAnswer;
        /** The store's replication of the append. */
        CompletableFuture<Void> replicated;
        /** The outcome, once known; null while the write may still be replicated in time. */
        private GroupError outcome;
        private boolean answered;
        /** Leadership was lost after the append: the log may not keep it, so it is never materialised here. */
        boolean lost;
        /** Materialised, or dropped with its partition (resign, reload): late news of it is ignored. */
        private boolean finished;

        Write(int partition, String groupId, Map<TopicPartition, CommittedOffset> changes, Consumer<GroupError> onAnswer) {
            this.partition = partition;
            this.groupId = groupId;
            this.changes = changes;
            this.onAnswer = onAnswer;
        }
    }

    private final Map<Integer, ArrayDeque<Write>> unreplicated = new HashMap<>();
    /** Guarded by itself. */
    private final ArrayDeque<Runnable> answers = new ArrayDeque<>();
    /** A thread is running answers. Guarded by {@link #answers}. */
    private boolean answering;

    /** {@code w} was appended: it waits behind the earlier writes of its partition. */
    void add(Write w) {
        unreplicated.computeIfAbsent(w.partition, p -> new ArrayDeque<>()).addLast(w);
    }

    /**
     * The store's news of {@code w}: replicated ({@code error} null), each write up to it is answered (NONE unless it
     * was answered already) and handed to {@code materialise} in append order; failed, it is answered with the
     * mapped error once the writes before it are. A failed write stays queued: a timed-out one is still in the log
     * and is materialised when a later write proves it replicated.
     */
    void settle(Write w, Throwable error, Consumer<Write> materialise) {
        if (w.finished) {
            return;
        }
        ArrayDeque<Write> queue = unreplicated.get(w.partition);
        if (error == null) {
            Write head;
            do {
                head = queue.pollFirst();
                if (!head.answered) {
                    answer(head, GroupError.NONE);
                }
                head.finished = true;
                materialise.accept(head);
            } while (head != w);
        } else if (w.outcome == null) {
            w.outcome = writeError(error, w);
            w.lost = w.outcome == GroupError.NOT_COORDINATOR;
        }
        for (Write p : queue) {
            if (p.outcome == null) {
                break;
            }
            if (!p.answered) {
                answer(p, p.outcome);
            }
        }
        if (queue.isEmpty()) {
            unreplicated.remove(w.partition);
        }
    }

    /** Leadership of {@code partition} moved: its writes are answered NOT_COORDINATOR (if not yet) and forgotten. */
    void drop(int partition) {
        ArrayDeque<Write> queue = unreplicated.remove(partition);
        if (queue == null) {
            return;
        }
        for (Write w : queue) {
            w.finished = true;
            if (!w.answered) {
                answer(w, GroupError.NOT_COORDINATOR);
            }
        }
    }

    void dropAll() {
        new ArrayList<>(unreplicated.keySet()).forEach(this::drop);
    }

    /** {@code w} could not be appended: answered at once with the mapped error. */
    void refused(Write w, RuntimeException error) {
        answer(w, writeError(error, w));
    }

    /** Queues {@code w}'s answer; it runs in {@link #drainAnswers}. */
    private void answer(Write w, GroupError outcome) {
        w.outcome = outcome;
        w.answered = true;
        queueAnswer(() -> w.onAnswer.accept(outcome));
    }

    /** Queues an answer that depends on no write (a refused request), behind those decided before it. */
    void queueAnswer(Runnable r) {
        synchronized (answers) {
            answers.addLast(r);
        }
    }

    /**
     * Runs queued answers, one thread at a time and in queue order; a thread that finds another draining leaves its
     * answers to it. Called without the coordinator's monitor, so continuations may call back into the coordinator.
     */
    void drainAnswers() {
        while (true) {
            Runnable next;
            synchronized (answers) {
                if (answering || answers.isEmpty()) {
                    return;
                }
                next = answers.pollFirst();
                answering = true;
            }
            try {
                next.run();
            } finally {
                synchronized (answers) {
                    answering = false;
                }
            }
        }
    }

    /**
     * The error a client gets for a failed offset write, mapped as Kafka's group coordinator does: too few replicas
     * or a timeout are COORDINATOR_NOT_AVAILABLE (retry here), a lost leadership or a failed log directory
     * NOT_COORDINATOR (look the coordinator up again), an oversized batch UNKNOWN_SERVER_ERROR. Any other failure
     * is a fault, logged, and answered COORDINATOR_NOT_AVAILABLE so clients retry.
     */
    static GroupError writeError(Throwable error) {
        Throwable cause = unwrap(error);
        if (cause instanceof CoordinatorWriteException e) {
            return switch (e.reason()) {
                case NOT_ENOUGH_REPLICAS, TIMED_OUT -> GroupError.COORDINATOR_NOT_AVAILABLE;
                case NOT_LEADER, STORAGE_ERROR -> GroupError.NOT_COORDINATOR;
                case RECORDS_TOO_LARGE -> GroupError.UNKNOWN_SERVER_ERROR;
            };
        }
        return GroupError.COORDINATOR_NOT_AVAILABLE;
    }

    private static GroupError writeError(Throwable error, Write w) {
        GroupError e = writeError(error);
        Throwable cause = unwrap(error);
        if (cause instanceof CoordinatorWriteException) {
            log.warn("Offsets of group {} written to {}-{} are not durable ({}): {}", w.groupId, InternalTopics.CONSUMER_OFFSETS, w.partition,
                    e, cause.getMessage());
        } else {
            log.error("Could not write offsets of group {} to {}-{}", w.groupId, InternalTopics.CONSUMER_OFFSETS, w.partition, cause);
        }
        return e;
    }

    private static Throwable unwrap(Throwable error) {
        return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    }
}
