package io.sluice.brokerd.log;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;

/**
 * Opens the files of a segment ({@code .log}, {@code .index}, {@code .timeindex}): the log's disk I/O seam. The broker
 * opens them with {@link FileChannel#open}; tests hand in channels that stall or fail an fsync or a write at a chosen
 * moment (a slow or full disk) and so drive the log's concurrency deterministically.
 */
@FunctionalInterface
interface LogFileChannels {
    LogFileChannels DEFAULT = FileChannel::open;

    FileChannel open(Path file, OpenOption... options) throws IOException;
}
