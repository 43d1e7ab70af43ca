package io.sluice.brokerd.producer;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * Idempotent-producer state of one partition: per producer id its epoch and the sequence and offset ranges of its
 * last five appended batches — enough to drop a retried duplicate (answered with the original offsets) and to refuse
 * a sequence gap, as Apache Kafka's broker does.
 * <p>
 * The state is rebuilt on start by replaying the headers of the partition's batches through {@link #onAppended}
 * (no snapshot files yet: start-up reads every batch header once).
 * <p>
 * Not thread-safe: the owning log calls it (through {@code log.ProducerStateTracker}) under its lock.
 */
public final class ProducerStateManager {
    /** Batches remembered per producer: the Java client keeps at most five in flight. */
    static final int CACHED_BATCHES = 5;

    private final long producerIdExpirationMs;
    private final Map<Long, Entry> producers = new HashMap<>();

    /** What is known about one producer id. */
    private static final class Entry {
        short epoch;
        long lastTimestampMs;
        final Deque<BatchMeta> batches = new ArrayDeque<>(CACHED_BATCHES);
    }

    private record BatchMeta(int firstSeq, int lastSeq, long firstOffset, long lastOffset) {
    }

    public ProducerStateManager(long producerIdExpirationMs) {
        this.producerIdExpirationMs = producerIdExpirationMs;
    }

    /** Checks a batch from an idempotent producer (producerId >= 0) against the known state. */
    public SequenceCheck check(long producerId, short producerEpoch, int baseSequence, int lastSequence) {
        Entry e = producers.get(producerId);
        if (e == null) {
            // Unknown producer: its state may have gone with retention, so Kafka accepts any sequence here.
            return new SequenceCheck.Accept();
        }
        if (producerEpoch < e.epoch) {
            return new SequenceCheck.Reject(SequenceCheck.Reason.INVALID_PRODUCER_EPOCH,
                    "producer " + producerId + " epoch " + producerEpoch + " is older than the current epoch " + e.epoch);
        }
        if (producerEpoch > e.epoch) {
            if (baseSequence != 0) {
                return new SequenceCheck.Reject(SequenceCheck.Reason.OUT_OF_ORDER_SEQUENCE_NUMBER,
                        "producer " + producerId + " started epoch " + producerEpoch + " at sequence " + baseSequence + ", expected 0");
            }
            return new SequenceCheck.Accept();
        }
        for (BatchMeta b : e.batches) {
            if (b.firstSeq == baseSequence && b.lastSeq == lastSequence) {
                return new SequenceCheck.Duplicate(b.firstOffset, b.lastOffset);
            }
        }
        if (e.batches.isEmpty()) {
            return new SequenceCheck.Accept();
        }
        int lastSeq = e.batches.peekLast().lastSeq;
        int expected = lastSeq == Integer.MAX_VALUE ? 0 : lastSeq + 1;
        if (baseSequence != expected) {
            return new SequenceCheck.Reject(SequenceCheck.Reason.OUT_OF_ORDER_SEQUENCE_NUMBER,
                    "producer " + producerId + " sent sequence " + baseSequence + " but the next expected is " + expected);
        }
        return new SequenceCheck.Accept();
    }

    /** Records an appended batch (also used when replaying the log during start-up). */
    public void onAppended(long producerId, short producerEpoch, int baseSequence, int lastSequence,
                           long firstOffset, long lastOffset, long maxTimestampMs) {
        Entry e = producers.computeIfAbsent(producerId, id -> new Entry());
        if (producerEpoch != e.epoch) {
            e.batches.clear();
            e.epoch = producerEpoch;
        }
        if (e.batches.size() == CACHED_BATCHES) {
            e.batches.removeFirst();
        }
        e.batches.addLast(new BatchMeta(baseSequence, lastSequence, firstOffset, lastOffset));
        e.lastTimestampMs = Math.max(e.lastTimestampMs, maxTimestampMs);
    }

    /** Forgets batches at or above {@code offset} (log truncation) and producers left with none. */
    public void truncateTo(long offset) {
        Iterator<Entry> it = producers.values().iterator();
        while (it.hasNext()) {
            Entry e = it.next();
            e.batches.removeIf(b -> b.lastOffset >= offset);
            if (e.batches.isEmpty()) {
                it.remove();
            }
        }
    }

    /** Drops producers whose last batch is older than the expiration. */
    public void removeExpired(long nowMs) {
        producers.values().removeIf(e -> nowMs - e.lastTimestampMs > producerIdExpirationMs);
    }

    /**
     * Producer id -> last offset of its newest batch, for every producer tracked: the batches compaction keeps (if
     * only as an empty header) so that this state survives a restart.
     */
    public Map<Long, Long> lastOffsets() {
        Map<Long, Long> out = new HashMap<>();
        producers.forEach((id, e) -> {
            if (!e.batches.isEmpty()) {
                out.put(id, e.batches.peekLast().lastOffset);
            }
        });
        return out;
    }

    /** Number of producers tracked (tests, metrics). */
    public int producerCount() {
        return producers.size();
    }
}
