package io.sluice.brokerd.api;

import org.apache.kafka.common.Uuid;

import java.util.UUID;

/** Converts between the broker's topic ids ({@link UUID}) and the protocol's {@link Uuid}. */
final class Uuids {
    private Uuids() {
    }

    static Uuid toKafka(UUID id) {
        return new Uuid(id.getMostSignificantBits(), id.getLeastSignificantBits());
    }

    static UUID fromKafka(Uuid id) {
        return new UUID(id.getMostSignificantBits(), id.getLeastSignificantBits());
    }
}
