package io.sluice.brokerd.api;

import io.sluice.brokerd.common.RateLimitedLog;
import io.sluice.brokerd.network.ApiRegistry;
import io.sluice.brokerd.network.RequestContext;
import io.sluice.brokerd.network.RequestObserver;
import io.sluice.brokerd.security.SaslSession;
import org.apache.kafka.common.message.SaslAuthenticateRequestData;
import org.apache.kafka.common.message.SaslAuthenticateResponseData;
import org.apache.kafka.common.message.SaslHandshakeRequestData;
import org.apache.kafka.common.message.SaslHandshakeResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * SaslHandshake (key 17, v0-1) and SaslAuthenticate (key 36, v0-2), driving the connection's {@link SaslSession}.
 * SaslHandshake v0 is advertised (librdkafka requires it in the range before it uses SASL at all) and served as
 * Kafka serves it: the client then sends its tokens as bare size-prefixed frames (clients before Kafka 1.0); the
 * network layer hands each such frame to {@link #register SaslAuthenticate}'s handler as a v0 request and writes the
 * answer's token back size-prefixed, or closes the connection when it failed (v0 has no way to carry an error).
 * <p>
 * On a listener without SASL both answer ILLEGAL_SASL_STATE, as Kafka does. A failed authentication is answered
 * after {@code connection.failed.authentication.delay.ms} (slowing password guessing; the connection is closed once
 * the answer is written), counted in {@code sluice_sasl_authentications_total} and logged with its reason
 * (rate-limited per reason: a client retrying a wrong password cannot flood the log). Authentication runs on the
 * request executor: PLAIN derives a PBKDF2 key.
 */
public final class SaslHandlers {
    private static final Logger log = LoggerFactory.getLogger(SaslHandlers.class);
    private final RequestObserver observer;
    private final Clock clock;
    private final RateLimitedLog failures = new RateLimitedLog(log);

    public SaslHandlers(RequestObserver observer, Clock clock) {
        this.observer = observer;
        this.clock = clock;
    }

    public void register(ApiRegistry apis) {
        apis.register(ApiKeys.SASL_HANDSHAKE, 0, 1, (ctx, r) -> CompletableFuture.completedFuture(handshake(ctx, (SaslHandshakeRequestData) r)));
        apis.register(ApiKeys.SASL_AUTHENTICATE, 0, 2, this::authenticate);
    }

    private ApiMessage handshake(RequestContext ctx, SaslHandshakeRequestData request) {
        SaslSession sasl = ctx.session().sasl();
        if (sasl == null) {
            return new SaslHandshakeResponseData().setErrorCode(Errors.ILLEGAL_SASL_STATE.code()).setMechanisms(List.of());
        }
        SaslSession.HandshakeResult r = ctx.apiVersion() == 0 ? sasl.handshakeV0(request.mechanism(), clock.millis())
                : sasl.handshake(request.mechanism(), clock.millis());
        if (r.error() != Errors.NONE) {
            failures.info("handshake:" + r.error(), "SaslHandshake from {} on listener {} for mechanism '{}': {} (enabled: {}); closing",
                    ctx.clientAddress(), ctx.session().listenerName(), request.mechanism(), r.error(), r.mechanisms());
        }
        return new SaslHandshakeResponseData().setErrorCode(r.error().code()).setMechanisms(r.mechanisms());
    }

    private CompletableFuture<ApiMessage> authenticate(RequestContext ctx, ApiMessage request) {
        SaslSession sasl = ctx.session().sasl();
        if (sasl == null) {
            return CompletableFuture.completedFuture(new SaslAuthenticateResponseData()
                    .setErrorCode(Errors.ILLEGAL_SASL_STATE.code())
                    .setErrorMessage("SaslAuthenticate request received after successful authentication")
                    .setAuthBytes(new byte[0]));
        }
        byte[] token = ((SaslAuthenticateRequestData) request).authBytes();
        CompletableFuture<SaslSession.AuthenticateResult> result =
                CompletableFuture.supplyAsync(() -> sasl.authenticate(token, clock.millis()), ctx.executor());
        return result.thenCompose(r -> {
            SaslAuthenticateResponseData response = new SaslAuthenticateResponseData()
                    .setErrorCode(r.error().code()).setErrorMessage(r.message()).setAuthBytes(r.authBytes())
                    .setSessionLifetimeMs(r.sessionLifetimeMs());
            String listener = ctx.session().listenerName();
            String mechanism = String.valueOf(sasl.mechanism());
            if (!r.failed()) {
                if (r.principal() != null) {
                    observer.onAuthentication(listener, mechanism, "success");
                    if (r.legacyNonce()) {
                        observer.onLegacyScramNonce(listener);
                    }
                    log.debug("{} authenticated with {} from {} on listener {}{}", r.principal(), mechanism,
                            ctx.clientAddress(), listener, r.legacyNonce() ? " (librdkafka's legacy SCRAM nonce)" : "");
                }
                return CompletableFuture.completedFuture((ApiMessage) response);
            }
            observer.onAuthentication(listener, mechanism, "failure");
            failures.info("auth:" + listener, "SASL authentication with {} from {} on listener {} failed: {}; closing",
                    mechanism, ctx.clientAddress(), listener, r.logReason());
            long delayMs = sasl.config().failedAuthDelayMs();
            return delayMs <= 0 ? CompletableFuture.completedFuture((ApiMessage) response)
                    : CompletableFuture.supplyAsync(() -> (ApiMessage) response,
                            CompletableFuture.delayedExecutor(delayMs, TimeUnit.MILLISECONDS, ctx.executor()));
        });
    }
}
