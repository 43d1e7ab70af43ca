package io.sluice.brokerd.network;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.stream.ChunkedInput;
import io.sluice.brokerd.log.FileSlice;

import java.io.IOException;
import java.nio.channels.FileChannel;

/**
 * Pipeline stage {@code "fileChunks"} of TLS listeners. Sendfile cannot go through TLS (the bytes must be encrypted
 * in user space), so the {@link ResponseSerializer.SharedFileRegion}s a Fetch response carries are turned here into
 * {@link ChunkedInput}s that the {@code "chunkedWriter"} stage ({@code ChunkedWriteHandler}, nearer the socket) reads
 * {@link #CHUNK_BYTES} at a time into pooled buffers, as fast as the connection takes them, and hands to the
 * {@code SslHandler}. Memory per connection stays bounded by the channel's write-buffer water marks, not by the
 * response size. Plaintext listeners do not have this stage and keep zero-copy.
 * <p>
 * Reads are positional ({@code FileChannel.read(dst, position)}) on the event loop, as sendfile itself runs there;
 * the segment keeps owning its FileChannel, which is never closed here.
 */
final class FileSliceChunks extends ChannelOutboundHandlerAdapter {
    /** Bytes read from a segment per chunk: a few TLS records (16 KiB each). */
    static final int CHUNK_BYTES = 64 * 1024;

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof ResponseSerializer.SharedFileRegion region) {
            FileSlice slice = region.slice();
            region.release();
            ctx.write(new Input(slice.channel(), slice.position(), slice.sizeBytes()), promise);
        } else {
            ctx.write(msg, promise);
        }
    }

    /** Positional reads of one file range. Not thread-safe; used by the channel's event loop. */
    static final class Input implements ChunkedInput<ByteBuf> {
        private final FileChannel channel;
        private final long start;
        private final long length;
        private long offset;

        Input(FileChannel channel, long start, long length) {
            this.channel = channel;
            this.start = start;
            this.length = length;
        }

        @Override
        public boolean isEndOfInput() {
            return offset >= length;
        }

        @Override
        public void close() {
            // The FileChannel belongs to the segment.
        }

        @Deprecated
        @Override
        public ByteBuf readChunk(ChannelHandlerContext ctx) throws Exception {
            return readChunk(ctx.alloc());
        }

        @Override
        public ByteBuf readChunk(ByteBufAllocator allocator) throws IOException {
            if (isEndOfInput()) {
                return null;
            }
            int size = (int) Math.min(CHUNK_BYTES, length - offset);
            ByteBuf buf = allocator.buffer(size);
            boolean ok = false;
            try {
                int read = 0;
                while (read < size) {
                    int n = buf.writeBytes(channel, start + offset + read, size - read);
                    if (n < 0) {
                        throw new IOException("segment file ended at " + (start + offset + read) + ", before the "
                                + length + " bytes the fetch response promised");
                    }
                    read += n;
                }
                offset += size;
                ok = true;
                return buf;
            } finally {
                if (!ok) {
                    buf.release();
                }
            }
        }

        @Override
        public long length() {
            return length;
        }

        @Override
        public long progress() {
            return offset;
        }
    }
}
