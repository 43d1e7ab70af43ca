package io.sluice.brokerd.log;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static io.sluice.brokerd.log.CraftedBatch.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Reads that span the decoder's windows: a source that hands out one byte at a time. */
@Timeout(10)
class RecordCursorTest {

    /** Serves {@code bytes} one byte per read. */
    private static RecordCursor.Source trickle(byte[] bytes) {
        return new RecordCursor.Source() {
            private int next;

            @Override
            public int read(byte[] dst, int off, int len) {
                if (next == bytes.length) {
                    return -1;
                }
                dst[off] = bytes[next++];
                return 1;
            }

            @Override
            public void close() {
            }
        };
    }

    @Test
    void varintsValuesAndSkipsAcrossWindowsReadAsInOne() throws Exception {
        byte[] records = CraftedBatch.concat(
                CraftedBatch.record(CraftedBatch.body(-123_456_789_012L, 0, utf8("key"), utf8("v".repeat(300)), utf8("h"), utf8("hv"))),
                CraftedBatch.record(Long.MAX_VALUE / 3, 1, null, null));
        for (RecordCursor c : new RecordCursor[]{RecordCursor.over(records, 0, records.length), RecordCursor.decoding(trickle(records), 1 << 20)}) {
            RecordReader r = new RecordReader();
            r.read(c, true, 0);
            assertThat(r.timestampDelta).isEqualTo(-123_456_789_012L);
            assertThat(new String(r.value, java.nio.charset.StandardCharsets.UTF_8)).hasSize(300);
            assertThat(r.headers).containsExactly(new CraftedBatch.Bytes().varint(1).field(utf8("h")).field(utf8("hv")).toByteArray());
            r.read(c, false, 1);
            assertThat(r.timestampDelta).isEqualTo(Long.MAX_VALUE / 3);
            assertThat(r.offsetDelta).isEqualTo(1);
            assertThat(r.keyLength).isEqualTo(-1);
            assertThat(c.atEnd()).isTrue();
            assertThat(c.position()).isEqualTo(records.length);
        }
    }

    @Test
    void aVarintOfSixBytesIsRefusedInEitherPath() {
        byte[] tooLong = {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x01, 0, 0, 0, 0, 0};
        assertThatThrownBy(() -> RecordCursor.over(tooLong, 0, tooLong.length).readVarint())
                .isInstanceOf(BatchFormatException.class).hasMessageContaining("longer than 5 bytes");
        assertThatThrownBy(() -> RecordCursor.decoding(trickle(tooLong), 100).readVarint())
                .isInstanceOf(BatchFormatException.class).hasMessageContaining("longer than 5 bytes");
    }

    @Test
    void aDecoderPastTheBoundIsStopped() {
        byte[] many = new byte[5000];
        RecordCursor c = RecordCursor.decoding(trickle(many), 4096);
        assertThatThrownBy(() -> c.skip(5000)).isInstanceOf(BatchFormatException.class)
                .satisfies(e -> assertThat(((BatchFormatException) e).reason()).isEqualTo(RejectReason.DECOMPRESSED_TOO_LARGE));
        assertThat(c.position()).isLessThanOrEqualTo(4097);
    }
}
