package io.sluice.brokerd.producer;

/**
 * Hands out producer ids for InitProducerId. Ids come in blocks of {@link #BLOCK_SIZE} from a {@link BlockSource}
 * (the controller, which commits each block before handing it out), so no id is given twice in the cluster, also
 * across crashes: ids of a block not used before a restart are skipped, never reused. Thread-safe.
 */
public final class ProducerIdManager {
    static final int BLOCK_SIZE = 1000;

    /** Reserves a block of ids. */
    public interface BlockSource {
        /** The first id of a newly reserved block of {@code count} ids; throws when none could be reserved. */
        long allocate(int count);
    }

    private final BlockSource source;
    private long next;
    private long blockEnd;

    public ProducerIdManager(BlockSource source) {
        this.source = source;
    }

    public synchronized long nextProducerId() {
        if (next >= blockEnd) {
            long first = source.allocate(BLOCK_SIZE);
            next = first;
            blockEnd = first + BLOCK_SIZE;
        }
        return next++;
    }
}
