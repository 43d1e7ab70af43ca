package io.sluice.brokerd.log;

import io.sluice.brokerd.common.TopicPartition;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Opens throw-away partition logs in temporary directories for the log benchmarks. */
final class LogBenchmarkSupport {
    private LogBenchmarkSupport() {
    }

    static PartitionLog openFresh(Path dir) throws IOException {
        return PartitionLog.open(new TopicPartition("bench", 0), dir.resolve("bench-0"), LogConfig.defaults(), false,
                0, 0, false, System.currentTimeMillis());
    }

    static void deleteTree(Path root) {
        if (root == null || !Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
