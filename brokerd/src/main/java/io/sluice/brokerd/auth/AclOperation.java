package io.sluice.brokerd.auth;

import java.util.EnumSet;
import java.util.Set;

/**
 * What a principal does to a resource, with Kafka's wire codes ({@code AclOperation}). {@link #ANY} appears only in
 * filters; {@link #UNKNOWN} stands for a code brokerd does not know (refused wherever it is read).
 */
public enum AclOperation {
    UNKNOWN(0), ANY(1), ALL(2), READ(3), WRITE(4), CREATE(5), DELETE(6), ALTER(7), DESCRIBE(8), CLUSTER_ACTION(9),
    DESCRIBE_CONFIGS(10), ALTER_CONFIGS(11), IDEMPOTENT_WRITE(12), CREATE_TOKENS(13), DESCRIBE_TOKENS(14),
    TWO_PHASE_COMMIT(15);

    private static final AclOperation[] BY_CODE = new AclOperation[16];

    static {
        for (AclOperation o : values()) {
            BY_CODE[o.code] = o;
        }
    }

    private final byte code;

    AclOperation(int code) {
        this.code = (byte) code;
    }

    public byte code() {
        return code;
    }

    public static AclOperation fromCode(byte code) {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : UNKNOWN;
    }

    /**
     * Whether an ALLOW ACL for this operation grants {@code requested}, with Kafka's implications: ALL grants
     * everything; READ, WRITE, DELETE and ALTER grant DESCRIBE; ALTER_CONFIGS grants DESCRIBE_CONFIGS. A DENY ACL
     * refuses only its own operation (or everything, for ALL): denying READ does not deny DESCRIBE.
     */
    public boolean allowImplies(AclOperation requested) {
        if (this == requested || this == ALL) {
            return true;
        }
        if (requested == DESCRIBE) {
            return this == READ || this == WRITE || this == DELETE || this == ALTER;
        }
        return requested == DESCRIBE_CONFIGS && this == ALTER_CONFIGS;
    }

    /** The operations Kafka defines on a resource type, for authorized-operations fields. */
    public static Set<AclOperation> supportedOn(ResourceType type) {
        return switch (type) {
            case TOPIC -> EnumSet.of(READ, WRITE, CREATE, DESCRIBE, DELETE, ALTER, DESCRIBE_CONFIGS, ALTER_CONFIGS);
            case GROUP -> EnumSet.of(READ, DESCRIBE, DELETE);
            case CLUSTER -> EnumSet.of(CREATE, CLUSTER_ACTION, DESCRIBE_CONFIGS, ALTER_CONFIGS, IDEMPOTENT_WRITE, ALTER, DESCRIBE);
            case TRANSACTIONAL_ID -> EnumSet.of(DESCRIBE, WRITE, TWO_PHASE_COMMIT);
            default -> EnumSet.noneOf(AclOperation.class);
        };
    }
}
