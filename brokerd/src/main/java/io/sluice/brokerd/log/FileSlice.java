package io.sluice.brokerd.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * A run of whole record batches inside one segment file, sent to the socket without copying.
 * The channel stays open at least {@code file.delete.delay.ms} after the segment is removed, so a
 * slice handed to the network layer remains readable while it is written out. The slice does not own
 * the channel: never close it.
 *
 * @param channel   the segment's .log file
 * @param position  file position of the first byte
 * @param sizeBytes number of bytes (0 when there is nothing to return)
 */
public record FileSlice(FileChannel channel, long position, int sizeBytes) {

    /**
     * Records in the whole batches of the slice (a trailing partial batch is not counted): read a block of headers
     * at a time, for the records-out metric.
     */
    public long recordCount() throws IOException {
        long end = position + sizeBytes;
        BatchHeaderScanner scan = new BatchHeaderScanner(channel, position, end);
        long records = 0;
        while (scan.load(RecordBatchHeader.HEADER_BYTES)) {
            int size = RecordBatchHeader.totalSize(scan.buffer(), scan.offset());
            if (size < RecordBatchHeader.HEADER_BYTES || scan.position() + size > end) {
                break;
            }
            records += RecordBatchHeader.recordCount(scan.buffer(), scan.offset());
            scan.advance(size);
        }
        return records;
    }

    /**
     * The offset after the slice's whole batches (the base offset of a trailing partial batch, whose records the
     * client drops), {@code whenEmpty} when it holds no whole batch: where a READ_COMMITTED fetch's aborted
     * transactions may stop.
     */
    public long endOffset(long whenEmpty) throws IOException {
        long end = position + sizeBytes;
        BatchHeaderScanner scan = new BatchHeaderScanner(channel, position, end);
        long next = whenEmpty;
        while (scan.load(RecordBatchHeader.BASE_TIMESTAMP)) {
            int size = RecordBatchHeader.totalSize(scan.buffer(), scan.offset());
            if (size < RecordBatchHeader.HEADER_BYTES || scan.position() + size > end) {
                return RecordBatchHeader.baseOffset(scan.buffer(), scan.offset());
            }
            next = RecordBatchHeader.lastOffset(scan.buffer(), scan.offset()) + 1;
            scan.advance(size);
        }
        return next;
    }

    /** Copies the slice into a heap buffer (tests, and paths that cannot use sendfile). */
    public ByteBuffer readFully() throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(sizeBytes);
        Segment.readFully(channel, buf, position);
        return buf.flip();
    }
}
