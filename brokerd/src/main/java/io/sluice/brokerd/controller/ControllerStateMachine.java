package io.sluice.brokerd.controller;

import io.sluice.brokerd.metadata.MetadataImage;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.MD5FileUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * The Ratis state machine holding cluster metadata. Committed entries are {@link MetadataCommand}s applied with
 * {@link MetadataApplier}; the reply to the proposer is the {@link CommandResult}. Snapshots are the whole image as
 * JSON in Ratis' single-file layout ({@code <data.dir>/__controller/<group>/sm/snapshot.<term>_<index>} plus an
 * {@code .md5}), taken every {@code controller.snapshot.entries} entries; a lagging follower installs the leader's.
 * <p>
 * Ratis applies entries on one thread in log order; the image is published through a volatile field so request
 * threads read it without locks. Read-only queries (broker heartbeats) are answered by the leader's
 * {@code queryHandler} and never touch the image.
 */
final class ControllerStateMachine extends BaseStateMachine {
    private static final Logger log = LoggerFactory.getLogger(ControllerStateMachine.class);

    private final SimpleStateMachineStorage storage = new SimpleStateMachineStorage();
    private final Function<byte[], byte[]> queryHandler;
    private volatile MetadataImage image = MetadataImage.EMPTY;
    /** Told (old, new) after each applied entry that changed the image; set once the broker has caught up. */
    private volatile BiConsumer<MetadataImage, MetadataImage> publisher = (a, b) -> { };
    private final Object appliedMonitor = new Object();

    ControllerStateMachine(Function<byte[], byte[]> queryHandler) {
        this.queryHandler = queryHandler;
    }

    MetadataImage image() {
        return image;
    }

    void setPublisher(BiConsumer<MetadataImage, MetadataImage> publisher) {
        this.publisher = publisher;
    }

    /** Waits until the entry at {@code index} is applied here; false when {@code deadlineNs} passes first. */
    boolean awaitApplied(long index, long deadlineNs) throws InterruptedException {
        synchronized (appliedMonitor) {
            while (appliedIndex() < index) {
                long waitNs = deadlineNs - System.nanoTime();
                if (waitNs <= 0) {
                    return false;
                }
                appliedMonitor.wait(Math.max(1, waitNs / 1_000_000));
            }
            return true;
        }
    }

    private long appliedIndex() {
        TermIndex last = getLastAppliedTermIndex();
        return last == null ? -1 : last.getIndex();
    }

    @Override
    public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage) throws IOException {
        super.initialize(server, groupId, raftStorage);
        storage.init(raftStorage);
        loadSnapshot(storage.getLatestSnapshot());
    }

    @Override
    public void reinitialize() throws IOException {
        MetadataImage before = image;
        loadSnapshot(storage.loadLatestSnapshot());
        publisher.accept(before, image);
        signalApplied();
    }

    private void loadSnapshot(SingleFileSnapshotInfo snapshot) throws IOException {
        if (snapshot == null) {
            return;
        }
        File f = snapshot.getFile().getPath().toFile();
        MD5FileUtil.verifySavedMD5(f, snapshot.getFile().getFileDigest());
        image = MetadataCodec.image(Files.readAllBytes(f.toPath()));
        setLastAppliedTermIndex(snapshot.getTermIndex());
        log.info("Loaded controller snapshot {} ({} brokers, {} topics)", f.getName(), image.brokers().size(), image.topics().size());
    }

    @Override
    public SimpleStateMachineStorage getStateMachineStorage() {
        return storage;
    }

    @Override
    public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
        LogEntryProto entry = trx.getLogEntry();
        MetadataCommand command = MetadataCodec.command(entry.getStateMachineLogEntry().getLogData().toByteArray());
        MetadataImage before = image;
        MetadataApplier.Applied applied = MetadataApplier.apply(before, command);
        image = applied.image();
        updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
        if (applied.image() != before) {
            publisher.accept(before, applied.image());
        }
        signalApplied();
        return CompletableFuture.completedFuture(Message.valueOf(ByteString.copyFrom(MetadataCodec.encode(applied.result()))));
    }

    @Override
    public void notifyTermIndexUpdated(long term, long index) {
        super.notifyTermIndexUpdated(term, index);
        signalApplied();
    }

    private void signalApplied() {
        synchronized (appliedMonitor) {
            appliedMonitor.notifyAll();
        }
    }

    @Override
    public CompletableFuture<Message> query(Message request) {
        return CompletableFuture.completedFuture(Message.valueOf(ByteString.copyFrom(queryHandler.apply(request.getContent().toByteArray()))));
    }

    @Override
    public long takeSnapshot() throws IOException {
        MetadataImage snap = image;
        TermIndex last = getLastAppliedTermIndex();
        if (last == null || last.getIndex() < 0) {
            return -1;
        }
        File file = storage.getSnapshotFile(last.getTerm(), last.getIndex());
        File tmp = new File(file.getPath() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp.toPath(), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(MetadataCodec.encode(snap));
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            ch.force(true);
        }
        Files.move(tmp.toPath(), file.toPath(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        storage.updateLatestSnapshot(new SingleFileSnapshotInfo(new FileInfo(file.toPath(), MD5FileUtil.computeAndSaveMd5ForFile(file)), last));
        return last.getIndex();
    }
}
