package io.sluice.brokerd.network;

import io.netty.buffer.ByteBuf;
import io.netty.channel.DefaultFileRegion;
import io.sluice.brokerd.log.FileSlice;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.ResponseHeaderData;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.ObjectSerializationCache;
import org.apache.kafka.common.record.BaseRecords;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.RecordsSend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Record bytes in a Fetch response leave as a file region (sendfile), framed together with the serialized parts,
 * which come from the given allocator in one exact-size heap buffer and are each released exactly once
 * (surefire runs with the leak detector at PARANOID; the recording allocator checks reference counts directly).
 */
@Timeout(10)
class ResponseSerializerTest {
    private static final short FETCH_VERSION = 12;
    private final RecordingAllocator alloc = new RecordingAllocator();

    @AfterEach
    void everyBufferReleased() {
        assertThat(alloc.allocated).allSatisfy(b -> assertThat(b.refCnt()).as("reference count").isZero());
    }

    @Test
    void fileRecordsBecomeAFileRegionBetweenTheSerializedBytes(@TempDir Path dir) throws Exception {
        byte[] content = content(5000);
        try (FileChannel ch = open(dir, content)) {
            FetchResponseData resp = new FetchResponseData().setSessionId(0);
            FetchResponseData.FetchableTopicResponse t = new FetchResponseData.FetchableTopicResponse().setTopic("t");
            t.partitions().add(new FetchResponseData.PartitionData().setPartitionIndex(0).setHighWatermark(9)
                    .setRecords(new FileRegionRecords(new FileSlice(ch, 1000, 3000))));
            resp.responses().add(t);

            List<Object> parts = ResponseSerializer.serialize(alloc, 42, (short) 1, resp, FETCH_VERSION);
            assertThat(parts).hasAtLeastOneElementOfType(DefaultFileRegion.class);

            ByteBuffer frame = ByteBuffer.wrap(writeAndRelease(parts));
            assertThat(ch.isOpen()).as("the segment's channel outlives the region").isTrue();
            assertThat(frame.getInt()).isEqualTo(frame.remaining());
            ByteBufferAccessor a = new ByteBufferAccessor(frame);
            assertThat(new ResponseHeaderData(a, (short) 1).correlationId()).isEqualTo(42);
            FetchResponseData back = new FetchResponseData();
            back.read(a, FETCH_VERSION);
            FetchResponseData.PartitionData pd = back.responses().get(0).partitions().get(0);
            assertThat(pd.highWatermark()).isEqualTo(9);
            ByteBuffer records = ((MemoryRecords) pd.records()).buffer();
            byte[] got = new byte[records.remaining()];
            records.get(got);
            byte[] expected = new byte[3000];
            System.arraycopy(content, 1000, expected, 0, 3000);
            assertThat(got).isEqualTo(expected);
        }
    }

    @Test
    void manyRegionsShareOneExactSizeBufferAndMatchKafkasOwnSerialization(@TempDir Path dir) throws Exception {
        byte[] content = content(20_000);
        try (FileChannel ch = open(dir, content)) {
            FetchResponseData viaFile = fetch(50, p -> p % 7 == 3 ? null : new FileRegionRecords(new FileSlice(ch, p * 300, p % 5 == 0 ? 0 : 170 + p)));
            FetchResponseData viaMemory = fetch(50, p -> p % 7 == 3 ? null : MemoryRecords.readableRecords(
                    ByteBuffer.wrap(content, p * 300, p % 5 == 0 ? 0 : 170 + p).slice()));

            List<Object> parts = ResponseSerializer.serialize(alloc, 7, (short) 1, viaFile, FETCH_VERSION);

            assertThat(alloc.allocated).hasSize(1);
            int fileBytes = parts.stream().filter(DefaultFileRegion.class::isInstance)
                    .mapToInt(r -> (int) ((DefaultFileRegion) r).count()).sum();
            byte[] frame = writeAndRelease(parts);
            assertThat(alloc.allocated.get(0).capacity()).isEqualTo(frame.length - fileBytes);
            assertThat(frame).isEqualTo(reference(7, viaMemory));
        }
    }

    @Test
    void memoryRecordsAreCopiedIntoBuffersOfTheRightSize() {
        byte[] content = content(70_000);
        FetchResponseData resp = fetch(3, p -> MemoryRecords.readableRecords(ByteBuffer.wrap(content, p * 20_000, 20_000 + p).slice()));

        byte[] frame = writeAndRelease(ResponseSerializer.serialize(alloc, 9, (short) 1, resp, FETCH_VERSION));

        assertThat(frame).isEqualTo(reference(9, resp));
        assertThat(alloc.allocated.stream().mapToInt(ByteBuf::capacity).sum()).isLessThan(frame.length + 4096);
    }

    @Test
    void aFailureHalfWayReleasesEverythingTakenSoFar(@TempDir Path dir) throws Exception {
        try (FileChannel ch = open(dir, content(1000))) {
            BaseRecords unsupported = new BaseRecords() {
                @Override
                public int sizeInBytes() {
                    return 10;
                }

                @Override
                public RecordsSend<? extends BaseRecords> toSend() {
                    throw new UnsupportedOperationException();
                }
            };
            FetchResponseData resp = fetch(3, p -> p < 2 ? new FileRegionRecords(new FileSlice(ch, 0, 100)) : unsupported);

            assertThatThrownBy(() -> ResponseSerializer.serialize(alloc, 1, (short) 1, resp, FETCH_VERSION))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThat(alloc.allocated).isNotEmpty(); // checked released in everyBufferReleased()
        }
    }

    private static FetchResponseData fetch(int partitions, java.util.function.IntFunction<BaseRecords> records) {
        FetchResponseData.FetchableTopicResponse t = new FetchResponseData.FetchableTopicResponse().setTopic("orders");
        for (int p = 0; p < partitions; p++) {
            t.partitions().add(new FetchResponseData.PartitionData().setPartitionIndex(p).setHighWatermark(1000L * p)
                    .setLastStableOffset(1000L * p).setLogStartOffset(p).setRecords(records.apply(p)));
        }
        FetchResponseData resp = new FetchResponseData().setSessionId(5);
        resp.responses().add(t);
        return resp;
    }

    /** The frame as kafka-clients itself serializes it (records copied). */
    private static byte[] reference(int correlationId, FetchResponseData resp) {
        ObjectSerializationCache cache = new ObjectSerializationCache();
        ResponseHeaderData header = new ResponseHeaderData().setCorrelationId(correlationId);
        int size = header.size(cache, (short) 1) + resp.size(cache, FETCH_VERSION);
        ByteBuffer buf = ByteBuffer.allocate(4 + size).putInt(size);
        ByteBufferAccessor a = new ByteBufferAccessor(buf);
        header.write(a, cache, (short) 1);
        resp.write(a, cache, FETCH_VERSION);
        return buf.array();
    }

    /** Writes every part as Netty would and releases it, as Netty does once written. */
    private static byte[] writeAndRelease(List<Object> parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        WritableByteChannel sink = Channels.newChannel(out);
        try {
            for (Object p : parts) {
                if (p instanceof ByteBuf b) {
                    b.readBytes(out, b.readableBytes());
                    assertThat(b.release()).as("the caller holds the only reference of each part").isTrue();
                } else {
                    DefaultFileRegion r = (DefaultFileRegion) p;
                    long written = 0;
                    while (written < r.count()) {
                        written += r.transferTo(sink, written);
                    }
                    assertThat(r.release()).isTrue();
                }
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static byte[] content(int size) {
        byte[] content = new byte[size];
        for (int i = 0; i < content.length; i++) {
            content[i] = (byte) (i * 31);
        }
        return content;
    }

    private static FileChannel open(Path dir, byte[] content) throws java.io.IOException {
        Path file = dir.resolve("segment.log");
        Files.write(file, content);
        return FileChannel.open(file);
    }
}
