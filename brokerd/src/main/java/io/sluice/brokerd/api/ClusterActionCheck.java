package io.sluice.brokerd.api;

import io.sluice.brokerd.network.RequestContext;

/**
 * The hook where the authorizer (the security issue) checks, as Kafka does, that the principal behind a follower
 * fetch (replica id set) holds the CLUSTER_ACTION operation on the cluster resource; without it every partition of
 * the fetch is answered TOPIC_AUTHORIZATION_FAILED and no follower state moves. Until then every connection may
 * fetch as a follower, and the assignment check in {@link FetchHandler} is all that stands between a client that
 * claims a follower's id and that follower's position (bounded by the log end offset).
 */
@FunctionalInterface
public interface ClusterActionCheck {
    /** No authorizer: security is off. */
    ClusterActionCheck ALLOW_ALL = ctx -> true;

    boolean allowsClusterAction(RequestContext ctx);
}
