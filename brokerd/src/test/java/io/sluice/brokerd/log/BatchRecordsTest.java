package io.sluice.brokerd.log;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static io.sluice.brokerd.log.CraftedBatch.batch;
import static io.sluice.brokerd.log.CraftedBatch.record;
import static io.sluice.brokerd.log.CraftedBatch.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Reading stored batches (timestamp lookups, the cleaner, the group coordinator's load): every codec, and batches
 * whose counts and lengths lie cost no more memory than their bytes.
 */
@Timeout(30)
class BatchRecordsTest {

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 102, 3, 4})
    void recordsOfEveryCodecReadBackWithKeysValuesHeadersAndTimestamps(int codec) throws IOException {
        byte[][] records = {
            record(CraftedBatch.body(0, 0, utf8("k0"), utf8("v0"), utf8("h"), utf8("x"))),
            record(5, 1, null, "v1"),
            record(9, 2, "k2", null)};
        ByteBuffer b = (codec == 0 ? batch().records(records) : batch().compressed(codec, records))
                .baseOffset(100).timestamps(1000, 1009).build();
        List<BatchRecords.FullRecord> full = BatchRecords.fullRecords(b);
        assertThat(full).extracting(BatchRecords.FullRecord::offset).containsExactly(100L, 101L, 102L);
        assertThat(full).extracting(BatchRecords.FullRecord::timestampMs).containsExactly(1000L, 1005L, 1009L);
        assertThat(new String(full.get(0).key(), StandardCharsets.UTF_8)).isEqualTo("k0");
        assertThat(full.get(1).key()).isNull();
        assertThat(full.get(2).value()).isNull();
        // Encoded headers from the count on: 1 header, key "h", value "x".
        assertThat(full.get(0).headers()).containsExactly(new CraftedBatch.Bytes().varint(1).field(utf8("h")).field(utf8("x")).toByteArray());
        assertThat(BatchRecords.keyValues(b)).extracting(BatchRecords.KeyValue::offset).containsExactly(100L, 101L, 102L);
        assertThat(BatchRecords.firstAtOrAfter(b, 1004)).isEqualTo(new TimestampOffset(1005, 101));
        assertThat(BatchRecords.firstAtOrAfter(b, 1010)).isNull();
    }

    @Test
    void aStoredCountOfTwoBillionAllocatesNothingFromIt() throws IOException {
        // Before: an ArrayList of 2,000,000,000 slots (OutOfMemoryError on any heap brokerd runs with).
        ByteBuffer lying = batch().records(record(0, 0, "k", "v")).count(2_000_000_000).timestamps(5, 5).build();
        assertThat(BatchRecords.fullRecords(lying)).hasSize(1);
        assertThat(BatchRecords.keyValues(lying)).hasSize(1);
        assertThat(BatchRecords.firstAtOrAfter(lying, 0)).isEqualTo(new TimestampOffset(5, 0));
    }

    @Test
    void aCompressedRecordClaimingAGibibyteCostsOnlyItsBytes() {
        // The record says it is 1 GiB long and its value 1 GiB, but the stream ends after a few bytes.
        byte[] fields = new CraftedBatch.Bytes().raw(0).varint(0).varint(0).varint(-1).varint(1L << 30).raw('x', 'y').toByteArray();
        byte[] lying = new CraftedBatch.Bytes().varint((1L << 30) + 10).bytes(fields).toByteArray();
        for (int codec : new int[]{CraftedBatch.GZIP, CraftedBatch.ZSTD, CraftedBatch.LZ4, CraftedBatch.SNAPPY}) {
            ByteBuffer b = batch().compressed(codec, lying).timestamps(5, 5).build();
            assertThatThrownBy(() -> BatchRecords.fullRecords(b)).as("codec %d", codec).isInstanceOf(IOException.class)
                    .hasMessageContaining("corrupt batch at offset 0");
        }
    }
}
