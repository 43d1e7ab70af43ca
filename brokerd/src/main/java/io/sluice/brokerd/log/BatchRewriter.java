package io.sluice.brokerd.log;

import com.github.luben.zstd.ZstdOutputStream;
import net.jpountz.lz4.LZ4FrameOutputStream;
import org.xerial.snappy.SnappyOutputStream;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.zip.GZIPOutputStream;

import static io.sluice.brokerd.log.RecordBatchHeader.ATTRIBUTES;
import static io.sluice.brokerd.log.RecordBatchHeader.BASE_TIMESTAMP;
import static io.sluice.brokerd.log.RecordBatchHeader.BATCH_LENGTH;
import static io.sluice.brokerd.log.RecordBatchHeader.COMPRESSION_MASK;
import static io.sluice.brokerd.log.RecordBatchHeader.CRC;
import static io.sluice.brokerd.log.RecordBatchHeader.HEADER_BYTES;
import static io.sluice.brokerd.log.RecordBatchHeader.LOG_OVERHEAD;
import static io.sluice.brokerd.log.RecordBatchHeader.MAX_TIMESTAMP;
import static io.sluice.brokerd.log.RecordBatchHeader.RECORD_COUNT;
import static io.sluice.brokerd.log.RecordBatchHeader.TIMESTAMP_TYPE_BIT;

/**
 * Writes what compaction keeps of one source batch, field for field as Kafka's cleaner does
 * ({@code MemoryRecords.filterTo}):
 * <ul>
 *   <li>some records kept ({@link #withRecords}): the source's header around them — base offset and last offset
 *       delta (so the producer's last sequence stays what it was), partition leader epoch, attributes (codec,
 *       timestamp type, transactional and control bits), base timestamp, producer id, epoch and base sequence —
 *       the records compressed again with the source's codec; the record count, the max timestamp (recomputed for
 *       CreateTime, kept for LogAppendTime, whose records all read the batch's), the length and the CRC follow the
 *       records;</li>
 *   <li>none kept but the header still matters ({@link #emptyHeader}): a 61-byte batch with the same header and
 *       record count 0, uncompressed, both timestamps the source's max timestamp (Kafka's empty-batch layout).</li>
 * </ul>
 * A batch that keeps every record is not rewritten at all: the cleaner copies its bytes. Stateless.
 */
final class BatchRewriter {
    /** lz4 frames in 64 KiB blocks with independent blocks, as Kafka's producer writes them. */
    private static final LZ4FrameOutputStream.BLOCKSIZE LZ4_BLOCK = LZ4FrameOutputStream.BLOCKSIZE.SIZE_64KB;

    private BatchRewriter() {
    }

    /** The batch at the start of {@code source} (its position 0) cut down to {@code kept}, at least one record. */
    static ByteBuffer withRecords(ByteBuffer source, List<BatchRecords.FullRecord> kept) throws IOException {
        int codec = RecordBatchHeader.compressionCodec(source, 0);
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        try (OutputStream out = compressing(codec, body)) {
            RecordBatchBuilder.writeRecords(out, kept, RecordBatchHeader.baseOffset(source, 0),
                    RecordBatchHeader.baseTimestamp(source, 0));
        }
        ByteBuffer batch = copyHeader(source, HEADER_BYTES + body.size());
        batch.position(HEADER_BYTES);
        batch.put(body.toByteArray());
        batch.flip();
        batch.putInt(RECORD_COUNT, kept.size());
        if ((RecordBatchHeader.attributes(source, 0) & TIMESTAMP_TYPE_BIT) == 0) {
            batch.putLong(MAX_TIMESTAMP, kept.stream().mapToLong(BatchRecords.FullRecord::timestampMs).max().orElseThrow());
        }
        batch.putInt(CRC, (int) RecordBatchHeader.computeCrc(batch, 0));
        return batch;
    }

    /** The header of the batch at the start of {@code source} with no records (a producer's last batch, an epoch's first). */
    static ByteBuffer emptyHeader(ByteBuffer source) {
        ByteBuffer batch = copyHeader(source, HEADER_BYTES);
        batch.putShort(ATTRIBUTES, (short) (RecordBatchHeader.attributes(source, 0) & ~COMPRESSION_MASK));
        long maxTimestamp = RecordBatchHeader.maxTimestamp(source, 0);
        batch.putLong(BASE_TIMESTAMP, maxTimestamp);
        batch.putLong(MAX_TIMESTAMP, maxTimestamp);
        batch.putInt(RECORD_COUNT, 0);
        batch.putInt(CRC, (int) RecordBatchHeader.computeCrc(batch, 0));
        return batch;
    }

    /** A buffer of {@code totalBytes} holding the source's 61 header bytes, its length field set to match. */
    private static ByteBuffer copyHeader(ByteBuffer source, int totalBytes) {
        ByteBuffer batch = ByteBuffer.allocate(totalBytes);
        batch.put(source.duplicate().position(0).limit(HEADER_BYTES));
        batch.putInt(BATCH_LENGTH, totalBytes - LOG_OVERHEAD);
        return batch.clear();
    }

    /** The record stream of a batch compressed with {@code codec}; closing it finishes the compressed frame. */
    private static OutputStream compressing(int codec, OutputStream out) throws IOException {
        return switch (codec) {
            case 0 -> out;
            case 1 -> new GZIPOutputStream(out, 8 * 1024);
            case 2 -> new SnappyOutputStream(out);
            case 3 -> new LZ4FrameOutputStream(out, LZ4_BLOCK, LZ4FrameOutputStream.FLG.Bits.BLOCK_INDEPENDENCE);
            case 4 -> new ZstdOutputStream(out);
            default -> throw new IOException("unknown compression codec " + codec);
        };
    }
}
