package io.sluice.brokerd.metadata;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

@Timeout(10)
class TopicRegistryTest {
    @TempDir
    Path dir;

    @Test
    void createsValidatesPersistsAndNotifiesAfterPersisting() {
        TopicRegistry r = TopicRegistry.open(dir, Map.of("retention.ms", "1000"));
        List<String> events = new ArrayList<>();
        r.addListener(new TopicRegistry.Listener() {
            @Override
            public void onTopicCreated(TopicInfo t) {
                // The listener must see a change that is already durable.
                events.add("created " + t.name() + " persisted=" + TopicRegistry.open(dir, Map.of()).topic(t.name()).isPresent());
            }

            @Override
            public void onPartitionsAdded(TopicInfo t, int oldCount) {
                events.add("grown " + t.name() + " " + oldCount + "->" + t.partitions());
            }

            @Override
            public void onTopicDeleted(TopicInfo t) {
                events.add("deleted " + t.name());
            }

            @Override
            public void onConfigChanged(TopicInfo t) {
                events.add("config " + t.name());
            }
        });
        TopicRegistry.Result ok = r.create("orders", 3, (short) 1, Map.of("segment.bytes", "4096"));
        assertThat(ok.isOk()).isTrue();
        assertThat(r.create("orders", 3, (short) 1, Map.of()).error()).isEqualTo(TopicRegistry.Error.TOPIC_EXISTS);
        assertThat(r.create("ord_ers", 1, (short) 1, Map.of()).isOk()).isTrue();
        assertThat(r.create("ord.ers", 1, (short) 1, Map.of()).error()).isEqualTo(TopicRegistry.Error.INVALID_TOPIC);
        assertThat(r.create("bad name", 1, (short) 1, Map.of()).error()).isEqualTo(TopicRegistry.Error.INVALID_TOPIC);
        assertThat(r.create("x".repeat(250), 1, (short) 1, Map.of()).error()).isEqualTo(TopicRegistry.Error.INVALID_TOPIC);
        assertThat(r.create("t", 0, (short) 1, Map.of()).error()).isEqualTo(TopicRegistry.Error.INVALID_PARTITIONS);
        assertThat(r.create("t", 1, (short) 3, Map.of()).error()).isEqualTo(TopicRegistry.Error.INVALID_REPLICATION_FACTOR);
        TopicRegistry.Result badCfg = r.create("t", 1, (short) 1, Map.of("retention.ms", "forever"));
        assertThat(badCfg.error()).isEqualTo(TopicRegistry.Error.INVALID_CONFIG);
        assertThat(badCfg.message()).contains("retention.ms");

        assertThat(r.effectiveConfig("orders")).containsEntry("segment.bytes", "4096").containsEntry("retention.ms", "1000")
                .containsEntry("cleanup.policy", "delete");
        assertThat(r.sourceOf("orders", "segment.bytes")).isEqualTo(TopicRegistry.Source.TOPIC);
        assertThat(r.sourceOf("orders", "retention.ms")).isEqualTo(TopicRegistry.Source.BROKER);
        assertThat(r.sourceOf("orders", "segment.ms")).isEqualTo(TopicRegistry.Source.DEFAULT);

        assertThat(r.addPartitions("orders", 2, false).error()).isEqualTo(TopicRegistry.Error.INVALID_PARTITIONS);
        assertThat(r.addPartitions("orders", 5, true).isOk()).isTrue();
        assertThat(r.topic("orders").orElseThrow().partitions()).isEqualTo(3);
        assertThat(r.addPartitions("orders", 5, false).isOk()).isTrue();
        assertThat(r.alterConfigs("orders", List.of(new TopicRegistry.ConfigChange("cleanup.policy", TopicRegistry.AlterOp.APPEND, "compact")), false).isOk()).isTrue();
        assertThat(r.effectiveConfig("orders")).containsEntry("cleanup.policy", "delete,compact");
        assertThat(r.alterConfigs("orders", List.of(new TopicRegistry.ConfigChange("segment.bytes", TopicRegistry.AlterOp.APPEND, "1")), false).error())
                .isEqualTo(TopicRegistry.Error.INVALID_CONFIG);
        assertThat(r.delete("ord_ers").isOk()).isTrue();

        TopicRegistry reloaded = TopicRegistry.open(dir, Map.of());
        TopicInfo orders = reloaded.topic("orders").orElseThrow();
        assertThat(orders.partitions()).isEqualTo(5);
        assertThat(orders.topicId()).isEqualTo(ok.topic().topicId());
        assertThat(orders.configOverrides()).containsEntry("segment.bytes", "4096").containsEntry("cleanup.policy", "delete,compact");
        assertThat(reloaded.topic("ord_ers")).isEmpty();
        assertThat(reloaded.topic(ok.topic().topicId())).contains(orders);
        assertThat(events).containsExactly("created orders persisted=true", "created ord_ers persisted=true",
                "grown orders 3->5", "config orders", "deleted ord_ers");
    }
}
