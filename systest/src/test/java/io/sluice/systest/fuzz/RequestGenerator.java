package io.sluice.systest.fuzz;

import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Builds a valid request of an API and version the broker advertises, from the templates of each family
 * ({@link DataTemplates}, {@link GroupTemplates}, {@link AdminTemplates}). Every advertised API must have a
 * template: a broker that starts advertising a new API fails the fuzz run until the fuzzer covers it.
 * Versions below what kafka-clients can write (Produce v0-2, which brokerd advertises for librdkafka but refuses)
 * are reached by the header mutations, which send a newer body under an older version number.
 */
final class RequestGenerator {
    /** Builds the body of one API at one version. */
    interface Template {
        ApiMessage build(short version, Plausible p);
    }

    /** How often an API is picked, relative to the others (1): the paths that parse client bytes most, more. */
    private static final Map<ApiKeys, Integer> WEIGHTS = Map.of(ApiKeys.PRODUCE, 12, ApiKeys.FETCH, 3,
            ApiKeys.OFFSET_COMMIT, 2, ApiKeys.JOIN_GROUP, 2, ApiKeys.CREATE_TOPICS, 2, ApiKeys.METADATA, 2);

    private final Map<ApiKeys, Template> templates = new EnumMap<>(ApiKeys.class);
    /** Each advertised (API, version) pair as often as its weight says. */
    private final List<Map.Entry<ApiKeys, Short>> choices = new ArrayList<>();

    RequestGenerator(TargetView view) {
        DataTemplates.register(templates);
        GroupTemplates.register(templates);
        AdminTemplates.register(templates);
        SecurityTemplates.register(templates);
        TxnTemplates.register(templates);
        List<ApiKeys> missing = new ArrayList<>();
        for (ApiKeys key : view.apis().keySet()) {
            if (!templates.containsKey(key)) {
                missing.add(key);
            }
        }
        if (!missing.isEmpty()) {
            throw new IllegalStateException("brokerd advertises APIs the fuzzer has no template for: " + missing);
        }
        for (Map.Entry<ApiKeys, Short> e : view.apiVersions()) {
            if (e.getValue() < e.getKey().messageType.lowestSupportedVersion()) {
                continue; // kafka-clients cannot write it; see the class comment
            }
            int weight = WEIGHTS.getOrDefault(e.getKey(), 1);
            for (int i = 0; i < weight; i++) {
                choices.add(e);
            }
        }
    }

    /** All (API, version) pairs a base request can have. */
    List<Map.Entry<ApiKeys, Short>> pairs() {
        return choices.stream().distinct().toList();
    }

    /** A valid request for this iteration. */
    BaseRequest generate(Plausible p) {
        Map.Entry<ApiKeys, Short> pick = choices.get(p.rnd.nextInt(choices.size()));
        return generate(pick.getKey(), pick.getValue(), p);
    }

    BaseRequest generate(ApiKeys key, short version, Plausible p) {
        ApiMessage body = templates.get(key).build(version, p);
        return new BaseRequest(key, version, body, List.copyOf(p.produced));
    }
}
