package io.sluice.systest.fuzz;

import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MemoryRecordsBuilder;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.record.TimestampType;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * One v2 record batch as the generator chose it: codec, producer fields and records. {@link #honest} encodes it
 * with kafka-clients' {@code MemoryRecordsBuilder}, exactly as the Java producer would; {@link LyingBatch} encodes
 * the same batch by hand so that any field can lie.
 */
record BatchSpec(CompressionType codec, long producerId, short producerEpoch, int baseSequence, List<SimpleRecord> records) {

    static final CompressionType[] CODECS = {CompressionType.NONE, CompressionType.GZIP, CompressionType.SNAPPY,
            CompressionType.LZ4, CompressionType.ZSTD};

    /** A plausible batch: 1-8 records stamped near {@code nowMs}, keys and headers now and then, any codec. */
    static BatchSpec random(Random rnd, long nowMs, boolean keysRequired) {
        CompressionType codec = CODECS[rnd.nextInt(CODECS.length)];
        int count = 1 + (rnd.nextInt(4) == 0 ? rnd.nextInt(8) : rnd.nextInt(2));
        List<SimpleRecord> records = new ArrayList<>();
        long ts = nowMs - rnd.nextInt(60_000);
        for (int i = 0; i < count; i++) {
            byte[] key = keysRequired || rnd.nextBoolean() ? bytes(rnd, "k", 1 + rnd.nextInt(12)) : null;
            byte[] value = rnd.nextInt(10) == 0 ? null : bytes(rnd, "v", rnd.nextInt(4) == 0 ? 200 + rnd.nextInt(2000) : rnd.nextInt(40));
            Header[] headers = new Header[rnd.nextInt(4) == 0 ? 1 + rnd.nextInt(3) : 0];
            for (int h = 0; h < headers.length; h++) {
                headers[h] = new RecordHeader("h" + h, rnd.nextInt(5) == 0 ? null : bytes(rnd, "hv", rnd.nextInt(10)));
            }
            records.add(new SimpleRecord(ts + i * (long) rnd.nextInt(3), key, value, headers));
        }
        boolean idempotent = rnd.nextInt(8) == 0;
        return new BatchSpec(codec, idempotent ? 1_000_000L + rnd.nextInt(1000) : RecordBatch.NO_PRODUCER_ID,
                idempotent ? (short) 0 : RecordBatch.NO_PRODUCER_EPOCH, idempotent ? 0 : RecordBatch.NO_SEQUENCE, records);
    }

    /** Compressible text (producers send text more often than noise), {@code n} bytes. */
    private static byte[] bytes(Random rnd, String prefix, int n) {
        StringBuilder sb = new StringBuilder(prefix);
        while (sb.length() < n) {
            sb.append(rnd.nextInt(3) == 0 ? (char) ('a' + rnd.nextInt(26)) : "-fuzz-");
        }
        return sb.substring(0, n).getBytes(StandardCharsets.UTF_8);
    }

    /** The batch as kafka-clients writes it. */
    MemoryRecords honest() {
        MemoryRecordsBuilder b = MemoryRecords.builder(ByteBuffer.allocate(1024), RecordBatch.MAGIC_VALUE_V2,
                Compression.of(codec).build(), TimestampType.CREATE_TIME, 0L, RecordBatch.NO_TIMESTAMP, producerId,
                producerEpoch, baseSequence, false, RecordBatch.NO_PARTITION_LEADER_EPOCH);
        records.forEach(b::append);
        return b.build();
    }
}
