package io.sluice.brokerd.txn;

import io.sluice.brokerd.common.TopicPartition;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Records of {@code __transaction_state} in Kafka's layout (its TransactionLogKey v0 and TransactionLogValue v0/v1), so
 * {@code kafka-dump-log --transaction-log-decoder} reads our partitions:
 * <pre>
 * key       = version int16 (0) | transactionalId string
 * value v0  = version int16 (0) | producerId int64 | producerEpoch int16 | transactionTimeoutMs int32
 *             | status int8 | partitions nullable array of (topic string | partitionIds array of int32)
 *             | lastUpdateTimestampMs int64 | startTimestampMs int64
 * value v1  = the same fields in the flexible encoding (compact strings and arrays, unsigned-varint lengths + 1,
 *             tagged fields: previous/next producer id, client transaction version, next producer epoch)
 * </pre>
 * Strings are an int16 length then UTF-8 bytes (v0), arrays an int32 count (-1: null). A null value is a tombstone: the
 * transactional id expired. This broker writes v0 (what Kafka writes for clients of transaction version 1) and reads
 * both. Decoding never sizes anything from a count larger than the bytes present; a bad record throws
 * {@link IllegalArgumentException} naming what is wrong (the loader skips it with a WARN). Stateless.
 */
public final class TransactionLogRecords {
    static final short KEY_VERSION = 0;
    static final short VALUE_VERSION = 0;

    private TransactionLogRecords() {
    }

    public static byte[] key(String transactionalId) {
        byte[] id = transactionalId.getBytes(StandardCharsets.UTF_8);
        if (id.length > Short.MAX_VALUE) {
            throw new IllegalArgumentException("transactional id of " + id.length + " bytes is longer than " + Short.MAX_VALUE);
        }
        return ByteBuffer.allocate(2 + 2 + id.length).putShort(KEY_VERSION).putShort((short) id.length).put(id).array();
    }

    public static String decodeKey(byte[] key) {
        if (key == null) {
            throw new IllegalArgumentException("the record has no key");
        }
        ByteBuffer b = ByteBuffer.wrap(key);
        short version = readShort(b, "key version");
        if (version != KEY_VERSION) {
            throw new IllegalArgumentException("unknown key version " + version);
        }
        String id = string(b, readShort(b, "transactional id length"), "transactional id");
        if (id == null || b.hasRemaining()) {
            throw new IllegalArgumentException(id == null ? "null transactional id" : b.remaining() + " bytes after the key");
        }
        return id;
    }

    public static byte[] value(TxnRecord r) {
        Map<String, List<Integer>> byTopic = new TreeMap<>();
        for (TopicPartition tp : r.partitions()) {
            byTopic.computeIfAbsent(tp.topic(), t -> new ArrayList<>()).add(tp.partition());
        }
        boolean nullPartitions = r.state() == TxnState.EMPTY; // Kafka's rule: no partitions stored for Empty
        int size = 2 + 8 + 2 + 4 + 1 + 4 + 8 + 8;
        List<byte[]> names = new ArrayList<>();
        for (Map.Entry<String, List<Integer>> e : byTopic.entrySet()) {
            byte[] name = e.getKey().getBytes(StandardCharsets.UTF_8);
            names.add(name);
            size += 2 + name.length + 4 + 4 * e.getValue().size();
        }
        ByteBuffer b = ByteBuffer.allocate(nullPartitions ? 2 + 8 + 2 + 4 + 1 + 4 + 8 + 8 : size)
                .putShort(VALUE_VERSION).putLong(r.producerId()).putShort(r.producerEpoch()).putInt(r.txnTimeoutMs()).put(r.state().id);
        if (nullPartitions) {
            b.putInt(-1);
        } else {
            b.putInt(byTopic.size());
            int i = 0;
            for (Map.Entry<String, List<Integer>> e : byTopic.entrySet()) {
                byte[] name = names.get(i++);
                b.putShort((short) name.length).put(name).putInt(e.getValue().size());
                e.getValue().stream().sorted().forEach(b::putInt);
            }
        }
        return b.putLong(r.lastUpdateMs()).putLong(r.startMs()).array();
    }

    /** Decodes a value (v0 or v1); null for a tombstone. */
    public static TxnRecord decodeValue(byte[] value) {
        if (value == null) {
            return null;
        }
        ByteBuffer b = ByteBuffer.wrap(value);
        short version = readShort(b, "value version");
        if (version != 0 && version != 1) {
            throw new IllegalArgumentException("unknown value version " + version);
        }
        boolean flexible = version == 1;
        long producerId = readLong(b, "producer id");
        short epoch = readShort(b, "producer epoch");
        int timeoutMs = readInt(b, "transaction timeout");
        need(b, 1, "transaction status");
        TxnState state = TxnState.fromId(b.get());
        Set<TopicPartition> partitions = new HashSet<>();
        int topics = flexible ? unsignedVarint(b, "topic count") - 1 : readInt(b, "topic count");
        for (int t = 0; t < topics; t++) {
            String topic = flexible ? string(b, unsignedVarint(b, "topic length") - 1, "topic") : string(b, readShort(b, "topic length"), "topic");
            if (topic == null) {
                throw new IllegalArgumentException("null topic in the transaction's partitions");
            }
            int count = flexible ? unsignedVarint(b, "partition count") - 1 : readInt(b, "partition count");
            if (count < 0 || count > b.remaining() / 4) {
                throw new IllegalArgumentException("partition count " + count + " of topic " + topic + " does not fit the record");
            }
            for (int p = 0; p < count; p++) {
                partitions.add(new TopicPartition(topic, b.getInt()));
            }
            if (flexible) {
                skipTaggedFields(b);
            }
        }
        long lastUpdateMs = readLong(b, "last update timestamp");
        long startMs = readLong(b, "start timestamp");
        if (flexible) {
            skipTaggedFields(b);
        }
        if (b.hasRemaining()) {
            throw new IllegalArgumentException(b.remaining() + " bytes after the value");
        }
        return new TxnRecord(producerId, epoch, timeoutMs, state, partitions, lastUpdateMs, startMs);
    }

    private static void skipTaggedFields(ByteBuffer b) {
        int fields = unsignedVarint(b, "tagged field count");
        for (int i = 0; i < fields; i++) {
            unsignedVarint(b, "tag");
            int size = unsignedVarint(b, "tagged field size");
            need(b, size, "tagged field");
            b.position(b.position() + size);
        }
    }

    private static int unsignedVarint(ByteBuffer b, String what) {
        int value = 0;
        for (int shift = 0; shift < 35; shift += 7) {
            need(b, 1, what);
            byte x = b.get();
            value |= (x & 0x7f) << shift;
            if ((x & 0x80) == 0) {
                if (value < 0) {
                    throw new IllegalArgumentException(what + " out of range");
                }
                return value;
            }
        }
        throw new IllegalArgumentException(what + ": varint longer than 5 bytes");
    }

    private static String string(ByteBuffer b, int length, String what) {
        if (length == -1) {
            return null;
        }
        if (length < 0) {
            throw new IllegalArgumentException("negative " + what + " length " + length);
        }
        need(b, length, what);
        byte[] bytes = new byte[length];
        b.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static void need(ByteBuffer b, int bytes, String what) {
        if (b.remaining() < bytes) {
            throw new IllegalArgumentException("the record ends inside the " + what);
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
}
