package io.sluice.brokerd.log;

import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Record batches shaped like the load tool's: 100-byte values, no key. Stateless. */
final class BenchBatches {
    /** The timestamp of every record: inside the default message.timestamp.*.max.ms bounds when validated "now". */
    static final long TIMESTAMP_MS = 1_700_000_000_000L;

    private BenchBatches() {
    }

    /** One uncompressed v2 batch of {@code records} records of {@code valueBytes} random bytes each. */
    static ByteBuffer batch(int records, int valueBytes, long seed) {
        Random random = new Random(seed);
        List<RecordBatchBuilder.Entry> entries = new ArrayList<>(records);
        for (int i = 0; i < records; i++) {
            byte[] value = new byte[valueBytes];
            random.nextBytes(value);
            entries.add(new RecordBatchBuilder.Entry(null, value));
        }
        return RecordBatchBuilder.build(entries, TIMESTAMP_MS);
    }

    /**
     * One v2 batch as the Java producer writes it with {@code codec} ("none", "gzip", "snappy", "lz4", "zstd"):
     * {@code records} records of {@code valueBytes} bytes of text-like values (16 symbols: about 2:1 compressible,
     * as log lines and JSON are), one millisecond apart.
     */
    static ByteBuffer producerBatch(String codec, int records, int valueBytes, long seed) {
        Random random = new Random(seed);
        byte[] symbols = "abcdefghij {}\":,".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        SimpleRecord[] rs = new SimpleRecord[records];
        for (int i = 0; i < records; i++) {
            byte[] value = new byte[valueBytes];
            for (int j = 0; j < valueBytes; j++) {
                value[j] = symbols[random.nextInt(symbols.length)];
            }
            rs[i] = new SimpleRecord(TIMESTAMP_MS + i, null, value);
        }
        return MemoryRecords.withRecords(Compression.of(CompressionType.forName(codec)).build(), rs).buffer();
    }
}
