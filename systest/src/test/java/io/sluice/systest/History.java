package io.sluice.systest;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Everything the fault matrix's workload did and saw, in the order it happened, as Jepsen records a history: each
 * send with its outcome (the partition and offset a broker acknowledged, or the error), each commit of the consumer
 * group with its outcome, each record the group consumer was handed and where it resumed after a rebalance. The
 * workload only records; {@link HistoryChecker} judges. Thread-safe (appends are serialised; a snapshot is a copy).
 */
final class History {
    /** How an operation ended: acknowledged, refused for sure, or unknown (a timeout: it may or may not have happened). */
    enum Outcome { OK, FAIL, UNKNOWN }

    sealed interface Op {
        /** When the operation completed (or the observation was made), epoch ms of the test's clock. */
        long atMs();
    }

    /**
     * A produce of {@code value} to {@code partition}, sent at {@code invokeMs}; acknowledged (OK) at {@code offset},
     * or not ({@code offset} -1, {@code error} says why).
     */
    record Send(String value, int partition, long invokeMs, long atMs, Outcome outcome, long offset, String error) implements Op {
    }

    /** A synchronous offset commit of the group: {@code offsets} by partition, and how it ended. */
    record Commit(Map<Integer, Long> offsets, long invokeMs, long atMs, Outcome outcome, String error) implements Op {
    }

    /** The group consumer was handed {@code value} at {@code partition}-{@code offset}. */
    record Consumed(int partition, long offset, String value, long atMs) implements Op {
    }

    /** After a rebalance the group consumer resumed {@code partition} at {@code position} (its committed offset). */
    record Resumed(int partition, long position, long atMs) implements Op {
    }

    private final List<Op> ops = new ArrayList<>();
    /** Indexes for the runner's waits (the history grows to hundreds of thousands of operations). */
    private final Map<Integer, java.util.concurrent.ConcurrentSkipListMap<Long, Long>> ackMsByInvokeMs = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.concurrent.ConcurrentSkipListSet<Long> okCommitMs = new java.util.concurrent.ConcurrentSkipListSet<>();
    private final java.util.concurrent.atomic.AtomicLong acked = new java.util.concurrent.atomic.AtomicLong();
    private volatile String lastSendError = "none";

    synchronized void add(Op op) {
        ops.add(op);
        if (op instanceof Send s) {
            if (s.outcome() == Outcome.OK) {
                acked.incrementAndGet();
                ackMsByInvokeMs.computeIfAbsent(s.partition(), k -> new java.util.concurrent.ConcurrentSkipListMap<>())
                        .merge(s.invokeMs(), s.atMs(), Math::min);
            } else {
                lastSendError = s.error();
            }
        } else if (op instanceof Commit c && c.outcome() == Outcome.OK) {
            okCommitMs.add(c.atMs());
        }
    }

    /** A copy of the history so far. */
    synchronized List<Op> ops() {
        return new ArrayList<>(ops);
    }

    /** Acknowledged sends so far. */
    long acked() {
        return acked.get();
    }

    /** The earliest acknowledgement of a send invoked at or after {@code fromMs} on {@code partition}, or -1. */
    long firstAckAfter(long fromMs, int partition) {
        var byInvoke = ackMsByInvokeMs.get(partition);
        if (byInvoke == null) {
            return -1;
        }
        return byInvoke.tailMap(fromMs).values().stream().mapToLong(Long::longValue).min().orElse(-1);
    }

    /** Successful commits completed after {@code fromMs}. */
    long commitsAfter(long fromMs) {
        return okCommitMs.tailSet(fromMs, false).size();
    }

    /** The error of the last failed send, or "none". */
    String lastSendError() {
        return lastSendError;
    }
}
