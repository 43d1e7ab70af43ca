package io.sluice.brokerd.auth;

import io.sluice.brokerd.security.Principal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Decides whether a principal may perform an operation on a resource, with the semantics of Kafka's
 * {@code StandardAuthorizer}, from the ACLs of this broker's committed metadata image (every broker decides locally).
 * <p>
 * The rules, in order: a principal in {@code super.users} may do anything; a matching DENY ACL (its operation or ALL)
 * refuses, whatever allows; a matching ALLOW ACL whose operation is or implies the one asked for (see
 * {@link AclOperation#allowImplies}) grants; a resource no ACL applies to at all (for any principal) is open to
 * everyone only with {@code allow.everyone.if.no.acl.found}; anything else is refused. An ACL applies to a resource
 * when it names it literally, is the literal {@code *}, or is PREFIXED by a prefix of its name; it matches a request
 * when its principal is the request's or {@code Type:*}, and its host is the client's IP or {@code *}.
 * <p>
 * Cost: a check is on the produce and fetch path, so ACLs are indexed by resource type and name when the image
 * changes ({@link #update}): a check looks up the literal name, the wildcard, and each distinct prefix length that is
 * not longer than the name — a handful of hash lookups whatever the number of ACLs (bench/AuthorizerBenchmark).
 * <p>
 * Thread-safe: the index is immutable and replaced through a volatile field, read without locks.
 */
public final class Authorizer {
    /** {@code super.users} as principals: looked up without building the principal's string on every check. */
    private final Set<Principal> superUsers;
    private final boolean allowEveryoneIfNoAclFound;
    private volatile Index index = new Index(List.of());

    /**
     * @param superUsers                principals ({@code User:admin}) that may do anything
     * @param allowEveryoneIfNoAclFound whether a resource without any ACL is open to everyone
     */
    public Authorizer(Set<String> superUsers, boolean allowEveryoneIfNoAclFound) {
        java.util.Set<Principal> parsed = new java.util.HashSet<>();
        for (String p : superUsers) {
            int colon = p.indexOf(':');
            if (colon > 0) {
                parsed.add(new Principal(p.substring(0, colon), p.substring(colon + 1)));
            }
        }
        this.superUsers = Set.copyOf(parsed);
        this.allowEveryoneIfNoAclFound = allowEveryoneIfNoAclFound;
    }

    /** Re-indexes when the image's ACL list is another object (each change makes a new list). */
    public void update(List<AclBinding> acls) {
        if (index.source != acls) {
            index = new Index(acls);
        }
    }

    /** The ACLs the current index was built from. */
    public List<AclBinding> acls() {
        return index.source;
    }

    public boolean isSuperUser(Principal principal) {
        return superUsers.contains(principal);
    }

    /**
     * Whether {@code principal} connecting from {@code host} (an IP address in text form) may perform {@code op} on
     * the resource {@code type}/{@code name}.
     */
    public boolean authorize(Principal principal, String host, AclOperation op, ResourceType type, String name) {
        if (!superUsers.isEmpty() && isSuperUser(principal)) {
            return true;
        }
        Index ix = index;
        TypeIndex t = ix.byType.get(type);
        if (t == null) {
            return allowEveryoneIfNoAclFound;
        }
        boolean anyAcl = false;
        boolean allowed = false;
        for (int i = 0; i < 2; i++) {
            Acl[] list = t.literal.get(i == 0 ? name : AclBinding.WILDCARD);
            if (list != null) {
                anyAcl = true;
                int decision = decide(list, principal, host, op);
                if (decision < 0) {
                    return false;
                }
                allowed |= decision > 0;
            }
        }
        for (int len : t.prefixLengths) {
            if (len > name.length()) {
                break;
            }
            Acl[] list = t.prefixed.get(name.substring(0, len));
            if (list != null) {
                anyAcl = true;
                int decision = decide(list, principal, host, op);
                if (decision < 0) {
                    return false;
                }
                allowed |= decision > 0;
            }
        }
        return allowed || (!anyAcl && allowEveryoneIfNoAclFound);
    }

    /**
     * Whether {@code principal} may perform {@code op} on at least one resource of {@code type}, as Kafka's
     * {@code authorizeByResourceType} (used for idempotent produce without IDEMPOTENT_WRITE on the cluster): true when
     * some ALLOW ACL of that type grants it, unless a DENY ACL for it covers every name (literal {@code *} or the
     * empty prefix).
     */
    public boolean authorizeAny(Principal principal, String host, AclOperation op, ResourceType type) {
        if (!superUsers.isEmpty() && isSuperUser(principal)) {
            return true;
        }
        TypeIndex t = index.byType.get(type);
        if (t == null) {
            return allowEveryoneIfNoAclFound;
        }
        Acl[] wildcard = t.literal.get(AclBinding.WILDCARD);
        Acl[] emptyPrefix = t.prefixed.get("");
        if ((wildcard != null && decide(wildcard, principal, host, op) < 0)
                || (emptyPrefix != null && decide(emptyPrefix, principal, host, op) < 0)) {
            return false;
        }
        for (Acl acl : t.all) {
            if (acl.allow && acl.matches(principal, host) && acl.operation.allowImplies(op)) {
                return true;
            }
        }
        return false;
    }

    /** The operations of {@code type} that {@code principal} may perform on it, for authorized-operations fields. */
    public Set<AclOperation> authorizedOperations(Principal principal, String host, ResourceType type, String name) {
        Set<AclOperation> out = new TreeSet<>();
        for (AclOperation op : AclOperation.supportedOn(type)) {
            if (authorize(principal, host, op, type, name)) {
                out.add(op);
            }
        }
        return out;
    }

    /** -1: a DENY matches; 1: an ALLOW grants; 0: neither. */
    private static int decide(Acl[] acls, Principal principal, String host, AclOperation op) {
        int result = 0;
        for (Acl acl : acls) {
            if (!acl.matches(principal, host)) {
                continue;
            }
            if (acl.allow) {
                if (acl.operation.allowImplies(op)) {
                    result = 1;
                }
            } else if (acl.operation == op || acl.operation == AclOperation.ALL) {
                return -1;
            }
        }
        return result;
    }

    /** An ACL in the form checks read fast. */
    private static final class Acl {
        final String principalType;
        final String principalName; // "*" for every principal of the type
        final String host; // "*" for every host
        final AclOperation operation;
        final boolean allow;

        Acl(AclBinding b) {
            int colon = b.principal().indexOf(':');
            this.principalType = b.principal().substring(0, colon);
            this.principalName = b.principal().substring(colon + 1);
            this.host = b.host();
            this.operation = b.operation();
            this.allow = b.permission() == AclPermission.ALLOW;
        }

        boolean matches(Principal p, String clientHost) {
            return (principalName.equals(AclBinding.WILDCARD) || principalName.equals(p.name()))
                    && principalType.equals(p.type())
                    && (host.equals(AclBinding.WILDCARD) || host.equals(clientHost));
        }
    }

    /** The ACLs of one resource type, by literal name and by prefix. */
    private static final class TypeIndex {
        final Map<String, Acl[]> literal;
        final Map<String, Acl[]> prefixed;
        final int[] prefixLengths; // distinct, ascending
        final Acl[] all;

        TypeIndex(List<AclBinding> acls) {
            Map<String, List<Acl>> lit = new HashMap<>();
            Map<String, List<Acl>> pre = new HashMap<>();
            List<Acl> every = new ArrayList<>();
            for (AclBinding b : acls) {
                Acl acl = new Acl(b);
                every.add(acl);
                (b.patternType() == PatternType.PREFIXED ? pre : lit).computeIfAbsent(b.resourceName(), k -> new ArrayList<>()).add(acl);
            }
            this.literal = freeze(lit);
            this.prefixed = freeze(pre);
            this.prefixLengths = pre.keySet().stream().mapToInt(String::length).distinct().sorted().toArray();
            this.all = every.toArray(new Acl[0]);
        }

        private static Map<String, Acl[]> freeze(Map<String, List<Acl>> m) {
            Map<String, Acl[]> out = new HashMap<>(Math.max(4, m.size() * 2));
            m.forEach((k, v) -> out.put(k, v.toArray(new Acl[0])));
            return out;
        }
    }

    private static final class Index {
        final List<AclBinding> source;
        final Map<ResourceType, TypeIndex> byType = new EnumMap<>(ResourceType.class);

        Index(List<AclBinding> source) {
            this.source = source;
            Map<ResourceType, List<AclBinding>> grouped = new EnumMap<>(ResourceType.class);
            for (AclBinding b : source) {
                if (b.validate().isEmpty()) {
                    grouped.computeIfAbsent(b.resourceType(), k -> new ArrayList<>()).add(b);
                }
            }
            grouped.forEach((type, list) -> byType.put(type, new TypeIndex(list)));
        }
    }

    @Override
    public String toString() {
        return "Authorizer(" + index.source.size() + " ACLs, super.users " + Arrays.toString(superUsers.toArray()) + ")";
    }
}
