package io.sluice.brokerd.txn;

import io.sluice.brokerd.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

@Timeout(10)
class TransactionStateLoaderTest {
    private static final TopicPartition A = new TopicPartition("a", 0);

    @Test
    void theLastRecordOfAnIdWinsAndTombstonesAndUndecodableRecordsAreHandled() {
        TransactionStateLoader loader = new TransactionStateLoader(3);
        TxnRecord ongoing = new TxnRecord(7, (short) 0, 60_000, TxnState.ONGOING, Set.of(A), 10, 5);
        TxnRecord prepared = new TxnRecord(7, (short) 0, 60_000, TxnState.PREPARE_COMMIT, Set.of(A), 20, 5);
        loader.record(0, TransactionLogRecords.key("t1"), TransactionLogRecords.value(ongoing));
        loader.record(1, TransactionLogRecords.key("t2"), TransactionLogRecords.value(ongoing));
        loader.record(2, TransactionLogRecords.key("t1"), TransactionLogRecords.value(prepared));
        loader.record(3, new byte[]{0, 9}, TransactionLogRecords.value(ongoing));        // unknown key version
        loader.record(4, TransactionLogRecords.key("t3"), new byte[]{0, 0, 1});          // truncated value
        loader.unreadableBatch(5, 8, "garbage after a valid CRC");
        loader.record(9, TransactionLogRecords.key("t2"), null);                           // t2 expired
        TransactionStateLoader.Loaded loaded = loader.finish();
        assertThat(loaded.ids()).containsOnlyKeys("t1");
        assertThat(loaded.ids().get("t1")).as("a PrepareCommit to complete: its markers are written again")
                .isEqualTo(prepared);
        assertThat(loaded.records()).isEqualTo(4);
        assertThat(loaded.skipped()).isEqualTo(3);
    }

    @Test
    void idsMapToPartitionsAsInKafka() {
        // Kafka: Utils.abs(transactionalId.hashCode()) % partitions
        assertThat(TransactionStateLoader.partitionFor("my-tx", 50)).isEqualTo(Math.abs("my-tx".hashCode()) % 50);
        String minHash = "polygenelubricants"; // hashCode() == Integer.MIN_VALUE
        assertThat(minHash.hashCode()).isEqualTo(Integer.MIN_VALUE);
        assertThat(TransactionStateLoader.partitionFor(minHash, 50)).isZero();
    }
}
