package io.sluice.brokerd.api;

import io.sluice.brokerd.auth.AclBinding;
import io.sluice.brokerd.auth.AclFilter;
import io.sluice.brokerd.auth.AclOperation;
import io.sluice.brokerd.auth.AclPermission;
import io.sluice.brokerd.auth.PatternType;
import io.sluice.brokerd.auth.ResourceType;
import io.sluice.brokerd.metadata.MetadataWriter;
import io.sluice.brokerd.network.ApiRegistry;
import io.sluice.brokerd.network.RequestContext;
import org.apache.kafka.common.message.CreateAclsRequestData;
import org.apache.kafka.common.message.CreateAclsResponseData;
import org.apache.kafka.common.message.DeleteAclsRequestData;
import org.apache.kafka.common.message.DeleteAclsResponseData;
import org.apache.kafka.common.message.DescribeAclsRequestData;
import org.apache.kafka.common.message.DescribeAclsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * CreateAcls (30), DescribeAcls (29), DeleteAcls (31), v1-3 (v0 is gone from kafka-clients 4), over the ACLs in the
 * controller metadata. Without an authorizer (authorizer.enabled false) they answer SECURITY_DISABLED, as Kafka does
 * with no authorizer configured. Creating and deleting need ALTER on the cluster, describing DESCRIBE on it.
 * <p>
 * Bad input gets INVALID_REQUEST with a message naming what is wrong, per creation or filter: unknown codes of
 * resource type, pattern type, operation or permission, an empty or unparseable principal, ANY/MATCH in a creation,
 * DELEGATION_TOKEN or USER resources (brokerd has neither), the cluster resource under another name than
 * kafka-cluster. A request with more than {@link #MAX_PER_REQUEST} creations or filters is refused whole (Kafka bounds a
 * request's metadata records the same way). Changes are committed through the controller in chunks that fit its entry
 * limit; each chunk is atomic, a request is not.
 */
public final class AclHandlers {
    /** Most creations or filters one request may carry (Kafka's controller: 10,000 records per request). */
    static final int MAX_PER_REQUEST = 10_000;
    /** JSON bytes of one ACL besides its strings (which take at most 6 bytes a char, escaped), for chunking under the controller's 64 KiB entry limit. */
    private static final int ACL_OVERHEAD_BYTES = 200;
    private static final int CHUNK_BYTES = 48 * 1024;

    private final MetadataWriter writer;
    private final RequestAuthorizer authorizer;

    public AclHandlers(MetadataWriter writer, RequestAuthorizer authorizer) {
        this.writer = writer;
        this.authorizer = authorizer;
    }

    public void register(ApiRegistry apis) {
        apis.register(ApiKeys.DESCRIBE_ACLS, 1, 3, (ctx, r) -> CompletableFuture.completedFuture(describe(ctx, (DescribeAclsRequestData) r)));
        apis.register(ApiKeys.CREATE_ACLS, 1, 3, (ctx, r) -> CompletableFuture.supplyAsync(() -> create(ctx, (CreateAclsRequestData) r), ctx.executor()));
        apis.register(ApiKeys.DELETE_ACLS, 1, 3, (ctx, r) -> CompletableFuture.supplyAsync(() -> delete(ctx, (DeleteAclsRequestData) r), ctx.executor()));
    }

    ApiMessage describe(RequestContext ctx, DescribeAclsRequestData req) {
        DescribeAclsResponseData resp = new DescribeAclsResponseData();
        if (!authorizer.enabled()) {
            return resp.setErrorCode(Errors.SECURITY_DISABLED.code()).setErrorMessage("No authorizer is configured (authorizer.enabled is false)");
        }
        if (!authorizer.authorize(ctx, AclOperation.DESCRIBE, ResourceType.CLUSTER, ResourceType.CLUSTER_NAME)) {
            return resp.setErrorCode(Errors.CLUSTER_AUTHORIZATION_FAILED.code()).setErrorMessage("DESCRIBE on the cluster is needed to describe ACLs");
        }
        AclFilter filter = new AclFilter(ResourceType.fromCode(req.resourceTypeFilter()), req.resourceNameFilter(),
                PatternType.fromCode(req.patternTypeFilter()), req.principalFilter(), req.hostFilter(),
                AclOperation.fromCode(req.operation()), AclPermission.fromCode(req.permissionType()));
        Optional<String> invalid = filter.validate();
        if (invalid.isPresent()) {
            return resp.setErrorCode(Errors.INVALID_REQUEST.code()).setErrorMessage(invalid.get());
        }
        Map<List<Object>, DescribeAclsResponseData.DescribeAclsResource> byResource = new LinkedHashMap<>();
        for (AclBinding acl : writer.image().acls()) {
            if (!filter.matches(acl)) {
                continue;
            }
            byResource.computeIfAbsent(List.of(acl.resourceType(), acl.patternType(), acl.resourceName()),
                    k -> new DescribeAclsResponseData.DescribeAclsResource().setResourceType(acl.resourceType().code())
                            .setResourceName(acl.resourceName()).setPatternType(acl.patternType().code()))
                    .acls().add(new DescribeAclsResponseData.AclDescription().setPrincipal(acl.principal()).setHost(acl.host())
                            .setOperation(acl.operation().code()).setPermissionType(acl.permission().code()));
        }
        return resp.setErrorCode(Errors.NONE.code()).setResources(new ArrayList<>(byResource.values()));
    }

    ApiMessage create(RequestContext ctx, CreateAclsRequestData req) {
        CreateAclsResponseData resp = new CreateAclsResponseData();
        int n = req.creations().size();
        Refusal whole = refusal(ctx, n, "create ACLs", " ACLs");
        if (whole != null) {
            for (int i = 0; i < n; i++) {
                resp.results().add(new CreateAclsResponseData.AclCreationResult().setErrorCode(whole.error().code())
                        .setErrorMessage(whole.message()));
            }
            return resp;
        }
        List<CreateAclsResponseData.AclCreationResult> results = new ArrayList<>(n);
        List<AclBinding> valid = new ArrayList<>();
        List<CreateAclsResponseData.AclCreationResult> validResults = new ArrayList<>();
        for (CreateAclsRequestData.AclCreation c : req.creations()) {
            AclBinding acl = new AclBinding(ResourceType.fromCode(c.resourceType()), c.resourceName(),
                    PatternType.fromCode(c.resourcePatternType()), c.principal(), c.host(), AclOperation.fromCode(c.operation()),
                    AclPermission.fromCode(c.permissionType()));
            CreateAclsResponseData.AclCreationResult result = new CreateAclsResponseData.AclCreationResult().setErrorCode(Errors.NONE.code());
            Optional<String> invalid = acl.validate();
            if (invalid.isPresent()) {
                result.setErrorCode(Errors.INVALID_REQUEST.code()).setErrorMessage(invalid.get());
            } else {
                valid.add(acl);
                validResults.add(result);
            }
            results.add(result);
        }
        int from = 0;
        for (List<AclBinding> chunk : chunks(valid)) {
            MetadataWriter.Outcome outcome = writer.createAcls(chunk);
            if (outcome.error() != null) {
                Errors e = controllerError(outcome.error());
                for (int i = from; i < from + chunk.size(); i++) {
                    validResults.get(i).setErrorCode(e.code()).setErrorMessage(outcome.message());
                }
            }
            from += chunk.size();
        }
        return resp.setResults(results);
    }

    /** Why a whole CreateAcls or DeleteAcls request is refused, before any of its entries is looked at. */
    private record Refusal(Errors error, String message) {
    }

    /** The refusal of a whole request of {@code n} entries to {@code action}, or null when it may go on. */
    private Refusal refusal(RequestContext ctx, int n, String action, String entries) {
        if (!authorizer.enabled()) {
            return new Refusal(Errors.SECURITY_DISABLED, "No authorizer is configured (authorizer.enabled is false)");
        }
        if (!authorizer.authorize(ctx, AclOperation.ALTER, ResourceType.CLUSTER, ResourceType.CLUSTER_NAME)) {
            return new Refusal(Errors.CLUSTER_AUTHORIZATION_FAILED, "ALTER on the cluster is needed to " + action);
        }
        if (n > MAX_PER_REQUEST) {
            return new Refusal(Errors.INVALID_REQUEST, n + entries + " in one request; at most " + MAX_PER_REQUEST);
        }
        return null;
    }

    ApiMessage delete(RequestContext ctx, DeleteAclsRequestData req) {
        DeleteAclsResponseData resp = new DeleteAclsResponseData();
        int n = req.filters().size();
        Refusal whole = refusal(ctx, n, "delete ACLs", " filters");
        if (whole != null) {
            for (int i = 0; i < n; i++) {
                resp.filterResults().add(new DeleteAclsResponseData.DeleteAclsFilterResult().setErrorCode(whole.error().code())
                        .setErrorMessage(whole.message()));
            }
            return resp;
        }
        List<AclBinding> current = writer.image().acls();
        Set<AclBinding> toDelete = new LinkedHashSet<>();
        List<List<AclBinding>> matchesPerFilter = new ArrayList<>();
        for (DeleteAclsRequestData.DeleteAclsFilter f : req.filters()) {
            AclFilter filter = new AclFilter(ResourceType.fromCode(f.resourceTypeFilter()), f.resourceNameFilter(),
                    PatternType.fromCode(f.patternTypeFilter()), f.principalFilter(), f.hostFilter(),
                    AclOperation.fromCode(f.operation()), AclPermission.fromCode(f.permissionType()));
            DeleteAclsResponseData.DeleteAclsFilterResult result = new DeleteAclsResponseData.DeleteAclsFilterResult().setErrorCode(Errors.NONE.code());
            resp.filterResults().add(result);
            Optional<String> invalid = filter.validate();
            if (invalid.isPresent()) {
                result.setErrorCode(Errors.INVALID_REQUEST.code()).setErrorMessage(invalid.get());
                matchesPerFilter.add(List.of());
                continue;
            }
            List<AclBinding> matches = current.stream().filter(filter::matches).toList();
            toDelete.addAll(matches);
            matchesPerFilter.add(matches);
        }
        Map<AclBinding, MetadataWriter.Outcome> failed = new LinkedHashMap<>();
        for (List<AclBinding> chunk : chunks(new ArrayList<>(toDelete))) {
            MetadataWriter.Outcome outcome = writer.deleteAcls(chunk);
            if (outcome.error() != null) {
                chunk.forEach(acl -> failed.put(acl, outcome));
            }
        }
        for (int i = 0; i < n; i++) {
            DeleteAclsResponseData.DeleteAclsFilterResult result = resp.filterResults().get(i);
            for (AclBinding acl : matchesPerFilter.get(i)) {
                MetadataWriter.Outcome outcome = failed.get(acl);
                result.matchingAcls().add(new DeleteAclsResponseData.DeleteAclsMatchingAcl()
                        .setErrorCode(outcome == null ? Errors.NONE.code() : controllerError(outcome.error()).code())
                        .setErrorMessage(outcome == null ? null : outcome.message())
                        .setResourceType(acl.resourceType().code()).setResourceName(acl.resourceName())
                        .setPatternType(acl.patternType().code()).setPrincipal(acl.principal()).setHost(acl.host())
                        .setOperation(acl.operation().code()).setPermissionType(acl.permission().code()));
            }
        }
        return resp;
    }

    /** Splits ACLs into lists whose controller entries stay under its limit. */
    static List<List<AclBinding>> chunks(List<AclBinding> acls) {
        List<List<AclBinding>> out = new ArrayList<>();
        List<AclBinding> chunk = new ArrayList<>();
        int bytes = 0;
        for (AclBinding acl : acls) {
            int size = ACL_OVERHEAD_BYTES + 6 * (acl.resourceName().length() + acl.principal().length() + acl.host().length());
            if (!chunk.isEmpty() && bytes + size > CHUNK_BYTES) {
                out.add(chunk);
                chunk = new ArrayList<>();
                bytes = 0;
            }
            chunk.add(acl);
            bytes += size;
        }
        if (!chunk.isEmpty()) {
            out.add(chunk);
        }
        return out;
    }

    private static Errors controllerError(String error) {
        return "TIMED_OUT".equals(error) ? Errors.REQUEST_TIMED_OUT
                : "INVALID_REQUEST".equals(error) ? Errors.INVALID_REQUEST : Errors.UNKNOWN_SERVER_ERROR;
    }
}
