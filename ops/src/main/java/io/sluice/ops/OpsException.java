package io.sluice.ops;

/**
 * A failure an operator can act on: a one-line message with the cause and a hint, and the exit code class it belongs
 * to. ctl prints the message; no stack trace unless verbose.
 */
public final class OpsException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** What kind of failure, for exit codes; DENIED: authentication, TLS or authorization failed. */
    public enum Kind { ERROR, USAGE, NOT_FOUND, UNHEALTHY, DENIED }

    private final Kind kind;

    public OpsException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public OpsException(Kind kind, String message) {
        this(kind, message, null);
    }

    public Kind kind() {
        return kind;
    }
}
