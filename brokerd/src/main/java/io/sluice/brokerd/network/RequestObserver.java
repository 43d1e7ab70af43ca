package io.sluice.brokerd.network;

import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;

/** Told about every answered request and every limit enforced (metrics). Must be quick: called on event loops. */
public interface RequestObserver {
    /**
     * @param api           the API
     * @param durationNanos from frame decoded to response queued
     * @param errors        the error codes in the response other than NONE (empty for a response-less acks=0)
     */
    void onResponse(ApiKeys api, long durationNanos, java.util.List<Errors> errors);

    /**
     * A connection stopped reading requests because {@code limit} was reached (the config key:
     * {@code queued.max.request.bytes}, {@code max.inflight.requests.per.connection}, ...; see {@code ReadLimit}).
     */
    default void onReadPaused(String limit) {
    }

    /** A connection was refused at accept: {@code limit} is {@code max.connections} or {@code max.connections.per.ip}. */
    default void onConnectionRefused(String limit) {
    }

    RequestObserver NONE = (api, durationNanos, errors) -> { };
}
