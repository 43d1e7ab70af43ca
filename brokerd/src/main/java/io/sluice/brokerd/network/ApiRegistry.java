package io.sluice.brokerd.network;

import org.apache.kafka.common.protocol.ApiKeys;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

/**
 * The APIs this broker implements and their version ranges. ApiVersions advertises exactly this table;
 * the dispatcher routes by it. Filled once during start-up (in {@code Broker}), read-only afterwards.
 */
public final class ApiRegistry {

    /** One registered API. */
    public record Registration(ApiKeys apiKey, short minVersion, short maxVersion, ApiHandler handler) {
    }

    private final Map<ApiKeys, Registration> registrations = new EnumMap<>(ApiKeys.class);

    public ApiRegistry register(ApiKeys apiKey, int minVersion, int maxVersion, ApiHandler handler) {
        if (registrations.containsKey(apiKey)) {
            throw new IllegalStateException(apiKey + " registered twice");
        }
        short known = apiKey.messageType.highestSupportedVersion(true);
        if (maxVersion > known) {
            // Advertising a version kafka-clients cannot encode would break every client that picks it.
            throw new IllegalStateException(apiKey + " v" + maxVersion + " is newer than the message classes know (v" + known + ")");
        }
        registrations.put(apiKey, new Registration(apiKey, (short) minVersion, (short) maxVersion, handler));
        return this;
    }

    /**
     * Replaces every registered handler by {@code wrap(apiKey, handler)} (the authorization layer, wired once in
     * {@code Broker} after every API is registered); versions stay as registered.
     */
    public void wrapHandlers(java.util.function.BiFunction<ApiKeys, ApiHandler, ApiHandler> wrap) {
        registrations.replaceAll((key, r) -> new Registration(key, r.minVersion(), r.maxVersion(), wrap.apply(key, r.handler())));
    }

    public Optional<Registration> lookup(ApiKeys apiKey) {
        return Optional.ofNullable(registrations.get(apiKey));
    }

    public Map<ApiKeys, Registration> all() {
        return Collections.unmodifiableMap(registrations);
    }
}
