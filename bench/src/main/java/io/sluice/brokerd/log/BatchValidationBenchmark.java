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
import org.openjdk.jmh.annotations.Warmup;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * The produce path before the disk: {@link BatchValidator#validate} (framing, magic, CRC32C, counts) and offset
 * assignment (baseOffset and partitionLeaderEpoch written into the header in place, as
 * {@link PartitionLog#appendAsLeader} does). Batches of 1 record (latency-bound producers) and of 160 records
 * (a full 16 KiB default batch of 100-byte records).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class BatchValidationBenchmark {
    @Param({"1", "160"})
    public int recordsPerBatch;

    private ByteBuffer batch;
    private long nextOffset;

    @Setup
    public void setUp() {
        batch = BenchBatches.batch(recordsPerBatch, 100, 42);
    }

    @Benchmark
    public BatchValidator.Outcome validate() {
        return BatchValidator.validate(batch.duplicate(), 1_048_588);
    }

    @Benchmark
    public long assignOffsets() {
        ByteBuffer buf = batch;
        long next = nextOffset;
        for (int pos = 0; pos < buf.limit(); pos += RecordBatchHeader.totalSize(buf, pos)) {
            RecordBatchHeader.setBaseOffset(buf, pos, next);
            RecordBatchHeader.setLeaderEpoch(buf, pos, 7);
            next = RecordBatchHeader.lastOffset(buf, pos) + 1;
        }
        nextOffset = next;
        return next;
    }
}
