package io.sluice.brokerd.controller;

import io.sluice.brokerd.metadata.MetadataImage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * A broker-only process's copy of the committed metadata (an observer of the quorum, as a KRaft broker is): one
 * thread long-polls the quorum leader with {@link QuorumQuery.FetchMetadata} and applies the entries it gets with
 * {@link MetadataApplier}, in log order, as a voter's state machine does; when it is too far behind for the
 * leader's in-memory tail it gets the whole image instead. It never votes and keeps nothing on disk: a restart
 * fetches the image again.
 * <p>
 * Thread-safety: thread-safe. Only the fetch thread writes; the image is published through a volatile field.
 */
final class MetadataFollower implements AppliedMetadata, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(MetadataFollower.class);
    /** How long the leader holds a fetch that finds nothing new. */
    static final long MAX_WAIT_MS = 500;
    private static final long RETRY_BACKOFF_MS = 100;

    private final int nodeId;
    private final Function<QuorumQuery.FetchMetadata, CompletableFuture<QuorumQuery.MetadataDelta>> fetcher;
    private final Thread thread;
    private final Object appliedMonitor = new Object();
    private volatile MetadataImage image = MetadataImage.EMPTY;
    private volatile long appliedIndex = -1;
    private volatile int leaderId = -1;
    private volatile long leaderEpoch = -1;
    private volatile BiConsumer<MetadataImage, MetadataImage> publisher = (a, b) -> { };
    private volatile boolean closed;

    /** {@code fetcher} sends the request to the quorum leader and completes with its answer (or fails). */
    MetadataFollower(int nodeId, Function<QuorumQuery.FetchMetadata, CompletableFuture<QuorumQuery.MetadataDelta>> fetcher) {
        this.nodeId = nodeId;
        this.fetcher = fetcher;
        this.thread = new Thread(this::run, "sluice-metadata-follower");
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    @Override
    public MetadataImage image() {
        return image;
    }

    /** The quorum leader this process last fetched from, or -1. */
    int leaderId() {
        return leaderId;
    }

    long leaderEpoch() {
        return leaderEpoch;
    }

    long appliedIndex() {
        return appliedIndex;
    }

    @Override
    public void setPublisher(BiConsumer<MetadataImage, MetadataImage> publisher) {
        this.publisher = publisher;
    }

    @Override
    public boolean awaitApplied(long index, long deadlineNs) throws InterruptedException {
        synchronized (appliedMonitor) {
            while (appliedIndex < index) {
                long waitNs = deadlineNs - System.nanoTime();
                if (waitNs <= 0 || closed) {
                    return false;
                }
                appliedMonitor.wait(Math.max(1, waitNs / 1_000_000));
            }
            return true;
        }
    }

    private void run() {
        while (!closed) {
            try {
                QuorumQuery.MetadataDelta delta = fetcher.apply(new QuorumQuery.FetchMetadata(nodeId, appliedIndex, MAX_WAIT_MS)).join();
                apply(delta);
            } catch (RuntimeException e) {
                if (closed) {
                    return;
                }
                log.debug("Fetching metadata from the controller quorum failed; retrying: {}", e.toString());
                leaderId = -1;
                try {
                    Thread.sleep(RETRY_BACKOFF_MS);
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    /** Applies one answer of the leader; package-private for tests. */
    void apply(QuorumQuery.MetadataDelta delta) {
        leaderId = delta.leaderId();
        leaderEpoch = delta.leaderEpoch();
        MetadataImage before = image;
        if (delta.image() != null) {
            image = delta.image();
            if (image != before) {
                log.info("Loaded the quorum leader's metadata image at index {} ({} brokers, {} topics)", delta.appliedIndex(),
                        image.brokers().size(), image.topics().size());
                publisher.accept(before, image);
            }
        } else {
            for (QuorumQuery.Entry e : delta.entries()) {
                if (e.index() <= appliedIndex) {
                    continue;
                }
                MetadataImage prev = image;
                image = MetadataApplier.apply(prev, e.command()).image();
                if (image != prev) {
                    publisher.accept(prev, image);
                }
            }
        }
        synchronized (appliedMonitor) {
            appliedIndex = Math.max(appliedIndex, delta.appliedIndex());
            appliedMonitor.notifyAll();
        }
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        synchronized (appliedMonitor) {
            appliedMonitor.notifyAll();
        }
    }
}
