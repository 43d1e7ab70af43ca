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

    /**
     * A SASL authentication ended on {@code listener}: {@code result} is {@code success} or {@code failure};
     * {@code mechanism} as the client chose it.
     */
    default void onAuthentication(String listener, String mechanism, String result) {
    }

    /**
     * A SCRAM client on {@code listener} authenticated with librdkafka's legacy client-final nonce (librdkafka before
     * 2.6.1): accepted, and counted so operators know such clients are about.
     */
    default void onLegacyScramNonce(String listener) {
    }

    RequestObserver NONE = (api, durationNanos, errors) -> { };
}
