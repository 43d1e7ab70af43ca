package io.sluice.brokerd.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * The {@code .index} and {@code .timeindex} files of one {@link Segment}, kept without an open descriptor. The
 * segment answers every lookup from its in-memory copy of both indexes; the files are only that copy's persistent
 * form, for the next start. So they are opened only to be read once (when the segment opens), written and closed:
 * entries appended since the last write go to disk when the segment is flushed (a background fsync, a roll, the
 * flush policy, shutdown), and a rebuild (recovery, truncation) rewrites them at once, as before. Kafka memory-maps
 * its indexes for the same end: a mapping needs no descriptor once its channel is closed. Here a partition's
 * segments cost one descriptor each (the {@code .log}), not three, which is what lets one broker hold tens of
 * thousands of partitions under an ordinary {@code ulimit -n}.
 * <p>
 * What a crash can leave: a file holding a prefix of the segment's entries (those appended since the last flush are
 * missing). A prefix of a sparse index is a sparser index of the same log, which {@link Segment} loads and completes
 * by walking the log after its last entry; segments past the recovery point are rebuilt anyway.
 * <p>
 * Thread-safety: every method is synchronized. Writes take counts and arrays from the segment: entries below a
 * published count never change except by a rebuild, which rewrites the files under this object's monitor
 * ({@link #rewrite}) before it can race a flush.
 */
final class SegmentIndexFiles {
    private final LogFileChannels files;
    private Path indexFile;
    private Path timeIndexFile;
    /** Entries of each file on disk; each file holds a prefix of the in-memory index. */
    private int indexEntriesOnDisk;
    private int timeIndexEntriesOnDisk;
    /** Set when the files may no longer hold a prefix of memory (entries were taken back): the next write rewrites them. */
    private boolean stale;
    /** Set once the segment left its log: its names may belong to a replacement, nothing is written any more. */
    private boolean retired;
    /** Bytes were written since the last fsync: a flush must force the files even when no entry is new. */
    private boolean unforced;

    SegmentIndexFiles(Path indexFile, Path timeIndexFile, LogFileChannels files) {
        this.indexFile = indexFile;
        this.timeIndexFile = timeIndexFile;
        this.files = files;
    }

    /** The in-memory index of one segment, as the segment publishes it. */
    record Entries(int[] relOffsets, int[] positions, int count, long[] timestamps, int[] timeRelOffsets, int timeCount) {
    }

    /** Both files created empty (a new segment). */
    synchronized void createEmpty() throws IOException {
        writeFile(indexFile, null, 0, true, false);
        writeFile(timeIndexFile, null, 0, true, false);
        indexEntriesOnDisk = 0;
        timeIndexEntriesOnDisk = 0;
        stale = false;
        unforced = true;
    }

    /** The bytes of the .index file (empty when it does not exist): read once, when the segment opens. */
    synchronized ByteBuffer readIndex() throws IOException {
        return read(indexFile);
    }

    /** The bytes of the .timeindex file (empty when it does not exist). */
    synchronized ByteBuffer readTimeIndex() throws IOException {
        return read(timeIndexFile);
    }

    /** The files loaded cleanly and hold these many entries. */
    synchronized void loaded(int entries, int timeEntries) {
        indexEntriesOnDisk = entries;
        timeIndexEntriesOnDisk = timeEntries;
        stale = false;
    }

    /** Some entries on disk may have been taken back in memory (a failed append): the next write rewrites the files. */
    synchronized void invalidate() {
        stale = true;
    }

    /** Writes the whole index (after a rebuild), without an fsync. */
    synchronized void rewrite(Entries e) throws IOException {
        stale = true;
        write(e, false);
    }

    /**
     * Writes the entries not yet on disk (all of them when the files are stale), then fsyncs both files when
     * {@code force}. Does nothing once the segment is retired.
     */
    synchronized void write(Entries e, boolean force) throws IOException {
        if (retired) {
            return;
        }
        boolean rewrite = stale || indexEntriesOnDisk > e.count() || timeIndexEntriesOnDisk > e.timeCount();
        int from = rewrite ? 0 : indexEntriesOnDisk;
        int timeFrom = rewrite ? 0 : timeIndexEntriesOnDisk;
        boolean mustForce = force && unforced;
        if (rewrite || from < e.count() || mustForce) {
            ByteBuffer buf = ByteBuffer.allocate((e.count() - from) * Segment.OFFSET_ENTRY_BYTES);
            for (int i = from; i < e.count(); i++) {
                buf.putInt(e.relOffsets()[i]).putInt(e.positions()[i]);
            }
            writeFile(indexFile, buf.flip(), (long) from * Segment.OFFSET_ENTRY_BYTES, rewrite, force);
            unforced |= !force;
            indexEntriesOnDisk = e.count();
        }
        if (rewrite || timeFrom < e.timeCount() || mustForce) {
            ByteBuffer buf = ByteBuffer.allocate((e.timeCount() - timeFrom) * Segment.TIME_ENTRY_BYTES);
            for (int i = timeFrom; i < e.timeCount(); i++) {
                buf.putLong(e.timestamps()[i]).putInt(e.timeRelOffsets()[i]);
            }
            writeFile(timeIndexFile, buf.flip(), (long) timeFrom * Segment.TIME_ENTRY_BYTES, rewrite, force);
            unforced |= !force;
            timeIndexEntriesOnDisk = e.timeCount();
        }
        stale = false;
        if (force) {
            unforced = false;
        }
    }

    /** Opens {@code file}, writes {@code bytes} at {@code position} (after cutting it there when {@code truncate}), closes it. */
    private void writeFile(Path file, ByteBuffer bytes, long position, boolean truncate, boolean force) throws IOException {
        try (FileChannel ch = files.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            if (truncate) {
                ch.truncate(position);
            }
            long at = position;
            while (bytes != null && bytes.hasRemaining()) {
                at += ch.write(bytes, at);
            }
            if (force) {
                ch.force(true);
            }
        }
    }

    private ByteBuffer read(Path file) throws IOException {
        if (!Files.exists(file)) {
            return ByteBuffer.allocate(0);
        }
        try (FileChannel ch = files.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size > Integer.MAX_VALUE) {
                throw new IOException("index " + file + " is larger than 2 GiB");
            }
            return Segment.readAll(ch, (int) size);
        }
    }

    synchronized Path indexFile() {
        return indexFile;
    }

    synchronized Path timeIndexFile() {
        return timeIndexFile;
    }

    /**
     * Renames both files (those that exist; a compacted copy moving into place, a segment leaving its log), replacing
     * what is there. Under this object's monitor, so no write reopens an old name meanwhile.
     */
    synchronized void moveTo(Path index, Path timeIndex) throws IOException {
        if (Files.exists(indexFile)) {
            Files.move(indexFile, index, StandardCopyOption.REPLACE_EXISTING);
        }
        indexFile = index;
        if (Files.exists(timeIndexFile)) {
            Files.move(timeIndexFile, timeIndex, StandardCopyOption.REPLACE_EXISTING);
        }
        timeIndexFile = timeIndex;
    }

    /** The segment leaves its log: nothing more is written (its names may be reused by a compacted replacement). */
    synchronized void retire() {
        retired = true;
    }
}
