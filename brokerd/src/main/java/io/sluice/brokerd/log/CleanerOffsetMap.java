package io.sluice.brokerd.log;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * The cleaner's map from a record key to the offset of its newest record, bounded like Kafka's dedupe buffer
 * ({@code log.cleaner.dedupe.buffer.size}): a key is held as its MD5 digest (16 bytes) next to the offset (8 bytes),
 * {@value #BYTES_PER_ENTRY} bytes a slot in one open-addressed table, and the table is filled to at most
 * {@value #LOAD_FACTOR} of its slots (Kafka's {@code log.cleaner.io.buffer.load.factor}). When it is full, the pass
 * that fills it stops mapping there and cleans up to that offset; the next pass maps on from it.
 * <p>
 * Two keys with the same MD5 digest count as one, as in Kafka: the older record of either would be dropped. Keys
 * are hashed, never stored, so memory does not grow with key size.
 * <p>
 * Not thread-safe: one cleaner pass owns a map.
 */
final class CleanerOffsetMap {
    static final int BYTES_PER_ENTRY = 24;
    static final double LOAD_FACTOR = 0.9;
    /** Slots a Java array of longs can hold (three longs a slot). */
    private static final long MAX_SLOTS = (Integer.MAX_VALUE - 8) / 3;

    /** Per slot: digest high half, digest low half, offset ({@code -1}: empty). */
    private final long[] table;
    private final int slots;
    private final int maxEntries;
    private final MessageDigest md5;
    private int size;

    private CleanerOffsetMap(int slots) {
        this.slots = slots;
        this.maxEntries = Math.max(1, (int) (slots * LOAD_FACTOR));
        this.table = new long[slots * 3];
        for (int i = 2; i < table.length; i += 3) {
            table[i] = -1;
        }
        try {
            this.md5 = MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no MD5", e);
        }
    }

    /**
     * A map within {@code maxBytes} for up to {@code expectedKeys} keys: as small as those keys need (a log with few
     * keys does not take the whole buffer), never more than {@code maxBytes} allow.
     *
     * @throws IllegalArgumentException when {@code maxBytes} cannot hold one entry
     */
    static CleanerOffsetMap sized(long maxBytes, long expectedKeys) {
        long maxSlots = Math.min(MAX_SLOTS, maxBytes / BYTES_PER_ENTRY);
        if (maxSlots < 2) {
            throw new IllegalArgumentException("a cleaner offset map of " + maxBytes + " bytes holds no key (at least "
                    + 2 * BYTES_PER_ENTRY + " bytes)");
        }
        long wanted = (long) Math.ceil(Math.max(1, expectedKeys) / LOAD_FACTOR) + 1;
        return new CleanerOffsetMap((int) Math.max(2, Math.min(maxSlots, wanted)));
    }

    /**
     * Records {@code offset} as the newest of {@code key} (offsets come in increasing order). Returns false, and
     * changes nothing, when the key is new and the map is full.
     */
    boolean put(byte[] key, long offset) {
        byte[] digest = md5.digest(key);
        long hi = readLong(digest, 0);
        long lo = readLong(digest, 8);
        int slot = find(hi, lo);
        if (table[slot * 3 + 2] < 0) {
            if (size >= maxEntries) {
                return false;
            }
            table[slot * 3] = hi;
            table[slot * 3 + 1] = lo;
            size++;
        }
        table[slot * 3 + 2] = offset;
        return true;
    }

    /** The offset recorded for {@code key}, or -1. */
    long get(byte[] key) {
        byte[] digest = md5.digest(key);
        return table[find(readLong(digest, 0), readLong(digest, 8)) * 3 + 2];
    }

    /** The slot holding the digest, or the empty slot where it would go (linear probing; never full). */
    private int find(long hi, long lo) {
        int slot = (int) Math.floorMod(hi ^ lo, (long) slots);
        while (table[slot * 3 + 2] >= 0 && (table[slot * 3] != hi || table[slot * 3 + 1] != lo)) {
            slot = slot + 1 == slots ? 0 : slot + 1;
        }
        return slot;
    }

    int size() {
        return size;
    }

    /** Keys the map takes before it is full. */
    int capacity() {
        return maxEntries;
    }

    /** Bytes the table takes. */
    long sizeBytes() {
        return (long) slots * BYTES_PER_ENTRY;
    }

    /** Empties the map for the next pass. */
    void clear() {
        Arrays.fill(table, 0);
        for (int i = 2; i < table.length; i += 3) {
            table[i] = -1;
        }
        size = 0;
    }

    private static long readLong(byte[] b, int at) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (b[at + i] & 0xFF);
        }
        return v;
    }
}
