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
 * The produce path before the disk: {@link BatchValidator#validate} (framing, magic, CRC32C, header fields and a
 * walk over every record, decompressing compressed batches through a streaming decoder) and offset assignment
 * (baseOffset and partitionLeaderEpoch written into the header in place, as {@link PartitionLog#appendAsLeader}
 * does). Batches of 1 record (latency-bound producers) and of 160 records of 100 bytes (a full 16 KiB default batch
 * uncompressed), written by the Java producer's own record builder with each codec.
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

    @Param({"none", "gzip", "snappy", "lz4", "zstd"})
    public String codec;

    private ByteBuffer batch;
    private LogConfig config;
    private long nowMs;
    private long nextOffset;

    @Setup
    public void setUp() {
        batch = BenchBatches.producerBatch(codec, recordsPerBatch, 100, 42);
        config = LogConfig.defaults();
        nowMs = BenchBatches.TIMESTAMP_MS + 1_000;
        BatchValidator.Outcome o = BatchValidator.validate(batch.duplicate(), config, nowMs);
        if (!o.isOk()) {
            throw new IllegalStateException("the benchmark batch is refused: " + o.message());
        }
    }

    @Benchmark
    public BatchValidator.Outcome validate() {
        return BatchValidator.validate(batch.duplicate(), config, nowMs);
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
