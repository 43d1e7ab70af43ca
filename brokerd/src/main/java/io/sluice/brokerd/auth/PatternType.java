package io.sluice.brokerd.auth;

/**
 * How an ACL's resource name matches, with Kafka's wire codes ({@code PatternType}): LITERAL (the name itself, or
 * every resource when it is {@code *}) and PREFIXED (every name starting with it) are stored; ANY and MATCH appear only
 * in filters (ANY: any pattern type with exactly that name; MATCH: every ACL that would apply to a resource of that name).
 */
public enum PatternType {
    UNKNOWN(0), ANY(1), MATCH(2), LITERAL(3), PREFIXED(4);

    private final byte code;

    PatternType(int code) {
        this.code = (byte) code;
    }

    public byte code() {
        return code;
    }

    public static PatternType fromCode(byte code) {
        for (PatternType t : values()) {
            if (t.code == code) {
                return t;
            }
        }
        return UNKNOWN;
    }
}
