package io.sluice.brokerd.log;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * One segment: {@code <20-digit base offset>.log} holding record batches exactly as on the wire, and its sparse
 * {@code .index} (4-byte offset relative to the base, 4-byte file position) and {@code .timeindex} (8-byte
 * timestamp, 4-byte relative offset) — Kafka's file formats, written without preallocation so the files are
 * always exactly as long as their entries — and, once a transaction aborted in it, its {@code .txnindex}
 * ({@link TransactionIndex}), which the log's producer state writes.
 * <p>
 * Descriptors: one, the {@code .log}'s, held while the segment is open. Both indexes live in memory (every lookup
 * reads them there); their files are read once at open and written by {@link SegmentIndexFiles} when the segment is
 * flushed or rebuilt, each time opened and closed again.
 * <p>
 * Thread-safety: appends and truncation come from the owning {@link PartitionLog} under its lock. Readers may run
 * at any time: they take the segment's {@link Extent} once (its end offset and size, published together in one
 * volatile write after the bytes are written) and look only at bytes below it, and at index entries below the
 * published entry count. A reader must not combine the end offset of one extent with the size of another: an append
 * in between would let it read records past the bound it checked (a consumer would see records above the high
 * watermark).
 */
final class Segment {
    private static final Logger log = LoggerFactory.getLogger(Segment.class);
    static final int OFFSET_ENTRY_BYTES = 8;
    static final int TIME_ENTRY_BYTES = 12;
    /** Bytes of a batch header a scan needs: baseOffset .. lastOffsetDelta. */
    private static final int SCAN_HEADER_BYTES = RecordBatchHeader.BASE_TIMESTAMP;

    final long baseOffset;
    private final Path dir;
    /** The .log file's name; it changes only when a compacted copy is renamed into place ({@link #renameTo}). */
    private volatile Path logFile;
    /** The segment's one open descriptor. */
    private final FileChannel logChannel;
    /** The operating system's channel behind {@code logChannel}, which fetches send from (see {@link LogFileChannels#unwrap}). */
    private final FileChannel sendChannel;
    /** The .index and .timeindex files, written from the in-memory indexes below and never held open. */
    private final SegmentIndexFiles indexFiles;
    private final int indexIntervalBytes;
    private final TransactionIndex txnIndex;

    /** Where the segment ends; replaced (never mutated) after each append, truncation and rebuild. */
    private volatile Extent extent;
    private volatile long maxTimestampMs = -1;
    private volatile long offsetOfMaxTimestamp = -1;
    private final long createdMs;

    // Offset index held in memory too; entries [0, indexEntries) are published.
    private int[] indexRelOffsets = new int[64];
    private int[] indexPositions = new int[64];
    private volatile int indexEntries;
    private long[] timeIndexTimestamps = new long[16];
    private int[] timeIndexRelOffsets = new int[16];
    private volatile int timeIndexEntries;
    private int bytesSinceLastIndexEntry;
    /**
     * A write failed and its bytes past the extent (or index entries past the published count) may still be in the
     * files: the next append cuts them off first. Changed by the appending thread only.
     */
    private boolean tailDirty;
    /** Set once the segment left its log (renamed *.deleted); its files may be closed any time after. */
    private volatile boolean markedDeleted;

    /**
     * The end of a segment as one immutable value: readers take it once per read.
     *
     * @param nextOffset          offset after the last record ({@code baseOffset} when the segment is empty)
     * @param sizeBytes           bytes of whole batches in the file; nothing at or past it may be read
     * @param lastBatchBaseOffset base offset of the batch appended last, -1 when not known (after open, truncation or
     *                            rebuild). A consumer that keeps up fetches from exactly this batch, so
     *                            {@link #positionOf} and {@link #batchSizeAt} answer it without reading the file
     * @param lastBatchSizeBytes  size of that batch; it ends at {@code sizeBytes} and its last offset is
     *                            {@code nextOffset - 1}
     */
    record Extent(long nextOffset, int sizeBytes, long lastBatchBaseOffset, int lastBatchSizeBytes) {
        static Extent empty(long baseOffset) {
            return new Extent(baseOffset, 0, -1, 0);
        }

        /** The whole extent without the appended-last batch shortcut (after open or a rebuild). */
        static Extent of(long nextOffset, int sizeBytes) {
            return new Extent(nextOffset, sizeBytes, -1, 0);
        }

        boolean lastBatchHolds(long offset) {
            return lastBatchBaseOffset >= 0 && offset >= lastBatchBaseOffset && offset < nextOffset;
        }

        int lastBatchPosition() {
            return sizeBytes - lastBatchSizeBytes;
        }
    }

    private Segment(Path dir, long baseOffset, String suffix, int indexIntervalBytes, long createdMs, LogFileChannels files)
            throws IOException {
        this.dir = dir;
        this.baseOffset = baseOffset;
        this.indexIntervalBytes = indexIntervalBytes;
        this.createdMs = createdMs;
        this.logFile = file(dir, baseOffset, ".log", suffix);
        this.indexFiles = new SegmentIndexFiles(file(dir, baseOffset, ".index", suffix), file(dir, baseOffset, ".timeindex", suffix), files);
        FileChannel opened = files.open(logFile, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        try {
            this.txnIndex = new TransactionIndex(file(dir, baseOffset, ".txnindex", suffix), files);
        } catch (IOException | RuntimeException e) {
            closeQuietlyAfter(e, opened);
            throw e;
        }
        this.logChannel = opened;
        this.sendChannel = files.unwrap(logChannel);
        this.extent = Extent.empty(baseOffset);
    }

    /** Closes what a failed open left open, adding close failures to {@code cause}. */
    private static void closeQuietlyAfter(Exception cause, FileChannel... channels) {
        for (FileChannel c : channels) {
            if (c != null) {
                try {
                    c.close();
                } catch (IOException e) {
                    cause.addSuppressed(e);
                }
            }
        }
    }

    static String fileName(long offset) {
        return String.format("%020d", offset);
    }

    /** {@code <dir>/<20-digit base offset><extension><suffix>}, e.g. {@code 00000000000000001000.index.swap}. */
    private static Path file(Path dir, long baseOffset, String extension, String suffix) {
        return dir.resolve(fileName(baseOffset) + extension + suffix);
    }

    /** Creates an empty segment. */
    static Segment create(Path dir, long baseOffset, int indexIntervalBytes, long nowMs) throws IOException {
        return create(dir, baseOffset, indexIntervalBytes, nowMs, LogFileChannels.DEFAULT);
    }

    /** Creates an empty segment whose files are opened through {@code files}. */
    static Segment create(Path dir, long baseOffset, int indexIntervalBytes, long nowMs, LogFileChannels files) throws IOException {
        Files.deleteIfExists(dir.resolve(fileName(baseOffset) + ".txnindex")); // a stale one of a segment gone before
        Segment s = new Segment(dir, baseOffset, "", indexIntervalBytes, nowMs, files);
        try {
            s.logChannel.truncate(0);
            s.indexFiles.createEmpty();
        } catch (IOException | RuntimeException e) {
            closeQuietlyAfter(e, s.logChannel);
            throw e;
        }
        return s;
    }

    /**
     * Opens an existing segment. With {@code recover}, every batch is CRC-checked and the file is truncated at the
     * first torn or corrupt batch; indexes are rebuilt from the log in either case unless they load cleanly.
     * Returns the number of bytes truncated through the {@code truncated} holder.
     */
    static Segment open(Path dir, long baseOffset, int indexIntervalBytes, boolean recover, long nowMs,
                        long[] truncatedBytes) throws IOException {
        return open(dir, baseOffset, indexIntervalBytes, recover, nowMs, truncatedBytes, LogFileChannels.DEFAULT);
    }

    /** As above, the files opened through {@code files}. */
    static Segment open(Path dir, long baseOffset, int indexIntervalBytes, boolean recover, long nowMs,
                        long[] truncatedBytes, LogFileChannels files) throws IOException {
        return open(dir, baseOffset, "", indexIntervalBytes, recover, nowMs, truncatedBytes, files);
    }

    /**
     * As above, the files named with {@code suffix} after their extension ({@code X.log.cleaned}, {@code X.index.cleaned}
     * and {@code X.timeindex.cleaned}: a compacted copy, checked and indexed before it is renamed into place).
     */
    static Segment open(Path dir, long baseOffset, String suffix, int indexIntervalBytes, boolean recover, long nowMs,
                        long[] truncatedBytes, LogFileChannels files) throws IOException {
        Segment s = new Segment(dir, baseOffset, suffix, indexIntervalBytes, nowMs, files);
        try {
            s.load(recover, truncatedBytes);
        } catch (IOException | RuntimeException e) {
            closeQuietlyAfter(e, s.logChannel);
            throw e;
        }
        return s;
    }

    private void load(boolean recover, long[] truncatedBytes) throws IOException {
        long fileSize = logChannel.size();
        if (fileSize > Integer.MAX_VALUE) {
            throw new IOException("segment " + logFile + " is larger than 2 GiB");
        }
        if (recover || !loadIndexes((int) fileSize)) {
            int valid = rebuild((int) fileSize, recover);
            if (valid < fileSize) {
                log.warn("Truncating {} from {} to {} bytes: torn or corrupt batch at position {}", logFile, fileSize, valid, valid);
                logChannel.truncate(valid);
                logChannel.force(true);
                truncatedBytes[0] += fileSize - valid;
            }
        }
    }

    /** Loads .index and .timeindex; false when they do not match the log (then the caller rebuilds). */
    private boolean loadIndexes(int logSize) throws IOException {
        ByteBuffer idx = indexFiles.readIndex();
        ByteBuffer tidx = indexFiles.readTimeIndex();
        long indexSize = idx.remaining();
        long timeSize = tidx.remaining();
        if (indexSize % OFFSET_ENTRY_BYTES != 0 || timeSize % TIME_ENTRY_BYTES != 0) {
            return false;
        }
        int n = (int) (indexSize / OFFSET_ENTRY_BYTES);
        ensureIndexCapacity(n);
        int lastPos = -1;
        int lastRel = -1;
        for (int i = 0; i < n; i++) {
            int rel = idx.getInt(i * OFFSET_ENTRY_BYTES);
            int pos = idx.getInt(i * OFFSET_ENTRY_BYTES + 4);
            if (rel <= lastRel || pos <= lastPos || pos >= logSize) {
                return false;
            }
            indexRelOffsets[i] = rel;
            indexPositions[i] = pos;
            lastRel = rel;
            lastPos = pos;
        }
        int tn = (int) (timeSize / TIME_ENTRY_BYTES);
        ensureTimeIndexCapacity(tn);
        for (int i = 0; i < tn; i++) {
            timeIndexTimestamps[i] = tidx.getLong(i * TIME_ENTRY_BYTES);
            timeIndexRelOffsets[i] = tidx.getInt(i * TIME_ENTRY_BYTES + 8);
        }
        // The tail after the last index entry still has to be walked to learn nextOffset and timestamps.
        int start = n == 0 ? 0 : indexPositions[n - 1];
        indexEntries = n;
        timeIndexEntries = tn;
        long next = baseOffset;
        long maxTs = tn == 0 ? -1 : timeIndexTimestamps[tn - 1];
        long maxTsOffset = tn == 0 ? -1 : baseOffset + timeIndexRelOffsets[tn - 1];
        int pos = start;
        ByteBuffer header = ByteBuffer.allocate(RecordBatchHeader.HEADER_BYTES);
        while (pos < logSize) {
            header.clear();
            if (logSize - pos < RecordBatchHeader.HEADER_BYTES) {
                return false;
            }
            readFully(logChannel, header, pos);
            int size = RecordBatchHeader.totalSize(header, 0);
            if (size < RecordBatchHeader.HEADER_BYTES || pos + (long) size > logSize) {
                return false;
            }
            next = RecordBatchHeader.lastOffset(header, 0) + 1;
            long ts = RecordBatchHeader.maxTimestamp(header, 0);
            if (ts > maxTs) {
                maxTs = ts;
                maxTsOffset = RecordBatchHeader.lastOffset(header, 0);
            }
            pos += size;
        }
        if (n > 0 && next == baseOffset) {
            return false;
        }
        maxTimestampMs = maxTs;
        offsetOfMaxTimestamp = maxTsOffset;
        extent = Extent.of(next, logSize);
        indexFiles.loaded(n, tn);
        return true;
    }

    /** Walks the log, rebuilding both indexes; returns the size of the valid prefix. */
    private int rebuild(int logSize, boolean checkCrc) throws IOException {
        extent = Extent.empty(baseOffset);
        indexEntries = 0;
        timeIndexEntries = 0;
        tailDirty = false;
        bytesSinceLastIndexEntry = 0;
        maxTimestampMs = -1;
        offsetOfMaxTimestamp = -1;
        ByteBuffer all = readAll(logChannel, logSize);
        long next = baseOffset;
        int pos = 0;
        while (pos < logSize) {
            if (checkCrc ? !BatchValidator.isIntact(all, pos) : !framed(all, pos)) {
                break;
            }
            int size = RecordBatchHeader.totalSize(all, pos);
            long first = RecordBatchHeader.baseOffset(all, pos);
            if (first < next) {
                break; // offsets must increase; anything else is garbage
            }
            indexBatch(pos, size, RecordBatchHeader.lastOffset(all, pos), RecordBatchHeader.maxTimestamp(all, pos));
            next = RecordBatchHeader.lastOffset(all, pos) + 1;
            pos += size;
        }
        extent = Extent.of(next, pos);
        indexFiles.rewrite(indexEntries());
        return pos;
    }

    /** The published in-memory indexes, for {@link SegmentIndexFiles} (counts read before the arrays they bound). */
    private SegmentIndexFiles.Entries indexEntries() {
        int n = indexEntries;
        int tn = timeIndexEntries;
        return new SegmentIndexFiles.Entries(indexRelOffsets, indexPositions, n, timeIndexTimestamps, timeIndexRelOffsets, tn);
    }

    private static boolean framed(ByteBuffer buf, int pos) {
        if (buf.limit() - pos < RecordBatchHeader.HEADER_BYTES) {
            return false;
        }
        int size = RecordBatchHeader.totalSize(buf, pos);
        return size >= RecordBatchHeader.HEADER_BYTES && pos + (long) size <= buf.limit();
    }

    /**
     * Appends batches whose headers already carry their offsets. {@code lastOffset}/{@code maxTimestampMs} per
     * batch are read from the buffer. Publishes the new extent after the write.
     * <p>
     * All or nothing: when a write fails (a full disk cuts it short, an I/O error), the segment is as it was before
     * the call, in memory and in its files (bytes written past the extent and index entries past the published count
     * are cut off, now or, if that fails too, before the next append), and the error is thrown.
     */
    void append(ByteBuffer batches) throws IOException {
        Extent before = extent;
        if (tailDirty) {
            trimTo(before);
        }
        int savedIndexEntries = indexEntries;
        int savedTimeIndexEntries = timeIndexEntries;
        int savedBytesSinceLastIndexEntry = bytesSinceLastIndexEntry;
        long savedMaxTimestampMs = maxTimestampMs;
        long savedOffsetOfMaxTimestamp = offsetOfMaxTimestamp;
        try {
            appendUnchecked(batches, before);
        } catch (IOException | RuntimeException e) {
            indexEntries = savedIndexEntries;
            timeIndexEntries = savedTimeIndexEntries;
            bytesSinceLastIndexEntry = savedBytesSinceLastIndexEntry;
            maxTimestampMs = savedMaxTimestampMs;
            offsetOfMaxTimestamp = savedOffsetOfMaxTimestamp;
            tailDirty = true;
            try {
                trimTo(before);
            } catch (IOException trim) {
                e.addSuppressed(trim);
            }
            throw e;
        }
    }

    private void appendUnchecked(ByteBuffer batches, Extent before) throws IOException {
        int pos = before.sizeBytes();
        int writeAt = pos;
        ByteBuffer src = batches.duplicate();
        while (src.hasRemaining()) {
            ByteBuffer part = ioView(src);
            int n = logChannel.write(part, writeAt);
            if (part != src) {
                src.position(src.position() + n);
            }
            writeAt += n;
        }
        int p = batches.position();
        long last = before.nextOffset() - 1;
        long newestBase = -1;
        int newestSize = 0;
        while (p < batches.limit()) {
            int size = RecordBatchHeader.totalSize(batches, p);
            last = RecordBatchHeader.lastOffset(batches, p);
            indexBatch(pos + (p - batches.position()), size, last, RecordBatchHeader.maxTimestamp(batches, p));
            newestBase = RecordBatchHeader.baseOffset(batches, p);
            newestSize = size;
            p += size;
        }
        extent = new Extent(last + 1, writeAt, newestBase, newestSize);
    }

    /** Cuts the files back to {@code end} and the published index entries (after a failed write). */
    private void trimTo(Extent end) throws IOException {
        logChannel.truncate(end.sizeBytes());
        indexFiles.invalidate();
        tailDirty = false;
    }

    private void indexBatch(int position, int size, long lastOffset, long maxTs) throws IOException {
        if (bytesSinceLastIndexEntry >= indexIntervalBytes || position == 0) {
            if (position > 0) {
                addIndexEntry(position, lastOffset, maxTs);
            }
            bytesSinceLastIndexEntry = 0;
        }
        bytesSinceLastIndexEntry += size;
        if (maxTs > maxTimestampMs) {
            maxTimestampMs = maxTs;
            offsetOfMaxTimestamp = lastOffset;
        }
    }

    /** An index entry points at the batch starting at {@code position}; keyed by its base offset (lastOffset is recomputed). */
    private void addIndexEntry(int position, long batchLastOffset, long maxTs) throws IOException {
        // Kafka keys offset-index entries by the batch's last offset; lookups find the floor entry then scan.
        int rel = (int) (batchLastOffset - baseOffset);
        int n = indexEntries;
        if (n > 0 && rel <= indexRelOffsets[n - 1]) {
            return;
        }
        ensureIndexCapacity(n + 1);
        indexRelOffsets[n] = rel;
        indexPositions[n] = position;
        indexEntries = n + 1;
        int tn = timeIndexEntries;
        long lastTs = tn == 0 ? Long.MIN_VALUE : timeIndexTimestamps[tn - 1];
        long ts = Math.max(maxTs, maxTimestampMs);
        if (ts > lastTs) {
            ensureTimeIndexCapacity(tn + 1);
            timeIndexTimestamps[tn] = ts;
            timeIndexRelOffsets[tn] = rel;
            timeIndexEntries = tn + 1;
        }
    }

    private void ensureIndexCapacity(int n) {
        if (n > indexRelOffsets.length) {
            int cap = Math.max(n, indexRelOffsets.length * 2);
            indexRelOffsets = Arrays.copyOf(indexRelOffsets, cap);
            indexPositions = Arrays.copyOf(indexPositions, cap);
        }
    }

    private void ensureTimeIndexCapacity(int n) {
        if (n > timeIndexTimestamps.length) {
            int cap = Math.max(n, timeIndexTimestamps.length * 2);
            timeIndexTimestamps = Arrays.copyOf(timeIndexTimestamps, cap);
            timeIndexRelOffsets = Arrays.copyOf(timeIndexRelOffsets, cap);
        }
    }

    /**
     * File position of the batch containing {@code offset}, or of the first batch after it; -1 when the offset is at
     * or past the end. Uses the index to find a start point, then walks batch headers, a block of them per read.
     */
    int positionOf(long offset) throws IOException {
        return positionOf(offset, extent);
    }

    /** As {@link #positionOf(long)} within {@code end}, an extent the caller took from this segment. */
    int positionOf(long offset, Extent end) throws IOException {
        if (end.lastBatchHolds(offset)) {
            return end.lastBatchPosition();
        }
        BatchHeaderScanner scan = new BatchHeaderScanner(logChannel, startPositionFor(offset), end.sizeBytes());
        while (scan.load(SCAN_HEADER_BYTES)) {
            if (RecordBatchHeader.lastOffset(scan.buffer(), scan.offset()) >= offset) {
                return (int) scan.position();
            }
            scan.advance(RecordBatchHeader.totalSize(scan.buffer(), scan.offset()));
        }
        return -1;
    }

    /** Position of the last indexed batch that ends before {@code offset}: the target lies at or after it. */
    private int startPositionFor(long offset) {
        int n = indexEntries;
        long rel = offset - baseOffset;
        int lo = 0;
        int hi = n - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (indexRelOffsets[mid] < rel) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        // Entry `found` points at a batch whose last offset is below the target: the target is at or after it.
        return found < 0 ? 0 : indexPositions[found];
    }

    /** Size of the batch at {@code position}. */
    int batchSizeAt(int position) throws IOException {
        return batchSizeAt(position, extent);
    }

    /** As {@link #batchSizeAt(int)}, answered from {@code end} when it is the batch appended last. */
    int batchSizeAt(int position, Extent end) throws IOException {
        if (end.lastBatchBaseOffset() >= 0 && end.lastBatchPosition() == position) {
            return end.lastBatchSizeBytes();
        }
        ByteBuffer header = ByteBuffer.allocate(RecordBatchHeader.LOG_OVERHEAD);
        readFully(logChannel, header, position);
        return RecordBatchHeader.totalSize(header, 0);
    }

    /**
     * Reads the whole batch at {@code position} into a new buffer, after checking the size its header gives against
     * the bytes of the segment (a corrupt header must not size an allocation).
     */
    ByteBuffer readBatch(int position) throws IOException {
        int size = batchSizeAt(position);
        int committed = committedSizeBytes();
        if (size < RecordBatchHeader.HEADER_BYTES || (long) position + size > committed) {
            throw new IOException("corrupt batch header at position " + position + " of " + logFile + ": size " + size
                    + ", " + (committed - position) + " bytes left in the segment");
        }
        ByteBuffer buf = ByteBuffer.allocate(size);
        readFully(logChannel, buf, position);
        return buf.flip();
    }

    /** Position of the first batch whose max timestamp is >= {@code timestampMs}, or -1. */
    int positionForTimestamp(long timestampMs) throws IOException {
        if (maxTimestampMs < timestampMs) {
            return -1;
        }
        int tn = timeIndexEntries;
        int start = 0;
        for (int i = tn - 1; i >= 0; i--) {
            if (timeIndexTimestamps[i] < timestampMs) {
                start = positionOfRelativeEntry(timeIndexRelOffsets[i]);
                break;
            }
        }
        BatchHeaderScanner scan = new BatchHeaderScanner(logChannel, start, extent.sizeBytes());
        while (scan.load(RecordBatchHeader.HEADER_BYTES)) {
            if (RecordBatchHeader.maxTimestamp(scan.buffer(), scan.offset()) >= timestampMs) {
                return (int) scan.position();
            }
            scan.advance(RecordBatchHeader.totalSize(scan.buffer(), scan.offset()));
        }
        return -1;
    }

    /** Position of the offset-index entry keyed {@code rel} (time-index entries always share their key with one). */
    private int positionOfRelativeEntry(int rel) {
        int i = Arrays.binarySearch(indexRelOffsets, 0, indexEntries, rel);
        return i >= 0 ? indexPositions[i] : 0;
    }

    /** Drops every batch at or above {@code offset}: the file, the indexes and the counters. */
    void truncateTo(long offset) throws IOException {
        int pos = positionOf(offset);
        if (pos < 0) {
            return;
        }
        logChannel.truncate(pos);
        rebuild(pos, false);
        txnIndex.truncateTo(offset);
    }

    /**
     * Drops every byte from file position {@code position} on (a damaged batch found there and all after it), the
     * indexes rebuilt from what stays. Unlike {@link #truncateTo} it reads no header at or past the cut, which may be
     * the damaged one.
     */
    void truncateAtPosition(int position) throws IOException {
        if (position >= extent.sizeBytes()) {
            return;
        }
        logChannel.truncate(position);
        rebuild(position, false);
        txnIndex.truncateTo(nextOffset());
    }

    /**
     * fsyncs the log, writes the index entries appended since the last flush to the index files and fsyncs them. Safe
     * to call from any thread, concurrently with appends (it flushes at least what was written before the call).
     * Throws {@link java.nio.channels.ClosedChannelException} when the segment was retired and its delete delay has
     * passed meanwhile.
     */
    void flush() throws IOException {
        logChannel.force(true);
        try {
            indexFiles.write(indexEntries(), true);
        } catch (IOException e) {
            if (!DiskFaults.isNoSpace(e)) {
                throw e;
            }
            // The records are on disk; the index files are only the in-memory indexes' copy for the next start, and a
            // short or cut one is rebuilt from the log then. A full disk must not take the directory offline for them.
            indexFiles.invalidate();
            log.warn("No space to write the index files of {} ({}): they are rewritten at the segment's next flush; a "
                    + "start before that completes them from the log", logFile, e.toString());
        }
        txnIndex.flush();
    }

    /** Whether the segment left its log (its files are {@code *.deleted}, closed once the delete delay passed). */
    boolean isRetired() {
        return markedDeleted;
    }

    void close() {
        try {
            logChannel.close();
            txnIndex.close();
        } catch (IOException e) {
            throw new UncheckedIOException("closing segment " + logFile, e);
        }
    }

    /**
     * Renames the files to {@code *.deleted}; the channels stay open until {@link #deleteFiles()}, so reads in flight
     * finish. After this the segment's own names may be reused (a compacted replacement).
     */
    void markDeleted() throws IOException {
        // An older generation of this segment may still sit there awaiting its delay: replacing its name is safe
        // because readers hold the open .log channel and the in-memory indexes, not paths.
        indexFiles.retire();
        Path index = indexFiles.indexFile();
        Path timeIndex = indexFiles.timeIndexFile();
        indexFiles.moveTo(index.resolveSibling(index.getFileName() + ".deleted"), timeIndex.resolveSibling(timeIndex.getFileName() + ".deleted"));
        if (Files.exists(logFile)) {
            Files.move(logFile, deletedName(logFile), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        txnIndex.markDeleted();
        markedDeleted = true;
    }

    /**
     * Renames the files (the transaction index too, when it has one) to their names with {@code suffix} ("" for the live names): a compacted copy moving
     * from {@code .cleaned} to {@code .swap} and into place. The .log file goes last, so that a {@code X.log.swap}
     * (which recovery completes) or {@code X.log} always comes with indexes renamed or rebuildable. The channels stay
     * open. Called under the log's lock, or before the segment is shared.
     */
    void renameTo(String suffix) throws IOException {
        Path log = file(dir, baseOffset, ".log", suffix);
        indexFiles.moveTo(file(dir, baseOffset, ".index", suffix), file(dir, baseOffset, ".timeindex", suffix));
        txnIndex.renameTo(file(dir, baseOffset, ".txnindex", suffix));
        Files.move(logFile, log, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        logFile = log;
    }

    /**
     * Deletes a compacted copy of the segment at {@code baseOffset} waiting to be swapped in ({@code X.*.swap}):
     * a segment leaving the log must not come back as that copy if the broker crashed before the cleaner saw it go.
     */
    static void discardSwap(Path dir, long baseOffset) throws IOException {
        for (String ext : new String[]{".log", ".index", ".timeindex", ".txnindex"}) {
            Files.deleteIfExists(file(dir, baseOffset, ext, ".swap"));
        }
    }

    /** Closes the segment and removes its files (the {@code .deleted} names once {@link #markDeleted()} ran). */
    void deleteFiles() throws IOException {
        close();
        Files.deleteIfExists(markedDeleted ? deletedName(logFile) : logFile);
        Files.deleteIfExists(indexFiles.indexFile()); // already the .deleted names once markDeleted() ran
        Files.deleteIfExists(indexFiles.timeIndexFile());
        txnIndex.deleteFile();
    }

    private static Path deletedName(Path p) {
        return p.resolveSibling(p.getFileName() + ".deleted");
    }

    /** The .log file, for the log's own reads (through the disk seam). */
    FileChannel channel() {
        return logChannel;
    }

    /** The .log file as the operating system opened it: what fetches send from (see {@link FileSlice}). */
    FileChannel sendChannel() {
        return sendChannel;
    }

    /** The aborted transactions whose markers lie in this segment. */
    TransactionIndex txnIndex() {
        return txnIndex;
    }

    /** Where the segment ends now: take it once per read (see the class comment). */
    Extent extent() {
        return extent;
    }

    /** Bytes of whole batches; for a read bounded by an offset too, take {@link #extent()} instead. */
    int committedSizeBytes() {
        return extent.sizeBytes();
    }

    /** Offset after the last record; for a read bounded by an offset too, take {@link #extent()} instead. */
    long nextOffset() {
        return extent.nextOffset();
    }

    boolean isEmpty() {
        return extent.sizeBytes() == 0;
    }

    long maxTimestampMs() {
        return maxTimestampMs;
    }

    long offsetOfMaxTimestamp() {
        return offsetOfMaxTimestamp;
    }

    long createdMs() {
        return createdMs;
    }

    boolean indexFull(int segmentIndexBytes) {
        return (long) (indexEntries + 1) * OFFSET_ENTRY_BYTES > segmentIndexBytes
                || (long) (timeIndexEntries + 1) * TIME_ENTRY_BYTES > segmentIndexBytes;
    }

    Path logFile() {
        return logFile;
    }

    static ByteBuffer readAll(FileChannel ch, int size) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(size);
        readFully(ch, buf, 0);
        return buf.flip();
    }

    static void readFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
        long pos = position;
        while (buf.hasRemaining()) {
            ByteBuffer part = ioView(buf);
            int n = ch.read(part, pos);
            if (n < 0) {
                throw new IOException("unexpected end of file at " + pos);
            }
            if (part != buf) {
                buf.position(buf.position() + n);
            }
            pos += n;
        }
    }

    /**
     * Most bytes one FileChannel call moves from or to a heap buffer. The JDK copies a heap buffer through a temporary
     * direct buffer of the call's size and keeps it for the thread; a 100 MiB batch would pin 100 MiB of direct memory
     * per request thread (the launcher allows 256 MiB in all).
     */
    static final int MAX_HEAP_IO_BYTES = 1 << 20;

    /** {@code buf}, or a view of its next {@link #MAX_HEAP_IO_BYTES} when it is a larger heap buffer. */
    private static ByteBuffer ioView(ByteBuffer buf) {
        return buf.isDirect() || buf.remaining() <= MAX_HEAP_IO_BYTES ? buf : buf.duplicate().limit(buf.position() + MAX_HEAP_IO_BYTES);
    }
}
