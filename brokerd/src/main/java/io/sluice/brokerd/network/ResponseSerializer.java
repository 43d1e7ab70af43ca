package io.sluice.brokerd.network;

import io.netty.buffer.Unpooled;
import io.netty.channel.DefaultFileRegion;
import io.sluice.brokerd.log.FileSlice;
import org.apache.kafka.common.message.ResponseHeaderData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ObjectSerializationCache;
import org.apache.kafka.common.protocol.Writable;
import org.apache.kafka.common.record.BaseRecords;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.utils.ByteUtils;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns a response header and body into the Netty objects to write: {@code ByteBuf}s for serialized bytes and a
 * {@link DefaultFileRegion} (sendfile) for each {@link FileRegionRecords} field, in order. The 4-byte frame size in
 * front counts the file bytes. The caller writes every returned object; each is released by Netty once written.
 * Not thread-safe; one instance per response.
 */
final class ResponseSerializer implements Writable {
    private final List<Object> parts = new ArrayList<>();
    private ByteBuffer current;

    private ResponseSerializer(int capacity) {
        current = ByteBuffer.allocate(capacity);
    }

    /** Serializes one framed response. */
    static List<Object> serialize(int correlationId, short headerVersion, ApiMessage body, short version) {
        ObjectSerializationCache cache = new ObjectSerializationCache();
        ResponseHeaderData header = new ResponseHeaderData().setCorrelationId(correlationId);
        int headerSize = header.size(cache, headerVersion);
        int bodySize = body.size(cache, version);
        int total = headerSize + bodySize;
        ResponseSerializer w = new ResponseSerializer(Math.min(4 + total, 64 * 1024));
        w.writeInt(total);
        header.write(w, cache, headerVersion);
        body.write(w, cache, version);
        w.flushCurrent();
        return w.parts;
    }

    private void ensure(int bytes) {
        if (current.remaining() < bytes) {
            flushCurrent();
            current = ByteBuffer.allocate(Math.max(bytes, 64 * 1024));
        }
    }

    private void flushCurrent() {
        if (current.position() > 0) {
            parts.add(Unpooled.wrappedBuffer(current.flip()));
            current = ByteBuffer.allocate(64 * 1024);
        }
    }

    @Override
    public void writeByte(byte val) {
        ensure(1);
        current.put(val);
    }

    @Override
    public void writeShort(short val) {
        ensure(2);
        current.putShort(val);
    }

    @Override
    public void writeInt(int val) {
        ensure(4);
        current.putInt(val);
    }

    @Override
    public void writeLong(long val) {
        ensure(8);
        current.putLong(val);
    }

    @Override
    public void writeDouble(double val) {
        ensure(8);
        current.putDouble(val);
    }

    @Override
    public void writeByteArray(byte[] arr) {
        ensure(arr.length);
        current.put(arr);
    }

    @Override
    public void writeUnsignedVarint(int i) {
        ensure(5);
        ByteUtils.writeUnsignedVarint(i, current);
    }

    @Override
    public void writeByteBuffer(ByteBuffer buf) {
        ByteBuffer src = buf.duplicate();
        ensure(src.remaining());
        current.put(src);
    }

    @Override
    public void writeVarint(int i) {
        ensure(5);
        ByteUtils.writeVarint(i, current);
    }

    @Override
    public void writeVarlong(long i) {
        ensure(10);
        ByteUtils.writeVarlong(i, current);
    }

    @Override
    public void writeRecords(BaseRecords records) {
        if (records instanceof FileRegionRecords fr) {
            FileSlice slice = fr.slice();
            if (slice.sizeBytes() > 0) {
                flushCurrent();
                parts.add(new SharedFileRegion(slice));
            }
        } else if (records instanceof MemoryRecords mr) {
            writeByteBuffer(mr.buffer());
        } else if (records != null) {
            throw new IllegalArgumentException("unsupported records type " + records.getClass().getName());
        }
    }

    /** Sends part of a segment file; the segment owns the channel, so releasing the region must not close it. */
    static final class SharedFileRegion extends DefaultFileRegion {
        SharedFileRegion(FileSlice slice) {
            super(slice.channel(), slice.position(), slice.sizeBytes());
        }

        @Override
        protected void deallocate() {
            // The FileChannel belongs to the segment; it stays open for other readers.
        }
    }
}
