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

    /**
     * Decodes an offset key; throws {@link IllegalArgumentException} naming what is wrong when the bytes are not one
     * (too short, an unknown version, a missing group or topic, trailing bytes). Reads nothing past the array.
     */
    static Key decodeKey(byte[] key) {
        if (key == null) {
            throw new IllegalArgumentException("the record has no key");
        }
        ByteBuffer b = ByteBuffer.wrap(key);
        short version = readShort(b, "key version");
        if (version != KEY_VERSION) {
            throw new IllegalArgumentException("unknown key version " + version);
        }
        String group = requiredString(b, "group id");
        String topic = requiredString(b, "topic");
        int partition = readInt(b, "partition");
        requireEnd(b, "key");
        return new Key(group, new TopicPartition(topic, partition));
    }

    /** Decodes an offset value; throws {@link IllegalArgumentException} naming what is wrong when it is not one. */
    static CommittedOffset decodeValue(byte[] value) {
        ByteBuffer b = ByteBuffer.wrap(value);
        short version = readShort(b, "value version");
        if (version != VALUE_VERSION) {
            throw new IllegalArgumentException("unknown value version " + version);
        }
        long offset = readLong(b, "offset");
        int epoch = readInt(b, "leader epoch");
        String metadata = string(b, "metadata");
        long commitTimestampMs = readLong(b, "commit timestamp");
        requireEnd(b, "value");
        return new CommittedOffset(offset, epoch, metadata, commitTimestampMs);
    }

    private static void need(ByteBuffer b, int bytes, String what) {
        if (b.remaining() < bytes) {
            throw new IllegalArgumentException("truncated at the " + what + " (" + b.remaining() + " of " + bytes + " bytes left)");
        }
    }

    private static short readShort(ByteBuffer b, String what) {
        need(b, 2, what);
        return b.getShort();
    }

    private static int readInt(ByteBuffer b, String what) {
        need(b, 4, what);
        return b.getInt();
    }

    private static long readLong(ByteBuffer b, String what) {
        need(b, 8, what);
        return b.getLong();
    }

    private static void requireEnd(ByteBuffer b, String what) {
        if (b.hasRemaining()) {
            throw new IllegalArgumentException(b.remaining() + " bytes after the end of the " + what);
        }
    }

    private static String requiredString(ByteBuffer b, String what) {
        String s = string(b, what);
        if (s == null) {
            throw new IllegalArgumentException("no " + what);
        }
        return s;
    }

    /** An int16 length (-1: null) and that many UTF-8 bytes. */
    private static String string(ByteBuffer b, String what) {
        short len = readShort(b, what + " length");
        if (len == -1) {
            return null;
        }
        if (len < 0) {
            throw new IllegalArgumentException("negative " + what + " length " + len);
        }
        need(b, len, what);
        byte[] s = new byte[len];
        b.get(s);
        return new String(s, StandardCharsets.UTF_8);
    }
}
