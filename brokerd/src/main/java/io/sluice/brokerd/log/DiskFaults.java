package io.sluice.brokerd.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;

/**
 * A disk that fails on demand, at the log's file-channel seam ({@link LogFileChannels}): full (writes fail with
 * ENOSPC once a byte budget is spent, the last one short), broken (chosen operations fail with EIO) or slow (chosen
 * operations take longer). While no fault is set every call goes straight to the file.
 * <p>
 * Unit tests drive it directly. A broker started with the system property {@value #SYSTEM_PROPERTY}{@code =true}
 * opens its segment files through one and lets its metrics listener's {@code /faults/disk} endpoint set the fault:
 * the fault matrix of {@code systest} runs real brokers that way. No broker uses it otherwise.
 * <p>
 * A fault may be limited to files whose path matches a predicate (one partition's directory, say). Thread-safe: the
 * fault is one immutable value, replaced whole.
 */
public final class DiskFaults implements LogFileChannels {
    /** The system property that makes a broker use a {@link DiskFaults} and serve {@code /faults}. */
    public static final String SYSTEM_PROPERTY = "sluice.fault.injection";
    /** What Linux's strerror says for ENOSPC; {@link #isNoSpace} recognises it. */
    static final String NO_SPACE = "No space left on device";
    /** What Linux's strerror says for EIO. */
    static final String IO_ERROR = "Input/output error";

    /** File operations a fault can hit. */
    public enum Op { WRITE, FSYNC, READ, TRUNCATE }

    /**
     * The fault in force.
     *
     * @param failing    operations that throw EIO
     * @param spaceBytes bytes writes may still add before the disk is full; -1: unlimited
     * @param slow       operations delayed by {@code delayMs}
     * @param delayMs    the delay of a slow operation
     * @param files      the files the fault applies to
     */
    private record Fault(Set<Op> failing, long spaceBytes, Set<Op> slow, long delayMs, Predicate<Path> files) {
        static final Fault NONE = new Fault(Set.of(), -1, Set.of(), 0, p -> true);

        boolean none() {
            return failing.isEmpty() && spaceBytes < 0 && slow.isEmpty();
        }
    }

    /** Read without the lock; replaced under it (the space budget is read, decremented and written back). */
    private volatile Fault fault = Fault.NONE;
    private final Object lock = new Object();

    /** Every operation goes straight to the file again; a full disk has room again. */
    public void clear() {
        synchronized (lock) {
            fault = Fault.NONE;
        }
    }

    /** The disk is full: every write fails with ENOSPC. */
    public void full() {
        fillAfter(0);
    }

    /** Writes may add {@code bytes} more (the one crossing it is cut short, as write(2) does), then fail with ENOSPC. */
    public void fillAfter(long bytes) {
        synchronized (lock) {
            Fault f = fault;
            fault = new Fault(f.failing(), Math.max(0, bytes), f.slow(), f.delayMs(), f.files());
        }
    }

    /** {@code ops} fail with EIO on every file. */
    public void fail(Set<Op> ops) {
        fail(ops, p -> true);
    }

    /** {@code ops} fail with EIO on the files {@code files} accepts. */
    public void fail(Set<Op> ops, Predicate<Path> files) {
        synchronized (lock) {
            Fault f = fault;
            fault = new Fault(ops.isEmpty() ? Set.of() : EnumSet.copyOf(ops), f.spaceBytes(), f.slow(), f.delayMs(), files);
        }
    }

    /** {@code ops} take {@code delayMs} longer than the disk takes. */
    public void slow(Set<Op> ops, long delayMs) {
        synchronized (lock) {
            Fault f = fault;
            fault = new Fault(f.failing(), f.spaceBytes(), ops.isEmpty() ? Set.of() : EnumSet.copyOf(ops), delayMs, f.files());
        }
    }

    /** A line for operators and tests: the fault in force. */
    public String describe() {
        Fault f = fault;
        if (f.none()) {
            return "none";
        }
        StringBuilder sb = new StringBuilder();
        if (f.spaceBytes() >= 0) {
            sb.append("full after ").append(f.spaceBytes()).append(" more bytes; ");
        }
        if (!f.failing().isEmpty()) {
            sb.append("EIO on ").append(f.failing()).append("; ");
        }
        if (!f.slow().isEmpty()) {
            sb.append(f.slow()).append(" delayed ").append(f.delayMs()).append(" ms; ");
        }
        return sb.substring(0, sb.length() - 2);
    }

    /**
     * Whether {@code e} (or a cause of it) says the disk is full: ENOSPC, or EDQUOT (a quota is a full disk to the
     * broker). Java reports both as a plain IOException carrying the C library's message.
     */
    public static boolean isNoSpace(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = t.getMessage();
            if (t instanceof IOException && m != null && (m.contains(NO_SPACE) || m.contains("Disk quota exceeded"))) {
                return true;
            }
        }
        return false;
    }

    /** Opens {@code file}; on a full disk creating a new file fails with ENOSPC (it needs an inode and a directory entry). */
    @Override
    public FileChannel open(Path file, OpenOption... options) throws IOException {
        Fault f = fault;
        if (f.spaceBytes() == 0 && f.files().test(file) && java.util.Arrays.asList(options).contains(java.nio.file.StandardOpenOption.CREATE)
                && !java.nio.file.Files.exists(file)) {
            throw new IOException(NO_SPACE + " (injected: creating " + file + ")");
        }
        return new FaultyChannel(file, FileChannel.open(file, options));
    }

    @Override
    public FileChannel unwrap(FileChannel channel) {
        return channel instanceof FaultyChannel f ? f.delegate : channel;
    }

    private Fault before(Op op, Path file) throws IOException {
        Fault f = fault;
        if (f.none() || !f.files().test(file)) {
            return Fault.NONE;
        }
        if (f.slow().contains(op)) {
            LockSupport.parkNanos(f.delayMs() * 1_000_000L);
        }
        if (f.failing().contains(op)) {
            throw new IOException(IO_ERROR + " (injected: " + op + " of " + file + ")");
        }
        return f;
    }

    /** Bytes of {@code wanted} a write may add now; throws ENOSPC when none. */
    private int allowWrite(Fault f, Path file, int wanted) throws IOException {
        if (f.spaceBytes() < 0) {
            return wanted;
        }
        synchronized (lock) {
            Fault now = fault;
            if (now.spaceBytes() < 0) {
                return wanted;
            }
            if (now.spaceBytes() == 0) {
                throw new IOException(NO_SPACE + " (injected: write of " + file + ")");
            }
            int allowed = (int) Math.min(wanted, now.spaceBytes());
            fault = new Fault(now.failing(), now.spaceBytes() - allowed, now.slow(), now.delayMs(), now.files());
            return allowed;
        }
    }

    /** A file channel whose operations pass {@link #before} first. */
    private final class FaultyChannel extends ForwardingFileChannel {
        private final Path file;

        FaultyChannel(Path file, FileChannel delegate) {
            super(delegate);
            this.file = file;
        }

        private int write(ByteBuffer src, long position, boolean positional) throws IOException {
            Fault f = before(Op.WRITE, file);
            int allowed = allowWrite(f, file, src.remaining());
            if (allowed == src.remaining()) {
                return positional ? delegate.write(src, position) : delegate.write(src);
            }
            ByteBuffer part = src.duplicate().limit(src.position() + allowed);
            int n = positional ? delegate.write(part, position) : delegate.write(part);
            src.position(src.position() + n);
            return n;
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            return write(src, -1, false);
        }

        @Override
        public int write(ByteBuffer src, long position) throws IOException {
            return write(src, position, true);
        }

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
            long n = 0;
            for (int i = offset; i < offset + length; i++) {
                int wanted = srcs[i].remaining();
                int wrote = write(srcs[i]);
                n += wrote;
                if (wrote < wanted) {
                    break;
                }
            }
            return n;
        }

        @Override
        public int read(ByteBuffer dst) throws IOException {
            before(Op.READ, file);
            return delegate.read(dst);
        }

        @Override
        public int read(ByteBuffer dst, long position) throws IOException {
            before(Op.READ, file);
            return delegate.read(dst, position);
        }

        @Override
        public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
            before(Op.READ, file);
            return delegate.read(dsts, offset, length);
        }

        @Override
        public void force(boolean metaData) throws IOException {
            before(Op.FSYNC, file);
            delegate.force(metaData);
        }

        @Override
        public FileChannel truncate(long size) throws IOException {
            before(Op.TRUNCATE, file);
            delegate.truncate(size);
            return this;
        }

        @Override
        public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
            before(Op.READ, file);
            return delegate.transferTo(position, count, target);
        }

        @Override
        public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
            before(Op.WRITE, file);
            return delegate.transferFrom(src, position, count);
        }
    }
}
