package io.sluice.brokerd.controller;

import io.sluice.brokerd.metadata.MetadataImage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A broker-only process's copy of the metadata: the leader's answers ({@link QuorumQuery.MetadataDelta}) are applied
 * in log order and published like a voter's; an entry seen twice (a retried fetch) is applied once; a whole image
 * replaces the copy; the applied index only moves forward; and the answers survive their JSON round trip.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class MetadataFollowerTest {
    private static QuorumQuery.Entry register(long index, int nodeId) {
        return new QuorumQuery.Entry(index, new MetadataCommand.RegisterBroker(nodeId, "127.0.0.1", 9090 + nodeId, null, "inc-" + nodeId, List.of()));
    }

    private static QuorumQuery.MetadataDelta roundTrip(QuorumQuery.MetadataDelta d) {
        return MetadataCodec.read(MetadataCodec.encode(d), QuorumQuery.MetadataDelta.class);
    }

    @Test
    void appliesEntriesInOrderOnceAndPublishesEachChange() throws Exception {
        MetadataFollower f = new MetadataFollower(4, fetch -> { throw new AssertionError("not started"); });
        List<Integer> published = new ArrayList<>();
        f.setPublisher((before, after) -> published.add(after.brokers().size()));
        f.apply(roundTrip(new QuorumQuery.MetadataDelta(1, 3, 7, null, List.of(
                new QuorumQuery.Entry(5, new MetadataCommand.InitCluster("c-1")), register(6, 4)))));
        assertThat(f.image().clusterId()).isEqualTo("c-1");
        assertThat(f.image().brokers()).containsOnlyKeys(4);
        assertThat(f.appliedIndex()).isEqualTo(7);
        assertThat(f.leaderId()).isEqualTo(1);
        assertThat(f.leaderEpoch()).isEqualTo(3);
        assertThat(f.awaitApplied(7, System.nanoTime() + TimeUnit.SECONDS.toNanos(1))).isTrue();
        assertThat(f.awaitApplied(8, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50))).isFalse();

        // A retried fetch brings entry 6 again with entry 8: only 8 is new.
        f.apply(roundTrip(new QuorumQuery.MetadataDelta(1, 3, 8, null, List.of(register(6, 4), register(8, 5)))));
        assertThat(f.image().brokers()).containsOnlyKeys(4, 5);
        assertThat(published).containsExactly(0, 1, 2);

        // An older leader's answer never moves the applied index back.
        f.apply(roundTrip(new QuorumQuery.MetadataDelta(2, 4, 6, null, List.of())));
        assertThat(f.appliedIndex()).isEqualTo(8);
        assertThat(f.leaderId()).isEqualTo(2);
    }

    @Test
    void aWholeImageReplacesTheCopy() {
        MetadataFollower f = new MetadataFollower(4, fetch -> { throw new AssertionError("not started"); });
        List<MetadataImage> published = new ArrayList<>();
        f.setPublisher((before, after) -> published.add(after));
        MetadataImage leaders = io.sluice.brokerd.controller.MetadataApplier.apply(
                io.sluice.brokerd.controller.MetadataApplier.apply(MetadataImage.EMPTY, new MetadataCommand.InitCluster("c-2")).image(),
                register(2, 6).command()).image();
        f.apply(roundTrip(new QuorumQuery.MetadataDelta(1, 9, 40_000, leaders, List.of())));
        assertThat(f.image().clusterId()).isEqualTo("c-2");
        assertThat(f.image().brokers()).containsOnlyKeys(6);
        assertThat(f.appliedIndex()).isEqualTo(40_000);
        assertThat(published).hasSize(1);
    }
}
