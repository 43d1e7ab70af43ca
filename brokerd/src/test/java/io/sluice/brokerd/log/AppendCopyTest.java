package io.sluice.brokerd.log;

import io.sluice.brokerd.common.TopicPartition;
import io.sluice.brokerd.config.TopicConfigDef;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.RecordBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Appends patch a copy of the caller's bytes (a per-thread direct buffer, or a heap buffer above
 * {@link AppendBuffers.SCRATCH_MAX_BYTES}), never the caller's buffer: a produce request's records are a view
 * of the network frame.
 */
@Timeout(30)
class AppendCopyTest {
    @TempDir
    Path dir;

    private PartitionLog open(String... kv) throws Exception {
        return PartitionLog.open(new TopicPartition("t", 0), dir.resolve("t-0"), PartitionLogTest.config(kv), false, 0, 0,
                false, 1_000);
    }

    @Test
    void theCallersBytesStayAsTheyWereAndTheLogHoldsThePatchedCopies() throws Exception {
        try (PartitionLog log = open(TopicConfigDef.MESSAGE_TIMESTAMP_TYPE, "LogAppendTime",
                TopicConfigDef.MAX_MESSAGE_BYTES, String.valueOf(4 << 20))) {
            List<String> expected = new ArrayList<>();
            // Growing and shrinking sizes: the scratch buffer grows, is reused, and large appends go to the heap.
            int[] valueBytes = {10, 70_000, 20, 300_000, AppendBuffers.SCRATCH_MAX_BYTES + 1, 5, 2_000};
            for (int i = 0; i < valueBytes.length; i++) {
                char[] v = new char[valueBytes[i]];
                Arrays.fill(v, (char) ('a' + i));
                String[] values = {new String(v), "r" + i, "s" + i, "t" + i, "u" + i};
                ByteBuffer request = PartitionLogTest.batch(100, values);
                ByteBuffer original = ByteBuffer.allocate(request.remaining()).put(request.duplicate()).flip();
                int position = request.position();

                AppendResult.Appended a = (AppendResult.Appended) log.appendAsLeader(request, 7, 9_000 + i);

                assertThat(request).as("append %d leaves the caller's buffer untouched", i).isEqualTo(original);
                assertThat(request.position()).isEqualTo(position);
                assertThat(a.firstOffset()).isEqualTo(5L * i);
                expected.addAll(List.of(values));
            }
            assertThat(PartitionLogTest.readValues(log, 0)).containsExactlyElementsOf(expected);
            ReadResult.Records r = (ReadResult.Records) log.read(0, 64 << 20, true, Long.MAX_VALUE);
            int n = 0;
            for (RecordBatch b : MemoryRecords.readableRecords(r.slice().readFully()).batches()) {
                assertThat(b.isValid()).isTrue();
                assertThat(b.baseOffset()).isEqualTo(5L * n);
                assertThat(b.partitionLeaderEpoch()).isEqualTo(7);
                assertThat(b.maxTimestamp()).isEqualTo(9_000 + n);
                n++;
            }
            assertThat(n).isEqualTo(valueBytes.length);
        }
    }

    @Test
    void followerAppendsKeepTheLeadersBytesAndLeaveTheCallersBuffer() throws Exception {
        ByteBuffer leaderBytes;
        try (PartitionLog leader = open()) {
            for (int i = 0; i < 3; i++) {
                leader.appendAsLeader(PartitionLogTest.batch(100, "x" + i, "y" + i), 4, 1_000);
            }
            leaderBytes = ((ReadResult.Records) leader.read(0, 1 << 20, true, Long.MAX_VALUE)).slice().readFully();
        }
        Path followerDir = dir.resolve("follower");
        try (PartitionLog follower = PartitionLog.open(new TopicPartition("t", 1), followerDir, PartitionLogTest.config(),
                false, 0, 0, false, 1_000)) {
            ByteBuffer copy = ByteBuffer.allocate(leaderBytes.remaining()).put(leaderBytes.duplicate()).flip();
            assertThat(follower.appendAsFollower(leaderBytes, 2_000)).isInstanceOf(AppendResult.Appended.class);
            assertThat(leaderBytes).isEqualTo(copy);
            ByteBuffer stored = ((ReadResult.Records) follower.read(0, 1 << 20, true, Long.MAX_VALUE)).slice().readFully();
            assertThat(stored).isEqualTo(copy);
        }
    }
}
