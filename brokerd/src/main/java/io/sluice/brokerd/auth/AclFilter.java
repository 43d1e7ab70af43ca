package io.sluice.brokerd.auth;

import java.util.Optional;

/**
 * Selects ACLs for DescribeAcls and DeleteAcls, as Kafka's {@code AclBindingFilter}: a null string matches any value;
 * ANY matches any enum value; pattern type MATCH with a name selects every ACL that applies to a resource of that name
 * (the literal name, the literal {@code *} and every prefix of it).
 */
public record AclFilter(ResourceType resourceType, String resourceName, PatternType patternType, String principal,
                        String host, AclOperation operation, AclPermission permission) {

    /** Why this filter cannot be used (Kafka answers INVALID_REQUEST), or empty. */
    public Optional<String> validate() {
        if (resourceType == ResourceType.UNKNOWN) {
            return Optional.of("Invalid resource type in the filter");
        }
        if (patternType == PatternType.UNKNOWN) {
            return Optional.of("Invalid pattern type in the filter");
        }
        if (operation == AclOperation.UNKNOWN) {
            return Optional.of("Invalid operation in the filter");
        }
        if (permission == AclPermission.UNKNOWN) {
            return Optional.of("Invalid permission type in the filter");
        }
        return Optional.empty();
    }

    public boolean matches(AclBinding acl) {
        return matchesPattern(acl) && (principal == null || principal.equals(acl.principal()))
                && (host == null || host.equals(acl.host()))
                && (operation == AclOperation.ANY || operation == acl.operation())
                && (permission == AclPermission.ANY || permission == acl.permission());
    }

    private boolean matchesPattern(AclBinding acl) {
        if (resourceType != ResourceType.ANY && resourceType != acl.resourceType()) {
            return false;
        }
        if (patternType != PatternType.ANY && patternType != PatternType.MATCH && patternType != acl.patternType()) {
            return false;
        }
        if (resourceName == null) {
            return true;
        }
        if (patternType == PatternType.ANY || patternType == acl.patternType()) {
            return resourceName.equals(acl.resourceName());
        }
        return switch (acl.patternType()) {
            case LITERAL -> resourceName.equals(acl.resourceName()) || acl.resourceName().equals(AclBinding.WILDCARD);
            case PREFIXED -> resourceName.startsWith(acl.resourceName());
            default -> false;
        };
    }
}
