package io.sluice.systest.fuzz;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Random;

/**
 * Turns a valid request into a broken one. Implementations: blind ({@link BlindMutators}), field-aware
 * ({@link FieldMutators}, which know where each length, count and number sits), framing ({@link FramingMutators})
 * and record-batch lies ({@link BatchLies}). Stateless; all randomness comes from the {@link Subject}.
 */
interface Mutator {
    String name();

    /** The mutated request, or null when this mutator finds nothing to change in it. */
    Mutation mutate(Subject s);

    /** What a mutator works on: the base request, its bytes (header and body), and where its fields are. */
    final class Subject {
        final BaseRequest base;
        final byte[] encoded;
        final int correlationId;
        final Random rnd;
        final TargetView view;
        /** socket.request.max.bytes of the broker under test. */
        final int maxFrameBytes;
        /** The clock the base request was generated at (record timestamps are relative to it). */
        final long nowMs;
        private List<SchemaWalker.Slot> slots;

        Subject(BaseRequest base, int correlationId, Random rnd, TargetView view, int maxFrameBytes, long nowMs) {
            this.nowMs = nowMs;
            this.base = base;
            this.correlationId = correlationId;
            this.encoded = base.encode(correlationId);
            this.rnd = rnd;
            this.view = view;
            this.maxFrameBytes = maxFrameBytes;
        }

        List<SchemaWalker.Slot> slots() {
            if (slots == null) {
                slots = SchemaWalker.walk(encoded, base.key(), base.version());
            }
            return slots;
        }
    }

    /** {@code src} with [{@code offset}, {@code offset + width}) replaced by {@code replacement}. */
    static byte[] splice(byte[] src, int offset, int width, byte[] replacement) {
        byte[] out = new byte[src.length - width + replacement.length];
        System.arraycopy(src, 0, out, 0, offset);
        System.arraycopy(replacement, 0, out, offset, replacement.length);
        System.arraycopy(src, offset + width, out, offset + replacement.length, src.length - offset - width);
        return out;
    }

    /** {@code value} big-endian in {@code width} bytes (1, 2, 4 or 8). */
    static byte[] bigEndian(long value, int width) {
        ByteBuffer b = ByteBuffer.allocate(8).putLong(value);
        byte[] out = new byte[width];
        System.arraycopy(b.array(), 8 - width, out, 0, width);
        return out;
    }

    /** The unsigned varint encoding of {@code value} (as Kafka's compact lengths and counts, plus one). */
    static byte[] unsignedVarint(int value) {
        ByteBuffer b = ByteBuffer.allocate(5);
        org.apache.kafka.common.utils.ByteUtils.writeUnsignedVarint(value, b);
        return java.util.Arrays.copyOf(b.array(), b.position());
    }
}
