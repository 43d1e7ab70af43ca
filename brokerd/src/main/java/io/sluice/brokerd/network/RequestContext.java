package io.sluice.brokerd.network;

import io.sluice.brokerd.security.ConnectionSession;
import org.apache.kafka.common.protocol.ApiKeys;

import java.net.SocketAddress;
import java.util.concurrent.Executor;

/**
 * What a handler knows about a request besides its body.
 * <p>
 * Both executors are this request's own: a task of theirs that throws answers this request with
 * UNKNOWN_SERVER_ERROR (logged with the request header), and the connection's other requests go on. Code that needs
 * an identity per connection keys on {@code connection}, not on an executor.
 *
 * @param apiKey         the API
 * @param apiVersion     the version the client used (the response is written in the same version)
 * @param correlationId  echoed in the response header
 * @param clientId       client.id from the request header (may be empty, never null)
 * @param clientAddress  remote address of the connection
 * @param receivedTimeMs wall-clock time the frame was decoded, ms
 * @param executor       where slow work of this request runs: off the event loop, and in arrival order with the
 *                       other requests of the same connection
 * @param inlineExecutor where short work that never blocks (no fsync, no waiting on locks held across I/O, no
 *                       controller or coordinator calls) runs: on the event loop itself when the connection has
 *                       nothing queued on {@code executor}, else behind it there, so arrival order holds across both
 * @param connection     the connection the request came in on: its handler may learn that it closed
 * @param session        the connection's listener, security protocol and authenticated principal (the seam
 *                       authorization checks: see {@link ConnectionSession})
 */
public record RequestContext(ApiKeys apiKey, short apiVersion, int correlationId, String clientId,
                             SocketAddress clientAddress, long receivedTimeMs, Executor executor,
                             Executor inlineExecutor, ClientConnection connection, ConnectionSession session) {
}
