package io.sluice.brokerd.network;

import io.netty.buffer.ByteBuf;
import io.netty.channel.DefaultFileRegion;
import io.sluice.brokerd.log.FileSlice;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.ResponseHeaderData;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
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

/** Record bytes in a Fetch response leave as a file region (sendfile), framed together with the serialized parts. */
@Timeout(10)
class ResponseSerializerTest {

    @Test
    void fileRecordsBecomeAFileRegionBetweenTheSerializedBytes(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("segment.log");
        byte[] content = new byte[5000];
        for (int i = 0; i < content.length; i++) {
            content[i] = (byte) (i * 31);
        }
        Files.write(file, content);
        try (FileChannel ch = FileChannel.open(file)) {
            FetchResponseData resp = new FetchResponseData().setSessionId(0);
            FetchResponseData.FetchableTopicResponse t = new FetchResponseData.FetchableTopicResponse().setTopic("t");
            t.partitions().add(new FetchResponseData.PartitionData().setPartitionIndex(0).setHighWatermark(9)
                    .setRecords(new FileRegionRecords(new FileSlice(ch, 1000, 3000))));
            resp.responses().add(t);

            List<Object> parts = ResponseSerializer.serialize(42, (short) 1, resp, (short) 12);
            assertThat(parts).hasAtLeastOneElementOfType(DefaultFileRegion.class);

            ByteArrayOutputStream out = new ByteArrayOutputStream();
            WritableByteChannel sink = Channels.newChannel(out);
            for (Object p : parts) {
                if (p instanceof ByteBuf b) {
                    b.readBytes(out, b.readableBytes());
                    b.release();
                } else {
                    DefaultFileRegion r = (DefaultFileRegion) p;
                    long written = 0;
                    while (written < r.count()) {
                        written += r.transferTo(sink, written);
                    }
                    r.release();
                }
            }
            assertThat(ch.isOpen()).as("the segment's channel outlives the region").isTrue();
            ByteBuffer frame = ByteBuffer.wrap(out.toByteArray());
            assertThat(frame.getInt()).isEqualTo(frame.remaining());
            ByteBufferAccessor a = new ByteBufferAccessor(frame);
            assertThat(new ResponseHeaderData(a, (short) 1).correlationId()).isEqualTo(42);
            FetchResponseData back = new FetchResponseData();
            back.read(a, (short) 12);
            FetchResponseData.PartitionData pd = back.responses().get(0).partitions().get(0);
            assertThat(pd.highWatermark()).isEqualTo(9);
            ByteBuffer records = ((org.apache.kafka.common.record.MemoryRecords) pd.records()).buffer();
            byte[] got = new byte[records.remaining()];
            records.get(got);
            byte[] expected = new byte[3000];
            System.arraycopy(content, 1000, expected, 0, 3000);
            assertThat(got).isEqualTo(expected);
        }
    }
}
