package io.sluice.systest.fuzz;

import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the generator knows of the broker under test, learned over the wire: the APIs and version ranges its
 * ApiVersions advertises (exactly what brokerd registers), its node id, and the fuzz topics with their ids and
 * partition counts. Immutable; the runner takes a new one at every check, so requests name the topics as they are.
 *
 * @param apis   advertised APIs, each with its [min, max] version
 * @param topics the topics the fuzzer may name (never the control topic), by name
 */
record TargetView(int nodeId, Map<ApiKeys, short[]> apis, Map<String, Topic> topics) {

    /** One topic: its id and how many partitions it has. */
    record Topic(String name, Uuid id, int partitions) {
    }

    /** Asks the broker on {@code port}; topics whose names {@code fuzzable} refuses are left out. */
    static TargetView probe(int port, java.util.function.Predicate<String> fuzzable) throws IOException {
        try (Wire wire = new Wire(port)) {
            ApiVersionsResponseData versions = (ApiVersionsResponseData) wire.call(ApiKeys.API_VERSIONS, (short) 3, 1,
                    new ApiVersionsRequestData().setClientSoftwareName("sluice-fuzz").setClientSoftwareVersion("1"), 30_000);
            if (versions.errorCode() != Errors.NONE.code()) {
                throw new IOException("ApiVersions answered " + Errors.forCode(versions.errorCode()));
            }
            Map<ApiKeys, short[]> apis = new TreeMap<>();
            for (ApiVersionsResponseData.ApiVersion v : versions.apiKeys()) {
                if (ApiKeys.hasId(v.apiKey())) {
                    apis.put(ApiKeys.forId(v.apiKey()), new short[]{v.minVersion(), v.maxVersion()});
                }
            }
            MetadataResponseData md = (MetadataResponseData) wire.call(ApiKeys.METADATA, (short) 12, 2,
                    new MetadataRequestData().setTopics(null).setAllowAutoTopicCreation(false), 30_000);
            Map<String, Topic> topics = new TreeMap<>();
            for (MetadataResponseData.MetadataResponseTopic t : md.topics()) {
                if (t.errorCode() == Errors.NONE.code() && fuzzable.test(t.name())) {
                    topics.put(t.name(), new Topic(t.name(), t.topicId(), t.partitions().size()));
                }
            }
            int nodeId = md.brokers().isEmpty() ? 1 : md.brokers().iterator().next().nodeId();
            return new TargetView(nodeId, apis, topics);
        }
    }

    /** The advertised (API, version) pairs, in a fixed order. */
    List<Map.Entry<ApiKeys, Short>> apiVersions() {
        List<Map.Entry<ApiKeys, Short>> out = new ArrayList<>();
        apis.forEach((key, range) -> {
            for (short v = range[0]; v <= range[1]; v++) {
                out.add(Map.entry(key, v));
            }
        });
        return out;
    }
}
