package io.sluice.brokerd.controller;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** Commands survive the Raft log's JSON, including entries written before a field existed. */
@Timeout(30)
class MetadataCodecTest {
    @Test
    void topicCommandsWithAndWithoutManualAssignmentsRoundTrip() {
        MetadataCommand.CreateTopic placed = new MetadataCommand.CreateTopic("t", UUID.randomUUID(), 2, (short) 2, Map.of("retention.ms", "1"),
                List.of(List.of(3, 1), List.of(2, 3)));
        assertThat(MetadataCodec.command(MetadataCodec.encode(placed))).isEqualTo(placed);
        MetadataCommand.CreatePartitions grown = new MetadataCommand.CreatePartitions("t", 3, List.of(List.of(1, 2)));
        assertThat(MetadataCodec.command(MetadataCodec.encode(grown))).isEqualTo(grown);
    }

    @Test
    void entriesWrittenBeforeAssignmentsExistedReadAsControllerPlaced() {
        UUID id = UUID.randomUUID();
        String old = "{\"type\":\"CreateTopic\",\"name\":\"t\",\"topicId\":\"" + id + "\",\"partitions\":3,\"replicationFactor\":1,\"configs\":{}}";
        assertThat(MetadataCodec.command(old.getBytes(StandardCharsets.UTF_8)))
                .isEqualTo(new MetadataCommand.CreateTopic("t", id, 3, (short) 1, Map.of()));
        String oldGrow = "{\"type\":\"CreatePartitions\",\"name\":\"t\",\"count\":5}";
        assertThat(MetadataCodec.command(oldGrow.getBytes(StandardCharsets.UTF_8))).isEqualTo(new MetadataCommand.CreatePartitions("t", 5));
    }
}
