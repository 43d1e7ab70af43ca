package io.sluice.brokerd.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;

/**
 * What the cleaner knows about transactions while it walks a log in offset order (Kafka's CleanedTransactionMetadata):
 * which producers are inside an aborted transaction (from the {@code .txnindex} entries, taken as the walk passes
 * their first offset), and which inside a committed or undecided one. It decides, per batch:
 * <ul>
 *   <li>a data batch of an aborted transaction is discarded (its records; the header may stay for the producer);</li>
 *   <li>an ABORT marker may go once the walk met no data of its transaction (every batch of it was removed by an
 *       earlier pass); while some remained, it stays and keeps its entry in the cleaned segment's index;</li>
 *   <li>a COMMIT marker may go once the walk met no data of its transaction (all of it compacted away).</li>
 * </ul>
 * A marker that may go is removed only after {@code delete.retention.ms} more (the cleaner stamps a delete horizon
 * into it first): a consumer that read the transaction's records before they went still finds its marker.
 * <p>
 * Not thread-safe: one cleaner pass owns an instance.
 */
final class CleanerTxnState {
    private final PriorityQueue<AbortedTxn> aborted = new PriorityQueue<>(Comparator.comparingLong(AbortedTxn::firstOffset));
    private final Map<Long, AbortedInProgress> ongoingAborted = new HashMap<>();
    private final Set<Long> ongoingCommitted = new HashSet<>();
    /** Entries for the index of the segment being written; taken by {@link #takeIndexEntries}. */
    private List<AbortedTxn> indexEntries = new ArrayList<>();

    private static final class AbortedInProgress {
        final AbortedTxn txn;
        boolean sawData;

        AbortedInProgress(AbortedTxn txn) {
            this.txn = txn;
        }
    }

    CleanerTxnState(List<AbortedTxn> abortedTxns) {
        aborted.addAll(abortedTxns);
    }

    private void enterAbortedUpTo(long offset) {
        while (!aborted.isEmpty() && aborted.peek().firstOffset() <= offset) {
            AbortedTxn t = aborted.poll();
            ongoingAborted.putIfAbsent(t.producerId(), new AbortedInProgress(t));
        }
    }

    /** A data batch (whole, at position 0): true when it belongs to an aborted transaction and is discarded. */
    boolean onDataBatch(ByteBuffer batch) {
        enterAbortedUpTo(RecordBatchHeader.lastOffset(batch, 0));
        if (!RecordBatchHeader.isTransactional(batch, 0)) {
            return false;
        }
        long pid = RecordBatchHeader.producerId(batch, 0);
        AbortedInProgress a = ongoingAborted.get(pid);
        if (a != null) {
            a.sawData = true;
            return true;
        }
        ongoingCommitted.add(pid);
        return false;
    }

    /** A control batch (whole, at position 0): true when the marker's transaction left no data and it may go. */
    boolean onControlBatch(ByteBuffer batch) throws IOException {
        enterAbortedUpTo(RecordBatchHeader.lastOffset(batch, 0));
        ControlRecords.Marker marker = ControlRecords.read(batch, 0);
        if (!marker.isTxnMarker()) {
            return true; // emptied by an earlier pass
        }
        long pid = RecordBatchHeader.producerId(batch, 0);
        if (marker.type() == ControlRecords.ABORT) {
            AbortedInProgress a = ongoingAborted.remove(pid);
            if (a != null && a.sawData) {
                indexEntries.add(a.txn);
                return false;
            }
            return true;
        }
        return !ongoingCommitted.remove(pid);
    }

    /** The index entries of the segment just written, in marker order; the next segment starts empty. */
    List<AbortedTxn> takeIndexEntries() {
        List<AbortedTxn> out = indexEntries;
        indexEntries = new ArrayList<>();
        return out;
    }
}
