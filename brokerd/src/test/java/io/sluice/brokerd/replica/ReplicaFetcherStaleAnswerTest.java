package io.sluice.brokerd.replica;

import io.sluice.brokerd.common.TopicPartition;
import io.sluice.brokerd.log.AppendResult;
import io.sluice.brokerd.log.LogConfig;
import io.sluice.brokerd.log.LogManager;
import io.sluice.brokerd.log.PartitionLog;
import io.sluice.brokerd.log.RecordBatchBuilder;
import io.sluice.brokerd.metadata.PartitionState;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A fetch answer that no longer fits the follower's log is dropped: the log was cut while the fetch was in flight (the
 * scrubber found a damaged batch), and appending the answer, which starts at the old log end, would leave a gap of
 * the offsets cut (a compacted log may have gaps, so the append itself accepts them). The fault matrix caught it: a
 * follower cut at a damaged batch then held offsets 2765 on right after 1789.
 */
@Timeout(60)
class ReplicaFetcherStaleAnswerTest {
    private static final TopicPartition TP = new TopicPartition("t", 0);
    private static final int LEADER = 1;

    @TempDir
    Path dir;
    private LogManager logs;

    @AfterEach
    void close() {
        if (logs != null) {
            logs.close();
        }
    }

    /** Hands each fetch to the test, which answers it when it chooses. */
    private static final class ManualClient implements ReplicaFetchClient {
        record Call(List<Position> positions, CompletableFuture<List<Fetched>> answer) {
        }

        final LinkedBlockingQueue<Call> calls = new LinkedBlockingQueue<>();

        @Override
        public CompletableFuture<List<Fetched>> fetch(String host, int port, int maxWaitMs, int maxBytes, List<Position> positions) {
            CompletableFuture<List<Fetched>> f = new CompletableFuture<>();
            calls.add(new Call(positions, f));
            return f;
        }

        Call next() throws InterruptedException {
            Call c = calls.poll(30, TimeUnit.SECONDS);
            assertThat(c).as("a fetch").isNotNull();
            return c;
        }

        @Override
        public void close() {
        }
    }

    @Test
    void anAnswerToAFetchFromBeforeACutIsDropped() throws Exception {
        logs = LogManager.open(dir, t -> LogConfig.defaults(), Clock.systemUTC());
        PartitionLog log = logs.getOrCreate(TP, LogConfig.defaults());
        for (int i = 0; i < 5; i++) {
            assertThat(log.appendAsLeader(RecordBatchBuilder.build(List.of(new RecordBatchBuilder.Entry(null,
                    ("v" + i).getBytes(StandardCharsets.UTF_8))), 1_000), 0, 1_000)).isInstanceOf(AppendResult.Appended.class);
        }
        Partition p = new Partition(TP, 2, log);
        p.makeFollower(new PartitionState(0, List.of(LEADER, 2), List.of(LEADER, 2), LEADER, 0, 0));
        ManualClient client = new ManualClient();
        ReplicaFetcher fetcher = new ReplicaFetcher(LEADER, "127.0.0.1", 9, client, 100, 1 << 20,
                new ReplicaFetcher.Throttle(new ReplicationQuota(System::nanoTime), tp -> false));
        fetcher.start();
        try {
            fetcher.follow(p, 0);
            ManualClient.Call first = client.next();
            assertThat(first.positions().get(0).fetchOffset()).isEqualTo(5);
            synchronized (p) {
                log.truncateTo(2); // as the scrubber's cut does, under the partition's monitor
            }
            var batch = MemoryRecords.withRecords(5L, Compression.NONE, 0, new SimpleRecord("v5".getBytes(StandardCharsets.UTF_8))).buffer();
            first.answer().complete(List.of(new ReplicaFetchClient.Fetched(TP, ReplicaFetchClient.Error.NONE, 6, 0, batch, -1, -1)));

            ManualClient.Call second = client.next();
            assertThat(log.logEndOffset()).as("the stale answer was not appended").isEqualTo(2);
            assertThat(second.positions().get(0).fetchOffset()).as("the next fetch starts at the cut").isEqualTo(2);
        } finally {
            fetcher.shutdown();
        }
    }
}
