package io.sluice.brokerd.auth;

import java.util.Comparator;
import java.util.Optional;

/**
 * One stored ACL, as Kafka's {@code AclBinding}: a resource pattern (type, name, LITERAL or PREFIXED) and an entry
 * (principal {@code Type:name} or {@code User:*}, host IP or {@code *}, operation, ALLOW or DENY). It is part of the
 * controller metadata (JSON in the Raft log and snapshots), so it holds only broker types.
 */
public record AclBinding(ResourceType resourceType, String resourceName, PatternType patternType, String principal,
                         String host, AclOperation operation, AclPermission permission) {
    /** The resource name and principal wildcard. */
    public static final String WILDCARD = "*";
    /** Longest resource name, principal or host brokerd stores (the controller's entries are bounded). */
    public static final int MAX_STRING_CHARS = 1024;

    /** The order ACLs are kept in the image (and DescribeAcls answers in). */
    public static final Comparator<AclBinding> ORDER = Comparator.comparing(AclBinding::resourceType)
            .thenComparing(AclBinding::patternType).thenComparing(AclBinding::resourceName)
            .thenComparing(AclBinding::principal).thenComparing(AclBinding::host)
            .thenComparing(AclBinding::operation).thenComparing(AclBinding::permission);

    /**
     * Why this ACL cannot be stored, as Kafka's controller checks a new ACL (its INVALID_REQUEST message), or empty
     * when it can.
     */
    public Optional<String> validate() {
        if (resourceType == null || !resourceType.isAuthorizable()) {
            return Optional.of("Invalid resource type " + resourceType + ": brokerd stores ACLs for TOPIC, GROUP, CLUSTER and TRANSACTIONAL_ID");
        }
        if (patternType != PatternType.LITERAL && patternType != PatternType.PREFIXED) {
            return Optional.of("Invalid pattern type " + patternType + ": an ACL is LITERAL or PREFIXED");
        }
        if (operation == null || operation == AclOperation.ANY || operation == AclOperation.UNKNOWN) {
            return Optional.of("Invalid operation " + operation);
        }
        if (permission != AclPermission.ALLOW && permission != AclPermission.DENY) {
            return Optional.of("Invalid permission type " + permission + ": an ACL is ALLOW or DENY");
        }
        if (resourceName == null || resourceName.isEmpty()) {
            return Optional.of("Resource name should not be empty");
        }
        if (resourceType == ResourceType.CLUSTER && !resourceName.equals(ResourceType.CLUSTER_NAME)) {
            return Optional.of("The only valid name for the CLUSTER resource is " + ResourceType.CLUSTER_NAME);
        }
        if (principal == null || principal.indexOf(':') <= 0 || principal.indexOf(':') == principal.length() - 1) {
            return Optional.of("Could not parse principal '" + principal + "': expected Type:name, such as User:alice");
        }
        if (host == null || host.isEmpty()) {
            return Optional.of("Invalid host '" + host + "': an IP address or *");
        }
        if (resourceName.length() > MAX_STRING_CHARS || principal.length() > MAX_STRING_CHARS || host.length() > MAX_STRING_CHARS) {
            return Optional.of("Resource name, principal and host are limited to " + MAX_STRING_CHARS + " characters");
        }
        return Optional.empty();
    }
}
