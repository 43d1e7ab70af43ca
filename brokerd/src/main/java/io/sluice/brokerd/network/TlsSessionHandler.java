package io.sluice.brokerd.network;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.sluice.brokerd.common.RateLimitedLog;
import io.sluice.brokerd.security.ConnectionSession;
import io.sluice.brokerd.security.Principal;
import io.sluice.brokerd.security.SslFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLException;
import java.util.Optional;

/**
 * Pipeline stage {@code "tls"}, right after Netty's {@code SslHandler} on SSL listeners: when the handshake
 * completes it sets the connection's principal from the client certificate ({@link SslFactory#principal}) before any
 * request is decoded; a certificate no {@code ssl.principal.mapping.rules} rule maps closes the connection.
 * <p>
 * A failed handshake (a plaintext client on a TLS port, an untrusted or expired certificate, no common protocol)
 * closes the connection with one WARN line per listener and 30 s ({@link RateLimitedLog}: the next line counts those
 * left out), so a client retrying in a loop cannot flood the log; details are at DEBUG. TLS exceptions stop here
 * instead of reaching the dispatcher's generic error log.
 */
final class TlsSessionHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(TlsSessionHandler.class);

    private final String listenerName;
    private final SslFactory ssl;
    private final ConnectionSession session;
    private final RateLimitedLog refusals;
    /** The connection was refused (and logged) already: SslHandler may report one failure as an event and an exception. */
    private boolean refused;

    /** {@code refusals}: the listener's rate-limited log of refused connections, shared by its connections. */
    TlsSessionHandler(String listenerName, SslFactory ssl, ConnectionSession session, RateLimitedLog refusals) {
        this.listenerName = listenerName;
        this.refusals = refusals;
        this.ssl = ssl;
        this.session = session;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof SslHandshakeCompletionEvent done) {
            if (done.isSuccess()) {
                onHandshake(ctx);
            } else {
                refuse(ctx, describe(done.cause()), done.cause());
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    private void onHandshake(ChannelHandlerContext ctx) {
        SslHandler handler = ctx.pipeline().get(SslHandler.class);
        Optional<Principal> principal = ssl.principal(handler.engine().getSession());
        if (principal.isEmpty()) {
            String subject = peerSubject(handler);
            refuse(ctx, "no ssl.principal.mapping.rules rule maps the certificate subject '" + subject + "'", null);
            return;
        }
        session.authenticated(principal.get());
        log.debug("TLS connection from {} on {} as {} ({}, {})", ctx.channel().remoteAddress(), listenerName, principal.get(),
                handler.engine().getSession().getProtocol(), handler.engine().getSession().getCipherSuite());
    }

    private static String peerSubject(SslHandler handler) {
        try {
            return ((java.security.cert.X509Certificate) handler.engine().getSession().getPeerCertificates()[0])
                    .getSubjectX500Principal().getName();
        } catch (javax.net.ssl.SSLPeerUnverifiedException e) {
            return "(none)";
        }
    }

    private void refuse(ChannelHandlerContext ctx, String reason, Throwable cause) {
        if (refused) {
            return;
        }
        refused = true;
        refusals.warn("tls-" + listenerName, "Closing TLS connection from {} on listener {}: {}",
                ctx.channel().remoteAddress(), listenerName, reason);
        if (cause != null) {
            log.debug("TLS handshake failure from {}", ctx.channel().remoteAddress(), cause);
        }
        ctx.close();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (isTls(cause)) {
            // A bad record (a plaintext client) comes only as an exception; a failed handshake also as an event.
            refuse(ctx, describe(cause), cause);
            return;
        }
        ctx.fireExceptionCaught(cause);
    }

    private static boolean isTls(Throwable cause) {
        Throwable c = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        return c instanceof SSLException;
    }

    /** One line for a failed handshake, e.g. "not a TLS record (a plaintext client?)". */
    /** A rate-limited log for one listener's refused TLS connections. */
    static RateLimitedLog newRefusalLog() {
        return new RateLimitedLog(log);
    }

    static String describe(Throwable cause) {
        Throwable c = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        if (c instanceof NotSslRecordException) {
            return "not a TLS record (a plaintext client on a TLS listener?)";
        }
        String message = c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage();
        Throwable root = c;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        if (root != c && root.getMessage() != null && !message.contains(root.getMessage())) {
            message += " (" + root.getMessage() + ")";
        }
        return "TLS handshake failed: " + message;
    }
}
