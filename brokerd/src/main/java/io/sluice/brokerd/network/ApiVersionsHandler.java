package io.sluice.brokerd.network;

import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

import java.util.concurrent.CompletableFuture;

/**
 * ApiVersions (key 18, v0-4): advertises exactly the registry's table. A request in a version newer than brokerd
 * knows gets a v0 response with UNSUPPORTED_VERSION and the same table, so the client retries with one it shares.
 * From v3 the response also carries the supported and finalized features ({@link BrokerFeatures}).
 */
final class ApiVersionsHandler implements ApiHandler {
    static final short MAX_VERSION = 4;
    private final ApiRegistry registry;

    ApiVersionsHandler(ApiRegistry registry) {
        this.registry = registry;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext ctx, ApiMessage request) {
        ApiVersionsRequestData req = (ApiVersionsRequestData) request;
        ApiVersionsResponseData resp = table(registry).setErrorCode(Errors.NONE.code());
        BrokerFeatures.describe(resp, ctx.apiVersion());
        if (ctx.apiVersion() >= 3 && !validClientSoftware(req)) {
            resp.setErrorCode(Errors.INVALID_REQUEST.code());
        }
        return CompletableFuture.completedFuture(resp);
    }

    private static boolean validClientSoftware(ApiVersionsRequestData req) {
        return matches(req.clientSoftwareName()) && matches(req.clientSoftwareVersion());
    }

    private static boolean matches(String s) {
        return s != null && s.matches("[a-zA-Z0-9](?:[a-zA-Z0-9\\-.]*[a-zA-Z0-9])?");
    }

    static ApiVersionsResponseData unsupportedVersion(ApiRegistry registry) {
        return table(registry).setErrorCode(Errors.UNSUPPORTED_VERSION.code());
    }

    private static ApiVersionsResponseData table(ApiRegistry registry) {
        ApiVersionsResponseData resp = new ApiVersionsResponseData();
        ApiVersionsResponseData.ApiVersionCollection keys = new ApiVersionsResponseData.ApiVersionCollection();
        for (ApiRegistry.Registration r : registry.all().values()) {
            keys.add(new ApiVersionsResponseData.ApiVersion()
                    .setApiKey(r.apiKey().id).setMinVersion(r.minVersion()).setMaxVersion(r.maxVersion()));
        }
        resp.setApiKeys(keys);
        resp.setFinalizedFeaturesEpoch(-1);
        return resp;
    }

    static void register(ApiRegistry registry) {
        registry.register(ApiKeys.API_VERSIONS, 0, MAX_VERSION, new ApiVersionsHandler(registry));
    }
}
