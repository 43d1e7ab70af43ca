package io.sluice.brokerd.it;

import io.sluice.brokerd.Broker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.AlterConfigsOptions;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The replication throttle configs as the Admin API sees them: the broker rates are dynamic broker configs (kept across
 * a restart), the throttled replicas topic configs; every other broker config stays static.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class DynamicBrokerConfigIT {
    private static AlterConfigOp set(String k, String v) {
        return new AlterConfigOp(new ConfigEntry(k, v), AlterConfigOp.OpType.SET);
    }

    private static ConfigEntry entry(Admin admin, ConfigResource res, String key) throws Exception {
        return admin.describeConfigs(List.of(res)).all().get().get(res).get(key);
    }

    @Test
    void throttleRatesAreDynamicPerBrokerAndSurviveARestart(@TempDir Path dir) throws Exception {
        Broker broker = ItSupport.startBroker(dir, Map.of());
        ConfigResource self = new ConfigResource(ConfigResource.Type.BROKER, String.valueOf(broker.nodeId()));
        try (Admin admin = ItSupport.admin(broker.bootstrapServers())) {
            ConfigEntry before = entry(admin, self, "leader.replication.throttled.rate");
            assertThat(before.value()).isEqualTo(String.valueOf(Long.MAX_VALUE));
            assertThat(before.source()).isEqualTo(ConfigEntry.ConfigSource.DEFAULT_CONFIG);
            assertThat(before.isReadOnly()).isFalse();

            admin.incrementalAlterConfigs(Map.of(self, List.of(set("leader.replication.throttled.rate", "1000"))),
                    new AlterConfigsOptions().validateOnly(true)).all().get();
            assertThat(entry(admin, self, "leader.replication.throttled.rate").source()).as("validateOnly changes nothing")
                    .isEqualTo(ConfigEntry.ConfigSource.DEFAULT_CONFIG);
            admin.incrementalAlterConfigs(Map.of(self, List.of(set("leader.replication.throttled.rate", "1000"),
                    set("follower.replication.throttled.rate", "2000")))).all().get();
            ConfigEntry after = entry(admin, self, "leader.replication.throttled.rate");
            assertThat(after.value()).isEqualTo("1000");
            assertThat(after.source()).isEqualTo(ConfigEntry.ConfigSource.DYNAMIC_BROKER_CONFIG);

            assertThatThrownBy(() -> admin.incrementalAlterConfigs(Map.of(self, List.of(set("num.partitions", "3")))).all().get())
                    .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(InvalidRequestException.class)
                    .hasMessageContaining("num.partitions at runtime is not supported");
            assertThatThrownBy(() -> admin.incrementalAlterConfigs(Map.of(self, List.of(set("leader.replication.throttled.rate", "-1")))).all().get())
                    .hasCauseInstanceOf(InvalidConfigurationException.class).hasMessageContaining("a number >= 0");
            ConfigResource clusterDefault = new ConfigResource(ConfigResource.Type.BROKER, "");
            assertThatThrownBy(() -> admin.incrementalAlterConfigs(Map.of(clusterDefault, List.of(set("leader.replication.throttled.rate", "5")))).all().get())
                    .hasCauseInstanceOf(InvalidRequestException.class).hasMessageContaining("set them on each broker");
        }
        broker.close();

        broker = ItSupport.startBroker(dir, Map.of());
        try (Admin admin = ItSupport.admin(broker.bootstrapServers())) {
            assertThat(entry(admin, self, "follower.replication.throttled.rate").value()).as("kept across a restart").isEqualTo("2000");
            admin.incrementalAlterConfigs(Map.of(self, List.of(new AlterConfigOp(new ConfigEntry("follower.replication.throttled.rate", ""),
                    AlterConfigOp.OpType.DELETE)))).all().get();
            ConfigEntry removed = entry(admin, self, "follower.replication.throttled.rate");
            assertThat(removed.value()).isEqualTo(String.valueOf(Long.MAX_VALUE));
            assertThat(removed.source()).isEqualTo(ConfigEntry.ConfigSource.DEFAULT_CONFIG);
            assertThat(entry(admin, self, "leader.replication.throttled.rate").value()).isEqualTo("1000");

            admin.createTopics(List.of(new NewTopic("throttled", 2, (short) 1))).all().get();
            ConfigResource topic = new ConfigResource(ConfigResource.Type.TOPIC, "throttled");
            assertThat(entry(admin, topic, "leader.replication.throttled.replicas").value()).isEmpty();
            admin.incrementalAlterConfigs(Map.of(topic, List.of(set("leader.replication.throttled.replicas", "0:1,1:1"),
                    set("follower.replication.throttled.replicas", "*")))).all().get();
            assertThat(entry(admin, topic, "leader.replication.throttled.replicas").value()).isEqualTo("0:1,1:1");
            assertThatThrownBy(() -> admin.incrementalAlterConfigs(Map.of(topic, List.of(set("follower.replication.throttled.replicas",
                    "0-1")))).all().get()).hasCauseInstanceOf(InvalidConfigurationException.class);
        } finally {
            broker.close();
        }
    }
}
