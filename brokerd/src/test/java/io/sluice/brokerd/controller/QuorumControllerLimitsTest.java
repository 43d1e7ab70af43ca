package io.sluice.brokerd.controller;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A one-voter quorum with brokerd's Ratis settings (small Raft log write buffer, metrics that record nothing):
 * commands up to {@link QuorumController#MAX_COMMAND_BYTES} pass through the Raft log (and replay from it after a
 * restart), larger ones are refused as values before they reach it.
 */
@Timeout(60)
class QuorumControllerLimitsTest {
    @TempDir
    Path dir;

    private QuorumController start() throws InterruptedException {
        QuorumController q = QuorumController.start(new ControllerConfig(1, Map.of(1, "127.0.0.1:0"), "127.0.0.1", 0,
                dir.resolve("__controller"), 9000, 1000, 20_000, 10_000, 1 << 20));
        q.initCluster("limits", 20_000);
        q.register("127.0.0.1", 9092, "", java.util.List.of(), 20_000);
        return q;
    }

    @Test
    void commitsCommandsUpToTheLimitAndRefusesLargerOnes() throws InterruptedException {
        String nearLimit = "x".repeat(QuorumController.MAX_COMMAND_BYTES - 1_000);
        String overLimit = "x".repeat(QuorumController.MAX_COMMAND_BYTES + 1);
        try (QuorumController q = start()) {
            // committed through the log, then refused by the applier for its unknown key: not a timeout
            CommandResult logged = q.submit(new MetadataCommand.CreateTopic("big", UUID.randomUUID(), 1, (short) 1,
                    Map.of("note", nearLimit)), 20_000);
            assertThat(logged.error()).isEqualTo(ControllerError.INVALID_CONFIG);
            assertThat(q.submit(new MetadataCommand.CreateTopic("small", UUID.randomUUID(), 1, (short) 1, Map.of()), 20_000)
                    .isOk()).isTrue();
            CommandResult refused = q.submit(new MetadataCommand.CreateTopic("bigger", UUID.randomUUID(), 1, (short) 1,
                    Map.of("note", overLimit)), 20_000);
            assertThat(refused.isOk()).isFalse();
            assertThat(refused.error()).isEqualTo(ControllerError.INVALID_REQUEST);
            assertThat(refused.message()).contains("larger than the controller accepts");
            assertThat(q.image().topics()).containsKey("small").doesNotContainKeys("big", "bigger");
        }
        try (QuorumController q = start()) {
            assertThat(q.image().topics()).containsKey("small");
            assertThat(q.submit(new MetadataCommand.DeleteTopic("small"), 20_000).isOk()).isTrue();
        }
    }
}
