package io.sluice.ctl;

import io.sluice.ops.OpsException;

/**
 * sluice's exit codes (documented in sluice(1)): 0 ok, 1 error (e.g. unreachable cluster), 2 usage (bad flag or
 * value), 3 not found (topic, group), 4 unhealthy (health checks; doctor's worst finding a warning), 5 critical (doctor), 6 denied
 * (authentication, TLS or authorization failed).
 */
final class ExitCodes {
    static final int OK = 0;
    static final int ERROR = 1;
    static final int USAGE = 2;
    static final int NOT_FOUND = 3;
    static final int UNHEALTHY = 4;
    static final int CRITICAL = 5;
    static final int DENIED = 6;

    private ExitCodes() {
    }

    static int of(OpsException.Kind kind) {
        return switch (kind) {
            case ERROR -> ERROR;
            case USAGE -> USAGE;
            case NOT_FOUND -> NOT_FOUND;
            case UNHEALTHY -> UNHEALTHY;
            case DENIED -> DENIED;
        };
    }
}
