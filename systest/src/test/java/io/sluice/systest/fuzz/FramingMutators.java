package io.sluice.systest.fuzz;

import org.apache.kafka.common.protocol.ApiKeys;

import java.util.ArrayList;
import java.util.List;

/**
 * Mutators of the framing: {@link HeaderLies} sends the body under another API version (older, newer, one brokerd
 * does not support, Produce v0-2), another API key (unknown, or one brokerd does not implement) or a header whose
 * client id lies; {@link FrameSizeLies} sends a size field of -1, 0 or above {@code socket.request.max.bytes}, which
 * must close the connection.
 */
final class FramingMutators {
    private FramingMutators() {
    }

    static List<Mutator> all() {
        return List.of(new HeaderLies(), new FrameSizeLies());
    }

    static final class HeaderLies implements Mutator {
        @Override
        public String name() {
            return "header-lies";
        }

        @Override
        public Mutation mutate(Subject s) {
            byte[] out = s.encoded.clone();
            switch (s.rnd.nextInt(4)) {
                case 0, 1 -> {
                    short[] range = s.view.apis().get(s.base.key());
                    List<Short> versions = new ArrayList<>(List.of((short) -1, (short) (range[1] + 1), Short.MAX_VALUE, (short) 0));
                    for (short v = range[0]; v <= range[1]; v++) {
                        versions.add(v);
                    }
                    short version = versions.get(s.rnd.nextInt(versions.size()));
                    System.arraycopy(Mutator.bigEndian(version, 2), 0, out, 2, 2);
                    return Mutation.of(name(), "sent the v" + s.base.version() + " body as v" + version, out);
                }
                case 2 -> {
                    short key = (short) new int[]{-1, 99, 1000, ApiKeys.SASL_HANDSHAKE.id, ApiKeys.ADD_PARTITIONS_TO_TXN.id,
                            ApiKeys.LEADER_AND_ISR.id, ApiKeys.DESCRIBE_ACLS.id, ApiKeys.SHARE_FETCH.id,
                            ApiKeys.values()[s.rnd.nextInt(ApiKeys.values().length)].id}[s.rnd.nextInt(9)];
                    System.arraycopy(Mutator.bigEndian(key, 2), 0, out, 0, 2);
                    return Mutation.of(name(), "sent the " + s.base.key() + " request as API key " + key, out);
                }
                default -> {
                    // client id: int16 length at byte 8
                    short length = (short) new int[]{-1, -2, 0, Short.MAX_VALUE, s.encoded.length}[s.rnd.nextInt(5)];
                    System.arraycopy(Mutator.bigEndian(length, 2), 0, out, 8, 2);
                    return Mutation.of(name(), "client id length " + length, out);
                }
            }
        }
    }

    static final class FrameSizeLies implements Mutator {
        @Override
        public String name() {
            return "frame-size-lies";
        }

        @Override
        public Mutation mutate(Subject s) {
            int size = new int[]{-1, 0, Integer.MIN_VALUE, s.maxFrameBytes + 1, Integer.MAX_VALUE}[s.rnd.nextInt(5)];
            return new Mutation(name(), "size field " + size + " for a " + s.encoded.length + "-byte request", s.encoded, size, List.of());
        }
    }
}
