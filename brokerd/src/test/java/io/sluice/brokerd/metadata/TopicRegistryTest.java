package io.sluice.brokerd.metadata;

import io.sluice.brokerd.controller.ControllerConfig;
import io.sluice.brokerd.controller.QuorumController;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The registry over a real one-voter controller quorum: changes are committed through Raft and survive a restart. */
@Timeout(60)
class TopicRegistryTest {
    @TempDir
    Path dir;

    private QuorumController startQuorum() {
        QuorumController q = QuorumController.start(new ControllerConfig(1, Map.of(1, "127.0.0.1:0"), "127.0.0.1", 0,
                dir.resolve("__controller"), 9000, 1000, 20_000, 10_000,
                1 << 20));
        q.initCluster("test-cluster", 20_000);
        return q;
    }

    @Test
    void createsValidatesCommitsAndNotifiesAfterCommitting() throws InterruptedException {
        QuorumController quorum = startQuorum();
        quorum.register("127.0.0.1", 9092, "", java.util.List.of(), 20_000);
        TopicRegistry r = new TopicRegistry(quorum, Map.of("retention.ms", "1000"));
        quorum.setPublisher(r::publish);
        List<String> events = new ArrayList<>();
        r.addListener(new TopicRegistry.Listener() {
            @Override
            public void onTopicCreated(TopicInfo t) {
                // The listener must see a change that is already committed and applied.
                events.add("created " + t.name() + " committed=" + r.topic(t.name()).isPresent());
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
        assertThat(r.topic("orders").orElseThrow().partitionStates()).allSatisfy(p -> {
            assertThat(p.replicas()).containsExactly(1);
            assertThat(p.isr()).containsExactly(1);
            assertThat(p.leader()).isEqualTo(1);
        });
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

        long producerIdBlock = quorum.allocateProducerIds(1000);
        quorum.close();

        QuorumController restarted = startQuorum();
        assertThat(restarted.allocateProducerIds(1000)).isEqualTo(producerIdBlock + 1000);
        TopicRegistry reloaded = new TopicRegistry(restarted, Map.of());
        TopicInfo orders = reloaded.topic("orders").orElseThrow();
        assertThat(orders.partitions()).isEqualTo(5);
        assertThat(orders.topicId()).isEqualTo(ok.topic().topicId());
        assertThat(orders.configOverrides()).containsEntry("segment.bytes", "4096").containsEntry("cleanup.policy", "delete,compact");
        assertThat(reloaded.topic("ord_ers")).isEmpty();
        assertThat(reloaded.topic(ok.topic().topicId())).contains(orders);
        assertThat(events).containsExactly("created orders committed=true", "created ord_ers committed=true",
                "grown orders 3->5", "config orders", "deleted ord_ers");
        assertThat(restarted.image().clusterId()).isEqualTo("test-cluster");
        restarted.close();
    }
}
