package io.sluice.brokerd.controller;

import io.sluice.brokerd.metadata.MetadataImage;
import io.sluice.brokerd.metadata.ScramCredential;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** SCRAM credentials in the controller metadata: applied all or none, kept in snapshots, bootstrap applied once. */
@Timeout(30)
class ScramCredentialsApplierTest {
    private static final ScramCredential C1 = new ScramCredential(new byte[]{1}, new byte[]{2}, new byte[]{3}, 4096);
    private static final ScramCredential C2 = new ScramCredential(new byte[]{4}, new byte[]{5}, new byte[]{6}, 8192);

    private static MetadataApplier.Applied alter(MetadataImage image, List<MetadataCommand.ScramUpsertion> up,
                                                 List<MetadataCommand.ScramDeletion> del, boolean onlyIfNoUsers) {
        return MetadataApplier.apply(image, new MetadataCommand.AlterScramCredentials(up, del, onlyIfNoUsers));
    }

    @Test
    void upsertReplaceAndDelete() {
        MetadataImage image = alter(MetadataImage.EMPTY, List.of(new MetadataCommand.ScramUpsertion("alice", "SCRAM-SHA-256", C1),
                new MetadataCommand.ScramUpsertion("alice", "SCRAM-SHA-512", C2)), List.of(), false).image();
        assertThat(image.scramCredential("alice", "SCRAM-SHA-256")).contains(C1);
        image = alter(image, List.of(new MetadataCommand.ScramUpsertion("alice", "SCRAM-SHA-256", C2)), List.of(), false).image();
        assertThat(image.scramCredential("alice", "SCRAM-SHA-256")).contains(C2);
        image = alter(image, List.of(), List.of(new MetadataCommand.ScramDeletion("alice", "SCRAM-SHA-256")), false).image();
        assertThat(image.scramCredentials().get("alice")).containsOnlyKeys("SCRAM-SHA-512");
        image = alter(image, List.of(), List.of(new MetadataCommand.ScramDeletion("alice", "SCRAM-SHA-512")), false).image();
        assertThat(image.scramCredentials()).isEmpty();
    }

    @Test
    void deletingAMissingCredentialChangesNothing() {
        MetadataImage image = alter(MetadataImage.EMPTY, List.of(new MetadataCommand.ScramUpsertion("alice", "SCRAM-SHA-256", C1)),
                List.of(), false).image();
        MetadataApplier.Applied a = alter(image, List.of(new MetadataCommand.ScramUpsertion("alice", "SCRAM-SHA-512", C2)),
                List.of(new MetadataCommand.ScramDeletion("alice", "SCRAM-SHA-512")), false);
        assertThat(a.result().error()).isEqualTo(ControllerError.RESOURCE_NOT_FOUND);
        assertThat(a.image()).isSameAs(image);
    }

    @Test
    void bootstrapAppliesOnlyToAnEmptyStore() {
        MetadataApplier.Applied first = alter(MetadataImage.EMPTY, List.of(new MetadataCommand.ScramUpsertion("admin", "SCRAM-SHA-256", C1)),
                List.of(), true);
        assertThat(first.result().value()).isEqualTo(1);
        MetadataApplier.Applied second = alter(first.image(), List.of(new MetadataCommand.ScramUpsertion("admin", "SCRAM-SHA-256", C2)),
                List.of(), true);
        assertThat(second.result().value()).isZero();
        assertThat(second.image().scramCredential("admin", "SCRAM-SHA-256")).contains(C1);
    }

    @Test
    void credentialsSurviveTheSnapshotCodecAndOldSnapshotsReadAsNone() {
        MetadataImage image = alter(MetadataImage.EMPTY.withClusterId("c1"),
                List.of(new MetadataCommand.ScramUpsertion("alice", "SCRAM-SHA-256", C1)), List.of(), false).image();
        byte[] json = MetadataCodec.encode(image);
        assertThat(new String(json, StandardCharsets.UTF_8)).doesNotContain("password");
        MetadataImage read = MetadataCodec.image(json);
        assertThat(read.scramCredential("alice", "SCRAM-SHA-256")).contains(C1);
        assertThat(read.clusterId()).isEqualTo("c1");

        MetadataImage old = MetadataCodec.image("{\"clusterId\":\"c0\",\"brokers\":{},\"topics\":{},\"nextProducerId\":7}"
                .getBytes(StandardCharsets.UTF_8));
        assertThat(old.scramCredentials()).isEmpty();
        assertThat(old.nextProducerId()).isEqualTo(7);

        MetadataCommand c = new MetadataCommand.AlterScramCredentials(List.of(new MetadataCommand.ScramUpsertion("bob", "SCRAM-SHA-512", C2)),
                List.of(new MetadataCommand.ScramDeletion("alice", "SCRAM-SHA-256")), false);
        assertThat(MetadataCodec.command(MetadataCodec.encode(c))).isEqualTo(c);
    }
}
