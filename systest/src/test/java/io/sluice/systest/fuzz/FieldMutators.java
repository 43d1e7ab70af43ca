package io.sluice.systest.fuzz;

import io.sluice.systest.fuzz.SchemaWalker.Kind;
import io.sluice.systest.fuzz.SchemaWalker.Slot;

import org.apache.kafka.common.protocol.ApiKeys;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Random;

/**
 * Mutators that know the request's schema ({@link SchemaWalker}): they change one field, or a few, to values that
 * break assumptions. {@link Values} sets numbers, ids and booleans to edge values (-1, 0, MIN, MAX, a UUID of
 * another topic, a boolean of 2); {@link LengthsAndCounts} sets the length of a string or bytes field, the count of
 * an array or the count, tag or size of tagged fields to -1, 0, off by one, more than the bytes left, huge, or an
 * overlong varint. Records fields are left to {@link BatchLies}.
 */
final class FieldMutators {
    private FieldMutators() {
    }

    static List<Mutator> all() {
        return List.of(new Values(), new LengthsAndCounts());
    }

    private static Slot pick(List<Slot> slots, Random rnd, java.util.function.Predicate<Slot> wanted) {
        List<Slot> candidates = slots.stream().filter(wanted).toList();
        return candidates.isEmpty() ? null : candidates.get(rnd.nextInt(candidates.size()));
    }

    /** Numbers, UUIDs and booleans set to edge values; 1 to 3 of them per request. */
    static final class Values implements Mutator {
        @Override
        public String name() {
            return "field-values";
        }

        @Override
        public Mutation mutate(Subject s) {
            byte[] out = s.encoded;
            int n = s.rnd.nextInt(4) == 0 ? 1 + s.rnd.nextInt(3) : 1;
            StringBuilder what = new StringBuilder();
            for (int i = 0; i < n; i++) {
                // Varints change width; only the first change may be one, later offsets would be off.
                boolean first = i == 0;
                Slot slot = pick(s.slots(), s.rnd, sl -> (sl.kind().isNumber() || sl.kind() == Kind.UUID)
                        && (first || sl.kind().width > 0) && !sl.path().startsWith("header.request_api"));
                if (slot == null) {
                    return null;
                }
                byte[] value = value(slot, s);
                out = Mutator.splice(out, slot.offset(), slot.width(), value);
                what.append(what.isEmpty() ? "" : "; ").append(slot.path()).append(" (").append(slot.kind()).append(") = ")
                        .append(java.util.HexFormat.of().formatHex(value));
                if (value.length != slot.width()) {
                    break;
                }
            }
            return Mutation.of(name(), what.toString(), out);
        }

        private static byte[] value(Slot slot, Subject s) {
            Random rnd = s.rnd;
            return switch (slot.kind()) {
                case BOOLEAN -> new byte[]{(byte) new int[]{0, 1, 2, 0xFF}[rnd.nextInt(4)]};
                case INT8 -> Mutator.bigEndian(edge(rnd, Byte.MIN_VALUE, Byte.MAX_VALUE), 1);
                case INT16, UINT16 -> Mutator.bigEndian(edge(rnd, Short.MIN_VALUE, Short.MAX_VALUE), 2);
                case INT32, UINT32 -> Mutator.bigEndian(edge(rnd, Integer.MIN_VALUE, Integer.MAX_VALUE), 4);
                case INT64 -> Mutator.bigEndian(rnd.nextInt(6) == 0 ? s.nowMs + 315_360_000_000L
                        : edge(rnd, Long.MIN_VALUE, Long.MAX_VALUE), 8);
                case FLOAT64 -> Mutator.bigEndian(Double.doubleToRawLongBits(new double[]{Double.NaN, -1, Double.POSITIVE_INFINITY}[rnd.nextInt(3)]), 8);
                case UUID -> uuid(s);
                case VARINT -> LyingBatch.varint((int) edge(rnd, Integer.MIN_VALUE, Integer.MAX_VALUE));
                case VARLONG -> LyingBatch.varlong(edge(rnd, Long.MIN_VALUE, Long.MAX_VALUE));
                default -> throw new IllegalStateException(slot.kind() + " is not a value");
            };
        }

        /** An edge value of a signed range: -1, 0, 1, 2, min, max, min+1, max-1, or anything. */
        private static long edge(Random rnd, long min, long max) {
            return switch (rnd.nextInt(10)) {
                case 0 -> -1;
                case 1 -> 0;
                case 2 -> 1;
                case 3 -> 2;
                case 4 -> min;
                case 5 -> max;
                case 6 -> min + 1;
                case 7 -> max - 1;
                case 8 -> 1L << rnd.nextInt(Long.numberOfTrailingZeros(Long.highestOneBit(max)) + 1);
                default -> min + (long) (rnd.nextDouble() * ((double) max - (double) min));
            };
        }

        private static byte[] uuid(Subject s) {
            ByteBuffer b = ByteBuffer.allocate(16);
            switch (s.rnd.nextInt(4)) {
                case 0 -> b.putLong(0).putLong(0);
                case 1 -> b.putLong(-1).putLong(-1);
                case 2 -> {
                    // another topic's id (picked from the fixed names, so the choice does not depend on what exists);
                    // a DeleteTopics by id must not name an oracle topic: the broker rightly deletes it, auto-creation
                    // brings it back with default configs, and the judge's expectations of it no longer hold
                    List<String> names = s.base.key() == ApiKeys.DELETE_TOPICS ? FuzzTopics.POOL : FuzzTopics.ORACLES;
                    TargetView.Topic t = s.view.topics().get(names.get(s.rnd.nextInt(names.size())));
                    b.putLong(t == null ? 1 : t.id().getMostSignificantBits()).putLong(t == null ? 1 : t.id().getLeastSignificantBits());
                }
                default -> b.putLong(s.rnd.nextLong()).putLong(s.rnd.nextLong());
            }
            return b.array();
        }
    }

    /** One length, count, tag or tag size set to a value that does not match the bytes. */
    static final class LengthsAndCounts implements Mutator {
        @Override
        public String name() {
            return "lengths-and-counts";
        }

        @Override
        public Mutation mutate(Subject s) {
            Slot slot = pick(s.slots(), s.rnd, sl -> sl.kind().isLength() || sl.kind() == Kind.TAG);
            if (slot == null) {
                return null;
            }
            int current = current(s.encoded, slot);
            int remaining = s.encoded.length - slot.offset() - slot.width();
            byte[] value = switch (slot.kind()) {
                case STRING_LENGTH -> Mutator.bigEndian(pickInt(s.rnd, current, remaining, Short.MIN_VALUE, Short.MAX_VALUE), 2);
                case BYTES_LENGTH, ARRAY_COUNT -> Mutator.bigEndian(pickInt(s.rnd, current, remaining, Integer.MIN_VALUE, Integer.MAX_VALUE), 4);
                default -> compact(s.rnd, current, remaining);
            };
            return Mutation.of(name(), slot.path() + " (" + slot.kind() + ", was " + current + ") = "
                    + java.util.HexFormat.of().formatHex(value), Mutator.splice(s.encoded, slot.offset(), slot.width(), value));
        }

        private static int current(byte[] bytes, Slot slot) {
            ByteBuffer b = ByteBuffer.wrap(bytes, slot.offset(), slot.width());
            return switch (slot.kind()) {
                case STRING_LENGTH -> b.getShort();
                case BYTES_LENGTH, ARRAY_COUNT -> b.getInt();
                default -> org.apache.kafka.common.utils.ByteUtils.readUnsignedVarint(b);
            };
        }

        private static long pickInt(Random rnd, int current, int remaining, long min, long max) {
            return switch (rnd.nextInt(11)) {
                case 0 -> -1;
                case 1 -> -2;
                case 2 -> 0;
                case 3 -> current + 1;
                case 4 -> current - 1;
                case 5 -> Math.min(max, remaining + 1L);
                case 6 -> Math.min(max, remaining);
                case 7 -> max;
                case 8 -> min;
                case 9 -> Math.min(max, current * 2L + 3);
                default -> Math.min(max, 0x10000L + rnd.nextInt(1 << 20));
            };
        }

        /** An unsigned varint (compact length + 1, count + 1, tag, size), overlong encodings included. */
        private static byte[] compact(Random rnd, int current, int remaining) {
            return switch (rnd.nextInt(10)) {
                case 0 -> Mutator.unsignedVarint(0);
                case 1 -> Mutator.unsignedVarint(1);
                case 2 -> Mutator.unsignedVarint(current + 1);
                case 3 -> Mutator.unsignedVarint(Math.max(0, current - 1));
                case 4 -> Mutator.unsignedVarint(remaining + 2);
                case 5 -> Mutator.unsignedVarint(Integer.MAX_VALUE);
                case 6 -> Mutator.unsignedVarint(-1); // 0xFFFFFFFF: a "length" of -2
                case 7 -> new byte[]{(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0}; // six bytes: too long
                case 8 -> new byte[]{(byte) (0x80 | (current & 0x7F)), 0}; // the same value, not canonically encoded
                default -> Mutator.unsignedVarint(0x10000 + rnd.nextInt(1 << 20));
            };
        }
    }
}
