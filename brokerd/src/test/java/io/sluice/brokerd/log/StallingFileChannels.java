package io.sluice.brokerd.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A slow disk on demand: segment files open normally, but once {@link #stallFsyncs()} is called every
 * {@code force} (fsync) blocks until {@link #release()}, and once {@link #stallReadsOf} is, so does every read of the
 * files it names. Tests use it to see which threads wait on an fsync or a read and which locks are held meanwhile.
 * Thread-safe.
 */
final class StallingFileChannels implements LogFileChannels {
    private volatile CountDownLatch gate = new CountDownLatch(0);
    private volatile java.util.function.Predicate<Path> stalledReads = p -> false;
    private final List<Thread> stalled = new CopyOnWriteArrayList<>();
    private final List<String> fsyncThreads = new CopyOnWriteArrayList<>();

    @Override
    public FileChannel open(Path file, OpenOption... options) throws IOException {
        return new Stalling(file, FileChannel.open(file, options));
    }

    /** From now on every read of a file {@code files} accepts blocks until {@link #release()}. */
    void stallReadsOf(java.util.function.Predicate<Path> files) {
        gate = new CountDownLatch(1);
        stalledReads = files;
    }

    /** From now on every fsync blocks until {@link #release()}. */
    void stallFsyncs() {
        gate = new CountDownLatch(1);
    }

    /** Lets every stalled fsync (and later ones) through. */
    void release() {
        gate.countDown();
    }

    /** Waits until some thread is blocked in an fsync (or a stalled read); returns it. */
    Thread awaitStalledFsync(long timeoutMs) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (stalled.isEmpty()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no fsync stalled within " + timeoutMs + " ms");
            }
            Thread.sleep(5);
        }
        return stalled.get(0);
    }

    /** Names of the threads that fsynced (or tried to), in order. */
    List<String> fsyncThreads() {
        return fsyncThreads;
    }

    private final class Stalling extends FileChannel {
        private final Path file;
        private final FileChannel delegate;

        Stalling(Path file, FileChannel delegate) {
            this.file = file;
            this.delegate = delegate;
        }

        private void stallHere(String what) throws IOException {
            CountDownLatch g = gate;
            if (g.getCount() > 0) {
                stalled.add(Thread.currentThread());
                try {
                    g.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted in a stalled " + what, e);
                } finally {
                    stalled.remove(Thread.currentThread());
                }
            }
        }

        private void maybeStallRead() throws IOException {
            if (stalledReads.test(file)) {
                stallHere("read");
            }
        }

        @Override
        public void force(boolean metaData) throws IOException {
            fsyncThreads.add(Thread.currentThread().getName());
            if (!stalledReads.test(file)) {
                stallHere("fsync");
            }
            delegate.force(metaData);
        }

        @Override
        public int read(ByteBuffer dst) throws IOException {
            maybeStallRead();
            return delegate.read(dst);
        }

        @Override
        public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
            maybeStallRead();
            return delegate.read(dsts, offset, length);
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            return delegate.write(src);
        }

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
            return delegate.write(srcs, offset, length);
        }

        @Override
        public long position() throws IOException {
            return delegate.position();
        }

        @Override
        public FileChannel position(long newPosition) throws IOException {
            delegate.position(newPosition);
            return this;
        }

        @Override
        public long size() throws IOException {
            return delegate.size();
        }

        @Override
        public FileChannel truncate(long size) throws IOException {
            delegate.truncate(size);
            return this;
        }

        @Override
        public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
            return delegate.transferTo(position, count, target);
        }

        @Override
        public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
            return delegate.transferFrom(src, position, count);
        }

        @Override
        public int read(ByteBuffer dst, long position) throws IOException {
            maybeStallRead();
            return delegate.read(dst, position);
        }

        @Override
        public int write(ByteBuffer src, long position) throws IOException {
            return delegate.write(src, position);
        }

        @Override
        public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
            return delegate.map(mode, position, size);
        }

        @Override
        public FileLock lock(long position, long size, boolean shared) throws IOException {
            return delegate.lock(position, size, shared);
        }

        @Override
        public FileLock tryLock(long position, long size, boolean shared) throws IOException {
            return delegate.tryLock(position, size, shared);
        }

        @Override
        protected void implCloseChannel() throws IOException {
            delegate.close();
        }
    }
}
