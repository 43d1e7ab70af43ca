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
     * Records in the whole batches of the slice (a trailing partial batch is not counted): one read of the record
     * count field per batch, for the records-out metric.
     */
    public long recordCount() throws IOException {
        ByteBuffer header = ByteBuffer.allocate(RecordBatchHeader.HEADER_BYTES);
        long pos = position;
        long end = position + sizeBytes;
        long records = 0;
        while (end - pos >= RecordBatchHeader.HEADER_BYTES) {
            header.clear();
            Segment.readFully(channel, header, pos);
            int size = RecordBatchHeader.totalSize(header, 0);
            if (size < RecordBatchHeader.HEADER_BYTES || pos + size > end) {
                break;
            }
            records += RecordBatchHeader.recordCount(header, 0);
            pos += size;
        }
        return records;
    }

    /** Copies the slice into a heap buffer (tests, and paths that cannot use sendfile). */
    public ByteBuffer readFully() throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(sizeBytes);
        Segment.readFully(channel, buf, position);
        return buf.flip();
    }
}
