package io.sluice.systest.fuzz;

import org.apache.kafka.common.protocol.ApiKeys;

import java.util.ArrayList;
import java.util.List;

/**
 * Picks the mutation of each request. Field-aware mutators get most of the turns (a length or count that lies
 * reaches code a random bit rarely does); a Produce's batches lie in nearly half of the Produce requests; blind
 * mutators, header and frame-size lies take the rest, and a few requests go out unchanged, so valid traffic keeps
 * the broker's state moving (topics, groups, offsets) and every valid request is checked to be answered.
 */
final class Mutators {
    /** A mutator and its weight. */
    private record Weighted(Mutator mutator, int weight) {
    }

    /** Sends the request as generated. */
    static final Mutator UNCHANGED = new Mutator() {
        @Override
        public String name() {
            return "unchanged";
        }

        @Override
        public Mutation mutate(Subject s) {
            return Mutation.of(name(), "valid request", s.encoded);
        }
    };

    private final List<Weighted> general = new ArrayList<>();
    private final List<Weighted> produce = new ArrayList<>();

    Mutators() {
        add(new FieldMutators.Values(), 22, 10);
        add(new FieldMutators.LengthsAndCounts(), 26, 12);
        add(new BlindMutators.BitFlips(), 14, 7);
        add(new BlindMutators.ByteNoise(), 8, 4);
        add(new BlindMutators.Truncation(), 7, 3);
        add(new BlindMutators.TrailingBytes(), 4, 2);
        add(new FramingMutators.HeaderLies(), 8, 4);
        add(new FramingMutators.FrameSizeLies(), 2, 1);
        add(UNCHANGED, 9, 6);
        add(new BatchLies(), 0, 51);
    }

    private void add(Mutator m, int generalWeight, int produceWeight) {
        if (generalWeight > 0) {
            general.add(new Weighted(m, generalWeight));
        }
        produce.add(new Weighted(m, produceWeight));
    }

    /** The mutation of {@code s}; a mutator that finds nothing to change hands over to another pick. */
    Mutation mutate(Mutator.Subject s) {
        List<Weighted> table = s.base.key() == ApiKeys.PRODUCE && !s.base.produced().isEmpty() ? produce : general;
        int total = table.stream().mapToInt(Weighted::weight).sum();
        for (int attempt = 0; attempt < 8; attempt++) {
            int roll = s.rnd.nextInt(total);
            for (Weighted w : table) {
                roll -= w.weight();
                if (roll < 0) {
                    Mutation m = w.mutator().mutate(s);
                    if (m != null) {
                        return m;
                    }
                    break;
                }
            }
        }
        return UNCHANGED.mutate(s);
    }
}
