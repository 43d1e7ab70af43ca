package io.sluice.brokerd.log;

import java.time.Clock;

/**
 * What a partition log takes from the broker around it besides its directory and topic config: the time source
 * (segment ages, deletion delays), the fsync policy and the disk seam.
 *
 * @param clock            wall-clock time for everything the log does without being handed a time
 * @param fsyncEveryAppend {@code fsync: always}: every append is fsynced before it is acknowledged
 * @param files            opens segment files ({@link LogFileChannels#DEFAULT} in the broker)
 */
record LogEnvironment(Clock clock, boolean fsyncEveryAppend, LogFileChannels files) {

    /** The broker's environment on the system clock, with the given fsync policy. */
    static LogEnvironment of(boolean fsyncEveryAppend) {
        return new LogEnvironment(Clock.systemUTC(), fsyncEveryAppend, LogFileChannels.DEFAULT);
    }

    LogEnvironment withClock(Clock c) {
        return new LogEnvironment(c, fsyncEveryAppend, files);
    }

    LogEnvironment withFiles(LogFileChannels f) {
        return new LogEnvironment(clock, fsyncEveryAppend, f);
    }
}
