package io.sluice.brokerd.txn;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.Map;

/**
 * Reads one partition of {@code __transaction_state} into the state of its transactional ids: records in offset
 * order, the last one of an id winning, a tombstone (an expired id) removing it. A record this broker cannot decode
 * (an unknown version, a truncated value, an unknown state, a batch whose records cannot be read) is skipped with a
 * WARN naming the partition and offset and counted, as the group coordinator's loader does: one bad record never
 * keeps the ids of its partition from being served. Only the first {@value #WARNINGS_PER_LOAD} are logged one by one.
 * <p>
 * The coordinator feeds it from the partition's log ({@code PartitionLog.forEachRecord}) off its lock and off network
 * threads. One instance per load; not thread-safe.
 */
public final class TransactionStateLoader {
    private static final Logger log = LoggerFactory.getLogger(TransactionStateLoader.class);
    public static final String TOPIC = "__transaction_state";
    static final int WARNINGS_PER_LOAD = 10;

    private final int partition;
    private final Map<String, TxnRecord> ids = new HashMap<>();
    private long records;
    private long skipped;
    private long firstSkippedOffset = -1;

    public TransactionStateLoader(int partition) {
        this.partition = partition;
    }

    /**
     * The partition of {@code __transaction_state} that holds {@code transactionalId} among {@code partitionCount}:
     * Kafka's {@code Utils.abs(hashCode) % count}, so Kafka's tools and ours agree on where an id lives.
     */
    public static int partitionFor(String transactionalId, int partitionCount) {
        int h = transactionalId.hashCode();
        return (h == Integer.MIN_VALUE ? 0 : Math.abs(h)) % partitionCount;
    }

    /** One record of the partition; {@code value} null for a tombstone. */
    public void record(long offset, byte[] key, byte[] value) {
        String id;
        TxnRecord r;
        try {
            id = TransactionLogRecords.decodeKey(key);
            r = TransactionLogRecords.decodeValue(value);
        } catch (IllegalArgumentException e) {
            skip(offset, "record", e.getMessage());
            return;
        }
        records++;
        if (r == null || r.state() == TxnState.DEAD) {
            ids.remove(id);
        } else {
            ids.put(id, r);
        }
    }

    /** A batch whose records could not be read; the load goes on after it. */
    public void unreadableBatch(long baseOffset, long lastOffset, String reason) {
        skip(baseOffset, "batch (offsets " + baseOffset + "-" + lastOffset + ")", reason);
    }

    private void skip(long offset, String what, String reason) {
        if (skipped == 0) {
            firstSkippedOffset = offset;
        }
        if (skipped < WARNINGS_PER_LOAD) {
            log.warn("Skipping the undecodable {} at offset {} of {}-{}: {}", what, offset, TOPIC, partition, reason);
        }
        skipped++;
    }

    /** The load is done: the ids and their state, with the counts (logged when records were skipped). */
    public Loaded finish() {
        if (skipped > 0) {
            log.warn("Skipped {} undecodable records of {}-{} while loading it (first at offset {}); its transactional ids are "
                    + "served without them", skipped, TOPIC, partition, firstSkippedOffset);
        }
        return new Loaded(partition, Map.copyOf(ids), records, skipped);
    }

    /** What a load read: transactional id -> its state, the records applied and those skipped. */
    public record Loaded(int partition, Map<String, TxnRecord> ids, long records, long skipped) {
    }
}
