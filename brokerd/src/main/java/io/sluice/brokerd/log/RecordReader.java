package io.sluice.brokerd.log;

/**
 * The v2 record grammar, read from a {@link RecordCursor}, checking every length against the bytes present:
 * <pre>
 *   length varint                 bytes that follow, at least 6
 *   attributes int8               (unused)
 *   timestampDelta varlong        from the batch's baseTimestamp
 *   offsetDelta varint            from the batch's baseOffset
 *   keyLength varint, key         -1: no key
 *   valueLength varint, value     -1: null (a tombstone)
 *   headerCount varint            then per header: keyLength varint (>= 0), key, valueLength varint (>= -1), value
 * </pre>
 * The fields must take exactly {@code length} bytes. Validation reads a record without copying anything; the
 * cleaner and the group coordinator ask for copies of the key, the value and the encoded headers (from the header
 * count on, as {@link RecordBatchBuilder#rebuild} writes them back). One instance holds the last record read and is
 * reused from record to record. Not thread-safe.
 */
final class RecordReader {
    /** attributes, timestamp delta, offset delta, key length, value length and header count: one byte each at least. */
    static final int MIN_BODY_BYTES = 6;
    /** The smallest record: a one-byte length and the smallest body. */
    static final int MIN_RECORD_BYTES = 1 + MIN_BODY_BYTES;

    long timestampDelta;
    int offsetDelta;
    int keyLength;
    int valueLength;
    /** Copies, filled only by {@code read(cursor, true, i)}: null key/value when absent. */
    byte[] key;
    byte[] value;
    byte[] headers;

    /** Reads record {@code index} of its batch; {@code copy} fills {@link #key}, {@link #value} and {@link #headers}. */
    void read(RecordCursor c, boolean copy, int index) throws BatchFormatException {
        int length = c.readVarint();
        if (length < MIN_BODY_BYTES) {
            throw fault(RejectReason.RECORD_FRAMING, index, "its length " + length + " is shorter than any record");
        }
        c.requireRoom(length, index);
        long bodyEnd = c.position() + length;
        c.readUnsignedByte(); // attributes: no record attribute is defined
        timestampDelta = c.readVarlong();
        offsetDelta = c.readVarint();
        keyLength = c.readVarint();
        checkLength(c, keyLength, bodyEnd, index, "key");
        key = copy && keyLength >= 0 ? c.readBytes(keyLength) : null;
        if (!copy && keyLength > 0) {
            c.skip(keyLength);
        }
        valueLength = c.readVarint();
        checkLength(c, valueLength, bodyEnd, index, "value");
        value = copy && valueLength >= 0 ? c.readBytes(valueLength) : null;
        if (!copy && valueLength > 0) {
            c.skip(valueLength);
        }
        if (copy) {
            long rest = bodyEnd - c.position();
            if (rest < 1) {
                throw fault(RejectReason.RECORD_FRAMING, index, "its fields run past its length " + length);
            }
            headers = c.readBytes((int) rest);
            RecordCursor encoded = RecordCursor.over(headers, 0, headers.length);
            skipHeaders(encoded, headers.length, index);
            if (encoded.position() != headers.length) {
                throw fault(RejectReason.RECORD_FRAMING, index, (headers.length - encoded.position())
                        + " bytes follow its last header");
            }
        } else {
            skipHeaders(c, bodyEnd, index);
        }
        if (c.position() != bodyEnd) {
            throw fault(RejectReason.RECORD_FRAMING, index, "its length says " + length + " bytes but its fields take "
                    + (c.position() - bodyEnd + length));
        }
    }

    private static void checkLength(RecordCursor c, int fieldLength, long bodyEnd, int index, String field)
            throws BatchFormatException {
        if (fieldLength < -1 || fieldLength > bodyEnd - c.position()) {
            throw fault(RejectReason.RECORD_FRAMING, index, "its " + field + " length " + fieldLength
                    + (fieldLength < -1 ? " is negative" : " runs past the record"));
        }
    }

    /** Header count, then each header's key (length >= 0) and value (length >= -1), all inside {@code [.., end)}. */
    private static void skipHeaders(RecordCursor c, long end, int index) throws BatchFormatException {
        int count = c.readVarint();
        // A header takes at least two bytes (its key length and value length).
        long room = (end - c.position()) >> 1;
        if (count < 0 || count > room) {
            throw fault(RejectReason.HEADERS, index, "it declares " + count + " headers but "
                    + (count < 0 ? "a count cannot be negative" : "its remaining bytes hold at most " + Math.max(room, 0)));
        }
        for (int h = 0; h < count; h++) {
            int keyLength = c.readVarint();
            if (keyLength < 0 || keyLength > end - c.position()) {
                throw fault(RejectReason.HEADERS, index, "header " + h + " has key length " + keyLength
                        + (keyLength < 0 ? " (a header key cannot be null)" : ", past the end of the record"));
            }
            c.skip(keyLength);
            int valueLength = c.readVarint();
            if (valueLength < -1 || valueLength > end - c.position()) {
                throw fault(RejectReason.HEADERS, index, "header " + h + " has value length " + valueLength
                        + (valueLength < -1 ? ", below -1" : ", past the end of the record"));
            }
            if (valueLength > 0) {
                c.skip(valueLength);
            }
        }
    }

    private static BatchFormatException fault(RejectReason reason, int index, String what) {
        return new BatchFormatException(reason, "record " + index + " of the batch is malformed: " + what, index);
    }
}
