package io.sluice.brokerd.log;

import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.Executor;

/**
 * What a partition log takes from the broker around it besides its directory and topic config: the time source
 * (segment ages, deletion delays), the fsync policy, the disk seam, the thread its background fsyncs run on and the
 * health of the data directory it lives in.
 *
 * @param clock            wall-clock time for everything the log does without being handed a time
 * @param fsyncEveryAppend {@code fsync: always}: every append is fsynced before it is acknowledged
 * @param files            opens segment files ({@link LogFileChannels#DEFAULT} in the broker)
 * @param background       runs the fsyncs no caller waits for: the segment a roll left behind (the recovery point
 *                         follows it), the directory after truncation, the leader-epoch checkpoint file. The broker
 *                         gives its log maintenance thread, never a thread serving requests; tests a queue they
 *                         drain when they choose. {@code Runnable::run} runs them on the caller's thread, inside
 *                         the log's lock (the behaviour before background flushes; tools and benchmarks)
 * @param health           the data directory's state: every log of a directory shares one, so an I/O error in one
 *                         takes them all offline ({@link LogDirHealth})
 */
record LogEnvironment(Clock clock, boolean fsyncEveryAppend, LogFileChannels files, Executor background, LogDirHealth health) {

    /** The system clock, the real disk, fsyncs on the caller's thread, with the given fsync policy. */
    static LogEnvironment of(boolean fsyncEveryAppend) {
        return new LogEnvironment(Clock.systemUTC(), fsyncEveryAppend, LogFileChannels.DEFAULT, Runnable::run,
                new LogDirHealth(Path.of("(standalone log)")));
    }

    LogEnvironment withClock(Clock c) {
        return new LogEnvironment(c, fsyncEveryAppend, files, background, health);
    }

    LogEnvironment withFiles(LogFileChannels f) {
        return new LogEnvironment(clock, fsyncEveryAppend, f, background, health);
    }

    LogEnvironment withBackground(Executor b) {
        return new LogEnvironment(clock, fsyncEveryAppend, files, b, health);
    }

    LogEnvironment withHealth(LogDirHealth h) {
        return new LogEnvironment(clock, fsyncEveryAppend, files, background, h);
    }
}
