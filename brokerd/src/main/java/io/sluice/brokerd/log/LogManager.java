package io.sluice.brokerd.log;

import io.sluice.brokerd.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Owns the data directory: its lock file, the partition logs in it, recovery at start, the checkpoints, periodic
 * maintenance and the clean-shutdown marker.
 * <p>
 * Layout (Kafka's): {@code <data.dir>/<topic>-<partition>/} per partition, plus {@code .lock},
 * {@code recovery-point-offset-checkpoint}, {@code log-start-offset-checkpoint} and {@code .kafka_cleanshutdown}
 * at the top. A deleted partition's directory is renamed {@code <topic>-<partition>.<uuid>-delete} and removed
 * after the file delete delay.
 * <p>
 * Failures: the directory's {@link LogDirHealth} is shared by every log in it. Once an I/O error has taken it offline,
 * nothing more is written to it (no checkpoint, no clean-shutdown marker: the next start recovers every log) and no
 * log is created in it. {@link #close} closes every log however many fail, and always releases the lock.
 * Thread-safe.
 */
public final class LogManager implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LogManager.class);
    static final String CLEAN_SHUTDOWN = ".kafka_cleanshutdown";
    static final String RECOVERY_POINTS = "recovery-point-offset-checkpoint";
    static final String LOG_START_OFFSETS = "log-start-offset-checkpoint";
    static final String HIGH_WATERMARKS = "replication-offset-checkpoint";
    private static final Pattern PARTITION_DIR = Pattern.compile("^(.+)-(\\d+)$");

    private final Path dataDir;
    private final Clock clock;
    private final LogEnvironment env;
    private final LogDirHealth health;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final Map<TopicPartition, PartitionLog> logs = new ConcurrentHashMap<>();
    private final List<PendingDirDelete> pendingDirDeletes = new ArrayList<>();
    private volatile boolean closed;

    private record PendingDirDelete(PartitionLog log, Path dir, long dueMs) {
    }

    private LogManager(Path dataDir, LogEnvironment env, FileChannel lockChannel, FileLock lock) {
        this.dataDir = dataDir;
        this.clock = env.clock();
        this.env = env;
        this.health = env.health();
        this.lockChannel = lockChannel;
        this.lock = lock;
    }

    /** As {@link #open(Path, Function, Clock, boolean)} with the OS deciding when to write back. */
    public static LogManager open(Path dataDir, Function<String, LogConfig> configFor, Clock clock) {
        return open(dataDir, configFor, clock, false);
    }

    /**
     * Locks {@code dataDir} (throws {@link DataDirLockedException} if another broker holds it) and loads every
     * partition directory in it, recovering from the recovery point when the previous run did not shut down cleanly.
     * {@code configFor} gives each topic's effective config; {@code fsyncEveryAppend} fsyncs before every ack.
     */
    public static LogManager open(Path dataDir, Function<String, LogConfig> configFor, Clock clock, boolean fsyncEveryAppend) {
        return open(dataDir, configFor, LogEnvironment.of(fsyncEveryAppend).withClock(clock));
    }

    /**
     * As above, the logs' background fsyncs (a rolled segment, the directory, leader-epoch checkpoints) running on
     * {@code background}: the broker's log maintenance thread, never one that serves requests.
     */
    public static LogManager open(Path dataDir, Function<String, LogConfig> configFor, Clock clock, boolean fsyncEveryAppend,
                                  Executor background) {
        return open(dataDir, configFor, LogEnvironment.of(fsyncEveryAppend).withClock(clock).withBackground(background));
    }

    /**
     * As above, the segment files opened through {@code files} (a {@link DiskFaults} when the broker runs with fault
     * injection on).
     */
    public static LogManager open(Path dataDir, Function<String, LogConfig> configFor, Clock clock, boolean fsyncEveryAppend,
                                  Executor background, DiskFaults files) {
        return open(dataDir, configFor, LogEnvironment.of(fsyncEveryAppend).withClock(clock).withBackground(background)
                .withFiles(files));
    }

    /** As above, the logs living in {@code env} (its health replaced by one for {@code dataDir}). */
    static LogManager open(Path dataDir, Function<String, LogConfig> configFor, LogEnvironment environment) {
        LogEnvironment env = environment.withHealth(new LogDirHealth(dataDir));
        try {
            Files.createDirectories(dataDir);
            FileChannel ch = FileChannel.open(dataDir.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock fl;
            try {
                fl = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                fl = null;
            }
            if (fl == null) {
                ch.close();
                throw new DataDirLockedException(dataDir);
            }
            LogManager lm = new LogManager(dataDir, env, ch, fl);
            lm.loadLogs(configFor);
            return lm;
        } catch (IOException e) {
            throw new UncheckedIOException("opening data directory " + dataDir, e);
        }
    }

    private void loadLogs(Function<String, LogConfig> configFor) throws IOException {
        Path marker = dataDir.resolve(CLEAN_SHUTDOWN);
        boolean clean = Files.exists(marker);
        Map<TopicPartition, Long> recoveryPoints = readCheckpoint(RECOVERY_POINTS);
        Map<TopicPartition, Long> logStarts = readCheckpoint(LOG_START_OFFSETS);
        Map<TopicPartition, Long> highWatermarks = readCheckpoint(HIGH_WATERMARKS);
        List<Path> dirs = new ArrayList<>();
        try (Stream<Path> list = Files.list(dataDir)) {
            list.filter(Files::isDirectory).forEach(dirs::add);
        }
        long nowMs = clock.millis();
        for (Path dir : dirs) {
            String name = dir.getFileName().toString();
            if (name.endsWith("-delete")) {
                deleteRecursively(dir);
                continue;
            }
            Matcher m = PARTITION_DIR.matcher(name);
            if (!m.matches()) {
                continue;
            }
            TopicPartition tp = new TopicPartition(m.group(1), Integer.parseInt(m.group(2)));
            PartitionLog pl = PartitionLog.open(tp, dir, configFor.apply(tp.topic()), !clean,
                    recoveryPoints.getOrDefault(tp, 0L), logStarts.getOrDefault(tp, 0L), highWatermarks.getOrDefault(tp, -1L),
                    env, nowMs);
            logs.put(tp, pl);
        }
        if (!clean && !logs.isEmpty()) {
            log.info("Previous shutdown of {} was not clean: recovered {} partition logs", dataDir, logs.size());
        }
        Files.deleteIfExists(marker);
    }

    private Map<TopicPartition, Long> readCheckpoint(String name) {
        try {
            return Checkpoints.read(dataDir.resolve(name));
        } catch (IOException | RuntimeException e) {
            log.warn("Ignoring unreadable checkpoint {} ({}); logs are recovered from their start", dataDir.resolve(name), e.toString());
            return new HashMap<>();
        }
    }

    public Optional<PartitionLog> get(TopicPartition tp) {
        return Optional.ofNullable(logs.get(tp));
    }

    /** The data directory's health (online, full, offline), shared by its logs. */
    public LogDirHealth health() {
        return health;
    }

    /**
     * Returns the log, creating its directory when absent. Refuses (IllegalStateException) to create one while the
     * directory is offline; an I/O error creating it takes the directory offline.
     */
    public PartitionLog getOrCreate(TopicPartition tp, LogConfig config) {
        return logs.computeIfAbsent(tp, k -> {
            if (health.isOffline()) {
                throw new IllegalStateException("log directory " + dataDir + " is offline (" + health.cause()
                        + "): cannot create the log of " + tp);
            }
            try {
                PartitionLog pl = PartitionLog.open(tp, dataDir.resolve(tp.toString()), config, false, 0, 0, -1, env);
                Checkpoints.fsyncDir(dataDir);
                return pl;
            } catch (IOException e) {
                health.failed("creating the log of " + tp, e);
                throw new UncheckedIOException("creating log " + tp + ": " + e, e);
            } catch (UncheckedIOException e) {
                health.failed("creating the log of " + tp, e.getCause());
                throw e;
            }
        });
    }

    /**
     * Removes the partition's log: its directory is renamed {@code <tp>.<uuid>-delete} at once and deleted after the
     * topic's {@code file.delete.delay.ms}, the files staying open until then so that in-flight reads finish.
     */
    public void delete(TopicPartition tp) {
        PartitionLog pl = logs.remove(tp);
        if (pl == null) {
            return;
        }
        Path renamed = dataDir.resolve(tp + "." + UUID.randomUUID().toString().replace("-", "") + "-delete");
        pl.retire(); // a maintenance pass or an append racing this must not take the missing old path for a disk error
        try {
            Files.move(pl.dir(), renamed);
            Checkpoints.fsyncDir(dataDir);
        } catch (IOException e) {
            health.failed("deleting the log of " + tp, e);
            throw new UncheckedIOException("deleting log " + tp, e);
        }
        synchronized (pendingDirDeletes) {
            pendingDirDeletes.add(new PendingDirDelete(pl, renamed, clock.millis() + pl.config().fileDeleteDelayMs()));
        }
    }

    /**
     * After the directory went offline: closes every log's files without flushing (as a crash would leave them; the
     * next start recovers them), since nothing is written or read there any more. This gives back their descriptors,
     * which is what the directory may have run out of, so that the broker goes on serving everything else (the
     * controller, metadata, new connections).
     */
    public void releaseOfflineLogs() {
        if (!health.isOffline()) {
            throw new IllegalStateException("log directory " + dataDir + " is online: its logs are in use");
        }
        for (PartitionLog pl : logs.values()) {
            pl.abandon();
        }
        log.info("Closed the files of the {} logs in offline log directory {}", logs.size(), dataDir);
    }

    public Collection<PartitionLog> logs() {
        return logs.values();
    }

    public Path dataDir() {
        return dataDir;
    }

    /**
     * Roll, retention, flush and checkpoints for every log; the broker calls this periodically off the event loop.
     * Nothing while the directory is offline.
     */
    public void maintain(long nowMs) {
        if (health.isOffline()) {
            return;
        }
        for (PartitionLog pl : logs.values()) {
            pl.maintain(nowMs);
        }
        deleteDueDirs(nowMs);
        if (!health.isOffline()) {
            writeCheckpoints();
        }
    }

    /**
     * Compacts every compacted log that is dirty enough (the broker's cleaner thread calls this). A pass that fails is
     * retried on the next one; when the disk failed it, the directory goes offline.
     */
    public void clean(LogCleaner cleaner, long nowMs) {
        for (PartitionLog pl : logs.values()) {
            try {
                cleaner.maybeClean(pl, nowMs, LogCleaner.StepHook.NONE);
            } catch (UncheckedIOException e) {
                IOException cause = e.getCause();
                if (DiskFaults.isNoSpace(cause) || cause instanceof java.nio.channels.ClosedChannelException) {
                    // No room for the cleaned copy, or the segment was deleted and closed under a long pass.
                    log.warn("Compaction of {} failed ({}); it is retried on the next pass", pl.topicPartition(), cause.toString());
                } else {
                    health.failed("compacting " + pl.topicPartition(), cause);
                }
            } catch (RuntimeException e) {
                log.error("Compaction of {} failed; it is retried on the next pass", pl.topicPartition(), e);
            }
        }
    }

    private void deleteDueDirs(long nowMs) {
        List<PendingDirDelete> due = new ArrayList<>();
        synchronized (pendingDirDeletes) {
            pendingDirDeletes.removeIf(p -> {
                if (p.dueMs() <= nowMs) {
                    due.add(p);
                    return true;
                }
                return false;
            });
        }
        for (PendingDirDelete p : due) {
            p.log().closeDeleted();
            deleteRecursively(p.dir());
        }
    }

    private void writeCheckpoints() {
        Map<TopicPartition, Long> recovery = new HashMap<>();
        Map<TopicPartition, Long> starts = new HashMap<>();
        Map<TopicPartition, Long> highWatermarks = new HashMap<>();
        for (PartitionLog pl : logs.values()) {
            recovery.put(pl.topicPartition(), pl.recoveryPoint());
            starts.put(pl.topicPartition(), pl.logStartOffset());
            highWatermarks.put(pl.topicPartition(), pl.highWatermark());
        }
        try {
            Checkpoints.write(dataDir.resolve(RECOVERY_POINTS), recovery);
            Checkpoints.write(dataDir.resolve(LOG_START_OFFSETS), starts);
            Checkpoints.write(dataDir.resolve(HIGH_WATERMARKS), highWatermarks);
        } catch (IOException e) {
            if (DiskFaults.isNoSpace(e)) {
                // The old files stay whole (tmp, then rename); the next pass writes them again.
                log.warn("Could not write the checkpoints of {}: {}; retrying at the next pass", dataDir, e.toString());
            } else {
                health.failed("writing the checkpoints of " + dataDir, e);
            }
        }
    }

    /**
     * Flushes and closes every log, writes the checkpoints and the clean-shutdown marker, releases the lock.
     * Idempotent. A log that fails to close is logged and the others are closed all the same; the marker is then not
     * written, so the next start recovers (and, when the directory went offline, no checkpoint either). The lock is
     * always released. Throws nothing: what failed is logged, and recovery at the next start deals with it.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        boolean allClosed = true;
        try {
            for (PartitionLog pl : logs.values()) {
                try {
                    pl.close();
                } catch (RuntimeException e) {
                    allClosed = false;
                    log.error("Could not close the log of {} cleanly; it is recovered at the next start", pl.topicPartition(), e);
                }
            }
            deleteDueDirs(Long.MAX_VALUE);
            if (health.isOffline()) {
                log.warn("Log directory {} is offline ({}): no checkpoint or clean-shutdown marker written; every log is "
                        + "recovered at the next start", dataDir, health.cause());
                return;
            }
            writeCheckpoints();
            if (allClosed && !health.isOffline()) {
                Checkpoints.writeAtomically(dataDir.resolve(CLEAN_SHUTDOWN), "");
            }
        } catch (IOException | RuntimeException e) {
            log.error("Could not finish closing {}; its logs are recovered at the next start", dataDir, e);
        } finally {
            releaseLock();
        }
    }

    private void releaseLock() {
        try {
            lock.release();
        } catch (IOException e) {
            log.warn("Could not release the lock of {}: {}", dataDir, e.toString());
        }
        try {
            lockChannel.close();
        } catch (IOException e) {
            log.error("Could not close the lock file of {}; a new brokerd may find it locked until this process ends", dataDir, e);
        }
    }

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            log.warn("Could not remove deleted log directory {}", dir, e);
        }
    }
}
