package io.sluice.brokerd.log;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
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
import java.util.concurrent.TimeUnit;

/**
 * The whole leader append, {@link PartitionLog#appendAsLeader}: validation, the copy of the request bytes, offset
 * assignment, the positional write into the active segment (page cache, no fsync: the default {@code fsync: never})
 * and index maintenance. A fresh log per iteration keeps the files small; the temp directory is removed after.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class SegmentAppendBenchmark {
    @Param({"1", "160"})
    public int recordsPerBatch;

    private ByteBuffer batch;
    private Path dir;
    private PartitionLog log;
    private long nowMs;

    @Setup(Level.Trial)
    public void setUpBatch() {
        batch = BenchBatches.batch(recordsPerBatch, 100, 42);
        nowMs = System.currentTimeMillis();
    }

    @Setup(Level.Iteration)
    public void openLog() throws IOException {
        dir = Files.createTempDirectory("sluice-jmh-append-");
        log = LogBenchmarkSupport.openFresh(dir);
    }

    @TearDown(Level.Iteration)
    public void closeLog() {
        log.close();
        LogBenchmarkSupport.deleteTree(dir);
    }

    @Benchmark
    public AppendResult append() {
        return log.appendAsLeader(batch.duplicate(), 0, nowMs);
    }
}
