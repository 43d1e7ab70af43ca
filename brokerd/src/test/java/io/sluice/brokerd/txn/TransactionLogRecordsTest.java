package io.sluice.brokerd.txn;

import io.sluice.brokerd.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code __transaction_state} records in Kafka's layout. */
@Timeout(10)
class TransactionLogRecordsTest {

    @Test
    void keysAndV0ValuesRoundTripInKafkasLayout() {
        byte[] key = TransactionLogRecords.key("my-tx");
        assertThat(key).isEqualTo(ByteBuffer.allocate(9).putShort((short) 0).putShort((short) 5)
                .put("my-tx".getBytes(StandardCharsets.UTF_8)).array());
        assertThat(TransactionLogRecords.decodeKey(key)).isEqualTo("my-tx");

        TxnRecord r = new TxnRecord(42, (short) 3, 60_000, TxnState.ONGOING,
                Set.of(new TopicPartition("b", 1), new TopicPartition("a", 2), new TopicPartition("b", 0)), 1_000, 900);
        byte[] value = TransactionLogRecords.value(r);
        ByteBuffer expected = ByteBuffer.allocate(value.length).putShort((short) 0).putLong(42).putShort((short) 3).putInt(60_000)
                .put((byte) 1).putInt(2)
                .putShort((short) 1).put((byte) 'a').putInt(1).putInt(2)
                .putShort((short) 1).put((byte) 'b').putInt(2).putInt(0).putInt(1)
                .putLong(1_000).putLong(900);
        assertThat(value).isEqualTo(expected.array());
        assertThat(TransactionLogRecords.decodeValue(value)).isEqualTo(r);
        assertThat(TransactionLogRecords.decodeValue(null)).as("a tombstone").isNull();
    }

    @Test
    void anEmptyStateStoresNullPartitionsAsKafkaDoes() {
        TxnRecord r = new TxnRecord(42, (short) 0, 60_000, TxnState.EMPTY, Set.of(), 1_000, -1);
        byte[] value = TransactionLogRecords.value(r);
        assertThat(ByteBuffer.wrap(value).getInt(2 + 8 + 2 + 4 + 1)).isEqualTo(-1);
        assertThat(TransactionLogRecords.decodeValue(value)).isEqualTo(r);
    }

    @Test
    void flexibleV1ValuesWithTaggedFieldsAreRead() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer head = ByteBuffer.allocate(17).putShort((short) 1).putLong(42).putShort((short) 3).putInt(60_000).put((byte) 2);
        out.writeBytes(head.array());
        out.write(2);                                   // one topic (compact array: n + 1)
        out.write(2);                                   // topic "t" (compact string: length + 1)
        out.write('t');
        out.write(3);                                   // two partitions
        out.writeBytes(ByteBuffer.allocate(8).putInt(4).putInt(5).array());
        out.write(0);                                   // the topic's tagged fields
        out.writeBytes(ByteBuffer.allocate(16).putLong(1_000).putLong(900).array());
        out.write(1);                                   // one tagged field: previous producer id
        out.write(0);
        out.write(8);
        out.writeBytes(ByteBuffer.allocate(8).putLong(41).array());
        TxnRecord r = TransactionLogRecords.decodeValue(out.toByteArray());
        assertThat(r).isEqualTo(new TxnRecord(42, (short) 3, 60_000, TxnState.PREPARE_COMMIT,
                Set.of(new TopicPartition("t", 4), new TopicPartition("t", 5)), 1_000, 900));
    }

    @Test
    void undecodableRecordsAreRefusedWithTheReason() {
        assertThatThrownBy(() -> TransactionLogRecords.decodeKey(new byte[]{0, 0, 0})).hasMessageContaining("transactional id length");
        assertThatThrownBy(() -> TransactionLogRecords.decodeKey(new byte[]{0, 5, 0, 0})).hasMessageContaining("unknown key version 5");
        assertThatThrownBy(() -> TransactionLogRecords.decodeValue(new byte[]{0, 9})).hasMessageContaining("unknown value version 9");
        byte[] huge = ByteBuffer.allocate(2 + 8 + 2 + 4 + 1 + 4 + 2 + 1 + 4).putShort((short) 0).putLong(1).putShort((short) 0)
                .putInt(1).put((byte) 1).putInt(1).putShort((short) 1).put((byte) 't').putInt(Integer.MAX_VALUE).array();
        assertThatThrownBy(() -> TransactionLogRecords.decodeValue(huge)).hasMessageContaining("does not fit");
        byte[] badState = ByteBuffer.allocate(2 + 8 + 2 + 4 + 1 + 4 + 16).putShort((short) 0).putLong(1).putShort((short) 0)
                .putInt(1).put((byte) 9).putInt(-1).putLong(0).putLong(0).array();
        assertThatThrownBy(() -> TransactionLogRecords.decodeValue(badState)).hasMessageContaining("unknown transaction state id 9");
    }
}
