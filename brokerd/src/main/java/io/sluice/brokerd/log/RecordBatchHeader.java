package io.sluice.brokerd.log;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * Reads, checks and patches the 61-byte header of a v2 record batch in place. Layout (big-endian):
 * <pre>
 *  0 baseOffset int64        17 crc uint32 (CRC32C of bytes 21..end)   43 producerId int64
 *  8 batchLength int32       21 attributes int16                       51 producerEpoch int16
 * 12 partitionLeaderEpoch    23 lastOffsetDelta int32                  53 baseSequence int32
 * 16 magic int8              27 baseTimestamp int64                    57 recordCount int32
 *                            35 maxTimestamp int64                     61 records...
 * </pre>
 * baseOffset, batchLength and partitionLeaderEpoch lie outside the CRC, so the broker assigns offsets and epochs
 * without re-encoding. Stateless; every method works on absolute positions of the given buffer.
 */
public final class RecordBatchHeader {
    public static final int BASE_OFFSET = 0;
    public static final int BATCH_LENGTH = 8;
    public static final int LEADER_EPOCH = 12;
    public static final int MAGIC = 16;
    public static final int CRC = 17;
    public static final int ATTRIBUTES = 21;
    public static final int LAST_OFFSET_DELTA = 23;
    public static final int BASE_TIMESTAMP = 27;
    public static final int MAX_TIMESTAMP = 35;
    public static final int PRODUCER_ID = 43;
    public static final int PRODUCER_EPOCH = 51;
    public static final int BASE_SEQUENCE = 53;
    public static final int RECORD_COUNT = 57;
    public static final int HEADER_BYTES = 61;
    /** baseOffset + batchLength: the bytes not counted by batchLength. */
    public static final int LOG_OVERHEAD = 12;

    static final int COMPRESSION_MASK = 0x07;
    static final int TIMESTAMP_TYPE_BIT = 0x08;
    static final int TRANSACTIONAL_BIT = 0x10;
    static final int CONTROL_BIT = 0x20;
    /** Kafka's delete horizon (KIP-534): the cleaner set baseTimestamp to when the batch may go. */
    static final int DELETE_HORIZON_BIT = 0x40;

    private RecordBatchHeader() {
    }

    /** Total size of the batch at {@code pos}, header included. */
    public static int totalSize(ByteBuffer buf, int pos) {
        return buf.getInt(pos + BATCH_LENGTH) + LOG_OVERHEAD;
    }

    public static long baseOffset(ByteBuffer buf, int pos) {
        return buf.getLong(pos + BASE_OFFSET);
    }

    public static long lastOffset(ByteBuffer buf, int pos) {
        return buf.getLong(pos + BASE_OFFSET) + buf.getInt(pos + LAST_OFFSET_DELTA);
    }

    public static int lastOffsetDelta(ByteBuffer buf, int pos) {
        return buf.getInt(pos + LAST_OFFSET_DELTA);
    }

    public static short attributes(ByteBuffer buf, int pos) {
        return buf.getShort(pos + ATTRIBUTES);
    }

    public static int compressionCodec(ByteBuffer buf, int pos) {
        return attributes(buf, pos) & COMPRESSION_MASK;
    }

    public static boolean isTransactional(ByteBuffer buf, int pos) {
        return (attributes(buf, pos) & TRANSACTIONAL_BIT) != 0;
    }

    /** True when the batch carries the LogAppendTime timestamp type. */
    public static boolean isLogAppendTime(ByteBuffer buf, int pos) {
        return (attributes(buf, pos) & TIMESTAMP_TYPE_BIT) != 0;
    }

    public static boolean isControl(ByteBuffer buf, int pos) {
        return (attributes(buf, pos) & CONTROL_BIT) != 0;
    }

    /** The cleaner's delete horizon of the batch (its base timestamp when the flag is set), or -1 when none is set. */
    public static long deleteHorizonMs(ByteBuffer buf, int pos) {
        return (attributes(buf, pos) & DELETE_HORIZON_BIT) != 0 ? baseTimestamp(buf, pos) : -1;
    }

    /** Sets the delete horizon (flag and base timestamp) of the batch and re-stamps the CRC. */
    static void setDeleteHorizon(ByteBuffer buf, int pos, long horizonMs) {
        buf.putShort(pos + ATTRIBUTES, (short) (attributes(buf, pos) | DELETE_HORIZON_BIT));
        buf.putLong(pos + BASE_TIMESTAMP, horizonMs);
        buf.putInt(pos + CRC, (int) computeCrc(buf, pos));
    }

    /**
     * True when a batch among those in {@code buf[position, limit)} names a compression codec. Reads headers only,
     * as far as their lengths stay inside the buffer (what does not frame is left to validation).
     */
    public static boolean anyCompressed(ByteBuffer buf) {
        return anyAttribute(buf, COMPRESSION_MASK);
    }

    /** As {@link #anyCompressed}, for the transactional bit. */
    public static boolean anyTransactional(ByteBuffer buf) {
        return anyAttribute(buf, TRANSACTIONAL_BIT);
    }

    private static boolean anyAttribute(ByteBuffer buf, int mask) {
        for (int pos = buf.position(); buf.limit() - pos > ATTRIBUTES + 1; ) {
            if ((attributes(buf, pos) & mask) != 0) {
                return true;
            }
            int size = buf.getInt(pos + BATCH_LENGTH);
            if (size < HEADER_BYTES - LOG_OVERHEAD || size > buf.limit() - pos - LOG_OVERHEAD) {
                return false;
            }
            pos += size + LOG_OVERHEAD;
        }
        return false;
    }

    public static long baseTimestamp(ByteBuffer buf, int pos) {
        return buf.getLong(pos + BASE_TIMESTAMP);
    }

    public static long maxTimestamp(ByteBuffer buf, int pos) {
        return buf.getLong(pos + MAX_TIMESTAMP);
    }

    public static long producerId(ByteBuffer buf, int pos) {
        return buf.getLong(pos + PRODUCER_ID);
    }

    public static short producerEpoch(ByteBuffer buf, int pos) {
        return buf.getShort(pos + PRODUCER_EPOCH);
    }

    public static int baseSequence(ByteBuffer buf, int pos) {
        return buf.getInt(pos + BASE_SEQUENCE);
    }

    public static int recordCount(ByteBuffer buf, int pos) {
        return buf.getInt(pos + RECORD_COUNT);
    }

    /** Last sequence of the batch, wrapping past Integer.MAX_VALUE to 0 as the protocol does. */
    public static int lastSequence(ByteBuffer buf, int pos) {
        int base = baseSequence(buf, pos);
        if (base < 0) {
            return base;
        }
        long last = (long) base + lastOffsetDelta(buf, pos);
        return (int) (last > Integer.MAX_VALUE ? last - Integer.MAX_VALUE - 1 : last);
    }

    /** CRC32C of the batch's bytes after the crc field. */
    public static long computeCrc(ByteBuffer buf, int pos) {
        int size = totalSize(buf, pos);
        CRC32C crc = new CRC32C();
        ByteBuffer view = buf.duplicate();
        view.limit(pos + size).position(pos + ATTRIBUTES);
        crc.update(view);
        return crc.getValue();
    }

    public static long storedCrc(ByteBuffer buf, int pos) {
        return Integer.toUnsignedLong(buf.getInt(pos + CRC));
    }

    public static void setBaseOffset(ByteBuffer buf, int pos, long offset) {
        buf.putLong(pos + BASE_OFFSET, offset);
    }

    public static int leaderEpoch(ByteBuffer buf, int pos) {
        return buf.getInt(pos + LEADER_EPOCH);
    }

    public static void setLeaderEpoch(ByteBuffer buf, int pos, int epoch) {
        buf.putInt(pos + LEADER_EPOCH, epoch);
    }

    /** Writes {@code maxTimestampMs} as the batch's max timestamp and re-stamps the CRC. */
    public static void setMaxTimestamp(ByteBuffer buf, int pos, long maxTimestampMs) {
        buf.putLong(pos + MAX_TIMESTAMP, maxTimestampMs);
        buf.putInt(pos + CRC, (int) computeCrc(buf, pos));
    }

    /** Marks the batch LogAppendTime with {@code nowMs} as its max timestamp and re-stamps the CRC. */
    public static void setLogAppendTime(ByteBuffer buf, int pos, long nowMs) {
        short attrs = (short) (attributes(buf, pos) | TIMESTAMP_TYPE_BIT);
        buf.putShort(pos + ATTRIBUTES, attrs);
        buf.putLong(pos + MAX_TIMESTAMP, nowMs);
        buf.putInt(pos + CRC, (int) computeCrc(buf, pos));
    }
}
