package io.sluice.brokerd.network;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.DefaultFileRegion;
import io.netty.util.ReferenceCountUtil;
import io.sluice.brokerd.log.FileSlice;
import org.apache.kafka.common.message.ResponseHeaderData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.MessageSizeAccumulator;
import org.apache.kafka.common.protocol.ObjectSerializationCache;
import org.apache.kafka.common.protocol.Writable;
import org.apache.kafka.common.record.BaseRecords;
import org.apache.kafka.common.record.MemoryRecords;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns a response header and body into the Netty objects to write: {@code ByteBuf}s for serialized bytes and a
 * {@link DefaultFileRegion} (sendfile) for each {@link FileRegionRecords} field, in order. The 4-byte frame size in
 * front counts the file bytes.
 * <p>
 * Sizing: the serialized bytes are everything but the records fields ({@code MessageSizeAccumulator}'s zero-copy
 * bytes), so one heap buffer of exactly that size is taken from the allocator and each run of bytes between two
 * file regions leaves as a retained slice of it. Heap, not direct: taking these buffers from the channel's pooled
 * direct allocator added ~8 MB of native memory (NMT "Other") and ~10 MB of RSS to an idle broker, for a few hundred
 * bytes per response that the transport copies into its own direct buffer on write. {@link RequestDispatcher} passes
 * an unpooled allocator, so each response is one exact-size array. Records fields that are copied
 * ({@link MemoryRecords}) were counted as zero-copy, so meeting one grows the estimate and, if the buffer is short,
 * continues in a new exact-size buffer.
 * <p>
 * Ownership: every returned object carries one reference that belongs to the caller, who writes it (Netty releases
 * it once written) or releases it. The serializer's own reference to each buffer is released before
 * {@link #serialize} returns; when serialization throws, everything taken so far is released.
 * Not thread-safe; one instance per response.
 */
final class ResponseSerializer implements Writable {
    private final ByteBufAllocator alloc;
    private final List<Object> parts = new ArrayList<>();
    /** Bytes this response serializes into buffers (not file regions), as far as known: grows for MemoryRecords. */
    private int copiedBytes;
    /** Bytes written into buffers so far, over all buffers. */
    private int writtenBytes;
    private ByteBuf current;
    /** Index in {@link #current} of the first byte not yet handed out as a slice. */
    private int sliceStart;

    private ResponseSerializer(ByteBufAllocator alloc, int copiedBytes) {
        this.alloc = alloc;
        this.copiedBytes = copiedBytes;
        this.current = alloc.heapBuffer(copiedBytes);
    }

    /** Serializes one framed response into buffers from {@code alloc} and sendfile regions. */
    static List<Object> serialize(ByteBufAllocator alloc, int correlationId, short headerVersion, ApiMessage body,
                                  short version) {
        ObjectSerializationCache cache = new ObjectSerializationCache();
        ResponseHeaderData header = new ResponseHeaderData().setCorrelationId(correlationId);
        MessageSizeAccumulator size = new MessageSizeAccumulator();
        header.addSize(size, cache, headerVersion);
        body.addSize(size, cache, version);
        int total = size.totalSize();
        ResponseSerializer w = new ResponseSerializer(alloc, 4 + size.sizeExcludingZeroCopy());
        try {
            w.writeInt(total);
            header.write(w, cache, headerVersion);
            body.write(w, cache, version);
            w.finish();
        } catch (RuntimeException | Error e) {
            w.releaseAll();
            throw e;
        }
        return w.parts;
    }

    private void ensure(int bytes) {
        if (current.writableBytes() < bytes) {
            emitSlice();
            current.release();
            current = null;
            current = alloc.heapBuffer(Math.max(bytes, copiedBytes - writtenBytes));
            sliceStart = 0;
        }
        writtenBytes += bytes;
    }

    /** Hands out the bytes written since the last slice, if any. */
    private void emitSlice() {
        int end = current.writerIndex();
        if (end > sliceStart) {
            parts.add(current.retainedSlice(sliceStart, end - sliceStart));
            sliceStart = end;
        }
    }

    private void finish() {
        emitSlice();
        current.release();
        current = null;
    }

    private void releaseAll() {
        if (current != null) {
            current.release();
            current = null;
        }
        parts.forEach(ReferenceCountUtil::release);
        parts.clear();
    }

    @Override
    public void writeByte(byte val) {
        ensure(1);
        current.writeByte(val);
    }

    @Override
    public void writeShort(short val) {
        ensure(2);
        current.writeShort(val);
    }

    @Override
    public void writeInt(int val) {
        ensure(4);
        current.writeInt(val);
    }

    @Override
    public void writeLong(long val) {
        ensure(8);
        current.writeLong(val);
    }

    @Override
    public void writeDouble(double val) {
        ensure(8);
        current.writeDouble(val);
    }

    @Override
    public void writeByteArray(byte[] arr) {
        ensure(arr.length);
        current.writeBytes(arr);
    }

    @Override
    public void writeUnsignedVarint(int i) {
        ensure(sizeOfUnsignedVarint(i));
        int v = i;
        while ((v & 0xffffff80) != 0) {
            current.writeByte((v & 0x7f) | 0x80);
            v >>>= 7;
        }
        current.writeByte(v);
    }

    @Override
    public void writeByteBuffer(ByteBuffer buf) {
        ensure(buf.remaining());
        current.writeBytes(buf.duplicate());
    }

    @Override
    public void writeVarint(int i) {
        writeUnsignedVarint((i << 1) ^ (i >> 31));
    }

    @Override
    public void writeVarlong(long i) {
        long v = (i << 1) ^ (i >> 63);
        ensure(sizeOfUnsignedVarlong(v));
        while ((v & 0xffffffffffffff80L) != 0L) {
            current.writeByte(((int) v & 0x7f) | 0x80);
            v >>>= 7;
        }
        current.writeByte((int) v);
    }

    @Override
    public void writeRecords(BaseRecords records) {
        if (records instanceof FileRegionRecords fr) {
            FileSlice slice = fr.slice();
            if (slice.sizeBytes() > 0) {
                emitSlice();
                parts.add(new SharedFileRegion(slice));
            }
        } else if (records instanceof MemoryRecords mr) {
            copiedBytes += mr.sizeInBytes(); // counted as zero-copy by the size pass, but copied here
            writeByteBuffer(mr.buffer());
        } else if (records != null) {
            throw new IllegalArgumentException("unsupported records type " + records.getClass().getName());
        }
    }

    private static int sizeOfUnsignedVarint(int value) {
        return value >>> 7 == 0 ? 1 : value >>> 14 == 0 ? 2 : value >>> 21 == 0 ? 3 : value >>> 28 == 0 ? 4 : 5;
    }

    private static int sizeOfUnsignedVarlong(long value) {
        int bytes = 1;
        for (long v = value >>> 7; v != 0; v >>>= 7) {
            bytes++;
        }
        return bytes;
    }

    /** Sends part of a segment file; the segment owns the channel, so releasing the region must not close it. */
    static final class SharedFileRegion extends DefaultFileRegion {
        private final FileSlice slice;

        SharedFileRegion(FileSlice slice) {
            super(slice.channel(), slice.position(), slice.sizeBytes());
            this.slice = slice;
        }

        /** The file range, for TLS listeners that read it instead of sending it ({@link FileSliceChunks}). */
        FileSlice slice() {
            return slice;
        }

        @Override
        protected void deallocate() {
            // The FileChannel belongs to the segment; it stays open for other readers.
        }
    }
}
