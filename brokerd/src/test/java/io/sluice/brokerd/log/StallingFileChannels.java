package io.sluice.brokerd.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
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

    private final class Stalling extends ForwardingFileChannel {
        private final Path file;

        Stalling(Path file, FileChannel delegate) {
            super(delegate);
            this.file = file;
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
        public int read(ByteBuffer dst, long position) throws IOException {
            maybeStallRead();
            return delegate.read(dst, position);
        }

        @Override
        public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
            maybeStallRead();
            return delegate.read(dsts, offset, length);
        }
    }
}
