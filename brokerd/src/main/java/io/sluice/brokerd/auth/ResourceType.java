package io.sluice.brokerd.auth;

/**
 * The kinds of resource an ACL names, with Kafka's wire codes ({@code ResourceType}). brokerd authorizes TOPIC,
 * GROUP, CLUSTER and TRANSACTIONAL_ID; DELEGATION_TOKEN and USER exist on the wire but brokerd has neither delegation
 * tokens nor per-user quotas, so ACLs on them are refused (INVALID_REQUEST) rather than stored unused.
 */
public enum ResourceType {
    UNKNOWN(0), ANY(1), TOPIC(2), GROUP(3), CLUSTER(4), TRANSACTIONAL_ID(5), DELEGATION_TOKEN(6), USER(7);

    /** The name of the one CLUSTER resource, as Kafka spells it. */
    public static final String CLUSTER_NAME = "kafka-cluster";

    private final byte code;

    ResourceType(int code) {
        this.code = (byte) code;
    }

    public byte code() {
        return code;
    }

    public static ResourceType fromCode(byte code) {
        for (ResourceType t : values()) {
            if (t.code == code) {
                return t;
            }
        }
        return UNKNOWN;
    }

    /** True for the types brokerd stores ACLs for and authorizes. */
    public boolean isAuthorizable() {
        return this == TOPIC || this == GROUP || this == CLUSTER || this == TRANSACTIONAL_ID;
    }
}
