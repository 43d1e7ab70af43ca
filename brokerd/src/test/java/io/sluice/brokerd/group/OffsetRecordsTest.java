package io.sluice.brokerd.group;

import io.sluice.brokerd.common.TopicPartition;
import io.sluice.brokerd.group.GroupTypes.CommittedOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(10)
class OffsetRecordsTest {
    static final TopicPartition TP = new TopicPartition("orders", 3);

    @Test
    void keysAndValuesRoundTrip() {
        assertThat(OffsetRecords.decodeKey(OffsetRecords.key("g", TP))).isEqualTo(new OffsetRecords.Key("g", TP));
        CommittedOffset o = new CommittedOffset(42, 7, "meta", 1234);
        assertThat(OffsetRecords.decodeValue(OffsetRecords.value(o))).isEqualTo(o);
        CommittedOffset noMetadata = new CommittedOffset(1, -1, null, 5);
        assertThat(OffsetRecords.decodeValue(OffsetRecords.value(noMetadata))).isEqualTo(noMetadata);
    }

    @Test
    void whatIsNotAnOffsetRecordIsRefusedWithTheReasonAndNothingReadPastTheBytes() {
        byte[] key = OffsetRecords.key("g", TP);
        byte[] value = OffsetRecords.value(new CommittedOffset(42, 7, "meta", 1234));
        assertThatThrownBy(() -> OffsetRecords.decodeKey(new byte[]{1})).hasMessageContaining("truncated at the key version");
        assertThatThrownBy(() -> OffsetRecords.decodeKey(null)).hasMessageContaining("no key");
        assertThatThrownBy(() -> OffsetRecords.decodeKey(ByteBuffer.allocate(2).putShort((short) 2).array()))
                .hasMessageContaining("unknown key version 2");
        for (int len = 2; len < key.length; len++) {
            byte[] cut = Arrays.copyOf(key, len);
            assertThatThrownBy(() -> OffsetRecords.decodeKey(cut)).as("key cut at %d", len)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("truncated");
        }
        assertThatThrownBy(() -> OffsetRecords.decodeKey(Arrays.copyOf(key, key.length + 1))).hasMessageContaining("after the end");
        assertThatThrownBy(() -> OffsetRecords.decodeKey(ByteBuffer.allocate(4).putShort((short) 1).putShort((short) -1).array()))
                .hasMessageContaining("no group id");
        assertThatThrownBy(() -> OffsetRecords.decodeKey(ByteBuffer.allocate(4).putShort((short) 1).putShort((short) -7).array()))
                .hasMessageContaining("negative group id length");
        assertThatThrownBy(() -> OffsetRecords.decodeValue(ByteBuffer.allocate(2).putShort((short) 3).array()))
                .hasMessageContaining("unknown value version 3");
        for (int len = 0; len < value.length; len++) {
            byte[] cut = Arrays.copyOf(value, len);
            assertThatThrownBy(() -> OffsetRecords.decodeValue(cut)).as("value cut at %d", len)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("truncated");
        }
    }
}
