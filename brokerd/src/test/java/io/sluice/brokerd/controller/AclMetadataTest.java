package io.sluice.brokerd.controller;

import io.sluice.brokerd.auth.AclBinding;
import io.sluice.brokerd.auth.AclOperation;
import io.sluice.brokerd.auth.AclPermission;
import io.sluice.brokerd.auth.PatternType;
import io.sluice.brokerd.auth.ResourceType;
import io.sluice.brokerd.metadata.MetadataImage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** ACLs as controller metadata: applying CreateAcls/DeleteAcls, their JSON in the Raft log and in snapshots. */
@Timeout(30)
class AclMetadataTest {
    static final AclBinding READ_ORDERS = new AclBinding(ResourceType.TOPIC, "orders", PatternType.LITERAL, "User:alice", "*",
            AclOperation.READ, AclPermission.ALLOW);
    static final AclBinding WRITE_SALES = new AclBinding(ResourceType.TOPIC, "sales.", PatternType.PREFIXED, "User:bob", "10.0.0.1",
            AclOperation.WRITE, AclPermission.DENY);

    @Test
    void createAddsOnceAndKeepsOrderDeleteRemovesExactlyAndCounts() {
        MetadataImage image = MetadataApplier.apply(MetadataImage.EMPTY, new MetadataCommand.CreateAcls(List.of(WRITE_SALES, READ_ORDERS))).image();
        assertThat(image.acls()).containsExactly(READ_ORDERS, WRITE_SALES);
        MetadataApplier.Applied again = MetadataApplier.apply(image, new MetadataCommand.CreateAcls(List.of(READ_ORDERS)));
        assertThat(again.result().isOk()).isTrue();
        assertThat(again.image()).as("a duplicate changes nothing").isSameAs(image);
        MetadataApplier.Applied deleted = MetadataApplier.apply(image, new MetadataCommand.DeleteAcls(List.of(READ_ORDERS,
                new AclBinding(ResourceType.GROUP, "g", PatternType.LITERAL, "User:x", "*", AclOperation.READ, AclPermission.ALLOW))));
        assertThat(deleted.result().value()).isEqualTo(1);
        assertThat(deleted.image().acls()).containsExactly(WRITE_SALES);
    }

    @Test
    void anInvalidAclInAnEntryLeavesTheImageAlone() {
        AclBinding bad = new AclBinding(ResourceType.USER, "u", PatternType.LITERAL, "User:alice", "*", AclOperation.ALTER, AclPermission.ALLOW);
        MetadataApplier.Applied applied = MetadataApplier.apply(MetadataImage.EMPTY, new MetadataCommand.CreateAcls(List.of(READ_ORDERS, bad)));
        assertThat(applied.result().error()).isEqualTo(ControllerError.INVALID_REQUEST);
        assertThat(applied.image().acls()).isEmpty();
    }

    @Test
    void commandsAndImagesRoundTripThroughTheirJson() {
        MetadataCommand c = new MetadataCommand.CreateAcls(List.of(READ_ORDERS, WRITE_SALES));
        assertThat(MetadataCodec.command(MetadataCodec.encode(c))).isEqualTo(c);
        MetadataImage image = MetadataApplier.apply(MetadataImage.EMPTY, c).image();
        assertThat(MetadataCodec.image(MetadataCodec.encode(image)).acls()).containsExactly(READ_ORDERS, WRITE_SALES);
    }

    @Test
    void aSnapshotWrittenBeforeAclsReadsAsNoAcls() {
        byte[] old = "{\"clusterId\":\"c1\",\"brokers\":{},\"topics\":{},\"nextProducerId\":7}".getBytes(StandardCharsets.UTF_8);
        MetadataImage image = MetadataCodec.image(old);
        assertThat(image.acls()).isEmpty();
        assertThat(image.nextProducerId()).isEqualTo(7);
    }
}
