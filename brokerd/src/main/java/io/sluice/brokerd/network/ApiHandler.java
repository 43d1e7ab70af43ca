package io.sluice.brokerd.network;

import org.apache.kafka.common.protocol.ApiMessage;

import java.util.concurrent.CompletableFuture;

/**
 * Handles the requests of one API family. Called on a Netty event loop: it must not block (no fsync, no waiting);
 * slow work completes the returned future later from another thread.
 * <p>
 * The future completes with the response body for {@code ctx.apiVersion()}. A Produce with acks=0 gets no response
 * whatever the handler answers: the network layer closes the connection when that answer holds an error (as Kafka
 * does), so its handler builds the response as for acks=1; {@code null} is accepted there too and means success. Protocol errors are set in the response body as error codes; an
 * exceptionally completed future or a thrown exception is turned by the network layer into that API's error response
 * (UNKNOWN_SERVER_ERROR) and logged.
 * <p>
 * Record fields of a response may hold a {@link FileRegionRecords}: the network layer then sends those bytes from
 * the segment file with sendfile instead of copying them.
 */
@FunctionalInterface
public interface ApiHandler {
    CompletableFuture<ApiMessage> handle(RequestContext ctx, ApiMessage request);
}
