package io.sluice.systest.fuzz;

import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.MemoryRecords;
import org.xerial.snappy.Snappy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Record batches that lie with a valid CRC (unless the lie is the CRC): header fields (record count, last offset
 * delta, magic, codec, flags, lengths, producer fields, timestamps), record fields (lengths, varints, offset
 * deltas, key, value and header lengths and counts, missing and extra records and bytes), compressed sections
 * (garbage, truncated, a bomb that inflates past {@code message.decompressed.max.bytes}, librdkafka's raw snappy),
 * and requests where a valid batch is followed by a lying one. One partition of a generated Produce gets the lie;
 * its other batches and partitions stay honest.
 * <p>
 * Each lie says whether the broker must refuse it ({@link Verdict#REFUSE}: a partition error, and nothing appended,
 * which the log verification checks) or may accept it (the lie is harmless, corrected, or refusing it depends on
 * bytes a parser may read either way); accepted batches must still pass the log verification.
 */
final class BatchLies implements Mutator {
    /** What the broker must do with a lying batch. */
    enum Verdict { REFUSE, MAY_ACCEPT }

    /** Bytes a bomb inflates to: above the fuzz broker's log.message.decompressed.max.bytes. */
    static final int BOMB_BYTES = 3 * FuzzBroker.DECOMPRESSED_MAX_BYTES / 2;
    private static final long TEN_YEARS_MS = 315_360_000_000L;
    private static final Map<CompressionType, byte[]> BOMBS = new EnumMap<>(CompressionType.class);

    /** One lie: applied to the batch, it says what the broker must do. */
    private interface Lie {
        Verdict apply(LyingBatch b, Random rnd, String topic, long nowMs);
    }

    private record Named(String name, Lie lie) {
    }

    private static final List<Named> LIES = List.of(
            new Named("record count 0", (b, r, t, now) -> count(b, 0)),
            new Named("record count -1", (b, r, t, now) -> count(b, -1)),
            new Named("record count 2,000,000,000", (b, r, t, now) -> count(b, 2_000_000_000)),
            new Named("record count + 1", (b, r, t, now) -> count(b, b.recordCount + 1)),
            new Named("record count - 1", (b, r, t, now) -> count(b, b.recordCount - 1)),
            new Named("last offset delta off", (b, r, t, now) -> {
                b.lastOffsetDelta += r.nextBoolean() ? 1 : -1 - r.nextInt(3);
                return Verdict.REFUSE;
            }),
            new Named("magic", (b, r, t, now) -> {
                b.magic = (byte) new int[]{0, 1, 3, -1}[r.nextInt(4)];
                return Verdict.REFUSE;
            }),
            new Named("unknown codec", (b, r, t, now) -> {
                b.attributes = (short) ((b.attributes & ~7) | (5 + r.nextInt(3)));
                return Verdict.REFUSE;
            }),
            new Named("codec of the header not the data's", (b, r, t, now) -> {
                int other = (b.codec.id + 1 + r.nextInt(4)) % 5;
                b.attributes = (short) ((b.attributes & ~7) | other);
                return Verdict.REFUSE;
            }),
            new Named("transactional flag", (b, r, t, now) -> flag(b, 0x10)),
            new Named("control flag", (b, r, t, now) -> flag(b, 0x20)),
            new Named("LogAppendTime flag", (b, r, t, now) -> flag(b, 0x08)),
            new Named("unused attribute bits", (b, r, t, now) -> {
                b.attributes |= (short) new int[]{0x40, 0x80, 0x100, 0x8000}[r.nextInt(4)];
                return Verdict.MAY_ACCEPT;
            }),
            new Named("batch length short", (b, r, t, now) -> {
                b.batchLengthOverride = b.encode().length - 12 - 1 - r.nextInt(20);
                return Verdict.REFUSE;
            }),
            new Named("batch length long", (b, r, t, now) -> {
                b.batchLengthOverride = b.encode().length - 12 + 1 + r.nextInt(1000);
                return Verdict.REFUSE;
            }),
            new Named("batch length negative or huge", (b, r, t, now) -> {
                b.batchLengthOverride = new int[]{-1, 0, Integer.MIN_VALUE, Integer.MAX_VALUE, 48}[r.nextInt(5)];
                return Verdict.REFUSE;
            }),
            new Named("stale CRC", (b, r, t, now) -> {
                b.staleCrc = true;
                return Verdict.REFUSE;
            }),
            new Named("negative sequence of a producer id", (b, r, t, now) -> {
                b.producerId = 2_000_000L + r.nextInt(100);
                b.producerEpoch = 0;
                b.baseSequence = -1 - r.nextInt(10);
                return Verdict.REFUSE;
            }),
            new Named("producer fields garbage", (b, r, t, now) -> {
                b.producerId = r.nextBoolean() ? r.nextLong() : -2 - r.nextInt(5);
                b.producerEpoch = (short) r.nextInt();
                b.baseSequence = r.nextInt();
                return Verdict.MAY_ACCEPT;
            }),
            new Named("timestamps ten years ahead", (b, r, t, now) -> {
                b.baseTimestamp = now + TEN_YEARS_MS;
                b.maxTimestamp = b.baseTimestamp;
                return FuzzTopics.checksCreateTime(t) ? Verdict.REFUSE : Verdict.MAY_ACCEPT;
            }),
            new Named("timestamps ten days old", (b, r, t, now) -> {
                b.baseTimestamp = now - 10 * 86_400_000L;
                b.maxTimestamp = b.baseTimestamp;
                return t.equals(FuzzTopics.PLAIN) ? Verdict.REFUSE : Verdict.MAY_ACCEPT;
            }),
            new Named("one record ten years ahead", (b, r, t, now) -> {
                record(b, r).replace("timestampDelta", LyingBatch.varlong(now + TEN_YEARS_MS - b.baseTimestamp));
                return FuzzTopics.checksCreateTime(t) ? Verdict.REFUSE : Verdict.MAY_ACCEPT;
            }),
            new Named("max timestamp lies", (b, r, t, now) -> {
                b.maxTimestamp = new long[]{-1, 0, Long.MAX_VALUE, b.baseTimestamp - 1000, r.nextLong()}[r.nextInt(5)];
                return Verdict.MAY_ACCEPT;
            }),
            new Named("base offset and leader epoch lie", (b, r, t, now) -> {
                b.baseOffset = r.nextLong();
                b.partitionLeaderEpoch = r.nextInt();
                return Verdict.MAY_ACCEPT;
            }),
            new Named("record length longer", (b, r, t, now) -> recordLength(b, r, 1 + r.nextInt(10))),
            new Named("record length shorter", (b, r, t, now) -> recordLength(b, r, -1 - r.nextInt(3))),
            new Named("record length negative or huge", (b, r, t, now) -> {
                record(b, r).lengthOverride = LyingBatch.varint(new int[]{-1, -100, Integer.MAX_VALUE, Integer.MIN_VALUE}[r.nextInt(4)]);
                return Verdict.REFUSE;
            }),
            new Named("varint over 5 bytes", (b, r, t, now) -> {
                LyingBatch.RecordParts rec = record(b, r);
                String field = new String[]{"offsetDelta", "keyLength", "valueLength", "headerCount"}[r.nextInt(4)];
                rec.replace(field, LyingBatch.overlongVarint(0, 6 + r.nextInt(4)));
                return Verdict.REFUSE;
            }),
            new Named("varlong over 10 bytes", (b, r, t, now) -> {
                record(b, r).replace("timestampDelta", LyingBatch.overlongVarint(0, 11));
                return Verdict.REFUSE;
            }),
            new Named("record length varint over 5 bytes", (b, r, t, now) -> {
                LyingBatch.RecordParts rec = record(b, r);
                rec.lengthOverride = LyingBatch.overlongVarint(rec.body().length, 6);
                return Verdict.REFUSE;
            }),
            new Named("varints padded but within 5 bytes", (b, r, t, now) -> {
                LyingBatch.RecordParts rec = record(b, r);
                rec.replace("offsetDelta", LyingBatch.overlongVarint(b.records.indexOf(rec), 3));
                return Verdict.MAY_ACCEPT;
            }),
            new Named("offset delta repeated", (b, r, t, now) -> offsetDelta(b, r, -1)),
            new Named("offset delta skips", (b, r, t, now) -> offsetDelta(b, r, 1)),
            new Named("offset delta negative", (b, r, t, now) -> {
                b.records.get(0).replace("offsetDelta", LyingBatch.varint(-1 - r.nextInt(5)));
                return Verdict.REFUSE;
            }),
            new Named("key length below -1 or huge", (b, r, t, now) -> {
                record(b, r).replace("keyLength", LyingBatch.varint(new int[]{-2, -100, Integer.MAX_VALUE, 1 << 20}[r.nextInt(4)]));
                return Verdict.REFUSE;
            }),
            new Named("value length below -1 or huge", (b, r, t, now) -> {
                record(b, r).replace("valueLength", LyingBatch.varint(new int[]{-2, Integer.MIN_VALUE, Integer.MAX_VALUE, 1 << 20}[r.nextInt(4)]));
                return Verdict.REFUSE;
            }),
            new Named("key or value length off by one", (b, r, t, now) -> {
                LyingBatch.RecordParts rec = record(b, r);
                String field = r.nextBoolean() ? "keyLength" : "valueLength";
                int current = org.apache.kafka.common.utils.ByteUtils.readVarint(java.nio.ByteBuffer.wrap(rec.parts.get(rec.indexOf(field)).bytes()));
                rec.replace(field, LyingBatch.varint(current + (r.nextBoolean() ? 1 : -1)));
                return Verdict.MAY_ACCEPT;
            }),
            new Named("header count negative", (b, r, t, now) -> {
                record(b, r).replace("headerCount", LyingBatch.varint(-1 - r.nextInt(3)));
                return Verdict.REFUSE;
            }),
            new Named("header count too large", (b, r, t, now) -> {
                LyingBatch.RecordParts rec = record(b, r);
                int current = org.apache.kafka.common.utils.ByteUtils.readVarint(java.nio.ByteBuffer.wrap(rec.parts.get(rec.indexOf("headerCount")).bytes()));
                rec.replace("headerCount", LyingBatch.varint(r.nextBoolean() ? current + 1 : new int[]{5, 1 << 20, Integer.MAX_VALUE}[r.nextInt(3)]));
                return Verdict.REFUSE;
            }),
            new Named("header key length negative, value length below -1", (b, r, t, now) -> {
                LyingBatch.RecordParts rec = record(b, r);
                if (rec.indexOf("headerKey0Length") < 0) {
                    rec.replace("headerCount", LyingBatch.varint(1));
                    rec.parts.add(new LyingBatch.Part("headerKey0Length", LyingBatch.varint(1)));
                    rec.parts.add(new LyingBatch.Part("headerKey0", new byte[]{'h'}));
                    rec.parts.add(new LyingBatch.Part("headerValue0Length", LyingBatch.varint(-1)));
                }
                if (r.nextBoolean()) {
                    rec.replace("headerKey0Length", LyingBatch.varint(-1 - r.nextInt(2)));
                } else {
                    rec.replace("headerValue0Length", LyingBatch.varint(-2 - r.nextInt(100)));
                }
                return Verdict.REFUSE;
            }),
            new Named("last record cut short", (b, r, t, now) -> {
                LyingBatch.RecordParts last = b.records.get(b.records.size() - 1);
                byte[] body = last.body();
                last.lengthOverride = LyingBatch.varint(body.length);
                int cut = 1 + r.nextInt(Math.min(4, body.length));
                last.parts.clear();
                last.parts.add(new LyingBatch.Part("cut", Arrays.copyOf(body, body.length - cut)));
                return Verdict.REFUSE;
            }),
            new Named("bytes after the last record", (b, r, t, now) -> {
                b.trailingRecordBytes = new byte[1 + r.nextInt(8)];
                r.nextBytes(b.trailingRecordBytes);
                return Verdict.REFUSE;
            }),
            new Named("a record missing", (b, r, t, now) -> {
                b.records.remove(b.records.size() - 1);
                return Verdict.REFUSE;
            }),
            new Named("a record more than counted", (b, r, t, now) -> {
                LyingBatch.RecordParts extra = LyingBatch.parts(new org.apache.kafka.common.record.SimpleRecord(b.baseTimestamp,
                        new byte[]{'k'}, new byte[]{'v'}), b.baseTimestamp, b.records.size());
                b.records.add(extra);
                return Verdict.REFUSE;
            }),
            new Named("record attributes set", (b, r, t, now) -> {
                record(b, r).replace("attributes", new byte[]{(byte) (1 + r.nextInt(255))});
                return Verdict.MAY_ACCEPT;
            }),
            new Named("null key", (b, r, t, now) -> {
                LyingBatch.RecordParts rec = record(b, r);
                int k = rec.indexOf("key");
                if (k >= 0) {
                    rec.parts.remove(k);
                }
                rec.replace("keyLength", LyingBatch.varint(-1));
                return t.equals(FuzzTopics.COMPACTED) ? Verdict.REFUSE : Verdict.MAY_ACCEPT;
            }),
            new Named("compressed section garbage", (b, r, t, now) -> {
                byte[] garbage = new byte[8 + r.nextInt(200)];
                r.nextBytes(garbage);
                b.section = garbage;
                return Verdict.REFUSE;
            }),
            new Named("compressed section cut short", (b, r, t, now) -> {
                byte[] s = b.recordsSection();
                b.section = Arrays.copyOf(s, Math.max(0, s.length - 1 - r.nextInt(Math.max(1, s.length / 2))));
                return b.section.length == 0 ? Verdict.REFUSE : Verdict.MAY_ACCEPT;
            }),
            new Named("compression bomb", (b, r, t, now) -> {
                CompressionType codec = new CompressionType[]{CompressionType.GZIP, CompressionType.SNAPPY, CompressionType.LZ4,
                        CompressionType.ZSTD}[r.nextInt(4)];
                b.codec = codec;
                b.attributes = (short) ((b.attributes & ~7) | codec.id);
                b.section = bomb(codec);
                b.recordCount = 1;
                b.lastOffsetDelta = 0;
                return Verdict.REFUSE;
            }),
            new Named("librdkafka's raw snappy block", (b, r, t, now) -> {
                java.io.ByteArrayOutputStream raw = new java.io.ByteArrayOutputStream();
                b.records.forEach(rec -> raw.writeBytes(rec.encode()));
                try {
                    b.section = Snappy.compress(raw.toByteArray());
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                b.codec = CompressionType.SNAPPY;
                b.attributes = (short) ((b.attributes & ~7) | CompressionType.SNAPPY.id);
                return Verdict.MAY_ACCEPT;
            }));

    private static Verdict count(LyingBatch b, int count) {
        b.recordCount = count;
        b.lastOffsetDelta = count - 1;
        return Verdict.REFUSE;
    }

    private static Verdict flag(LyingBatch b, int bit) {
        b.attributes |= (short) bit;
        return Verdict.REFUSE;
    }

    private static LyingBatch.RecordParts record(LyingBatch b, Random r) {
        return b.records.get(r.nextInt(b.records.size()));
    }

    private static Verdict recordLength(LyingBatch b, Random r, int delta) {
        LyingBatch.RecordParts rec = record(b, r);
        rec.lengthOverride = LyingBatch.varint(rec.body().length + delta);
        return Verdict.REFUSE;
    }

    /** Record k's offset delta made k + {@code shift} (k = 0 when the batch holds one record and the shift is -1). */
    private static Verdict offsetDelta(LyingBatch b, Random r, int shift) {
        int k = b.records.size() == 1 ? 0 : 1 + r.nextInt(b.records.size() - 1);
        b.records.get(k).replace("offsetDelta", LyingBatch.varint(k + (k == 0 && shift < 0 ? 1 : shift)));
        return Verdict.REFUSE;
    }

    /**
     * A records section for {@code codec} that inflates to {@link #BOMB_BYTES}: one record whose length and value
     * length claim all of it, the value zeros. Computed once per codec.
     */
    static synchronized byte[] bomb(CompressionType codec) {
        return BOMBS.computeIfAbsent(codec, c -> {
            int valueBytes = BOMB_BYTES - 16;
            LyingBatch.RecordParts rec = new LyingBatch.RecordParts();
            rec.parts.add(new LyingBatch.Part("attributes", new byte[]{0}));
            rec.parts.add(new LyingBatch.Part("timestampDelta", LyingBatch.varlong(0)));
            rec.parts.add(new LyingBatch.Part("offsetDelta", LyingBatch.varint(0)));
            rec.parts.add(new LyingBatch.Part("keyLength", LyingBatch.varint(-1)));
            rec.parts.add(new LyingBatch.Part("valueLength", LyingBatch.varint(valueBytes)));
            byte[] head = rec.body();
            byte[] raw = new byte[5 + head.length + valueBytes + 1];
            byte[] length = LyingBatch.varint(head.length + valueBytes + 1);
            System.arraycopy(length, 0, raw, 0, length.length);
            System.arraycopy(head, 0, raw, length.length, head.length);
            // the value's zeros follow; a header count of 0 ends the record
            return LyingBatch.compress(c, Arrays.copyOf(raw, length.length + head.length + valueBytes + 1));
        });
    }

    @Override
    public String name() {
        return "batch-lies";
    }

    @Override
    public Mutation mutate(Subject s) {
        if (s.base.key() != ApiKeys.PRODUCE || s.base.produced().isEmpty()) {
            return null;
        }
        Random r = s.rnd;
        BaseRequest.ProducedPartition pp = s.base.produced().get(r.nextInt(s.base.produced().size()));
        ProduceRequestData body = ((ProduceRequestData) s.base.body()).duplicate();
        ProduceRequestData.TopicProduceData td = body.topicData().stream().skip(pp.topicIndex()).findFirst().orElseThrow();
        ProduceRequestData.PartitionProduceData pd = td.partitionData().get(pp.partitionIndex());
        long nowMs = s.nowMs;
        String description;
        Verdict verdict;
        if (r.nextInt(12) == 0) {
            boolean nothing = r.nextBoolean();
            pd.setRecords(nothing ? null : MemoryRecords.EMPTY);
            description = nothing ? "records null" : "records empty";
            verdict = Verdict.REFUSE;
        } else {
            List<byte[]> encoded = new ArrayList<>();
            List<BatchSpec> batches = pp.batches();
            // a lie in the last batch, after honest ones when there are several (or now and then a second, honest one added)
            boolean appendHonest = batches.size() == 1 && r.nextInt(8) == 0;
            for (int i = 0; i < batches.size() - 1; i++) {
                encoded.add(LyingBatch.of(batches.get(i)).encode());
            }
            LyingBatch liar = LyingBatch.of(batches.get(batches.size() - 1));
            Named lie = LIES.get(r.nextInt(LIES.size()));
            verdict = lie.lie().apply(liar, r, pp.topic(), nowMs);
            encoded.add(liar.encode());
            if (appendHonest) {
                encoded.add(0, LyingBatch.of(BatchSpec.random(r, nowMs, pp.topic().equals(FuzzTopics.COMPACTED))).encode());
            }
            pd.setRecords(DataTemplates.concatBytes(encoded));
            description = lie.name() + " (" + liar.codec + ", batch " + (encoded.size() - (appendHonest ? 1 : 0)) + " of "
                    + encoded.size() + ") in " + pp.topic() + "-" + pd.index();
        }
        byte[] request = new BaseRequest(s.base.key(), s.base.version(), body, s.base.produced()).encode(s.correlationId);
        List<Mutation.RefusedPartition> refused = verdict == Verdict.REFUSE && body.acks() != 0
                ? List.of(new Mutation.RefusedPartition(td.name(), td.topicId(), pd.index(), description)) : List.of();
        return new Mutation(name(), description, request, null, refused);
    }
}
