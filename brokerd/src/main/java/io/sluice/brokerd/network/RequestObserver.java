package io.sluice.brokerd.network;

import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;

/** Told about every answered request (metrics). Called on the connection's event loop: must be quick. */
public interface RequestObserver {
    /**
     * @param api           the API
     * @param durationNanos from frame decoded to response queued
     * @param errors        the error codes in the response other than NONE (empty for a response-less acks=0)
     */
    void onResponse(ApiKeys api, long durationNanos, java.util.List<Errors> errors);

    RequestObserver NONE = (api, durationNanos, errors) -> { };
}
