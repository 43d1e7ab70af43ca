package io.sluice.brokerd.log;

import java.nio.file.Path;

/** Another process holds the data directory's lock file. */
public final class DataDirLockedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public DataDirLockedException(Path dataDir) {
        super("data directory " + dataDir + " is in use by another brokerd (lock file " + dataDir.resolve(".lock") + ")");
    }
}
