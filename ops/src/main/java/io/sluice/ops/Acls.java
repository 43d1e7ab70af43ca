package io.sluice.ops;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.apache.kafka.clients.admin.DeleteAclsResult;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AccessControlEntryFilter;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourcePatternFilter;
import org.apache.kafka.common.resource.ResourceType;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * ACLs for operators (sluice acl) over CreateAcls, DescribeAcls and DeleteAcls. An {@link Acl} is one binding in
 * Kafka's vocabulary with its enum names as strings (the stable JSON fields of {@code sluice acl list -o json} and of
 * the rollback files). Parsing of the operator's words (read, describe-configs, User:alice) lives here, so every
 * front end refuses the same mistakes with the same message. Stateless.
 */
public final class Acls {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    /** Orders listings: by resource, then principal, then operation. */
    private static final Comparator<Acl> ORDER = Comparator.comparing(Acl::resourceType).thenComparing(Acl::resourceName)
            .thenComparing(Acl::patternType).thenComparing(Acl::principal).thenComparing(Acl::host)
            .thenComparing(Acl::operation).thenComparing(Acl::permission);

    private Acls() {
    }

    /**
     * One ACL: {@code principal} (User:alice) may ({@code permission} ALLOW) or may not (DENY) do {@code operation}
     * (READ, WRITE, ..., ALL) on {@code resourceType} (TOPIC, GROUP, CLUSTER, TRANSACTIONAL_ID) {@code resourceName}
     * matched {@code patternType} LITERAL or PREFIXED, from {@code host} (* for any).
     */
    public record Acl(String principal, String host, String operation, String permission, String resourceType,
                      String resourceName, String patternType) {
        AclBinding binding() {
            return new AclBinding(new ResourcePattern(ResourceType.valueOf(resourceType), resourceName, PatternType.valueOf(patternType)),
                    new AccessControlEntry(principal, host, AclOperation.valueOf(operation), AclPermissionType.valueOf(permission)));
        }

        static Acl of(AclBinding b) {
            return new Acl(b.entry().principal(), b.entry().host(), b.entry().operation().name(), b.entry().permissionType().name(),
                    b.pattern().resourceType().name(), b.pattern().name(), b.pattern().patternType().name());
        }
    }

    /** A resource the operator named: type, name (null for any) and pattern type. */
    public record Resource(ResourceType type, String name) {
    }

    /** What to match in list and delete: null fields match anything. */
    public record Filter(List<Resource> resources, PatternType patternType, String principal, String host,
                         List<AclOperation> operations, AclPermissionType permission) {
        List<AclBindingFilter> filters() {
            List<AclBindingFilter> out = new ArrayList<>();
            List<Resource> rs = resources.isEmpty() ? List.of(new Resource(ResourceType.ANY, null)) : resources;
            List<AclOperation> ops = operations.isEmpty() ? List.of(AclOperation.ANY) : operations;
            for (Resource r : rs) {
                for (AclOperation op : ops) {
                    out.add(new AclBindingFilter(new ResourcePatternFilter(r.type(), r.name(), patternType),
                            new AccessControlEntryFilter(principal, host, op, permission == null ? AclPermissionType.ANY : permission)));
                }
            }
            return out;
        }
    }

    /** {@code read}, {@code describe-configs}, {@code ALL}: an ACL operation, else a usage error listing them. */
    public static AclOperation operation(String word) {
        String w = word.trim().toUpperCase(Locale.ROOT).replace('-', '_');
        try {
            AclOperation op = AclOperation.valueOf(w);
            if (op != AclOperation.ANY && op != AclOperation.UNKNOWN) {
                return op;
            }
        } catch (IllegalArgumentException e) {
            // Not an operation name: said below.
        }
        throw new OpsException(OpsException.Kind.USAGE, "--operation " + word + ": expected one of all, read, write, create, delete, "
                + "alter, describe, cluster-action, describe-configs, alter-configs, idempotent-write, create-tokens, describe-tokens");
    }

    /** {@code User:alice}: Kafka principals are TYPE:NAME. */
    public static String principal(String p) {
        int colon = p.indexOf(':');
        if (colon <= 0 || colon == p.length() - 1) {
            throw new OpsException(OpsException.Kind.USAGE, "principal " + p + ": expected TYPE:NAME, e.g. User:alice (User:* for everyone)");
        }
        return p;
    }

    /** The ACLs matching {@code filter}, ordered by resource and principal. */
    public static List<Acl> list(ClusterConnection c, Filter filter) {
        List<Acl> out = new ArrayList<>();
        for (AclBindingFilter f : filter.filters()) {
            for (AclBinding b : Futures.get(c.admin().describeAcls(f).values(), c, "describing ACLs")) {
                Acl a = Acl.of(b);
                if (!out.contains(a)) {
                    out.add(a);
                }
            }
        }
        out.sort(ORDER);
        return out;
    }

    /** Creates {@code acls} (all or, on the first failure, the ones before it: the cluster applies them one by one). */
    public static void create(ClusterConnection c, Collection<Acl> acls) {
        List<AclBinding> bindings = acls.stream().map(Acl::binding).toList();
        Futures.get(c.admin().createAcls(bindings).all(), c, "creating ACLs");
    }

    /** Deletes exactly {@code acls} (each as a filter matching only itself); returns those the cluster deleted. */
    public static List<Acl> delete(ClusterConnection c, Collection<Acl> acls) {
        List<AclBindingFilter> filters = acls.stream().map(a -> a.binding().toFilter()).toList();
        DeleteAclsResult r = c.admin().deleteAcls(filters);
        List<Acl> out = new ArrayList<>();
        for (var result : Futures.get(r.all(), c, "deleting ACLs")) {
            out.add(Acl.of(result));
        }
        out.sort(ORDER);
        return out;
    }

    public static String toJson(List<Acl> acls) {
        try {
            return JSON.writeValueAsString(acls) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** ACLs from a rollback file ({@link #toJson}); a usage error naming {@code where} when it is not one. */
    public static List<Acl> fromJson(String json, String where) {
        try {
            List<Acl> acls = JSON.readValue(json, new TypeReference<List<Acl>>() { });
            for (Acl a : acls) {
                a.binding();
            }
            return acls;
        } catch (JsonProcessingException e) {
            throw new OpsException(OpsException.Kind.USAGE, where + ": not a list of ACLs as sluice acl writes them ("
                    + e.getOriginalMessage() + " at line " + e.getLocation().getLineNr() + ")", e);
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new OpsException(OpsException.Kind.USAGE, where + ": not a list of ACLs as sluice acl writes them (" + e.getMessage() + ")", e);
        }
    }
}
