package io.sluice.brokerd.log;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * A segment's aborted-transaction index, {@code <base offset>.txnindex}, in Kafka's format: one 34-byte entry per
 * transaction whose ABORT marker lies in the segment, in marker order:
 * <pre>
 *   version int16 (0) | producerId int64 | firstOffset int64 | lastOffset int64 | lastStableOffset int64
 * </pre>
 * The file exists only once an entry was written (as in Kafka, which creates it lazily). The entries are also held in
 * memory (an immutable list replaced on each change): a READ_COMMITTED fetch collects them without I/O or a lock.
 * <p>
 * Thread-safety: changes come from the owning log under its lock; readers take {@link #entries()} at any time.
 */
final class TransactionIndex {
    private static final Logger log = LoggerFactory.getLogger(TransactionIndex.class);
    static final int ENTRY_BYTES = 34;
    static final short VERSION = 0;

    private Path file;
    private final LogFileChannels files;
    private FileChannel channel;
    private volatile List<AbortedTxn> entries = List.of();

    /** The index at {@code file}, its entries read when the file exists (a torn last entry is cut off). */
    TransactionIndex(Path file, LogFileChannels files) throws IOException {
        this.file = file;
        this.files = files;
        if (Files.exists(file)) {
            load();
        }
    }

    private void load() throws IOException {
        channel = files.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
        long size = channel.size();
        long whole = size - size % ENTRY_BYTES;
        if (whole != size) {
            log.warn("Truncating {} from {} to {} bytes: a torn entry at its end", file, size, whole);
            channel.truncate(whole);
        }
        ByteBuffer all = Segment.readAll(channel, (int) whole);
        List<AbortedTxn> loaded = new ArrayList<>();
        for (int pos = 0; pos < whole; pos += ENTRY_BYTES) {
            short version = all.getShort(pos);
            if (version != VERSION) {
                throw new IOException("unknown version " + version + " of the entry at byte " + pos + " of " + file);
            }
            loaded.add(new AbortedTxn(all.getLong(pos + 2), all.getLong(pos + 10), all.getLong(pos + 18), all.getLong(pos + 26)));
        }
        entries = List.copyOf(loaded);
    }

    /** Every entry, in marker order (an immutable snapshot). */
    List<AbortedTxn> entries() {
        return entries;
    }

    /** Appends an entry; its marker must come after every entry's. */
    void append(AbortedTxn txn) throws IOException {
        List<AbortedTxn> current = entries;
        if (!current.isEmpty() && txn.lastOffset() <= current.get(current.size() - 1).lastOffset()) {
            throw new IllegalStateException("aborted transaction ending at " + txn.lastOffset() + " does not follow the last entry of "
                    + file + ", ending at " + current.get(current.size() - 1).lastOffset());
        }
        if (channel == null) {
            channel = files.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        }
        ByteBuffer e = encode(txn);
        long at = (long) current.size() * ENTRY_BYTES;
        while (e.hasRemaining()) {
            at += channel.write(e, at);
        }
        List<AbortedTxn> next = new ArrayList<>(current);
        next.add(txn);
        entries = List.copyOf(next);
    }

    static ByteBuffer encode(AbortedTxn txn) {
        return ByteBuffer.allocate(ENTRY_BYTES).putShort(VERSION).putLong(txn.producerId()).putLong(txn.firstOffset())
                .putLong(txn.lastOffset()).putLong(txn.lastStableOffset()).flip();
    }

    /** The entries a read of {@code [fetchOffset, upperOffset)} needs, and whether no later segment can add any. */
    record Search(List<AbortedTxn> found, boolean complete) {
    }

    /**
     * Kafka's rule: every transaction ending at or after {@code fetchOffset} and starting below {@code upperOffset};
     * complete once an entry's last stable offset reaches {@code upperOffset} (every transaction with data below it
     * had ended by then).
     */
    Search collect(long fetchOffset, long upperOffset) {
        List<AbortedTxn> out = new ArrayList<>();
        for (AbortedTxn t : entries) {
            if (t.lastOffset() >= fetchOffset && t.firstOffset() < upperOffset) {
                out.add(t);
            }
            if (t.lastStableOffset() >= upperOffset) {
                return new Search(out, true);
            }
        }
        return new Search(out, false);
    }

    /** Drops the entries whose marker is at or above {@code offset} (the log was cut there). */
    void truncateTo(long offset) throws IOException {
        List<AbortedTxn> current = entries;
        int keep = 0;
        while (keep < current.size() && current.get(keep).lastOffset() < offset) {
            keep++;
        }
        if (keep == current.size()) {
            return;
        }
        entries = List.copyOf(current.subList(0, keep));
        if (channel != null) {
            channel.truncate((long) keep * ENTRY_BYTES);
        }
    }

    /** Empties the index (its entries are about to be rebuilt by a replay of the segment). */
    void reset() throws IOException {
        truncateTo(Long.MIN_VALUE);
    }

    void flush() throws IOException {
        if (channel != null) {
            channel.force(true);
        }
    }

    /**
     * Moves the file to {@code target} when there is one (a compacted segment's index going from {@code .cleaned} to
     * {@code .swap} and into place); the channel stays open.
     */
    void renameTo(Path target) throws IOException {
        if (Files.exists(file)) {
            Files.move(file, target, StandardCopyOption.REPLACE_EXISTING);
        }
        file = target;
    }

    /** Renames the file {@code *.deleted} (the channel stays open). */
    void markDeleted() throws IOException {
        if (Files.exists(file)) {
            Files.move(file, file.resolveSibling(file.getFileName() + ".deleted"), StandardCopyOption.REPLACE_EXISTING);
        }
        file = file.resolveSibling(file.getFileName() + ".deleted");
    }

    void close() throws IOException {
        if (channel != null) {
            channel.close();
        }
    }

    /** Closes and removes the file (under its {@code .deleted} name once {@link #markDeleted} ran). */
    void deleteFile() throws IOException {
        close();
        Files.deleteIfExists(file);
    }

    /** Writes {@code txns} as a complete index file at {@code target} (a compacted segment's, before its swap). */
    static void write(Path target, List<AbortedTxn> txns) throws IOException {
        try (FileChannel out = FileChannel.open(target, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            for (AbortedTxn t : txns) {
                ByteBuffer e = encode(t);
                while (e.hasRemaining()) {
                    out.write(e);
                }
            }
            out.force(true);
        }
    }
}
