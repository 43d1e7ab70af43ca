package io.sluice.brokerd.controller;

import io.sluice.brokerd.metadata.MetadataImage;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.proto.RaftProtos.StateMachineLogEntryProto;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.LifeCycle;
import org.apache.ratis.util.SizeInBytes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The controller state machine's snapshots on real Ratis storage directories, without a Raft server: written with
 * their MD5, reloaded on restart, installed "from the leader" (the files Ratis moves into {@code sm/}, then
 * pause/reinitialize), and refused when corrupt.
 */
@Timeout(30)
class ControllerStateMachineTest {
    private static final UUID TOPIC_ID = UUID.fromString("6f1c1d2e-8a33-4c55-9a0e-2b7d1c0e4f11");

    @TempDir
    Path leaderDir;
    @TempDir
    Path followerDir;

    @Test
    void aSnapshotHasItsDigestAndIsReloadedOnRestart() throws Exception {
        ControllerStateMachine sm = started(leaderDir, RaftStorage.StartupOption.FORMAT);
        applyClusterOfThreeWithATopic(sm);

        assertThat(sm.takeSnapshot()).isEqualTo(5);
        assertThat(smFiles(leaderDir)).containsExactlyInAnyOrder("snapshot.1_5", "snapshot.1_5.md5");
        assertThat(sm.getLatestSnapshot().getFiles().get(0).getFileDigest()).isNotNull();

        ControllerStateMachine restarted = started(leaderDir, RaftStorage.StartupOption.RECOVER);
        assertThat(restarted.image()).isEqualTo(sm.image());
        assertThat(restarted.image().topics()).containsKey("orders");
        assertThat(restarted.getLastAppliedTermIndex()).isEqualTo(TermIndex.valueOf(1, 5));
        assertThat(restarted.getLifeCycleState()).isEqualTo(LifeCycle.State.RUNNING);
    }

    @Test
    void aSnapshotInstalledFromTheLeaderReplacesTheImageIsPublishedAndApplyingGoesOn() throws Exception {
        ControllerStateMachine leader = started(leaderDir, RaftStorage.StartupOption.FORMAT);
        applyClusterOfThreeWithATopic(leader);
        leader.takeSnapshot();

        ControllerStateMachine follower = started(followerDir, RaftStorage.StartupOption.FORMAT);
        apply(follower, 1, new MetadataCommand.InitCluster("cluster-a"));
        MetadataImage old = follower.image();
        List<MetadataImage[]> published = new ArrayList<>();
        follower.setPublisher((before, after) -> published.add(new MetadataImage[] {before, after}));

        // What Ratis does: pause (once per chunk), move the received files into sm/, reinitialize.
        follower.pause();
        follower.pause();
        assertThat(follower.getLifeCycleState()).isEqualTo(LifeCycle.State.PAUSED);
        copySmFiles(leaderDir, followerDir);
        follower.reinitialize();

        assertThat(follower.getLifeCycleState()).isEqualTo(LifeCycle.State.RUNNING);
        assertThat(follower.image()).isEqualTo(leader.image());
        assertThat(follower.getLastAppliedTermIndex()).isEqualTo(TermIndex.valueOf(1, 5));
        assertThat(follower.awaitApplied(5, System.nanoTime())).isTrue();
        assertThat(published).hasSize(1);
        assertThat(published.get(0)[0]).isSameAs(old);
        assertThat(published.get(0)[1]).isSameAs(follower.image());

        apply(follower, 6, new MetadataCommand.DeleteTopic("orders"));
        assertThat(follower.image().topics()).isEmpty();
        assertThat(follower.getLastAppliedTermIndex()).isEqualTo(TermIndex.valueOf(1, 6));
    }

    @Test
    void aCorruptSnapshotOrOneWithoutItsDigestIsRefusedNamingTheFile() throws Exception {
        ControllerStateMachine sm = started(leaderDir, RaftStorage.StartupOption.FORMAT);
        applyClusterOfThreeWithATopic(sm);
        sm.takeSnapshot();
        Path snapshot = leaderDir.resolve("sm").resolve("snapshot.1_5");

        byte[] bytes = Files.readAllBytes(snapshot);
        bytes[bytes.length / 2] ^= 0x20;
        Files.write(snapshot, bytes);
        assertThatThrownBy(() -> started(leaderDir, RaftStorage.StartupOption.RECOVER))
                .isInstanceOf(IOException.class).hasMessageContaining("snapshot.1_5").hasMessageContaining("is corrupt");

        Files.delete(leaderDir.resolve("sm").resolve("snapshot.1_5.md5"));
        assertThatThrownBy(() -> started(leaderDir, RaftStorage.StartupOption.RECOVER))
                .isInstanceOf(IOException.class).hasMessageContaining("has no snapshot.1_5.md5");
    }

    @Test
    void observersGetTheEntriesTheyLackOrTheWholeImageWhenTooFarBehind() throws Exception {
        ControllerStateMachine sm = started(leaderDir, RaftStorage.StartupOption.FORMAT);
        applyClusterOfThreeWithATopic(sm);
        QuorumQuery.MetadataDelta upToDate = sm.delta(5, 1, 1);
        assertThat(upToDate.image()).isNull();
        assertThat(upToDate.entries()).isEmpty();
        QuorumQuery.MetadataDelta behind = sm.delta(3, 1, 1);
        assertThat(behind.image()).isNull();
        assertThat(behind.entries()).extracting(QuorumQuery.Entry::index).containsExactly(4L, 5L);
        assertThat(behind.appliedIndex()).isEqualTo(5);
        // Once more entries were applied than the tail holds, an observer from the start gets the image instead.
        for (long i = 6; i < 6 + ControllerStateMachine.TAIL_ENTRIES; i++) {
            apply(sm, i, new MetadataCommand.InitCluster("ignored-after-the-first"));
        }
        QuorumQuery.MetadataDelta fresh = sm.delta(-1, 1, 1);
        assertThat(fresh.image()).isEqualTo(sm.image());
        assertThat(fresh.entries()).isEmpty();
        assertThat(fresh.appliedIndex()).isEqualTo(5 + ControllerStateMachine.TAIL_ENTRIES);
        // A snapshot load resets the tail: the image until new entries arrive.
        sm.takeSnapshot();
        ControllerStateMachine restarted = started(leaderDir, RaftStorage.StartupOption.RECOVER);
        assertThat(restarted.delta(100, 1, 1).image()).isEqualTo(sm.image());
        // A fetch waiting for the next entry is woken by it.
        java.util.concurrent.CompletableFuture<Void> waiting = restarted.nextApplied(10_000);
        assertThat(waiting).isNotDone();
        apply(restarted, 6 + ControllerStateMachine.TAIL_ENTRIES, new MetadataCommand.InitCluster("x"));
        assertThat(waiting).isDone();
        assertThat(restarted.nextApplied(1).get(5, java.util.concurrent.TimeUnit.SECONDS)).isNull();
    }

    /** Open storages by directory: a restart closes the previous one (it holds the directory's lock). */
    private final Map<Path, RaftStorage> storages = new HashMap<>();

    @AfterEach
    void closeStorages() throws IOException {
        for (RaftStorage s : storages.values()) {
            s.close();
        }
    }

    private ControllerStateMachine started(Path dir, RaftStorage.StartupOption option) throws IOException {
        RaftStorage previous = storages.remove(dir);
        if (previous != null) {
            previous.close();
        }
        RaftStorage storage = RaftStorage.newBuilder().setDirectory(dir.toFile()).setOption(option)
                .setStorageFreeSpaceMin(SizeInBytes.valueOf(0))
                .setLogCorruptionPolicy(RaftServerConfigKeys.Log.CorruptionPolicy.getDefault()).build();
        storage.initialize();
        storages.put(dir, storage);
        ControllerStateMachine sm = new ControllerStateMachine(java.util.concurrent.CompletableFuture::completedFuture);
        sm.initialize(SERVER, RaftGroupId.valueOf(UUID.nameUUIDFromBytes(new byte[] {1})), storage);
        return sm;
    }

    /** The state machine asks its server only for its id (to log with). */
    private static final RaftServer SERVER = (RaftServer) Proxy.newProxyInstance(RaftServer.class.getClassLoader(),
            new Class<?>[] {RaftServer.class}, (proxy, method, args) -> switch (method.getName()) {
                case "getId" -> RaftPeerId.valueOf("1");
                case "toString" -> "server-1";
                default -> throw new UnsupportedOperationException(method.getName());
            });

    private static void applyClusterOfThreeWithATopic(ControllerStateMachine sm) {
        apply(sm, 1, new MetadataCommand.InitCluster("cluster-a"));
        for (int id = 1; id <= 3; id++) {
            apply(sm, 1 + id, new MetadataCommand.RegisterBroker(id, "127.0.0.1", 9091 + id, "", "incarnation-" + id, java.util.List.of()));
        }
        apply(sm, 5, new MetadataCommand.CreateTopic("orders", TOPIC_ID, 3, (short) 3, Map.of("retention.ms", "1000")));
        assertThat(sm.image().topics().get("orders").partitions()).isEqualTo(3);
    }

    private static void apply(ControllerStateMachine sm, long index, MetadataCommand command) {
        LogEntryProto entry = LogEntryProto.newBuilder().setTerm(1).setIndex(index)
                .setStateMachineLogEntry(StateMachineLogEntryProto.newBuilder()
                        .setLogData(ByteString.copyFrom(MetadataCodec.encode(command))))
                .build();
        sm.applyTransaction(TransactionContext.newBuilder().setStateMachine(sm).setServerRole(RaftPeerRole.FOLLOWER)
                .setLogEntry(entry).build()).join();
    }

    private static List<String> smFiles(Path storageDir) throws IOException {
        try (Stream<Path> files = Files.list(storageDir.resolve("sm"))) {
            return files.map(p -> p.getFileName().toString()).toList();
        }
    }

    private static void copySmFiles(Path from, Path to) throws IOException {
        Files.createDirectories(to.resolve("sm"));
        for (String name : smFiles(from)) {
            Files.copy(from.resolve("sm").resolve(name), to.resolve("sm").resolve(name));
        }
    }
}
