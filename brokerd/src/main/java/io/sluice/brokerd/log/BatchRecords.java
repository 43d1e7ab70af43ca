package io.sluice.brokerd.log;

import com.github.luben.zstd.ZstdInputStream;
import net.jpountz.lz4.LZ4FrameInputStream;
import org.xerial.snappy.SnappyInputStream;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.zip.GZIPInputStream;

/**
 * Walks the records inside one v2 batch, decompressing with the codec named in its attributes (gzip from the JDK;
 * snappy, lz4 and zstd from the libraries kafka-clients brings). Only what the broker needs is decoded: each
 * record's offset and timestamp. Record layout: length varint, attributes int8, timestampDelta varlong,
 * offsetDelta varint, key, value, headers.
 */
public final class BatchRecords {

    private BatchRecords() {
    }

    /** The first record of the batch with timestamp >= {@code targetMs}, or null. */
    static TimestampOffset firstAtOrAfter(ByteBuffer batch, long targetMs) throws IOException {
        boolean logAppendTime = (RecordBatchHeader.attributes(batch, 0) & RecordBatchHeader.TIMESTAMP_TYPE_BIT) != 0;
        long baseOffset = RecordBatchHeader.baseOffset(batch, 0);
        if (logAppendTime) {
            long ts = RecordBatchHeader.maxTimestamp(batch, 0);
            return ts >= targetMs ? new TimestampOffset(ts, baseOffset) : null;
        }
        for (FullRecord r : fullRecords(batch)) {
            if (r.timestampMs() >= targetMs) {
                return new TimestampOffset(r.timestampMs(), r.offset());
            }
        }
        return null;
    }

    /** A record's offset, key and value (null for absent). */
    public record KeyValue(long offset, byte[] key, byte[] value) {
    }

    /** Every record of the batch with its key and value (decompressing when needed). */
    static java.util.List<KeyValue> keyValues(ByteBuffer batch) throws IOException {
        java.util.List<KeyValue> out = new java.util.ArrayList<>();
        for (FullRecord r : fullRecords(batch)) {
            out.add(new KeyValue(r.offset(), r.key(), r.value()));
        }
        return out;
    }

    /** A whole record as the cleaner rewrites it: absolute offset and timestamp, key, value, encoded headers. */
    record FullRecord(long offset, long timestampMs, byte[] key, byte[] value, byte[] headers) {
    }

    /** Every record of the batch with everything needed to write it again. */
    static java.util.List<FullRecord> fullRecords(ByteBuffer batch) throws IOException {
        long baseOffset = RecordBatchHeader.baseOffset(batch, 0);
        long baseTs = RecordBatchHeader.baseTimestamp(batch, 0);
        int count = RecordBatchHeader.recordCount(batch, 0);
        java.util.List<FullRecord> out = new java.util.ArrayList<>(count);
        try (DataInputStream in = new DataInputStream(recordStream(batch))) {
            for (int i = 0; i < count; i++) {
                byte[] body = new byte[readVarint(in)];
                in.readFully(body);
                ByteArrayInputStream bin = new ByteArrayInputStream(body);
                DataInputStream rec = new DataInputStream(bin);
                rec.readByte();
                long tsDelta = readVarlong(rec);
                int offsetDelta = readVarint(rec);
                byte[] key = readBytes(rec);
                byte[] value = readBytes(rec);
                byte[] headers = bin.readAllBytes();
                out.add(new FullRecord(baseOffset + offsetDelta, baseTs + tsDelta, key, value, headers));
            }
        }
        return out;
    }

    private static byte[] readBytes(DataInputStream in) throws IOException {
        int len = readVarint(in);
        if (len < 0) {
            return null;
        }
        byte[] b = new byte[len];
        in.readFully(b);
        return b;
    }

    private static InputStream recordStream(ByteBuffer batch) throws IOException {
        int size = RecordBatchHeader.totalSize(batch, 0) - RecordBatchHeader.HEADER_BYTES;
        byte[] bytes = new byte[size];
        batch.duplicate().position(RecordBatchHeader.HEADER_BYTES).get(bytes);
        InputStream raw = new ByteArrayInputStream(bytes);
        int codec = RecordBatchHeader.compressionCodec(batch, 0);
        switch (codec) {
            case 0:
                return raw;
            case 1:
                return new GZIPInputStream(raw);
            case 2:
                return new SnappyInputStream(raw);
            case 3:
                return new LZ4FrameInputStream(raw);
            case 4:
                return new ZstdInputStream(raw);
            default:
                throw new IOException("unknown compression codec " + codec);
        }
    }

    static int readVarint(DataInputStream in) throws IOException {
        int value = 0;
        int shift = 0;
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("varint");
            }
            value |= (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                return (value >>> 1) ^ -(value & 1);
            }
            shift += 7;
            if (shift > 28) {
                throw new IOException("varint too long");
            }
        }
    }

    static long readVarlong(DataInputStream in) throws IOException {
        long value = 0;
        int shift = 0;
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("varlong");
            }
            value |= (long) (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                return (value >>> 1) ^ -(value & 1);
            }
            shift += 7;
            if (shift > 63) {
                throw new IOException("varlong too long");
            }
        }
    }
}
