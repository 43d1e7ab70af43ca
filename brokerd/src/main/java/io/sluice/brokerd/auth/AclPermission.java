package io.sluice.brokerd.auth;

/** Whether an ACL allows or denies, with Kafka's wire codes ({@code AclPermissionType}); ANY only in filters. */
public enum AclPermission {
    UNKNOWN(0), ANY(1), DENY(2), ALLOW(3);

    private final byte code;

    AclPermission(int code) {
        this.code = (byte) code;
    }

    public byte code() {
        return code;
    }

    public static AclPermission fromCode(byte code) {
        for (AclPermission p : values()) {
            if (p.code == code) {
                return p;
            }
        }
        return UNKNOWN;
    }
}
