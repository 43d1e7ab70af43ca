package io.sluice.brokerd.it;

import io.sluice.brokerd.Broker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.FeatureMetadata;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Supported and finalized features in ApiVersions, as the Admin client's describeFeatures (what
 * {@code kafka-features.sh describe} calls) and raw requests of v3 and v4 see them.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FeaturesIT {
    @TempDir
    static Path dataDir;
    static Broker broker;

    @BeforeAll
    static void start() {
        broker = ItSupport.startBroker(dataDir, Map.of());
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    private static ApiVersionsResponseData apiVersions(short version) throws Exception {
        try (RawClient c = new RawClient("127.0.0.1", broker.boundAddress().getPort())) {
            return (ApiVersionsResponseData) c.call(ApiKeys.API_VERSIONS, version,
                    new ApiVersionsRequestData().setClientSoftwareName("raw-test").setClientSoftwareVersion("1"));
        }
    }

    @Test
    void describeFeaturesShowsMetadataVersionFinalizedAndNothingBrokerdDoesNotImplement() throws Exception {
        try (Admin admin = ItSupport.admin(broker.bootstrapServers())) {
            FeatureMetadata f = admin.describeFeatures().featureMetadata().get(30, TimeUnit.SECONDS);
            assertThat(f.finalizedFeatures()).containsOnlyKeys("metadata.version");
            assertThat(f.finalizedFeatures().get("metadata.version").maxVersionLevel()).isEqualTo((short) 29);
            assertThat(f.finalizedFeaturesEpoch()).contains(0L);
            assertThat(f.supportedFeatures().get("metadata.version").minVersion()).isEqualTo((short) 7);
            assertThat(f.supportedFeatures().get("metadata.version").maxVersion()).isEqualTo((short) 29);
            assertThat(f.supportedFeatures().get("transaction.version").maxVersion()).as("no transactions v2 (KIP-890)").isZero();
            assertThat(f.supportedFeatures().get("group.version").maxVersion()).as("no KIP-848 groups").isZero();
        }
    }

    @Test
    void versionsBelowFourLeaveOutRangesStartingAtZero() throws Exception {
        ApiVersionsResponseData v4 = apiVersions((short) 4);
        ApiVersionsResponseData v3 = apiVersions((short) 3);
        assertThat(v4.supportedFeatures().stream().map(ApiVersionsResponseData.SupportedFeatureKey::name).collect(Collectors.toSet()))
                .contains("metadata.version", "kraft.version", "transaction.version", "group.version");
        assertThat(v3.supportedFeatures().stream().map(ApiVersionsResponseData.SupportedFeatureKey::name).collect(Collectors.toSet()))
                .containsExactly("metadata.version");
        assertThat(v3.finalizedFeatures().find("metadata.version").maxVersionLevel()).isEqualTo((short) 29);
        assertThat(v3.finalizedFeaturesEpoch()).isZero();
        assertThat(v3.zkMigrationReady()).isFalse();
    }
}
