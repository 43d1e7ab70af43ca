package io.sluice.brokerd.network;

import org.apache.kafka.common.message.ApiVersionsResponseData;

import java.util.List;

/**
 * The feature flags brokerd reports in ApiVersions (v3+), as Kafka 3.x/4.x brokers do (KIP-584), with ranges that
 * say what brokerd implements:
 * <ul>
 *   <li>{@code metadata.version} 3.3-IV3 (7) to 4.2-IV1 (29), finalized at 29: the level of the kafka-clients
 *       version whose protocol ranges brokerd advertises. brokerd keeps its own metadata (Ratis), so the level
 *       names the protocol generation, not a KRaft record format;</li>
 *   <li>{@code kraft.version}, {@code transaction.version} (KIP-890 transactions v2), {@code group.version}
 *       (KIP-848 consumer groups), {@code eligible.leader.replicas.version}, {@code share.version},
 *       {@code streams.version}: supported 0-0, not finalized. Clients read a finalized level above 0 as leave to
 *       use the protocol it names (a 4.x producer uses transactions v2 when {@code transaction.version} is 2), so
 *       none is claimed that brokerd does not implement.</li>
 * </ul>
 * As Kafka: finalized features list only levels above 0; ApiVersions below v4 leaves out supported ranges starting
 * at 0 (older clients refuse them). The features never change while brokerd runs, so their epoch is constant.
 */
final class BrokerFeatures {
    record Feature(String name, short minSupported, short maxSupported, short finalizedLevel) {
    }

    static final List<Feature> ALL = List.of(
            new Feature("metadata.version", (short) 7, (short) 29, (short) 29),
            new Feature("kraft.version", (short) 0, (short) 0, (short) 0),
            new Feature("transaction.version", (short) 0, (short) 0, (short) 0),
            new Feature("group.version", (short) 0, (short) 0, (short) 0),
            new Feature("eligible.leader.replicas.version", (short) 0, (short) 0, (short) 0),
            new Feature("share.version", (short) 0, (short) 0, (short) 0),
            new Feature("streams.version", (short) 0, (short) 0, (short) 0));

    /** The finalized features' epoch: they are fixed, so it never moves (Kafka's is the metadata offset of the last change). */
    static final long FINALIZED_EPOCH = 0;

    private BrokerFeatures() {
    }

    /** Fills the feature fields of {@code resp}, an ApiVersions response of {@code version}. */
    static void describe(ApiVersionsResponseData resp, short version) {
        ApiVersionsResponseData.SupportedFeatureKeyCollection supported = new ApiVersionsResponseData.SupportedFeatureKeyCollection();
        ApiVersionsResponseData.FinalizedFeatureKeyCollection finalized = new ApiVersionsResponseData.FinalizedFeatureKeyCollection();
        for (Feature f : ALL) {
            if (f.minSupported() > 0 || version >= 4) {
                supported.add(new ApiVersionsResponseData.SupportedFeatureKey().setName(f.name())
                        .setMinVersion(f.minSupported()).setMaxVersion(f.maxSupported()));
            }
            if (f.finalizedLevel() > 0) {
                finalized.add(new ApiVersionsResponseData.FinalizedFeatureKey().setName(f.name())
                        .setMinVersionLevel(f.finalizedLevel()).setMaxVersionLevel(f.finalizedLevel()));
            }
        }
        resp.setSupportedFeatures(supported).setFinalizedFeatures(finalized).setFinalizedFeaturesEpoch(FINALIZED_EPOCH)
                .setZkMigrationReady(false);
    }
}
