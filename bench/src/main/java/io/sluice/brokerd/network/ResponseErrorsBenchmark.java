package io.sluice.brokerd.network;

import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
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
import org.openjdk.jmh.infra.Blackhole;

import java.util.concurrent.TimeUnit;

/**
 * Finding the error codes of a response for the errors-by-API metric, as {@link RequestDispatcher} does for every
 * response: {@code forEach} (direct reads for Produce and Fetch) against {@code walk}, the reflective walk every
 * response went through before (and other APIs still do). Produce and Fetch responses of 6 partitions (the load
 * tool's topic) or 1,000, one partition in 100 with an error.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ResponseErrorsBenchmark {
    @Param({"produce", "fetch"})
    public String api;

    @Param({"6", "1000"})
    public int partitions;

    @Param({"forEach", "walk"})
    public String path;

    private ApiMessage response;

    @Setup
    public void setUp() {
        if (api.equals("produce")) {
            ProduceResponseData.TopicProduceResponse topic = new ProduceResponseData.TopicProduceResponse().setName("bench");
            for (int p = 0; p < partitions; p++) {
                topic.partitionResponses().add(new ProduceResponseData.PartitionProduceResponse().setIndex(p)
                        .setBaseOffset(1000L * p).setErrorCode(errorFor(p)));
            }
            ProduceResponseData r = new ProduceResponseData();
            r.responses().add(topic);
            response = r;
        } else {
            FetchResponseData.FetchableTopicResponse topic = new FetchResponseData.FetchableTopicResponse()
                    .setTopic("bench").setTopicId(Uuid.randomUuid());
            for (int p = 0; p < partitions; p++) {
                topic.partitions().add(new FetchResponseData.PartitionData().setPartitionIndex(p)
                        .setHighWatermark(1_000_000).setErrorCode(errorFor(p)));
            }
            FetchResponseData r = new FetchResponseData();
            r.responses().add(topic);
            response = r;
        }
    }

    private static short errorFor(int partition) {
        return partition % 100 == 99 ? Errors.NOT_LEADER_OR_FOLLOWER.code() : Errors.NONE.code();
    }

    @Benchmark
    public void errors(Blackhole bh) {
        if (path.equals("walk")) {
            ResponseErrors.walk(response, bh::consume);
        } else {
            ResponseErrors.forEach(response, bh::consume);
        }
    }
}
