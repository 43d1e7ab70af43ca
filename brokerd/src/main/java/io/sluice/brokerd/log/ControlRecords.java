package io.sluice.brokerd.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * Transaction markers, Kafka's control batches: a batch with the control and transactional attributes, the
 * producer's id and epoch, no sequence, and one record
 * <pre>
 *   key   = version int16 (0) | type int16 (0 ABORT, 1 COMMIT)
 *   value = version int16 (0) | coordinatorEpoch int32
 * </pre>
 * Only the broker writes them (on WriteTxnMarkers); a client's control batch is refused. Stateless.
 */
public final class ControlRecords {
    static final short ABORT = 0;
    static final short COMMIT = 1;

    /** What a control batch says. {@code type} -1 when it holds no record (compaction emptied it) or an unknown type. */
    record Marker(short type, int coordinatorEpoch) {
        boolean isTxnMarker() {
            return type == ABORT || type == COMMIT;
        }
    }

    private ControlRecords() {
    }

    /** A COMMIT or ABORT marker of {@code producerId}/{@code producerEpoch}, stamped {@code timestampMs}. */
    static ByteBuffer marker(long producerId, short producerEpoch, int coordinatorEpoch, boolean commit, long timestampMs) {
        byte[] key = ByteBuffer.allocate(4).putShort((short) 0).putShort(commit ? COMMIT : ABORT).array();
        byte[] value = ByteBuffer.allocate(6).putShort((short) 0).putInt(coordinatorEpoch).array();
        return RecordBatchBuilder.build(List.of(new RecordBatchBuilder.Entry(key, value)), timestampMs, producerId, producerEpoch,
                (short) (RecordBatchHeader.TRANSACTIONAL_BIT | RecordBatchHeader.CONTROL_BIT));
    }

    /** Reads the control batch at {@code pos} of {@code buf} (a whole batch). */
    static Marker read(ByteBuffer buf, int pos) throws IOException {
        ByteBuffer batch = buf.duplicate().position(pos).limit(pos + RecordBatchHeader.totalSize(buf, pos)).slice();
        List<BatchRecords.KeyValue> records = BatchRecords.keyValues(batch);
        if (records.isEmpty()) {
            return new Marker((short) -1, -1);
        }
        byte[] key = records.get(0).key();
        byte[] value = records.get(0).value();
        if (key == null || key.length < 4) {
            throw new IOException("control record at offset " + records.get(0).offset() + " has no valid key");
        }
        short type = ByteBuffer.wrap(key).getShort(2);
        int coordinatorEpoch = value != null && value.length >= 6 ? ByteBuffer.wrap(value).getInt(2) : -1;
        return new Marker(type == ABORT || type == COMMIT ? type : -1, coordinatorEpoch);
    }
}
