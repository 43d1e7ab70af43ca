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
 * always exactly as long as their entries.
 * <p>
 * Thread-safety: appends and truncation come from the owning {@link PartitionLog} under its lock. Readers may run
 * at any time: they only look at bytes below {@link #committedSizeBytes()}, which is published (volatile) after
 * the bytes are written, and at index entries below the published entry count.
 */
final class Segment {
    private static final Logger log = LoggerFactory.getLogger(Segment.class);
    static final int OFFSET_ENTRY_BYTES = 8;
    static final int TIME_ENTRY_BYTES = 12;
    /** Bytes of a batch header a scan needs: baseOffset .. lastOffsetDelta. */
    private static final int SCAN_HEADER_BYTES = RecordBatchHeader.BASE_TIMESTAMP;

    final long baseOffset;
    private final Path logFile;
    private final Path indexFile;
    private final Path timeIndexFile;
    private final FileChannel logChannel;
    private final FileChannel indexChannel;
    private final FileChannel timeIndexChannel;
    private final int indexIntervalBytes;

    private volatile int committedSizeBytes;
    /** Offset after the last record in this segment (== baseOffset when empty). */
    private volatile long nextOffset;
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
    private long unflushedMessages;
    private boolean markedDeleted;
    /**
     * The batch appended last, or null (after open, truncation or rebuild). A consumer that keeps up fetches from
     * exactly this batch, so {@link #positionOf} and {@link #batchSizeAt} answer it without reading the file.
     * Published after {@link #committedSizeBytes}, so a reader that sees it also sees the bytes it describes.
     */
    private volatile LastBatch lastBatch;

    private record LastBatch(long baseOffset, long lastOffset, int position, int sizeBytes) {
    }

    private Segment(Path dir, long baseOffset, int indexIntervalBytes, long createdMs) throws IOException {
        this.baseOffset = baseOffset;
        this.indexIntervalBytes = indexIntervalBytes;
        this.createdMs = createdMs;
        String name = fileName(baseOffset);
        this.logFile = dir.resolve(name + ".log");
        this.indexFile = dir.resolve(name + ".index");
        this.timeIndexFile = dir.resolve(name + ".timeindex");
        this.logChannel = FileChannel.open(logFile, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        this.indexChannel = FileChannel.open(indexFile, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        this.timeIndexChannel = FileChannel.open(timeIndexFile, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        this.nextOffset = baseOffset;
    }

    static String fileName(long offset) {
        return String.format("%020d", offset);
    }

    /** Creates an empty segment. */
    static Segment create(Path dir, long baseOffset, int indexIntervalBytes, long nowMs) throws IOException {
        Segment s = new Segment(dir, baseOffset, indexIntervalBytes, nowMs);
        s.logChannel.truncate(0);
        s.indexChannel.truncate(0);
        s.timeIndexChannel.truncate(0);
        return s;
    }

    /**
     * Opens an existing segment. With {@code recover}, every batch is CRC-checked and the file is truncated at the
     * first torn or corrupt batch; indexes are rebuilt from the log in either case unless they load cleanly.
     * Returns the number of bytes truncated through the {@code truncated} holder.
     */
    static Segment open(Path dir, long baseOffset, int indexIntervalBytes, boolean recover, long nowMs,
                        long[] truncatedBytes) throws IOException {
        Segment s = new Segment(dir, baseOffset, indexIntervalBytes, nowMs);
        long fileSize = s.logChannel.size();
        if (fileSize > Integer.MAX_VALUE) {
            throw new IOException("segment " + s.logFile + " is larger than 2 GiB");
        }
        if (recover || !s.loadIndexes((int) fileSize)) {
            int valid = s.rebuild((int) fileSize, recover);
            if (valid < fileSize) {
                log.warn("Truncating {} from {} to {} bytes: torn or corrupt batch at position {}", s.logFile, fileSize, valid, valid);
                s.logChannel.truncate(valid);
                s.logChannel.force(true);
                truncatedBytes[0] += fileSize - valid;
            }
        }
        return s;
    }

    /** Loads .index and .timeindex; false when they do not match the log (then the caller rebuilds). */
    private boolean loadIndexes(int logSize) throws IOException {
        long indexSize = indexChannel.size();
        long timeSize = timeIndexChannel.size();
        if (indexSize % OFFSET_ENTRY_BYTES != 0 || timeSize % TIME_ENTRY_BYTES != 0) {
            return false;
        }
        ByteBuffer idx = readAll(indexChannel, (int) indexSize);
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
        ByteBuffer tidx = readAll(timeIndexChannel, (int) timeSize);
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
        nextOffset = next;
        maxTimestampMs = maxTs;
        offsetOfMaxTimestamp = maxTsOffset;
        committedSizeBytes = logSize;
        return true;
    }

    /** Walks the log, rebuilding both indexes; returns the size of the valid prefix. */
    private int rebuild(int logSize, boolean checkCrc) throws IOException {
        lastBatch = null;
        indexEntries = 0;
        timeIndexEntries = 0;
        indexChannel.truncate(0);
        timeIndexChannel.truncate(0);
        bytesSinceLastIndexEntry = 0;
        nextOffset = baseOffset;
        maxTimestampMs = -1;
        offsetOfMaxTimestamp = -1;
        committedSizeBytes = 0;
        ByteBuffer all = readAll(logChannel, logSize);
        int pos = 0;
        while (pos < logSize) {
            if (checkCrc ? !BatchValidator.isIntact(all, pos) : !framed(all, pos)) {
                break;
            }
            int size = RecordBatchHeader.totalSize(all, pos);
            long first = RecordBatchHeader.baseOffset(all, pos);
            if (first < nextOffset) {
                break; // offsets must increase; anything else is garbage
            }
            indexBatch(pos, size, RecordBatchHeader.lastOffset(all, pos), RecordBatchHeader.maxTimestamp(all, pos));
            nextOffset = RecordBatchHeader.lastOffset(all, pos) + 1;
            pos += size;
        }
        committedSizeBytes = pos;
        return pos;
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
     * batch are read from the buffer. Publishes the new size after the write.
     */
    void append(ByteBuffer batches) throws IOException {
        int pos = committedSizeBytes;
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
        long last = nextOffset - 1;
        int records = 0;
        LastBatch newest = null;
        while (p < batches.limit()) {
            int size = RecordBatchHeader.totalSize(batches, p);
            last = RecordBatchHeader.lastOffset(batches, p);
            records += RecordBatchHeader.recordCount(batches, p);
            int at = pos + (p - batches.position());
            indexBatch(at, size, last, RecordBatchHeader.maxTimestamp(batches, p));
            newest = new LastBatch(RecordBatchHeader.baseOffset(batches, p), last, at, size);
            p += size;
        }
        unflushedMessages += records;
        nextOffset = last + 1;
        committedSizeBytes = writeAt;
        if (newest != null) {
            lastBatch = newest;
        }
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
        ByteBuffer e = ByteBuffer.allocate(OFFSET_ENTRY_BYTES).putInt(rel).putInt(position).flip();
        indexChannel.write(e, (long) n * OFFSET_ENTRY_BYTES);
        indexEntries = n + 1;
        int tn = timeIndexEntries;
        long lastTs = tn == 0 ? Long.MIN_VALUE : timeIndexTimestamps[tn - 1];
        long ts = Math.max(maxTs, maxTimestampMs);
        if (ts > lastTs) {
            ensureTimeIndexCapacity(tn + 1);
            timeIndexTimestamps[tn] = ts;
            timeIndexRelOffsets[tn] = rel;
            ByteBuffer t = ByteBuffer.allocate(TIME_ENTRY_BYTES).putLong(ts).putInt(rel).flip();
            timeIndexChannel.write(t, (long) tn * TIME_ENTRY_BYTES);
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
        LastBatch newest = lastBatch;
        if (newest != null && offset >= newest.baseOffset() && offset <= newest.lastOffset()) {
            return newest.position();
        }
        BatchHeaderScanner scan = new BatchHeaderScanner(logChannel, startPositionFor(offset), committedSizeBytes);
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
        LastBatch newest = lastBatch;
        if (newest != null && newest.position() == position) {
            return newest.sizeBytes();
        }
        ByteBuffer header = ByteBuffer.allocate(RecordBatchHeader.LOG_OVERHEAD);
        readFully(logChannel, header, position);
        return RecordBatchHeader.totalSize(header, 0);
    }

    /** Reads the whole batch at {@code position} into a new buffer. */
    ByteBuffer readBatch(int position) throws IOException {
        int size = batchSizeAt(position);
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
        BatchHeaderScanner scan = new BatchHeaderScanner(logChannel, start, committedSizeBytes);
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
        lastBatch = null;
        logChannel.truncate(pos);
        rebuild(pos, false);
    }

    void flush() throws IOException {
        logChannel.force(true);
        indexChannel.force(true);
        timeIndexChannel.force(true);
        unflushedMessages = 0;
    }

    long unflushedMessages() {
        return unflushedMessages;
    }

    void close() {
        for (FileChannel c : new FileChannel[]{logChannel, indexChannel, timeIndexChannel}) {
            try {
                c.close();
            } catch (IOException e) {
                throw new UncheckedIOException("closing segment " + logFile, e);
            }
        }
    }

    /**
     * Renames the files to {@code *.deleted}; the channels stay open until {@link #deleteFiles()}, so reads in flight
     * finish. After this the segment's own names may be reused (a compacted replacement).
     */
    void markDeleted() throws IOException {
        for (Path p : new Path[]{logFile, indexFile, timeIndexFile}) {
            if (Files.exists(p)) {
                // An older generation of this segment may still sit there awaiting its delay: replacing its name is
                // safe because readers hold open channels, not paths.
                Files.move(p, p.resolveSibling(p.getFileName() + ".deleted"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
        markedDeleted = true;
    }

    /** Closes the segment and removes its files (the {@code .deleted} names once {@link #markDeleted()} ran). */
    void deleteFiles() throws IOException {
        close();
        for (Path p : new Path[]{logFile, indexFile, timeIndexFile}) {
            Files.deleteIfExists(markedDeleted ? p.resolveSibling(p.getFileName() + ".deleted") : p);
        }
    }

    FileChannel channel() {
        return logChannel;
    }

    int committedSizeBytes() {
        return committedSizeBytes;
    }

    long nextOffset() {
        return nextOffset;
    }

    boolean isEmpty() {
        return committedSizeBytes == 0;
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
