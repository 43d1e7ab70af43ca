package io.sluice.brokerd.api;

import io.sluice.brokerd.auth.AclBinding;
import io.sluice.brokerd.auth.AclOperation;
import io.sluice.brokerd.auth.Authorizer;
import io.sluice.brokerd.auth.ResourceType;
import io.sluice.brokerd.common.RateLimitedLog;
import io.sluice.brokerd.network.RequestContext;
import io.sluice.brokerd.security.Principal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

/**
 * What request handlers ask the authorizer: may the principal of this request's connection, from its host, perform
 * an operation on a resource. The ACLs come from this broker's committed metadata image, read at each check (an
 * identity comparison; the index is rebuilt only when the image's ACL list changed), so a broker that has applied a
 * CreateAcls decides with it at once.
 * <p>
 * Two kinds of check, as Kafka's {@code AuthHelper}: {@link #authorize} for a resource the request names (a refusal
 * is logged at INFO, rate-limited per principal, operation and resource type, and counted in
 * {@code sluice_authorization_denied_total}), and {@link #isAllowed} for filtering what a request did not name (the
 * topics of an all-topics Metadata, ListGroups), which neither logs nor counts.
 * <p>
 * With {@code authorizer.enabled} false this object is {@link #DISABLED}: every check allows and nothing is logged.
 * Thread-safe.
 */
public final class RequestAuthorizer {
    private static final Logger log = LoggerFactory.getLogger("io.sluice.brokerd.auth.decisions");

    /** No authorizer: everything is allowed (and the ACL APIs answer SECURITY_DISABLED). */
    public static final RequestAuthorizer DISABLED = new RequestAuthorizer(null, List::of, (op, type) -> { });

    private final Authorizer authorizer;
    private final Supplier<List<AclBinding>> acls;
    private final BiConsumer<AclOperation, ResourceType> onDenied;
    private final RateLimitedLog denials = new RateLimitedLog(log);

    /**
     * @param authorizer the decisions; null when authorization is off
     * @param acls       the ACLs of the latest applied image
     * @param onDenied   counts a refusal (the metric)
     */
    public RequestAuthorizer(Authorizer authorizer, Supplier<List<AclBinding>> acls, BiConsumer<AclOperation, ResourceType> onDenied) {
        this.authorizer = authorizer;
        this.acls = acls;
        this.onDenied = onDenied;
    }

    public boolean enabled() {
        return authorizer != null;
    }

    /** Checks an operation on a resource the request names; a refusal is logged (rate-limited) and counted. */
    public boolean authorize(RequestContext ctx, AclOperation op, ResourceType type, String name) {
        if (authorizer == null) {
            return true;
        }
        Principal principal = principal(ctx);
        String host = host(ctx);
        if (current().authorize(principal, host, op, type, name)) {
            return true;
        }
        onDenied.accept(op, type);
        denials.info(principal + " " + op + " " + type, "Principal = {} is Denied operation = {} from host = {} on resource = {}:LITERAL:{} ({} v{})",
                principal, op, host, type, name, ctx.apiKey(), ctx.apiVersion());
        return false;
    }

    /** Checks without logging or counting a refusal: for filtering what the request did not name. */
    public boolean isAllowed(RequestContext ctx, AclOperation op, ResourceType type, String name) {
        return authorizer == null || current().authorize(principal(ctx), host(ctx), op, type, name);
    }

    /** Whether the principal may perform {@code op} on some resource of {@code type} (Kafka's authorizeByResourceType). */
    public boolean authorizeAny(RequestContext ctx, AclOperation op, ResourceType type) {
        if (authorizer == null) {
            return true;
        }
        if (current().authorizeAny(principal(ctx), host(ctx), op, type)) {
            return true;
        }
        onDenied.accept(op, type);
        denials.info(principal(ctx) + " " + op + " " + type + " any", "Principal = {} is Denied operation = {} from host = {} on any resource of type {} ({} v{})",
                principal(ctx), op, host(ctx), type, ctx.apiKey(), ctx.apiVersion());
        return false;
    }

    /**
     * The authorized-operations bit field of Kafka's responses (bit n set: the operation with code n is allowed) for
     * the resource; every operation of the type when authorization is off.
     */
    public int authorizedOperations(RequestContext ctx, ResourceType type, String name) {
        int bits = 0;
        for (AclOperation op : AclOperation.supportedOn(type)) {
            if (isAllowed(ctx, op, type, name)) {
                bits |= 1 << op.code();
            }
        }
        return bits;
    }

    private Authorizer current() {
        authorizer.update(acls.get());
        return authorizer;
    }

    static Principal principal(RequestContext ctx) {
        return ctx.session() == null ? Principal.ANONYMOUS : ctx.session().principal();
    }

    /** The client's IP address in text form, as ACL hosts are written; empty when unknown. */
    static String host(RequestContext ctx) {
        SocketAddress a = ctx.session() != null ? ctx.session().clientAddress() : ctx.clientAddress();
        if (a instanceof InetSocketAddress inet && inet.getAddress() != null) {
            return inet.getAddress().getHostAddress();
        }
        return "";
    }
}
