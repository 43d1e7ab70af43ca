package io.sluice.brokerd.log;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;

/**
 * Opens the files of a segment ({@code .log}, {@code .index}, {@code .timeindex}): the log's disk I/O seam. The broker
 * opens them with {@link FileChannel#open}; tests hand in channels that stall or fail an fsync or a write at a chosen
 * moment (a slow or full disk) and so drive the log's concurrency deterministically ({@link DiskFaults}).
 */
@FunctionalInterface
interface LogFileChannels {
    LogFileChannels DEFAULT = FileChannel::open;

    FileChannel open(Path file, OpenOption... options) throws IOException;

    /**
     * The channel the operating system opened behind {@code channel} (one this seam returned): record bytes are sent
     * from it with sendfile, and Netty's native transport reads the descriptor of a JDK file channel, not a wrapper.
     */
    default FileChannel unwrap(FileChannel channel) {
        return channel;
    }
}
