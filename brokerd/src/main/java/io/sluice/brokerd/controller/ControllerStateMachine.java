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
import org.apache.ratis.io.MD5Hash;
import org.apache.ratis.util.LifeCycle;
import org.apache.ratis.util.MD5FileUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * The Ratis state machine holding cluster metadata. Committed entries are {@link MetadataCommand}s applied with
 * {@link MetadataApplier}; the reply to the proposer is the {@link CommandResult}.
 * <p>
 * Snapshots: the whole image as JSON in Ratis' single-file layout, {@code <data.dir>/__controller/<group>/sm/}
 * {@code snapshot.<term>_<index>} plus {@code snapshot.<term>_<index>.md5} (the MD5 of the file, in the
 * {@code md5sum} format Ratis reads), taken every {@code controller.snapshot.entries} applied entries; Ratis keeps
 * the newest two. A snapshot is written to {@code .tmp}, forced, its {@code .md5} written, and only then renamed into
 * place, so every {@code snapshot.*} file Ratis can see has its digest; loading one recomputes the digest and refuses
 * a file that does not match, or that has no {@code .md5}, naming it (start-up then fails; in a cluster, remove the
 * broker's {@code __controller} directory and it fetches the leader's snapshot again).
 * <p>
 * Catch-up: a follower whose next entry the leader has purged gets the leader's latest snapshot (Ratis ships the
 * files with their digest and checks it on arrival). Ratis {@link #pause() pauses} this state machine, moves the
 * received files into {@code sm/} and calls {@link #reinitialize()}, which loads the new snapshot, publishes the jump
 * from the old image to the new one like any other change, and resumes. Life cycle (Ratis asserts it):
 * <pre>
 *   NEW --initialize--> RUNNING --pause--> PAUSING --> PAUSED --reinitialize--> STARTING --> RUNNING
 * </pre>
 * <p>
 * Ratis applies entries on one thread in log order; the image is published through a volatile field so request
 * threads read it without locks. Read-only queries (broker heartbeats) are answered by the leader's
 * {@code queryHandler} and never touch the image.
 * <p>
 * Observers: the newest {@link #TAIL_ENTRIES} applied commands stay in memory with their log index, so the leader
 * answers a broker-only process's {@code FetchMetadata} with the entries it lacks ({@link #delta}), or with the whole
 * image when it is further behind (or the tail was reset by a snapshot load). {@link #nextApplied} completes at every
 * apply, which wakes the observers' long polls.
 */
final class ControllerStateMachine extends BaseStateMachine implements AppliedMetadata {
    private static final Logger log = LoggerFactory.getLogger(ControllerStateMachine.class);

    /** Applied commands kept in memory for observers; each is a few hundred bytes. */
    static final int TAIL_ENTRIES = 4096;

    private final SimpleStateMachineStorage storage = new SimpleStateMachineStorage();
    private final Function<byte[], CompletableFuture<byte[]>> queryHandler;
    /** The newest applied commands, oldest first; guarded by itself, as is {@link #tailBaseIndex}. */
    private final java.util.ArrayDeque<QuorumQuery.Entry> tail = new java.util.ArrayDeque<>();
    /** Every applied entry after this index is in {@link #tail}. */
    private long tailBaseIndex = -1;
    /** Completed (and replaced) whenever an entry is applied. */
    private final java.util.Set<CompletableFuture<Void>> applyWaiters = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private volatile MetadataImage image = MetadataImage.EMPTY;
    /** Told (old, new) after each applied entry that changed the image; set once the broker has caught up. */
    private volatile BiConsumer<MetadataImage, MetadataImage> publisher = (a, b) -> { };
    private final Object appliedMonitor = new Object();

    ControllerStateMachine(Function<byte[], CompletableFuture<byte[]>> queryHandler) {
        this.queryHandler = queryHandler;
    }

    @Override
    public MetadataImage image() {
        return image;
    }

    @Override
    public void setPublisher(BiConsumer<MetadataImage, MetadataImage> publisher) {
        this.publisher = publisher;
    }

    /**
     * Completes at the next applied entry (or snapshot load) or after {@code maxWaitMs}, whichever comes first.
     * Check the applied index after calling this, so an entry applied meanwhile is not missed.
     */
    CompletableFuture<Void> nextApplied(long maxWaitMs) {
        CompletableFuture<Void> waiter = new CompletableFuture<>();
        applyWaiters.add(waiter);
        waiter.whenComplete((v, e) -> applyWaiters.remove(waiter));
        return waiter.completeOnTimeout(null, maxWaitMs, java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    /**
     * What an observer that applied up to {@code afterIndex} lacks: the entries after it, or the whole image when
     * they are no longer all in memory.
     */
    QuorumQuery.MetadataDelta delta(long afterIndex, int leaderId, long leaderEpoch) {
        synchronized (tail) {
            long applied = appliedIndex();
            if (afterIndex >= applied) {
                return new QuorumQuery.MetadataDelta(leaderId, leaderEpoch, applied, null, List.of());
            }
            if (afterIndex < tailBaseIndex) {
                return new QuorumQuery.MetadataDelta(leaderId, leaderEpoch, applied, image, List.of());
            }
            List<QuorumQuery.Entry> entries = new ArrayList<>();
            for (QuorumQuery.Entry e : tail) {
                if (e.index() > afterIndex) {
                    entries.add(e);
                }
            }
            return new QuorumQuery.MetadataDelta(leaderId, leaderEpoch, applied, null, entries);
        }
    }

    /** Waits until the entry at {@code index} is applied here; false when {@code deadlineNs} passes first. */
    @Override
    public boolean awaitApplied(long index, long deadlineNs) throws InterruptedException {
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

    long appliedIndex() {
        TermIndex last = getLastAppliedTermIndex();
        return last == null ? -1 : last.getIndex();
    }

    @Override
    public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage) throws IOException {
        getLifeCycle().startAndTransition(() -> {
            super.initialize(server, groupId, raftStorage);
            storage.init(raftStorage);
            SingleFileSnapshotInfo latest = storage.getLatestSnapshot();
            if (latest != null) {
                loadSnapshot(latest);
            }
        }, IOException.class);
    }

    /**
     * Before Ratis writes a snapshot chunk from the leader (it calls this for every chunk): no entry is applied until
     * {@link #reinitialize()}.
     */
    @Override
    public void pause() {
        if (getLifeCycleState() == LifeCycle.State.RUNNING) {
            getLifeCycle().transition(LifeCycle.State.PAUSING);
            getLifeCycle().transition(LifeCycle.State.PAUSED);
        }
    }

    /** After Ratis installed a snapshot from the leader into {@code sm/}: loads it, publishes the jump, resumes. */
    @Override
    public void reinitialize() throws IOException {
        SingleFileSnapshotInfo installed = storage.loadLatestSnapshot();
        if (installed == null) {
            throw new IOException("no controller snapshot to load after installing the leader's");
        }
        MetadataImage before = image;
        loadSnapshot(installed);
        log.info("Installed the quorum leader's controller snapshot at index {}", installed.getIndex());
        publisher.accept(before, image);
        if (getLifeCycleState() == LifeCycle.State.PAUSED) {
            getLifeCycle().transition(LifeCycle.State.STARTING);
            getLifeCycle().transition(LifeCycle.State.RUNNING);
        }
        signalApplied();
    }

    private void loadSnapshot(SingleFileSnapshotInfo snapshot) throws IOException {
        Path file = snapshot.getFile().getPath();
        MetadataImage loaded = MetadataCodec.image(readVerified(file));
        synchronized (tail) {
            image = loaded;
            setLastAppliedTermIndex(snapshot.getTermIndex());
            tail.clear();
            tailBaseIndex = snapshot.getIndex();
        }
        log.info("Loaded controller snapshot {} ({} brokers, {} topics)", file.getFileName(), image.brokers().size(),
                image.topics().size());
    }

    /** The snapshot's bytes, once their MD5 matches the stored {@code .md5}; IOException naming the file otherwise. */
    static byte[] readVerified(Path file) throws IOException {
        MD5Hash stored = MD5FileUtil.readStoredMd5ForFile(file.toFile());
        if (stored == null) {
            throw new IOException("controller snapshot " + file + " has no " + file.getFileName() + MD5FileUtil.MD5_SUFFIX);
        }
        MD5Hash actual = MD5FileUtil.computeMd5ForFile(file.toFile());
        if (!actual.equals(stored)) {
            throw new IOException("controller snapshot " + file + " is corrupt: its MD5 is " + actual + " but "
                    + file.getFileName() + MD5FileUtil.MD5_SUFFIX + " says " + stored);
        }
        return Files.readAllBytes(file);
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
        synchronized (tail) {
            image = applied.image();
            updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
            tail.addLast(new QuorumQuery.Entry(entry.getIndex(), command));
            if (tail.size() > TAIL_ENTRIES) {
                tailBaseIndex = tail.removeFirst().index();
            }
        }
        if (applied.image() != before) {
            publishApplied(entry.getIndex(), command, before, applied.image());
        }
        signalApplied();
        return CompletableFuture.completedFuture(Message.valueOf(ByteString.copyFrom(MetadataCodec.encode(applied.result()))));
    }

    /**
     * Tells the broker about a committed change. A task boundary: the entry is committed and applied whatever the
     * broker makes of it, so a failure there (its log directory is expected to have gone offline through
     * {@link io.sluice.brokerd.log.LogDirHealth}, which says so loudly) is logged here and never reaches Ratis' apply
     * thread, which would stop applying entries for good and stall every metadata request.
     */
    private void publishApplied(long index, MetadataCommand command, MetadataImage before, MetadataImage after) {
        try {
            publisher.accept(before, after);
        } catch (Throwable t) {
            io.sluice.brokerd.common.Fatal.exitOnOutOfMemory(t);
            log.error("This broker failed to act on committed metadata entry {} ({}); the controller goes on applying "
                    + "entries", index, command.getClass().getSimpleName(), t);
        }
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
        for (CompletableFuture<Void> waiter : applyWaiters) {
            waiter.complete(null);
        }
    }

    @Override
    public CompletableFuture<Message> query(Message request) {
        return queryHandler.apply(request.getContent().toByteArray()).thenApply(reply -> Message.valueOf(ByteString.copyFrom(reply)));
    }

    @Override
    public long takeSnapshot() throws IOException {
        MetadataImage snap = image;
        TermIndex last = getLastAppliedTermIndex();
        if (last == null || last.getIndex() < 0) {
            return -1;
        }
        File file = storage.getSnapshotFile(last.getTerm(), last.getIndex());
        MD5Hash digest = writeSnapshot(file.toPath(), MetadataCodec.encode(snap));
        storage.updateLatestSnapshot(new SingleFileSnapshotInfo(new FileInfo(file.toPath(), digest), last));
        return last.getIndex();
    }

    /**
     * Writes {@code bytes} to {@code file} so that a crash leaves either no {@code file} or a complete one with its
     * {@code .md5}: {@code file.tmp} forced, then {@code file.md5}, then the rename.
     */
    static MD5Hash writeSnapshot(Path file, byte[] bytes) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer buf = ByteBuffer.wrap(bytes);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            ch.force(true);
        }
        MD5Hash digest = MD5FileUtil.computeMd5ForFile(tmp.toFile());
        MD5FileUtil.saveMD5File(file.toFile(), digest);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return digest;
    }
}
