package io.sluice.brokerd.controller;

import io.sluice.brokerd.metadata.MetadataImage;

import java.util.function.BiConsumer;

/**
 * The committed metadata as this process has applied it: a voter's {@link ControllerStateMachine}, or a broker-only
 * process's {@link MetadataFollower}. Indexes are Raft log indexes.
 */
interface AppliedMetadata {
    MetadataImage image();

    /** Waits until the entry at {@code index} is applied here; false when {@code deadlineNs} passes first. */
    boolean awaitApplied(long index, long deadlineNs) throws InterruptedException;

    /** Publishes every change from now on (old image, new image), in commit order. */
    void setPublisher(BiConsumer<MetadataImage, MetadataImage> publisher);
}
