package io.sluice.brokerd.group;

import io.sluice.brokerd.common.TopicPartition;
import io.sluice.brokerd.group.GroupTypes.CommittedOffset;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Encoding of committed offsets in {@code __consumer_offsets} (brokerd's own, not Kafka's schema):
 * <pre>
 * key   = version int16 (1) | group string | topic string | partition int32
 * value = version int16 (1) | offset int64 | leaderEpoch int32 | metadata nullable string | commitTimestamp int64
 * </pre>
 * Strings are an int16 length (-1 for null) then UTF-8 bytes. A null value is a tombstone: the offset was deleted.
 */
final class OffsetRecords {
    static final short KEY_VERSION = 1;
    static final short VALUE_VERSION = 1;

    /** A decoded key. */
    record Key(String groupId, TopicPartition partition) {
    }

    private OffsetRecords() {
    }

    static byte[] key(String groupId, TopicPartition tp) {
        byte[] g = groupId.getBytes(StandardCharsets.UTF_8);
        byte[] t = tp.topic().getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(2 + 2 + g.length + 2 + t.length + 4).putShort(KEY_VERSION)
                .putShort((short) g.length).put(g).putShort((short) t.length).put(t).putInt(tp.partition()).array();
    }

    static byte[] value(CommittedOffset o) {
        byte[] m = o.metadata() == null ? null : o.metadata().getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(2 + 8 + 4 + 2 + (m == null ? 0 : m.length) + 8)
                .putShort(VALUE_VERSION).putLong(o.offset()).putInt(o.leaderEpoch());
        if (m == null) {
            b.putShort((short) -1);
        } else {
            b.putShort((short) m.length).put(m);
        }
        return b.putLong(o.commitTimestampMs()).array();
    }

    /** Null when the key is not an offset key of a version this broker knows. */
    static Key decodeKey(byte[] key) {
        ByteBuffer b = ByteBuffer.wrap(key);
        if (b.getShort() != KEY_VERSION) {
            return null;
        }
        String group = string(b);
        String topic = string(b);
        return new Key(group, new TopicPartition(topic, b.getInt()));
    }

    static CommittedOffset decodeValue(byte[] value) {
        ByteBuffer b = ByteBuffer.wrap(value);
        short version = b.getShort();
        if (version != VALUE_VERSION) {
            throw new IllegalStateException("unknown offset record version " + version);
        }
        long offset = b.getLong();
        int epoch = b.getInt();
        String metadata = string(b);
        return new CommittedOffset(offset, epoch, metadata, b.getLong());
    }

    private static String string(ByteBuffer b) {
        short len = b.getShort();
        if (len < 0) {
            return null;
        }
        byte[] s = new byte[len];
        b.get(s);
        return new String(s, StandardCharsets.UTF_8);
    }
}
