package io.sluice.ctl;

import io.sluice.ops.Acls;
import io.sluice.ops.ClusterConnection;
import io.sluice.ops.OpsException;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourceType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code sluice acl create|list|delete}: kafka-acls.sh's model with rpk's flags. create and delete show their plan
 * (the ACLs they would add or remove) and change nothing without {@code --execute}; with it they first write a
 * rollback file (the ACLs, JSON) that the other command's {@code --from-file FILE --execute} applies.
 */
@Command(name = "acl", description = {"Manage ACLs (the cluster needs an authorizer: brokerd's authorizer.enabled, Kafka's authorizer.class.name).",
        "Principals are TYPE:NAME (User:alice; User:* is everyone); resources --topic, --group, --transactional-id "
                + "(repeatable; * is every name) and --cluster; --prefixed makes the names prefixes."},
        subcommands = {AclCommands.Create.class, AclCommands.ListAcls.class, AclCommands.Delete.class})
final class AclCommands {
    static final String ACL_FIELDS = "{\"principal\", \"host\", \"operation\", \"permission\", \"resourceType\", \"resourceName\", "
            + "\"patternType\"}: Kafka's names (operation READ, WRITE, ..., ALL; permission ALLOW or DENY; resourceType TOPIC, "
            + "GROUP, CLUSTER, TRANSACTIONAL_ID; patternType LITERAL or PREFIXED)";

    /** The resources an ACL command names. */
    static final class ResourceOptions {
        @Option(names = "--topic", paramLabel = "NAME", description = "A topic (* for all); repeatable")
        List<String> topics = new ArrayList<>();

        @Option(names = "--group", paramLabel = "NAME", description = "A consumer group (* for all); repeatable")
        List<String> groups = new ArrayList<>();

        @Option(names = "--transactional-id", paramLabel = "ID", description = "A transactional id (* for all); repeatable")
        List<String> transactionalIds = new ArrayList<>();

        @Option(names = "--cluster", description = "The cluster itself (create topics, alter configs, ...)")
        boolean cluster;

        @Option(names = "--prefixed", description = "The names are prefixes (PREFIXED pattern), not literal names")
        boolean prefixed;

        List<Acls.Resource> resources() {
            List<Acls.Resource> out = new ArrayList<>();
            topics.forEach(t -> out.add(new Acls.Resource(ResourceType.TOPIC, t)));
            groups.forEach(g -> out.add(new Acls.Resource(ResourceType.GROUP, g)));
            transactionalIds.forEach(t -> out.add(new Acls.Resource(ResourceType.TRANSACTIONAL_ID, t)));
            if (cluster) {
                out.add(new Acls.Resource(ResourceType.CLUSTER, org.apache.kafka.common.resource.Resource.CLUSTER_NAME));
            }
            return out;
        }
    }

    @Command(name = "create", footerHeading = Output.JSON_HEADING,
            footer = "{\"acls\": [ACL], \"executed\", \"rollbackFile\"}; an ACL is " + ACL_FIELDS + ".",
            description = {"Add ACLs: every --allow/--deny principal gets every --operation on every resource. Prints the plan; "
                    + "changes nothing without --execute.",
                    "--execute first writes the ACLs to a rollback file (see sluice config set) that "
                            + "'sluice acl delete --from-file FILE --execute' removes again.",
                    "Example: sluice acl create --allow User:alice --operation read,describe --topic orders --group app --execute"})
    static final class Create extends BaseCommand {
        @Option(names = {"--allow", "--allow-principal"}, paramLabel = "PRINCIPAL", description = "Allow this principal (User:alice); repeatable")
        List<String> allow = new ArrayList<>();

        @Option(names = {"--deny", "--deny-principal"}, paramLabel = "PRINCIPAL", description = "Deny this principal (deny beats allow); repeatable")
        List<String> deny = new ArrayList<>();

        @Option(names = "--operation", split = ",", paramLabel = "OP",
                description = "all, read, write, create, delete, alter, describe, cluster-action, describe-configs, alter-configs, "
                        + "idempotent-write, create-tokens, describe-tokens; comma-separated or repeated")
        List<String> operations = new ArrayList<>();

        @Option(names = "--host", paramLabel = "IP", description = "Only from this client address (default: * = any)")
        String host = "*";

        @Option(names = "--from-file", paramLabel = "FILE", description = "Create the ACLs of a rollback file of sluice acl delete")
        Path fromFile;

        @Mixin
        ResourceOptions resources;

        @Mixin
        ExecuteOptions execute;

        @Override
        public Integer call() {
            boolean apply = execute.apply(spec);
            List<Acls.Acl> acls = fromFile != null ? fromFile(fromFile, !allow.isEmpty() || !deny.isEmpty() || !operations.isEmpty()
                    || !resources.resources().isEmpty()) : planned();
            Path rollback = null;
            if (apply && !acls.isEmpty()) {
                rollback = Rollbacks.write("acl-create", "acls", "json", Acls.toJson(acls));
                try (ClusterConnection c = globals().connect()) {
                    Rollbacks.applying(rollback, () -> {
                        Acls.create(c, acls);
                        return null;
                    });
                }
            }
            return report(this, acls, apply, rollback, "created", "sluice acl delete");
        }

        private List<Acls.Acl> planned() {
            List<Acls.Resource> rs = resources.resources();
            if (allow.isEmpty() && deny.isEmpty()) {
                throw new OpsException(OpsException.Kind.USAGE, "name whom the ACL is for: --allow User:NAME or --deny User:NAME");
            }
            if (operations.isEmpty()) {
                throw new OpsException(OpsException.Kind.USAGE, "name what is allowed or denied: --operation read,describe,...");
            }
            if (rs.isEmpty()) {
                throw new OpsException(OpsException.Kind.USAGE, "name the resource: --topic, --group, --transactional-id or --cluster");
            }
            List<AclOperation> ops = operations.stream().map(Acls::operation).toList();
            String pattern = (resources.prefixed ? PatternType.PREFIXED : PatternType.LITERAL).name();
            List<Acls.Acl> out = new ArrayList<>();
            for (Acls.Resource r : rs) {
                for (AclOperation op : ops) {
                    allow.forEach(p -> out.add(new Acls.Acl(Acls.principal(p), host, op.name(), AclPermissionType.ALLOW.name(),
                            r.type().name(), r.name(), pattern)));
                    deny.forEach(p -> out.add(new Acls.Acl(Acls.principal(p), host, op.name(), AclPermissionType.DENY.name(),
                            r.type().name(), r.name(), pattern)));
                }
            }
            return out;
        }
    }

    /** The flags list and delete match ACLs with. */
    static final class MatchOptions {
        @Option(names = "--principal", paramLabel = "PRINCIPAL", description = "Only ACLs of this principal (User:alice)")
        String principal;

        @Option(names = "--operation", paramLabel = "OP", split = ",", description = "Only ACLs of these operations")
        List<String> operations = new ArrayList<>();

        @Option(names = "--host", paramLabel = "IP", description = "Only ACLs for this host")
        String host;

        @Option(names = "--permission", paramLabel = "ALLOW|DENY", description = "Only ALLOW or only DENY ACLs")
        String permission;

        @Option(names = "--match", description = "Every ACL that applies to the named resources (wildcards and matching prefixes too), "
                + "not only those with exactly these names")
        boolean match;

        @Mixin
        ResourceOptions resources;

        Acls.Filter filter() {
            PatternType pattern = match ? PatternType.MATCH : resources.prefixed ? PatternType.PREFIXED : PatternType.ANY;
            AclPermissionType perm = null;
            if (permission != null) {
                try {
                    perm = AclPermissionType.valueOf(permission.toUpperCase(java.util.Locale.ROOT));
                } catch (IllegalArgumentException e) {
                    throw new OpsException(OpsException.Kind.USAGE, "--permission " + permission + ": expected ALLOW or DENY", e);
                }
                if (perm != AclPermissionType.ALLOW && perm != AclPermissionType.DENY) {
                    throw new OpsException(OpsException.Kind.USAGE, "--permission " + permission + ": expected ALLOW or DENY");
                }
            }
            return new Acls.Filter(resources.resources(), pattern, principal == null ? null : Acls.principal(principal), host,
                    operations.stream().map(Acls::operation).toList(), perm);
        }

        boolean narrowed() {
            return principal != null || !resources.resources().isEmpty();
        }
    }

    @Command(name = "list", aliases = "ls", footerHeading = Output.JSON_HEADING,
            footer = "An array of ACLs " + ACL_FIELDS + ", ordered by resource, principal, host, operation.",
            description = "ACLs, all or those matching the flags (names exactly as given unless --prefixed or --match).")
    static final class ListAcls extends BaseCommand {
        @Mixin
        MatchOptions match;

        @Override
        public Integer call() {
            Acls.Filter filter = match.filter();
            try (ClusterConnection c = globals().connect()) {
                List<Acls.Acl> acls = Acls.list(c, filter);
                Output out = output();
                if (out.structured()) {
                    out.object(acls);
                } else {
                    out.table(List.of("PRINCIPAL", "HOST", "OPERATION", "PERMISSION", "RESOURCE", "NAME", "PATTERN"), rows(acls));
                }
                return ExitCodes.OK;
            }
        }
    }

    @Command(name = "delete", footerHeading = Output.JSON_HEADING,
            footer = "{\"acls\": [ACL], \"executed\", \"rollbackFile\"}; an ACL is " + ACL_FIELDS + ".",
            description = {"Remove the ACLs that match the flags (as sluice acl list shows them; a principal or a resource "
                    + "is needed). Prints them; removes nothing without --execute.",
                    "--execute first writes them to a rollback file that 'sluice acl create --from-file FILE --execute' "
                            + "restores; exactly the ACLs shown are removed, not ones added since."})
    static final class Delete extends BaseCommand {
        @Mixin
        MatchOptions match;

        @Option(names = "--from-file", paramLabel = "FILE", description = "Remove the ACLs of a rollback file of sluice acl create")
        Path fromFile;

        @Mixin
        ExecuteOptions execute;

        @Override
        public Integer call() {
            boolean apply = execute.apply(spec);
            if (fromFile == null && !match.narrowed()) {
                throw new OpsException(OpsException.Kind.USAGE, "name what to delete: --principal, --topic, --group, --transactional-id "
                        + "or --cluster (to delete every ACL, say --topic '*' --group '*' ... explicitly)");
            }
            List<Acls.Acl> acls;
            Path rollback = null;
            try (ClusterConnection c = globals().connect()) {
                acls = fromFile != null ? fromFile(fromFile, match.narrowed()) : Acls.list(c, match.filter());
                if (apply && !acls.isEmpty()) {
                    rollback = Rollbacks.write("acl-delete", "acls", "json", Acls.toJson(acls));
                    List<Acls.Acl> planned = acls;
                    acls = Rollbacks.applying(rollback, () -> Acls.delete(c, planned));
                }
            }
            return report(this, acls, apply, rollback, "deleted", "sluice acl create");
        }
    }

    private static List<Acls.Acl> fromFile(Path file, boolean alsoFlags) {
        if (alsoFlags) {
            throw new OpsException(OpsException.Kind.USAGE, "--from-file takes the ACLs from the file: give no principal, operation or resource with it");
        }
        return Acls.fromJson(Rollbacks.read(file), file.toString());
    }

    private static int report(BaseCommand cmd, List<Acls.Acl> acls, boolean executed, Path rollback, String done, String undo) {
        Output out = cmd.output();
        if (out.structured()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("acls", acls);
            m.put("executed", executed);
            m.put("rollbackFile", rollback == null ? null : rollback.toString());
            out.object(m);
            return ExitCodes.OK;
        }
        out.table(List.of("PRINCIPAL", "HOST", "OPERATION", "PERMISSION", "RESOURCE", "NAME", "PATTERN"), rows(acls));
        if (out.headers()) {
            if (acls.isEmpty()) {
                out.line("no ACLs match: nothing to do");
            } else if (executed) {
                out.line(acls.size() + " ACL(s) " + done + "; undo: " + undo + " --from-file " + rollback + " --execute");
            } else {
                out.line("dry run: nothing changed; add --execute to apply");
            }
        }
        return ExitCodes.OK;
    }

    private static List<List<String>> rows(List<Acls.Acl> acls) {
        List<List<String>> rows = new ArrayList<>();
        acls.forEach(a -> rows.add(List.of(a.principal(), a.host(), a.operation(), a.permission(), a.resourceType(), a.resourceName(), a.patternType())));
        return rows;
    }

    private AclCommands() {
    }
}
