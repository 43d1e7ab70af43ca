package io.sluice.brokerd.network;

import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;

import java.util.ArrayList;
import java.util.List;

/** A pooled allocator that remembers every buffer it hands out, so tests can check each is released. */
final class RecordingAllocator extends AbstractByteBufAllocator {
    private final PooledByteBufAllocator delegate = new PooledByteBufAllocator(true);
    final List<ByteBuf> allocated = new ArrayList<>();

    RecordingAllocator() {
        super(true);
    }

    /** Buffers handed out and not yet released. */
    List<ByteBuf> unreleased() {
        return allocated.stream().filter(b -> b.refCnt() != 0).toList();
    }

    @Override
    protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
        ByteBuf b = delegate.heapBuffer(initialCapacity, maxCapacity);
        allocated.add(b);
        return b;
    }

    @Override
    protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
        ByteBuf b = delegate.directBuffer(initialCapacity, maxCapacity);
        allocated.add(b);
        return b;
    }

    @Override
    public boolean isDirectBufferPooled() {
        return true;
    }
}
