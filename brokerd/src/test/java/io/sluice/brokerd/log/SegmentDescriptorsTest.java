package io.sluice.brokerd.log;

import io.sluice.brokerd.common.TopicPartition;
import io.sluice.brokerd.config.TopicConfigDef;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 16: a broker kept three descriptors per segment (.log, .index, .timeindex) and ran out of them at 6,634
 * partitions under a limit of 20,000. A segment holds one now (its .log); its indexes live in memory and reach their
 * files when it is flushed, so lookups and a restart still find every record.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SegmentDescriptorsTest {
    private static final long NOW = 1_700_000_000_000L;

    @TempDir
    Path dataDir;

    @Test
    void aSegmentHoldsOneDescriptorAndItsIndexesAreOnDiskAfterAFlush() throws Exception {
        String[] config = {TopicConfigDef.SEGMENT_BYTES, "300", TopicConfigDef.INDEX_INTERVAL_BYTES, "1"};
        int partitions = 20;
        int segments = 0;
        try (LogManager lm = LogManager.open(dataDir, topic -> PartitionLogTest.config(config), LogEnvironment.of(false))) {
            for (int p = 0; p < partitions; p++) {
                PartitionLog log = lm.getOrCreate(new TopicPartition("wide", p), PartitionLogTest.config(config));
                for (int i = 0; i < 12; i++) {
                    AppendResult r = log.appendAsLeader(PartitionLogTest.batch(NOW, "record-" + p + "-" + i + "-" + "x".repeat(40)), 0, NOW);
                    assertThat(r).isInstanceOf(AppendResult.Appended.class);
                }
                segments += log.segmentCount();
            }
            assertThat(segments).as("the logs rolled").isGreaterThan(2 * partitions);
            assertThat(descriptorsUnder(dataDir)).as("one per segment's .log, plus the directory's lock file")
                    .isEqualTo(segments + 1);
            PartitionLog log = lm.get(new TopicPartition("wide", 7)).orElseThrow();
            assertThat(PartitionLogTest.readValues(log, 9)).hasSize(3).allMatch(v -> v.startsWith("record-7-"));
        }
        assertThat(descriptorsUnder(dataDir)).isZero();
        Path dir = dataDir.resolve("wide-7");
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> indexes = files.filter(f -> f.toString().endsWith(".index")).toList();
            assertThat(indexes).hasSizeGreaterThan(2).allSatisfy(f -> assertThat(Files.size(f))
                    .as("%s holds an entry for each batch but the first", f).isPositive());
        }
        try (LogManager lm = LogManager.open(dataDir, topic -> PartitionLogTest.config(config), LogEnvironment.of(false))) {
            PartitionLog log = lm.get(new TopicPartition("wide", 7)).orElseThrow();
            assertThat(log.logEndOffset()).isEqualTo(12);
            for (long offset = 0; offset < 12; offset++) {
                assertThat(PartitionLogTest.readValues(log, offset).get(0)).isEqualTo("record-7-" + offset + "-" + "x".repeat(40));
            }
            assertThat(descriptorsUnder(dataDir)).isEqualTo(segments + 1);
        }
    }

    /** Descriptors of this process open on files under {@code dir} (Linux: /proc/self/fd). */
    static long descriptorsUnder(Path dir) throws IOException {
        List<Path> targets = new ArrayList<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    targets.add(Files.readSymbolicLink(fd));
                } catch (IOException gone) {
                    // closed between the listing and the read (another thread's, or the listing's own)
                }
            }
        }
        Path real = dir.toRealPath();
        return targets.stream().filter(t -> t.startsWith(real) || t.startsWith(dir)).count();
    }
}
