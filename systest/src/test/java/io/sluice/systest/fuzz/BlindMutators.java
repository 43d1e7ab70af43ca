package io.sluice.systest.fuzz;

import java.util.Arrays;
import java.util.List;

/**
 * Mutators that know nothing of the request's structure: bit flips, overwritten and spliced bytes, truncation and
 * trailing bytes. The size field stays honest (it counts the bytes sent), so each mutation is one frame.
 */
final class BlindMutators {
    private BlindMutators() {
    }

    static List<Mutator> all() {
        return List.of(new BitFlips(), new ByteNoise(), new Truncation(), new TrailingBytes());
    }

    /** 1 to 8 random bits flipped anywhere, header included. */
    static final class BitFlips implements Mutator {
        @Override
        public String name() {
            return "bit-flips";
        }

        @Override
        public Mutation mutate(Subject s) {
            byte[] out = s.encoded.clone();
            int n = 1 + s.rnd.nextInt(s.rnd.nextInt(4) == 0 ? 8 : 2);
            StringBuilder where = new StringBuilder();
            for (int i = 0; i < n; i++) {
                int bit = s.rnd.nextInt(out.length * 8);
                out[bit / 8] ^= (byte) (1 << (bit % 8));
                where.append(where.isEmpty() ? "" : ",").append(bit / 8).append('.').append(bit % 8);
            }
            return Mutation.of(name(), "flipped bits (byte.bit) " + where, out);
        }
    }

    /** A few bytes overwritten with edge values, or a chunk duplicated or removed. */
    static final class ByteNoise implements Mutator {
        private static final byte[] EDGES = {0, (byte) 0xFF, 0x7F, (byte) 0x80, 1, (byte) 0xFE};

        @Override
        public String name() {
            return "byte-noise";
        }

        @Override
        public Mutation mutate(Subject s) {
            byte[] in = s.encoded;
            int at = s.rnd.nextInt(in.length);
            int len = 1 + s.rnd.nextInt(Math.min(16, in.length - at));
            switch (s.rnd.nextInt(3)) {
                case 0 -> {
                    byte[] out = in.clone();
                    for (int i = at; i < at + Math.min(len, 4); i++) {
                        out[i] = s.rnd.nextBoolean() ? EDGES[s.rnd.nextInt(EDGES.length)] : (byte) s.rnd.nextInt();
                    }
                    return Mutation.of(name(), "overwrote bytes at " + at, out);
                }
                case 1 -> {
                    return Mutation.of(name(), "duplicated " + len + " bytes at " + at,
                            Mutator.splice(in, at, 0, Arrays.copyOfRange(in, at, at + len)));
                }
                default -> {
                    return Mutation.of(name(), "removed " + len + " bytes at " + at, Mutator.splice(in, at, len, new byte[0]));
                }
            }
        }
    }

    /** The request cut short anywhere, from inside the header to its last byte. */
    static final class Truncation implements Mutator {
        @Override
        public String name() {
            return "truncation";
        }

        @Override
        public Mutation mutate(Subject s) {
            int keep = s.rnd.nextBoolean() ? s.encoded.length - 1 - s.rnd.nextInt(Math.min(8, s.encoded.length)) : s.rnd.nextInt(s.encoded.length);
            return Mutation.of(name(), "kept " + keep + " of " + s.encoded.length + " bytes", Arrays.copyOf(s.encoded, Math.max(keep, 0)));
        }
    }

    /** Bytes after the end of the request: noise, zeros, or the request again. */
    static final class TrailingBytes implements Mutator {
        @Override
        public String name() {
            return "trailing-bytes";
        }

        @Override
        public Mutation mutate(Subject s) {
            byte[] extra;
            switch (s.rnd.nextInt(3)) {
                case 0 -> {
                    extra = new byte[1 + s.rnd.nextInt(64)];
                    s.rnd.nextBytes(extra);
                }
                case 1 -> extra = new byte[1 + s.rnd.nextInt(4)];
                default -> extra = s.encoded;
            }
            return Mutation.of(name(), extra.length + " trailing bytes", Mutator.splice(s.encoded, s.encoded.length, 0, extra));
        }
    }
}
