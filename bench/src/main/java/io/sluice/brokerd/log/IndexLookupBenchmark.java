package io.sluice.brokerd.log;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The fetch path's lookup, {@link PartitionLog#read}: offset index binary search, then batch headers read from
 * the segment file up to the wanted offset, giving the file slice a fetch sends. A log of 40,000 batches; random
 * offsets ({@code random}) or the log end minus a few records ({@code tail}, where caught-up consumers read).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class IndexLookupBenchmark {
    private static final int BATCHES = 40_000;

    @Param({"1", "160"})
    public int recordsPerBatch;

    @Param({"random", "tail"})
    public String where;

    private Path dir;
    private PartitionLog log;
    private final SplittableRandom random = new SplittableRandom(7);

    @Setup
    public void fill() throws IOException {
        dir = Files.createTempDirectory("sluice-jmh-index-");
        log = LogBenchmarkSupport.openFresh(dir);
        ByteBuffer batch = BenchBatches.batch(recordsPerBatch, 100, 42);
        long nowMs = System.currentTimeMillis();
        for (int i = 0; i < BATCHES; i++) {
            if (!(log.appendAsLeader(batch.duplicate(), 0, nowMs) instanceof AppendResult.Appended)) {
                throw new IllegalStateException("append failed while filling the benchmark log");
            }
        }
    }

    @TearDown
    public void remove() {
        log.close();
        LogBenchmarkSupport.deleteTree(dir);
    }

    @Benchmark
    public ReadResult read() {
        long end = log.logEndOffset();
        long offset = where.equals("tail") ? end - 1 - random.nextInt(Math.min(10, (int) end))
                : random.nextLong(end);
        return log.read(offset, 1_048_576, true, Long.MAX_VALUE);
    }
}
