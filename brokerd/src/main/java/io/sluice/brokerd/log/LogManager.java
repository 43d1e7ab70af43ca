package io.sluice.brokerd.log;

import io.sluice.brokerd.common.TopicPartition;

import java.nio.file.Path;
import java.util.Collection;
import java.util.Optional;

/**
 * Owns the data directory: its lock file, the partition logs in it, recovery at start, the
 * recovery-point checkpoint, periodic maintenance and the clean-shutdown marker.
 * <p>
 * Layout (Kafka's): {@code <data.dir>/<topic>-<partition>/} per partition, plus {@code .lock},
 * {@code recovery-point-offset-checkpoint}, {@code log-start-offset-checkpoint} and {@code .kafka_cleanshutdown}
 * at the top. Thread-safe.
 */
public final class LogManager implements AutoCloseable {

    /**
     * Locks {@code dataDir} (throws {@link DataDirLockedException} naming the dir if another process holds it)
     * and loads every partition directory in it, recovering from the recovery point when the previous run
     * did not shut down cleanly. {@code configFor} gives each topic's effective config.
     */
    public static LogManager open(Path dataDir, java.util.function.Function<String, LogConfig> configFor,
                                  java.time.Clock clock) {
        throw new UnsupportedOperationException("storage: implement");
    }

    public Optional<PartitionLog> get(TopicPartition tp) {
        throw new UnsupportedOperationException("storage: implement");
    }

    /** Returns the log, creating its directory when absent. */
    public PartitionLog getOrCreate(TopicPartition tp, LogConfig config) {
        throw new UnsupportedOperationException("storage: implement");
    }

    /** Removes the partition's log; its files are deleted in the background. */
    public void delete(TopicPartition tp) {
        throw new UnsupportedOperationException("storage: implement");
    }

    public Collection<PartitionLog> logs() {
        throw new UnsupportedOperationException("storage: implement");
    }

    public Path dataDir() {
        throw new UnsupportedOperationException("storage: implement");
    }

    /** Roll, retention, flush and checkpoints for every log; the broker calls this every few seconds off the event loop. */
    public void maintain(long nowMs) {
        throw new UnsupportedOperationException("storage: implement");
    }

    /** Flushes every log, writes the checkpoints and the clean-shutdown marker, releases the lock. */
    @Override
    public void close() {
        throw new UnsupportedOperationException("storage: implement");
    }
}
