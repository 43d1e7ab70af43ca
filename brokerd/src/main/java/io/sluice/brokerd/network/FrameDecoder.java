package io.sluice.brokerd.network;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.sluice.brokerd.common.RateLimitedLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;

/**
 * Splits the byte stream into Kafka frames (a 4-byte big-endian size, then that many bytes) and decides when the
 * connection reads. The size is checked against {@code socket.request.max.bytes} first; a zero, negative or
 * oversized size closes the connection with a logged reason. Each frame leaves as a heap {@link ByteBuffer} of
 * exactly its size, so no {@code ByteBuf} escapes this stage.
 * <p>
 * Memory: once the size field is read, the whole frame is reserved in the connection's {@link ConnectionBudget} and
 * the broker-wide {@link QueuedRequestBytes} (as Kafka's memory pool does), and only then allocated, in the heap.
 * The reservation passes to the request with the frame; the dispatcher gives it back once the request is answered.
 * So the heap held by requests is bounded by {@code queued.max.request.bytes} plus one frame, plus one small request
 * ({@value #ALWAYS_READ_BYTES} bytes at most) per connection that has no other: see {@link #reserveFrame}. Frames are assembled
 * in the heap, never in Netty's direct buffers (the launcher gives those 256 MiB): each socket read is copied out
 * and released at once.
 * <p>
 * Reading stops (autoRead off) before a frame is started while the connection is at one of its caps
 * ({@link ConnectionBudget#limitReached}) or its outbound buffer is full (the client does not read its responses),
 * and when the broker-wide budget refuses the frame. What is left of the last read is copied to a heap stash (at
 * most one socket read per connection, not counted in the budgets) and decoded first when reading resumes: when
 * the budget frees bytes, a response leaves, or the channel becomes writable again. Each pause counts in
 * {@code sluice_read_pauses_total{limit}} and logs one rate-limited line naming the limit.
 * <p>
 * Not thread-safe: one instance per connection, used on its event loop (the broker-wide budget wakes it there).
 */
final class FrameDecoder extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(FrameDecoder.class);
    /** Shared by every connection: one line per limit and interval, however many connections pause. */
    private static final RateLimitedLog LIMIT_LOG = new RateLimitedLog(log);
    /** A request this small is read even when the broker-wide budget is spent, if its connection has no other. */
    static final int ALWAYS_READ_BYTES = 64 * 1024;

    private final int maxFrameBytes;
    /** Before a SASL connection authenticated: the smaller limit, and whether it still applies. */
    private int unauthenticatedMaxFrameBytes = Integer.MAX_VALUE;
    private java.util.function.BooleanSupplier authenticated = () -> true;
    private final ConnectionBudget budget;
    private final RequestObserver observer;
    /** What the broker-wide budget runs when it grants this connection's queued reservation (one object, so it can be taken back). */
    private final Runnable memoryGranted = () -> this.ctx.executor().execute(this::onMemoryGranted);
    /** Bytes of the reservation queued in the broker-wide budget, 0 when none is. */
    private int waitingBytes;
    private ChannelHandlerContext ctx;
    /** Bytes read while paused and not decoded yet (heap, owned here), or null. */
    private ByteBuf stash;
    /** Bytes of the size field read so far (0-3 between reads) and their value. */
    private int sizeFieldBytes;
    private int sizeField;
    /** Size of the frame being read, -1 between frames. */
    private int frameSize = -1;
    /** The frame being read (position = bytes received), reserved whole; null until its reservation succeeds. */
    private ByteBuffer frame;
    /** Why reading is paused, null while reading. */
    private ReadLimit pausedBy;
    /** A resume after a per-connection pause is queued on the event loop. */
    private boolean resumeQueued;
    /** The broker is shutting down: nothing more is read or decoded; requests already read are answered. */
    private boolean stopped;
    private boolean closed;

    FrameDecoder(int maxFrameBytes, ConnectionBudget budget, RequestObserver observer) {
        this.maxFrameBytes = maxFrameBytes;
        this.budget = budget;
        this.observer = observer;
    }

    /** Unbounded budgets (tests of framing alone). */
    FrameDecoder(int maxFrameBytes) {
        this(maxFrameBytes, new ConnectionBudget(QueuedRequestBytes.unbounded(), Integer.MAX_VALUE, 0), RequestObserver.NONE);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        budget.onFreed(this::maybeResume);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf in = (ByteBuf) msg;
        try {
            if (pausedBy == null && stash == null) {
                decode(in);
            }
            if (in.isReadable() && !closed && ctx.channel().isActive()) {
                keep(in); // reading paused with bytes of this read left
            }
            if (pausedBy == null) {
                decodeStash();
            }
        } finally {
            in.release();
        }
    }

    /** Copies what is left of {@code in} to the stash, to be decoded when reading resumes. */
    private void keep(ByteBuf in) {
        int bytes = in.readableBytes();
        if (stash == null) {
            stash = Unpooled.buffer(bytes);
        }
        stash.writeBytes(in);
    }

    private void decodeStash() {
        if (stash != null) {
            decode(stash);
            if (!stash.isReadable()) {
                stash.release();
                stash = null;
            }
        }
    }

    private void decode(ByteBuf in) {
        while (in.isReadable() && decoding()) {
            if (frameSize < 0 && !readSizeField(in)) {
                return;
            }
            if (frame == null && !reserveFrame()) {
                return;
            }
            if (readBody(in)) {
                ByteBuffer complete = frame.flip();
                frame = null;
                frameSize = -1;
                ctx.fireChannelRead(complete);
            }
        }
    }

    /** False once reading paused or the connection closed (the dispatcher closes it on a malformed request). */
    private boolean decoding() {
        return pausedBy == null && !closed && !stopped && ctx.channel().isActive();
    }

    /** Shutdown: reads nothing more, for good (a pause would be lifted as responses leave). */
    void stopReading() {
        stopped = true;
        ctx.channel().config().setAutoRead(false);
    }

    /** Reads the 4-byte size of the next frame; false when more bytes are needed, reading paused or the size is bad. */
    private boolean readSizeField(ByteBuf in) {
        if (sizeFieldBytes == 0) {
            ReadLimit limit = limitReached();
            if (limit != null) {
                pause(limit);
                return false;
            }
            if (in.readableBytes() >= 4) {
                return startFrame(in.readInt());
            }
        }
        while (sizeFieldBytes < 4 && in.isReadable()) {
            sizeField = (sizeField << 8) | in.readUnsignedByte();
            sizeFieldBytes++;
        }
        if (sizeFieldBytes < 4) {
            return false;
        }
        sizeFieldBytes = 0;
        return startFrame(sizeField);
    }

    private ReadLimit limitReached() {
        ReadLimit limit = budget.limitReached();
        if (limit == null && !ctx.channel().isWritable()) {
            limit = ReadLimit.UNREAD_RESPONSES;
        }
        return limit;
    }

    /**
     * Until {@code authenticated} says yes, frames larger than {@code maxBytes} close the connection (Kafka's
     * {@code sasl.server.max.receive.size}): an unauthenticated client cannot make the broker allocate much.
     */
    void limitUntilAuthenticated(int maxBytes, java.util.function.BooleanSupplier authenticated) {
        this.unauthenticatedMaxFrameBytes = maxBytes;
        this.authenticated = authenticated;
    }

    private boolean startFrame(int size) {
        if (size > unauthenticatedMaxFrameBytes && size <= maxFrameBytes && !authenticated.getAsBoolean()) {
            log.warn("Closing connection from {}: frame size {} before SASL authentication is larger than {} "
                    + "(sasl.server.max.receive.size)", ctx.channel().remoteAddress(), size, unauthenticatedMaxFrameBytes);
            closed = true;
            ctx.close();
            return false;
        }
        if (size <= 0 || size > maxFrameBytes) {
            log.warn("Closing connection from {}: frame size {} outside 1..{} (socket.request.max.bytes)",
                    ctx.channel().remoteAddress(), size, maxFrameBytes);
            closed = true;
            ctx.close();
            return false;
        }
        frameSize = size;
        return true;
    }

    /**
     * Reserves and allocates the frame whose size was read; false (paused, waiting for memory) when refused. A
     * request of at most {@value #ALWAYS_READ_BYTES} bytes on a connection with nothing else in flight is always
     * read (and counted): a client that sends one small request at a time, as heartbeats, metadata and most fetches
     * do, is served even while others hold the whole budget.
     */
    private boolean reserveFrame() {
        if (frameSize <= ALWAYS_READ_BYTES && budget.inflightRequests() == 0) {
            budget.reserve(frameSize);
        } else if (!budget.reserveOrWait(frameSize, memoryGranted)) {
            waitingBytes = frameSize;
            pause(ReadLimit.QUEUED_REQUEST_BYTES);
            return false;
        }
        frame = ByteBuffer.allocate(frameSize);
        return true;
    }

    /** Copies what {@code in} holds of the current frame; true when the frame is complete. */
    private boolean readBody(ByteBuf in) {
        int take = Math.min(in.readableBytes(), frame.remaining());
        int limit = frame.limit();
        frame.limit(frame.position() + take);
        in.readBytes(frame);
        frame.limit(limit);
        return !frame.hasRemaining();
    }

    private void pause(ReadLimit limit) {
        pausedBy = limit;
        ctx.channel().config().setAutoRead(false);
        observer.onReadPaused(limit.key());
        if (limit == ReadLimit.QUEUED_REQUEST_BYTES) {
            LIMIT_LOG.warn(limit.key(), "Pausing reads from {}: requests read but not yet answered hold {} bytes, "
                            + "queued.max.request.bytes is {}; resuming as they are answered", ctx.channel().remoteAddress(),
                    budget.broker().usedBytes(), budget.broker().limitBytes());
        } else {
            LIMIT_LOG.info(limit.key(), "Pausing reads from {}: {} requests ({} bytes) of it not yet answered, limit {} "
                            + "reached; resuming as they are answered", ctx.channel().remoteAddress(), budget.inflightRequests(),
                    budget.inflightBytes(), limit.key());
        }
    }

    /**
     * The broker-wide budget reserved the frame this connection waited for: allocate it and read on. A connection
     * that closed meanwhile gives the reservation back.
     */
    private void onMemoryGranted() {
        int bytes = waitingBytes;
        waitingBytes = 0;
        if (closed || !ctx.channel().isActive()) {
            budget.broker().release(bytes);
            return;
        }
        budget.granted(bytes);
        frame = ByteBuffer.allocate(frameSize);
        resume();
    }

    /**
     * A request was answered, a response left, or the channel became writable: resumes a per-connection pause. The
     * resume runs as its own event-loop task, never inside the dispatcher's call that freed something (decoding
     * there would hand it the next request while it is still completing the last one).
     */
    private void maybeResume() {
        if (pausedBy != null && pausedBy != ReadLimit.QUEUED_REQUEST_BYTES && !resumeQueued) {
            resumeQueued = true;
            ctx.executor().execute(() -> {
                resumeQueued = false;
                if (pausedBy != null && pausedBy != ReadLimit.QUEUED_REQUEST_BYTES && limitReached() == null) {
                    resume();
                }
            });
        }
    }

    /** Decodes the stash, then reads from the socket again unless that paused once more. */
    private void resume() {
        if (closed || stopped || !ctx.channel().isActive()) {
            return;
        }
        pausedBy = null;
        decodeStash();
        if (pausedBy == null && !closed) {
            ctx.channel().config().setAutoRead(true);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            maybeResume();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        releaseAll();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        releaseAll();
    }

    /** Gives back the unfinished frame's reservation and the stash; nothing more is decoded. */
    private void releaseAll() {
        closed = true;
        if (waitingBytes > 0 && budget.broker().cancelWait(memoryGranted)) {
            waitingBytes = 0; // else it was granted: onMemoryGranted gives it back
        }
        if (frame != null) {
            int capacity = frame.capacity();
            frame = null;
            budget.release(capacity);
        }
        if (stash != null) {
            stash.release();
            stash = null;
        }
    }
}
