package io.sluice.brokerd.network;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * Splits the byte stream into Kafka frames: a 4-byte big-endian size, then that many bytes. The size is checked
 * against {@code socket.request.max.bytes} before anything is allocated; a zero, negative or oversized size closes
 * the connection with a logged reason. Emits each frame as a heap {@link ByteBuffer} copy, so no {@code ByteBuf}
 * escapes this stage (the cumulation buffer is owned and released by {@link ByteToMessageDecoder}).
 */
final class FrameDecoder extends ByteToMessageDecoder {
    private static final Logger log = LoggerFactory.getLogger(FrameDecoder.class);
    private final int maxFrameBytes;

    FrameDecoder(int maxFrameBytes) {
        this.maxFrameBytes = maxFrameBytes;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        while (in.readableBytes() >= 4) {
            int size = in.getInt(in.readerIndex());
            if (size <= 0 || size > maxFrameBytes) {
                log.warn("Closing connection from {}: frame size {} outside 1..{} (socket.request.max.bytes)",
                        ctx.channel().remoteAddress(), size, maxFrameBytes);
                in.skipBytes(in.readableBytes());
                ctx.close();
                return;
            }
            if (in.readableBytes() < 4 + size) {
                return;
            }
            in.skipBytes(4);
            ByteBuffer frame = ByteBuffer.allocate(size);
            in.readBytes(frame);
            out.add(frame.flip());
        }
    }
}
