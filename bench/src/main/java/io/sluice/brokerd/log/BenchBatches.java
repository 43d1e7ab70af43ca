package io.sluice.brokerd.log;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Record batches shaped like the load tool's: 100-byte random values, no key, uncompressed. Stateless. */
final class BenchBatches {
    private BenchBatches() {
    }

    /** One v2 batch of {@code records} records of {@code valueBytes} random bytes each. */
    static ByteBuffer batch(int records, int valueBytes, long seed) {
        Random random = new Random(seed);
        List<RecordBatchBuilder.Entry> entries = new ArrayList<>(records);
        for (int i = 0; i < records; i++) {
            byte[] value = new byte[valueBytes];
            random.nextBytes(value);
            entries.add(new RecordBatchBuilder.Entry(null, value));
        }
        return RecordBatchBuilder.build(entries, 1_700_000_000_000L);
    }
}
