package io.sluice.brokerd.network;

import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.ReferenceCountUtil;
import io.sluice.brokerd.log.FileSlice;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
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
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Fetch response assembly as brokerd's network layer does it: a {@link FetchResponseData} whose partitions carry
 * {@link FileRegionRecords} (file slices) is serialized by {@link ResponseSerializer} into one exact-size heap buffer (as RequestDispatcher does) for the
 * header and fields plus one sendfile region per partition; every part is then released, as Netty does once
 * written. 6 partitions (the load tool's topic) or 1,000 (a wide topic), each slice {@code sliceBytes} long.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class FetchResponseBenchmark {
    @Param({"6", "1000"})
    public int partitions;

    @Param({"170", "16384"})
    public int sliceBytes;

    private Path file;
    private FileChannel channel;
    private FetchResponseData response;
    private final short version = ApiKeys.FETCH.latestVersion();

    @Setup
    public void setUp() throws IOException {
        file = Files.createTempFile("sluice-jmh-fetch-", ".log");
        channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
        channel.write(ByteBuffer.allocate(sliceBytes * 2), 0);
        FetchResponseData.FetchableTopicResponse topic = new FetchResponseData.FetchableTopicResponse()
                .setTopic("bench").setTopicId(Uuid.randomUuid());
        for (int p = 0; p < partitions; p++) {
            topic.partitions().add(new FetchResponseData.PartitionData().setPartitionIndex(p).setHighWatermark(1_000_000)
                    .setLastStableOffset(1_000_000).setLogStartOffset(0)
                    .setRecords(new FileRegionRecords(new FileSlice(channel, 0, sliceBytes))));
        }
        response = new FetchResponseData().setResponses(new ArrayList<>(List.of(topic)));
    }

    @TearDown
    public void tearDown() throws IOException {
        channel.close();
        Files.deleteIfExists(file);
    }

    @Benchmark
    public int serialize() {
        List<Object> parts = ResponseSerializer.serialize(UnpooledByteBufAllocator.DEFAULT, 42, (short) 1, response, version);
        int n = parts.size();
        for (Object part : parts) {
            ReferenceCountUtil.release(part);
        }
        return n;
    }
}
