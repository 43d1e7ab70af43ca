package io.sluice.brokerd.log;

import io.sluice.brokerd.config.TopicConfigDef;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;

import static io.sluice.brokerd.log.CraftedBatch.batch;
import static io.sluice.brokerd.log.CraftedBatch.body;
import static io.sluice.brokerd.log.CraftedBatch.record;
import static io.sluice.brokerd.log.CraftedBatch.utf8;
import static org.assertj.core.api.Assertions.assertThat;

/** The leader's record validation on crafted byte arrays, with valid CRCs, uncompressed and with every codec. */
@Timeout(60)
class BatchValidatorTest {
    static final long NOW = 1_700_000_000_000L;
    static final LogConfig DEFAULTS = LogConfig.defaults();

    static BatchValidator.Outcome validate(ByteBuffer batch) {
        return BatchValidator.validate(batch, DEFAULTS, NOW);
    }

    static void assertRefused(BatchValidator.Outcome o, RejectReason reason, String messagePart) {
        assertThat(o.isOk()).as("refused: %s", o).isFalse();
        assertThat(o.reason()).as(o.message()).isEqualTo(reason);
        assertThat(o.error()).isEqualTo(reason.error());
        assertThat(o.message()).contains(messagePart);
    }

    /** Three good records, uncompressed or compressed with {@code codec}. */
    static CraftedBatch.Builder good(int codec) {
        byte[][] records = {record(0, 0, "k0", "v0"), record(1, 1, "k1", "v1"), record(2, 2, "k2", "v2")};
        return (codec == CraftedBatch.NONE ? batch().records(records) : batch().compressed(codec, records)).timestamps(NOW, NOW + 2);
    }

    static final int[] CODECS = {CraftedBatch.NONE, CraftedBatch.GZIP, CraftedBatch.SNAPPY, CraftedBatch.SNAPPY_RAW,
        CraftedBatch.LZ4, CraftedBatch.ZSTD};

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 102, 3, 4})
    void wellFormedBatchesOfEveryCodecAreAccepted(int codec) {
        BatchValidator.Outcome o = validate(good(codec).build());
        assertThat(o.isOk()).as("%s", o).isTrue();
        assertThat(o.batchCount()).isEqualTo(1);
        assertThat(o.maxTimestamps()).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"none", "gzip", "snappy", "lz4", "zstd"})
    void batchesTheJavaProducerWritesAreAccepted(String codec) {
        SimpleRecord[] records = new SimpleRecord[500];
        for (int i = 0; i < records.length; i++) {
            records[i] = new SimpleRecord(NOW + i, i % 3 == 0 ? null : utf8("key-" + i), utf8("value " + i + " ".repeat(i % 50)),
                    new RecordHeader[]{new RecordHeader("h" + i, utf8("x")), new RecordHeader("nullvalue", null)});
        }
        ByteBuffer produced = MemoryRecords.withRecords(Compression.of(CompressionType.forName(codec)).build(), records).buffer();
        BatchValidator.Outcome o = BatchValidator.validate(produced, PartitionLogTest.config(), NOW + 499);
        assertThat(o.isOk()).as("%s", o).isTrue();
        assertThat(o.maxTimestamps()).isNull();
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 102, 3, 4})
    void aCountOfTwoBillionOverOneRecordIsRefused(int codec) {
        CraftedBatch.Builder b = codec == 0 ? batch().records(record(0, 0, null, "only")) : batch().compressed(codec, record(0, 0, null, "only"));
        BatchValidator.Outcome o = validate(b.count(2_000_000_000).timestamps(NOW, NOW).build());
        assertRefused(o, RejectReason.RECORD_COUNT, "2000000000");
        assertThat(o.error()).isEqualTo(AppendError.INVALID_RECORD);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 102, 3, 4})
    void mutatedRecordsAreAnsweredNeverThrown(int codec) throws Exception {
        // Seeded: byte flips, truncations and insertions in the records section, CRC re-stamped each time. The
        // validator must answer every one; what it accepts must read back through BatchRecords.
        java.util.Random random = new java.util.Random(codec);
        byte[] records = CraftedBatch.concat(record(CraftedBatch.body(0, 0, utf8("key"), utf8("value"), utf8("h"), utf8("hv"))),
                record(3, 1, null, "second value"), record(7, 2, "k", null));
        for (int round = 0; round < 400; round++) {
            byte[] mutated = records.clone();
            int flips = 1 + random.nextInt(4);
            for (int f = 0; f < flips; f++) {
                mutated[random.nextInt(mutated.length)] = (byte) random.nextInt(256);
            }
            if (random.nextInt(4) == 0) {
                mutated = Arrays.copyOf(mutated, random.nextInt(mutated.length));
            }
            byte[] section = codec == 0 ? mutated : CraftedBatch.compress(codec, mutated);
            if (codec != 0 && random.nextBoolean()) { // corrupt the compressed bytes instead
                section = CraftedBatch.compress(codec, records);
                section[random.nextInt(section.length)] ^= (byte) (1 + random.nextInt(255));
            }
            ByteBuffer b = batch().section(codec == CraftedBatch.SNAPPY_RAW ? CraftedBatch.SNAPPY : codec, section).count(3)
                    .timestamps(NOW, NOW + 7).build();
            BatchValidator.Outcome o = validate(b);
            if (o.isOk()) {
                assertThat(BatchRecords.fullRecords(b)).as("round %d", round).hasSize(3);
            } else {
                assertThat(o.message()).as("round %d", round).isNotBlank();
            }
        }
    }

    @Test
    void moreRecordsThanTheCountSaysAreRefused() {
        BatchValidator.Outcome o = validate(good(CraftedBatch.NONE).count(2).build());
        assertRefused(o, RejectReason.RECORD_COUNT, "bytes follow the last of the batch's 2 records");
        assertRefused(validate(good(CraftedBatch.ZSTD).count(2).build()), RejectReason.RECORD_COUNT, "bytes follow");
    }

    @Test
    void aCountThatDisagreesWithLastOffsetDeltaIsRefused() {
        assertRefused(validate(good(CraftedBatch.NONE).lastOffsetDelta(5).build()), RejectReason.RECORD_COUNT, "lastOffsetDelta 5");
        assertRefused(validate(batch().records().count(0).lastOffsetDelta(-1).build()), RejectReason.RECORD_COUNT, "record count 0");
    }

    @Test
    void garbageRecordBytesAreRefused() {
        byte[] garbage = new byte[300];
        new java.util.Random(7).nextBytes(garbage);
        garbage[0] = (byte) 0xff; // a length varint that never ends within 5 bytes
        Arrays.fill(garbage, 1, 6, (byte) 0xff);
        BatchValidator.Outcome o = validate(batch().section(CraftedBatch.NONE, garbage).count(3).timestamps(NOW, NOW).build());
        assertRefused(o, RejectReason.RECORD_FRAMING, "varint");
        for (int seed = 0; seed < 200; seed++) {
            new java.util.Random(seed).nextBytes(garbage);
            BatchValidator.Outcome random = validate(batch().section(CraftedBatch.NONE, garbage).count(3).timestamps(NOW, NOW).build());
            assertThat(random.isOk()).as("seed %d: %s", seed, random.message()).isFalse();
            assertThat(random.error()).isEqualTo(AppendError.INVALID_RECORD);
        }
    }

    @Test
    void aNegativeKeyLengthIsRefusedButMinusOneIsNoKey() {
        byte[] negative = new CraftedBatch.Bytes().raw(0).varint(0).varint(0).varint(-5).field(utf8("value")).varint(0).toByteArray();
        BatchValidator.Outcome o = validate(batch().records(record(negative)).timestamps(NOW, NOW).build());
        assertRefused(o, RejectReason.RECORD_FRAMING, "key length -5 is negative");
        assertThat(o.recordErrors()).extracting(RecordError::batchIndex).containsExactly(0);
        assertThat(validate(batch().records(record(body(0, 0, null, utf8("v")))).timestamps(NOW, NOW).build()).isOk()).isTrue();
        byte[] negativeValue = new CraftedBatch.Bytes().raw(0).varint(0).varint(0).varint(-1).varint(-2).varint(0).toByteArray();
        assertRefused(validate(batch().records(record(negativeValue)).timestamps(NOW, NOW).build()), RejectReason.RECORD_FRAMING,
                "value length -2");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 102, 3, 4})
    void aHeaderCountOfFiveOverOneHeaderIsRefused(int codec) {
        byte[] lying = new CraftedBatch.Bytes().raw(0).varint(0).varint(0).field(utf8("k")).field(utf8("v"))
                .varint(5).field(utf8("h")).field(utf8("x")).toByteArray();
        CraftedBatch.Builder b = codec == 0 ? batch().records(record(lying)) : batch().compressed(codec, record(lying));
        assertRefused(validate(b.timestamps(NOW, NOW).build()), RejectReason.HEADERS, "5 headers");
    }

    @Test
    void headerKeysAndValuesMustFitTheRecord() {
        byte[] nullKey = new CraftedBatch.Bytes().raw(0).varint(0).varint(0).field(null).field(utf8("v"))
                .varint(1).varint(-1).field(utf8("x")).toByteArray();
        assertRefused(validate(batch().records(record(nullKey)).timestamps(NOW, NOW).build()), RejectReason.HEADERS, "key length -1");
        byte[] longValue = new CraftedBatch.Bytes().raw(0).varint(0).varint(0).field(null).field(utf8("v"))
                .varint(1).field(utf8("h")).varint(1000).raw(1, 2, 3).toByteArray();
        assertRefused(validate(batch().records(record(longValue)).timestamps(NOW, NOW).build()), RejectReason.HEADERS, "value length 1000");
        byte[] negativeCount = new CraftedBatch.Bytes().raw(0).varint(0).varint(0).field(null).field(utf8("v")).varint(-3).toByteArray();
        assertRefused(validate(batch().records(record(negativeCount)).timestamps(NOW, NOW).build()), RejectReason.HEADERS, "-3 headers");
    }

    @Test
    void aRecordLengthMustMatchItsFields() {
        byte[] body = body(0, 0, utf8("k"), utf8("v"));
        byte[] tooLong = new CraftedBatch.Bytes().varint(body.length + 2).bytes(body).raw(0, 0).toByteArray();
        assertRefused(validate(batch().records(tooLong).timestamps(NOW, NOW).build()), RejectReason.RECORD_FRAMING, "its length says");
        byte[] tooShort = new CraftedBatch.Bytes().varint(body.length - 1).bytes(body).toByteArray();
        assertThat(validate(batch().records(tooShort).timestamps(NOW, NOW).build()).error()).isEqualTo(AppendError.INVALID_RECORD);
        byte[] pastTheBatch = new CraftedBatch.Bytes().varint(1_000_000).bytes(body).toByteArray();
        assertRefused(validate(batch().records(pastTheBatch).timestamps(NOW, NOW).build()), RejectReason.RECORD_FRAMING,
                "bytes left in the batch");
        byte[] keyPastTheRecord = record(new CraftedBatch.Bytes().raw(0).varint(0).varint(0).varint(50).raw('k').varint(0).varint(0).toByteArray());
        assertRefused(validate(batch().records(keyPastTheRecord).timestamps(NOW, NOW).build()), RejectReason.RECORD_FRAMING,
                "key length 50 runs past the record");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 102, 3, 4})
    void offsetDeltasMustBeZeroToNMinusOneInOrder(int codec) {
        byte[][] swapped = {record(0, 1, null, "a"), record(0, 0, null, "b")};
        CraftedBatch.Builder b = codec == 0 ? batch().records(swapped) : batch().compressed(codec, swapped);
        BatchValidator.Outcome o = validate(b.timestamps(NOW, NOW).build());
        assertRefused(o, RejectReason.OFFSET_DELTA, "record 0 has offset delta 1");
        byte[][] gap = {record(0, 0, null, "a"), record(0, 2, null, "b")};
        assertRefused(validate(batch().records(gap).lastOffsetDelta(1).timestamps(NOW, NOW).build()), RejectReason.OFFSET_DELTA,
                "record 1 has offset delta 2");
    }

    @Test
    void aCompactedTopicRefusesRecordsWithoutKeysNamingEach() {
        LogConfig compacted = PartitionLogTest.config(TopicConfigDef.CLEANUP_POLICY, "compact");
        ByteBuffer b = batch().records(record(0, 0, "k", "v"), record(0, 1, null, "v"), record(0, 2, "k", "v"), record(0, 3, null, null))
                .timestamps(NOW, NOW).build();
        BatchValidator.Outcome o = BatchValidator.validate(b, compacted, NOW);
        assertRefused(o, RejectReason.MISSING_KEY, "2 of the batch's 4 records were refused");
        assertThat(o.recordErrors()).extracting(RecordError::batchIndex).containsExactly(1, 3);
        assertThat(o.recordErrors().get(0).message()).contains("Compacted topic cannot accept message without key");
        assertThat(validate(b).isOk()).as("the same batch on a delete topic").isTrue();
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 4})
    void timestampsOutsideTheConfiguredBoundsAreRefused(int codec) {
        LogConfig bounded = PartitionLogTest.config(TopicConfigDef.MESSAGE_TIMESTAMP_BEFORE_MAX_MS, "3600000");
        long year2500 = 16_725_225_600_000L;
        byte[][] future = {record(0, 0, null, "now"), record(year2500 - NOW, 1, null, "2500")};
        CraftedBatch.Builder fb = codec == 0 ? batch().records(future) : batch().compressed(codec, future);
        BatchValidator.Outcome o = BatchValidator.validate(fb.timestamps(NOW, year2500).build(), bounded, NOW);
        assertRefused(o, RejectReason.TIMESTAMP, "Timestamp " + year2500 + " of record 1 is out of range");
        assertThat(o.error()).isEqualTo(AppendError.INVALID_TIMESTAMP);
        assertThat(o.recordErrors()).extracting(RecordError::batchIndex).containsExactly(1);
        // The default after.max.ms (one hour, as Kafka 4) refuses it too; before.max.ms is unbounded by default.
        assertThat(validate(fb.build()).reason()).isEqualTo(RejectReason.TIMESTAMP);
        ByteBuffer past = batch().records(record(0, 0, null, "1970")).timestamps(1000, 1000).build();
        assertRefused(BatchValidator.validate(past, bounded, NOW), RejectReason.TIMESTAMP, "Timestamp 1000 of record 0");
        assertThat(validate(past).isOk()).isTrue();
        // No timestamp (-1) is not checked; a LogAppendTime topic stamps its own.
        assertThat(BatchValidator.validate(batch().records(record(0, 0, null, "x")).timestamps(-1, -1).build(), bounded, NOW).isOk()).isTrue();
        LogConfig appendTime = PartitionLogTest.config(TopicConfigDef.MESSAGE_TIMESTAMP_TYPE, "LogAppendTime");
        assertThat(BatchValidator.validate(fb.build(), appendTime, NOW).isOk()).isTrue();
    }

    @Test
    void aWrongMaxTimestampIsCorrectedNotRefused() {
        long year2500 = 16_725_225_600_000L;
        ByteBuffer lying = good(CraftedBatch.NONE).timestamps(NOW, year2500).build();
        BatchValidator.Outcome o = validate(lying);
        assertThat(o.isOk()).isTrue();
        assertThat(o.maxTimestamps()).containsExactly(NOW + 2);
        ByteBuffer copy = ByteBuffer.allocate(lying.remaining()).put(lying.duplicate()).flip();
        o.restampMaxTimestamps(copy);
        assertThat(RecordBatchHeader.maxTimestamp(copy, 0)).isEqualTo(NOW + 2);
        assertThat(BatchValidator.isIntact(copy, 0)).as("CRC re-stamped").isTrue();
    }

    @Test
    void aCompressionBombIsRefusedOnceItCrossesTheBound() {
        // Snappy expands at most ~21 times: its 64 MiB take 3 MiB, above the default max.message.bytes.
        String maxMessage = String.valueOf(8 << 20);
        LogConfig small = PartitionLogTest.config(TopicConfigDef.MESSAGE_DECOMPRESSED_MAX_BYTES, String.valueOf(1 << 20),
                TopicConfigDef.MAX_MESSAGE_BYTES, maxMessage);
        long valueBytes = 64L << 20;
        byte[] zeros = new byte[1 << 20];
        for (int codec : new int[]{CraftedBatch.GZIP, CraftedBatch.SNAPPY, CraftedBatch.LZ4, CraftedBatch.ZSTD}) {
            byte[] section = CraftedBatch.compress(codec, out -> {
                // One record whose value is 64 MiB of zeros: well formed, only too big.
                byte[] fields = new CraftedBatch.Bytes().raw(0).varint(0).varint(0).varint(-1).varint(valueBytes).toByteArray();
                out.write(new CraftedBatch.Bytes().varint(fields.length + valueBytes + 1).bytes(fields).toByteArray());
                for (long n = 0; n < valueBytes; n += zeros.length) {
                    out.write(zeros);
                }
                out.write(0);
            });
            assertThat(section.length).as("codec %d compresses the bomb", codec).isLessThan(8 << 20);
            ByteBuffer bomb = batch().section(codec, section).count(1).timestamps(NOW, NOW).build();
            BatchValidator.Outcome o = BatchValidator.validate(bomb, small, NOW);
            assertRefused(o, RejectReason.DECOMPRESSED_TOO_LARGE, "more than 1048576 bytes");
            assertThat(o.error()).isEqualTo(AppendError.RECORD_TOO_LARGE);
            BatchValidator.Outcome larger = BatchValidator.validate(bomb, PartitionLogTest.config(TopicConfigDef.MESSAGE_DECOMPRESSED_MAX_BYTES,
                    String.valueOf(128L << 20), TopicConfigDef.MAX_MESSAGE_BYTES, maxMessage), NOW);
            assertThat(larger.isOk()).as("codec %d under a larger bound: %s", codec, larger.message()).isTrue();
        }
    }

    @Test
    void aSnappyBlockThatLiesAboutItsSizeIsRefusedBeforeAllocating() {
        byte[] raw = CraftedBatch.compress(CraftedBatch.SNAPPY_RAW, record(0, 0, null, "v"));
        // Rewrite the leading varint (uncompressed length) to claim 1 GiB.
        byte[] lying = CraftedBatch.concat(new byte[]{(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x04},
                Arrays.copyOfRange(raw, 1, raw.length));
        BatchValidator.Outcome o = validate(batch().section(CraftedBatch.SNAPPY, lying).count(1).timestamps(NOW, NOW).build());
        assertRefused(o, RejectReason.COMPRESSION, "declares 1073741824 uncompressed bytes");
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4})
    void corruptCompressedBytesAreRefused(int codec) {
        byte[] section = CraftedBatch.compress(codec, CraftedBatch.concat(record(0, 0, "k", "v".repeat(1000)), record(0, 1, "k", "w")));
        for (int i = section.length / 2; i < section.length; i++) {
            section[i] ^= (byte) 0x5a;
        }
        BatchValidator.Outcome o = validate(batch().section(codec, section).count(2).timestamps(NOW, NOW).build());
        assertThat(o.isOk()).isFalse();
        assertThat(o.error()).as(o.message()).isIn(AppendError.INVALID_RECORD);
    }

    @Test
    void anUnknownCodecIsRefused() {
        assertRefused(validate(batch().section(5, new byte[20]).count(1).timestamps(NOW, NOW).build()), RejectReason.COMPRESSION,
                "unknown compression codec 5");
    }

    @Test
    void headerRulesAreKafkas() {
        assertRefused(validate(good(0).magic(1).build()), RejectReason.MAGIC, "magic 1");
        assertThat(RejectReason.MAGIC.error()).isEqualTo(AppendError.INVALID_RECORD);
        assertRefused(validate(good(0).attributes(0x20).build()), RejectReason.CONTROL_BATCH, "control");
        assertRefused(validate(good(0).attributes(0x10).build()), RejectReason.TRANSACTIONAL, "must carry a producer id");
        assertThat(RejectReason.TRANSACTIONAL.error()).isEqualTo(AppendError.INVALID_RECORD);
        assertThat(validate(good(0).attributes(0x10).producer(5, (short) 0, 0).build()).isOk())
                .as("a producer's transactional batch is validated like any other").isTrue();
        assertRefused(validate(good(0).producer(5, (short) 0, -1).build()), RejectReason.SEQUENCE, "sequence -1");
        assertRefused(validate(good(0).attributes(0x08).build()), RejectReason.TIMESTAMP, "LogAppendTime");
        ByteBuffer badCrc = good(0).build();
        badCrc.put(badCrc.limit() - 1, (byte) 1);
        assertRefused(validate(badCrc), RejectReason.CRC, "CRC");
        assertRefused(validate(ByteBuffer.allocate(0)), RejectReason.RECORD_COUNT, "no record batch");
        ByteBuffer cut = good(0).build();
        cut.limit(cut.limit() - 1);
        assertRefused(validate(cut), RejectReason.BATCH_FRAMING, "runs past the end");
        assertRefused(BatchValidator.validate(good(0).build(), PartitionLogTest.config(TopicConfigDef.MAX_MESSAGE_BYTES, "80"), NOW),
                RejectReason.BATCH_TOO_LARGE, "max.message.bytes 80");
    }

    @Test
    void aBadBatchAfterAGoodOneRefusesTheRequestNamingIt() {
        ByteBuffer good = good(0).build();
        ByteBuffer bad = good(0).count(7).lastOffsetDelta(6).build();
        ByteBuffer both = ByteBuffer.allocate(good.remaining() + bad.remaining()).put(good).put(bad).flip();
        assertRefused(validate(both), RejectReason.RECORD_COUNT, "record batch 1 of the request: the batch declares 7 records");
    }

    @Test
    void aCompressedBatchAnywhereInARequestIsSeenFromTheHeadersAlone() {
        ByteBuffer plain = good(CraftedBatch.NONE).build();
        ByteBuffer zstd = good(CraftedBatch.ZSTD).build();
        ByteBuffer both = ByteBuffer.allocate(plain.remaining() + zstd.remaining()).put(plain.duplicate()).put(zstd.duplicate()).flip();
        assertThat(RecordBatchHeader.anyCompressed(plain)).isFalse();
        assertThat(RecordBatchHeader.anyCompressed(both)).as("the second batch is zstd").isTrue();
        ByteBuffer lyingLength = both.duplicate();
        lyingLength.putInt(RecordBatchHeader.BATCH_LENGTH, 1 << 30);
        assertThat(RecordBatchHeader.anyCompressed(lyingLength)).as("a length past the buffer stops the walk").isFalse();
        assertThat(RecordBatchHeader.anyCompressed(ByteBuffer.allocate(10))).isFalse();
    }

    @Test
    void recordErrorsAreBoundedPerBatch() {
        LogConfig compacted = PartitionLogTest.config(TopicConfigDef.CLEANUP_POLICY, "compact");
        byte[][] records = new byte[BatchValidator.MAX_RECORD_ERRORS + 500][];
        for (int i = 0; i < records.length; i++) {
            records[i] = record(0, i, null, "v");
        }
        BatchValidator.Outcome o = BatchValidator.validate(batch().records(records).timestamps(NOW, NOW).build(), compacted, NOW);
        assertThat(o.recordErrors()).hasSize(BatchValidator.MAX_RECORD_ERRORS);
        assertThat(o.message()).startsWith(records.length + " of the batch's " + records.length + " records were refused");
    }

    @Test
    void followersCheckFramingAndCrcOnly() {
        // A cleaned batch (offsets with gaps: count 2, lastOffsetDelta 5) as a leader serves it after compaction.
        ByteBuffer cleaned = batch().records(record(0, 0, "a", "1"), record(0, 5, "b", "2")).lastOffsetDelta(5).timestamps(NOW, NOW).build();
        assertThat(BatchValidator.validateReplicated(cleaned).isOk()).isTrue();
        cleaned.put(cleaned.limit() - 1, (byte) 9);
        assertThat(BatchValidator.validateReplicated(cleaned).reason()).isEqualTo(RejectReason.CRC);
    }

    @Test
    void everyReasonMapsToTheErrorKafkaAnswers() {
        assertThat(List.of(RejectReason.values())).allSatisfy(r -> assertThat(r.label()).matches("[a-z_]+"));
        assertThat(RejectReason.DECOMPRESSED_TOO_LARGE.error()).isEqualTo(AppendError.RECORD_TOO_LARGE);
        assertThat(RejectReason.TIMESTAMP.error()).isEqualTo(AppendError.INVALID_TIMESTAMP);
        assertThat(RejectReason.CRC.error()).isEqualTo(AppendError.CORRUPT_MESSAGE);
    }
}
