package io.sluice.brokerd.controller;

import io.sluice.brokerd.common.MonotonicClock;
import io.sluice.brokerd.metadata.BrokerRegistration;
import io.sluice.brokerd.metadata.MetadataImage;
import io.sluice.brokerd.metadata.MetadataWriter;
import io.sluice.brokerd.metadata.TopicInfo;
import io.sluice.brokerd.metadata.TopicRegistry;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.retry.RetryPolicy;
import org.apache.ratis.rpc.SupportedRpcType;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * This broker's member of the controller quorum: an embedded Ratis server holding the metadata
 * {@link ControllerStateMachine}, and a Ratis client through which this broker proposes changes and heartbeats.
 * Roles ({@code process.roles}, as KRaft's): a voter ({@code controller}, alone or combined with {@code broker}, the
 * default) runs the Raft server; a broker-only process runs no Raft server and is never a voter: it observes the
 * quorum through a {@link MetadataFollower} that long-polls the leader for committed entries, and proposes, registers
 * and heartbeats through the Ratis client like any broker. A dedicated controller ({@code controller} alone) never
 * registers as a broker, so it never holds a partition; it checks the brokers' leases and rebalances leaders when
 * it leads. A single node is a one-voter quorum.
 * <p>
 * Observers: the leader records each observer's last fetch (its applied index and when it asked), which
 * {@link #describeQuorum} reports with the voters' progress.
 * <p>
 * Leases: each broker heartbeats the quorum leader every {@code heartbeatIntervalMs}; the leader's controller fences
 * a live broker it has not heard from for {@code sessionTimeoutMs} (a new leader first grants everyone a full
 * session). A fenced broker that heartbeats again is told so and registers again. Leases are leader-local soft
 * state; only fencing and registration are committed. They are measured on {@link MonotonicClock}: a step of the
 * wall clock (NTP, {@code date -s}) neither fences live brokers (forward) nor keeps a dead one unfenced (back).
 * <p>
 * On disk ({@code <data.dir>/__controller/<group id>/}): {@code current/} holds the Raft log in segments of
 * {@code controller.log.segment.bytes} and the term and vote; {@code sm/} the state machine's snapshots. Each voter
 * snapshots every {@code controller.snapshot.entries} entries and purges its log up to the snapshot, keeping that many
 * entries behind it ({@code logRetention}), whether or not the other voters have them: a voter that falls further
 * behind, or starts with an empty {@code __controller} (a replaced disk: it is formatted afresh and rejoins), is sent
 * the leader's snapshot. A voter that lost its log also lost its votes, so at most a minority may be replaced at once;
 * a quorum that lost its metadata altogether is caught by {@code Broker} before it deletes any partition log.
 * <p>
 * Transport: Ratis' gRPC RPC, plaintext or mutual TLS. Not Ratis 3.3.0's Netty RPC: it has no TLS (only its
 * data-stream path does; RATIS-2634 proposes it), and a connection that a peer accepts and then resets (a network
 * partition healing, a proxy cutting links) wedges it: the leader's appender for that follower throws ILLEGAL
 * TRANSITION on its connection state in a busy loop, so the follower applies nothing more and, with its stale image,
 * goes on leading partitions the controller has moved; and a broker's client stops reaching the quorum, so the broker
 * stays fenced. The fault matrix's "controller links cut" scenario reproduces both; over gRPC it recovers. With TLS on
 * the inter-broker listener, every voter presents that listener's keystore and accepts only peers whose certificate
 * that listener's truststore trusts, and checks that a peer's certificate names the host of its controller.quorum.voters
 * entry (unless ssl.endpoint.identification.algorithm is empty). A node without a certificate of the cluster's CA can
 * neither join the quorum nor propose changes. The key and trust managers are the reloading ones of the listener, so a
 * rotated keystore reaches new Raft connections too. All voters must agree: a TLS voter and a plaintext one cannot talk.
 * <p>
 * Thread-safety: thread-safe. Changes block the caller until committed and applied here, so call them off the
 * network event loops.
 */
public final class QuorumController implements MetadataWriter, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(QuorumController.class);
    /**
     * Largest encoded metadata command accepted, bytes. Commands are small (the largest, a topic with its config
     * overrides, is a few KiB); the bound keeps every Raft log entry inside the log's write buffer, which Ratis
     * cannot write past.
     */
    static final int MAX_COMMAND_BYTES = 64 * 1024;
    /**
     * Bytes of log entries per AppendEntries to a follower. The Raft log's write buffer must hold this plus 8 bytes
     * (Ratis checks); Ratis' defaults (4 MiB, 8 MiB buffer) cost a resident 8 MiB direct buffer for a metadata log
     * whose entries are a few hundred bytes.
     */
    private static final int APPEND_BATCH_BYTES = 256 * 1024;
    /** At most one WARN line per this many ms while heartbeats keep failing past a session. */
    private static final long HEARTBEAT_WARN_INTERVAL_MS = 10_000;

    private final ControllerConfig config;
    private final RaftGroupId groupId;
    /** Null on a broker-only process. */
    private final ControllerStateMachine stateMachine;
    /** Null on a broker-only process. */
    private final RaftServer server;
    /** Null unless broker-only. */
    private final MetadataFollower follower;
    /** What this process has applied: {@link #stateMachine} or {@link #follower}. */
    private final AppliedMetadata applied;
    /** On the leader: each observer's last fetch, by node id. */
    private final Map<Integer, ObserverFetch> observers = new ConcurrentHashMap<>();
    /** On the leader: when each voter was last seen holding everything committed (wall-clock ms), by node id. */
    private final Map<Integer, Long> voterCaughtUpMs = new ConcurrentHashMap<>();
    /** Null on a single voter (proposals go to the local server). Used through its blocking API only, see {@link #send}. */
    private final RaftClient client;
    /** Runs the client's blocking calls; null on a single voter. */
    private final ExecutorService clientCalls;
    private final RaftPeerId self;
    private final ClientId localClientId = ClientId.randomId();
    private final java.util.concurrent.atomic.AtomicLong localCallIds = new java.util.concurrent.atomic.AtomicLong();
    private final ScheduledExecutorService timer;
    private final String incarnation = UUID.randomUUID().toString();
    private final Map<Integer, Long> lastHeartbeatMs = new ConcurrentHashMap<>();
    private final Set<Integer> fencing = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean registering = new AtomicBoolean();
    private final AtomicBoolean heartbeatInFlight = new AtomicBoolean();
    private volatile boolean wasLeader;
    /** When {@link #checkLeases} last ran ({@link MonotonicClock} ms), or -1. */
    private volatile long lastLeaseCheckMs = -1;
    private volatile Registration registration;
    /** Null until registered, and on a single voter (its own controller: nothing to heartbeat). */
    private volatile HeartbeatTracker heartbeats;
    private volatile boolean closed;

    /** An observer's last {@code FetchMetadata}: what it had applied then, and when (wall-clock ms). */
    private record ObserverFetch(long appliedIndex, long fetchMs, long caughtUpMs) {
    }

    /** How this broker registers (again after being fenced). */
    private record Registration(String host, int port, String rack, List<io.sluice.brokerd.metadata.Endpoint> endpoints) {
    }

    private QuorumController(ControllerConfig config, io.sluice.brokerd.security.SslFactory tls) throws IOException {
        this.config = config;
        this.groupId = RaftGroupId.valueOf(UUID.nameUUIDFromBytes(("sluice-controller:" + new TreeMap<>(config.voters()))
                .getBytes(StandardCharsets.UTF_8)));
        RaftProperties props = properties(config);
        Parameters parameters = parameters(tls);
        RaftPeerId self = RaftPeerId.valueOf(String.valueOf(config.nodeId()));
        if (config.voter()) {
            this.stateMachine = new ControllerStateMachine(this::onQuery);
            boolean fresh = !Files.exists(config.storageDir().resolve(groupId.getUuid().toString()));
            this.server = RaftServer.newBuilder()
                    .setServerId(self)
                    .setGroup(group(config.voters()))
                    .setStateMachine(stateMachine)
                    .setProperties(props)
                    .setParameters(parameters)
                    .setOption(fresh ? RaftStorage.StartupOption.FORMAT : RaftStorage.StartupOption.RECOVER)
                    .build();
            server.start();
            this.follower = null;
            this.applied = stateMachine;
        } else {
            this.stateMachine = null;
            this.server = null;
            this.follower = new MetadataFollower(config.nodeId(), this::fetchMetadata);
            this.applied = follower;
        }
        this.self = self;
        // A single voter is always its own leader: proposals go straight to the local server, with no client
        // connection (which also keeps a single node's start-up quick). A cluster proposes through a Ratis client,
        // which finds the leader and retries.
        this.client = config.isSingleVoter() ? null : RaftClient.newBuilder()
                .setProperties(props)
                .setParameters(parameters)
                .setClientId(ClientId.randomId())
                .setRaftGroup(group(config.voters()))
                .setRetryPolicy(UNTIL_CALL_DEADLINE)
                .build();
        this.clientCalls = config.isSingleVoter() ? null
                : Executors.newCachedThreadPool(new DefaultThreadFactory("sluice-controller-client", true));
        this.timer = Executors.newSingleThreadScheduledExecutor(new DefaultThreadFactory("sluice-controller-timer", true));
        if (follower != null) {
            follower.start();
        }
    }

    /** An observer's fetch, sent to the quorum leader; the leader holds it up to its {@code maxWaitMs}. */
    private CompletableFuture<QuorumQuery.MetadataDelta> fetchMetadata(QuorumQuery.FetchMetadata fetch) {
        long deadlineNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(config.requestTimeoutMs());
        return send(Message.valueOf(ByteString.copyFrom(MetadataCodec.encode(fetch))), true, deadlineNs).thenApply(reply -> {
            if (!reply.isSuccess()) {
                throw new CompletionException(reply.getException());
            }
            return MetadataCodec.read(reply.getMessage().getContent().toByteArray(), QuorumQuery.MetadataDelta.class);
        });
    }

    /** Starts this node's Raft server (replaying its log and snapshot) and returns; the quorum may not have a leader yet. */
    public static QuorumController start(ControllerConfig config) {
        return start(config, null);
    }

    /**
     * As {@link #start(ControllerConfig)}; with {@code tls} (the inter-broker listener's TLS) the quorum runs over
     * mutual TLS (see the class comment).
     */
    public static QuorumController start(ControllerConfig config, io.sluice.brokerd.security.SslFactory tls) {
        try {
            if (config.voter()) {
                Files.createDirectories(config.storageDir()); // a broker-only process keeps no Raft state
            }
            return new QuorumController(config, tls);
        } catch (IOException e) {
            throw new UncheckedIOException("starting the controller in " + config.storageDir() + ": " + e.getMessage(), e);
        }
    }

    private RaftGroup group(Map<Integer, String> voters) {
        List<RaftPeer> peers = new ArrayList<>();
        for (Map.Entry<Integer, String> v : voters.entrySet()) {
            peers.add(RaftPeer.newBuilder().setId(String.valueOf(v.getKey())).setAddress(v.getValue()).build());
        }
        return RaftGroup.valueOf(groupId, peers);
    }

    private static RaftProperties properties(ControllerConfig config) {
        RaftProperties p = new RaftProperties();
        RaftConfigKeys.Rpc.setType(p, SupportedRpcType.GRPC);
        org.apache.ratis.grpc.GrpcConfigKeys.Server.setHost(p, config.bindHost());
        org.apache.ratis.grpc.GrpcConfigKeys.Server.setPort(p, config.bindPort());
        RaftServerConfigKeys.setStorageDir(p, List.of(config.storageDir().toFile()));
        if (config.isSingleVoter()) {
            // Nobody to wait for: elect ourselves at once, so a single node is ready quickly.
            RaftServerConfigKeys.Rpc.setFirstElectionTimeoutMin(p, TimeDuration.valueOf(5, TimeUnit.MILLISECONDS));
            RaftServerConfigKeys.Rpc.setFirstElectionTimeoutMax(p, TimeDuration.valueOf(10, TimeUnit.MILLISECONDS));
        }
        RaftServerConfigKeys.Rpc.setTimeoutMin(p, TimeDuration.valueOf(300, TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setTimeoutMax(p, TimeDuration.valueOf(600, TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Log.Appender.setBufferByteLimit(p, SizeInBytes.valueOf(APPEND_BATCH_BYTES));
        RaftServerConfigKeys.Log.setWriteBufferSize(p, SizeInBytes.valueOf(APPEND_BATCH_BYTES + 8L));
        logRetention(p, config.snapshotEntries(), config.logSegmentBytes());
        return p;
    }

    /**
     * The shaded gRPC logs through java.util.logging, outside brokerd's log format; only its warnings are wanted (it
     * logs an INFO line about epoll at start). Held here: java.util.logging keeps loggers only weakly.
     */
    private static final java.util.logging.Logger GRPC_LOG = java.util.logging.Logger.getLogger("org.apache.ratis.thirdparty.io.grpc");

    /** Ratis parameters: the mutual-TLS settings of the gRPC transport when {@code tls} is set. */
    private static Parameters parameters(io.sluice.brokerd.security.SslFactory tls) {
        GRPC_LOG.setLevel(java.util.logging.Level.WARNING);
        Parameters parameters = new Parameters();
        if (tls != null) {
            io.sluice.brokerd.security.SslConfig c = tls.config();
            if (tls.keyManager() == null) {
                throw new IllegalArgumentException("the controller quorum runs over mutual TLS and needs the inter-broker "
                        + "listener's keystore");
            }
            javax.net.ssl.TrustManager trust = c.hostnameVerification() ? tls.trustManager()
                    : new io.sluice.brokerd.security.NoHostnameTrustManager(tls.trustManager());
            org.apache.ratis.grpc.GrpcTlsConfig.Builder b = org.apache.ratis.grpc.GrpcTlsConfig.newBuilder()
                    .setKeyManager(tls.keyManager()).setTrustManager(trust).setMutualTls(true)
                    .setSslProvider(org.apache.ratis.thirdparty.io.netty.handler.ssl.SslProvider.JDK)
                    .setProtocols(c.enabledProtocols());
            if (!c.cipherSuites().isEmpty()) {
                b.setCipherSuites(c.cipherSuites());
            }
            org.apache.ratis.grpc.GrpcConfigKeys.TLS.setConf(parameters, b.build());
        }
        return parameters;
    }

    /**
     * Snapshots and log purging. Ratis' defaults purge only up to the lowest commit index any voter reported, so
     * while one voter is down (or gone for good) the log of the others grows without bound, and a purge needs 1024
     * entries since the last one. Here each voter snapshots every {@code snapshotEntries} applied entries and then
     * purges up to its snapshot whatever the others have, keeping the newest {@code snapshotEntries} entries: a voter
     * away for fewer changes catches up from the log, one away longer (or with an empty {@code __controller}) is sent
     * the snapshot. Only whole closed segments of {@code logSegmentBytes} are deleted, so a voter's log holds about
     * 2 x {@code snapshotEntries} entries plus two segments, and two snapshots.
     * <p>
     * Keeping {@code snapshotEntries} entries behind the snapshot also keeps a follower from being sent two snapshots
     * back to back (the leader would have to snapshot twice while the first is on its way): Ratis can lose the
     * second one (its {@code StateMachineUpdater.reload()} sets RUNNING after reinitialize(), overwriting the RELOAD
     * the second install asked for), after which that follower applies nothing until it restarts.
     */
    static void logRetention(RaftProperties p, long snapshotEntries, int logSegmentBytes) {
        RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(p, true);
        RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(p, snapshotEntries);
        RaftServerConfigKeys.Snapshot.setRetentionFileNum(p, 2);
        RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(p, true);
        RaftServerConfigKeys.Log.setPurgePreservationLogNum(p, snapshotEntries);
        // Purges run only after a snapshot, which are already snapshotEntries apart.
        RaftServerConfigKeys.Log.setPurgeGap(p, 1);
        RaftServerConfigKeys.Log.setSegmentSizeMax(p, SizeInBytes.valueOf(logSegmentBytes));
        RaftServerConfigKeys.Log.setPreallocatedSize(p, SizeInBytes.valueOf(Math.min(logSegmentBytes, 4 << 20)));
    }

    @Override
    public MetadataImage image() {
        return applied.image();
    }

    /** True when this process is a controller voter (process.roles has controller). */
    public boolean isVoter() {
        return server != null;
    }

    /** The random id of this broker process's registration (a restart registers a new one). */
    public String incarnation() {
        return incarnation;
    }

    /** The node id of the current quorum leader, or -1 when none is known here. */
    public int leaderId() {
        if (server == null) {
            return follower.leaderId();
        }
        try {
            RaftPeerId leader = server.getDivision(groupId).getInfo().getLeaderId();
            return leader == null ? -1 : Integer.parseInt(leader.toString());
        } catch (IOException e) {
            return -1;
        }
    }

    /**
     * Proposes {@code proposedClusterId} and returns the cluster's id (the first one ever committed); on return this
     * broker has applied everything the quorum committed before, so its image is current.
     */
    public String initCluster(String proposedClusterId, long timeoutMs) {
        awaitLeaderReady(timeoutMs);
        CommandResult r = submit(new MetadataCommand.InitCluster(proposedClusterId), timeoutMs);
        if (!r.isOk()) {
            throw new IllegalStateException("the controller quorum did not answer within " + timeoutMs + " ms ("
                    + r.message() + "); are a majority of controller.quorum.voters running?");
        }
        return r.text();
    }

    /**
     * Waits (bounded) until this node knows a quorum leader that is ready to take writes, so the first proposal is
     * not bounced by Ratis as "leader not ready". Polls: Ratis offers no leader-ready notification to wait on.
     */
    private void awaitLeaderReady(long timeoutMs) {
        if (server == null) {
            return; // an observer's client finds the leader, retrying until the deadline
        }
        long deadlineNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        try {
            RaftServer.Division division = server.getDivision(groupId);
            while (System.nanoTime() < deadlineNs && !closed) {
                RaftPeerId leader = division.getInfo().getLeaderId();
                if (leader != null && (!division.getInfo().isLeader() || division.getInfo().isLeaderReady())) {
                    return;
                }
                Thread.sleep(5);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Registers this broker, then keeps it live with heartbeats until {@link #close}. A registration the quorum does
     * not commit and apply here in time (an election under way, this member still catching up) is retried until it
     * is, as Kafka's brokers do: giving up would take the broker down just when the cluster needs it. A refusal fails.
     */
    public void register(String host, int port, String rack, List<io.sluice.brokerd.metadata.Endpoint> endpoints,
                         long timeoutMs) throws InterruptedException {
        registration = new Registration(host, port, rack, List.copyOf(endpoints));
        CommandResult r = submit(registerCommand(), timeoutMs);
        while (r.error() == ControllerError.TIMED_OUT && !closed) {
            log.warn("Registering broker {} with the controller quorum {}: {}; retrying", config.nodeId(), config.voters(), r.message());
            if (Thread.interrupted()) {
                throw new InterruptedException("interrupted while registering with the controller quorum");
            }
            r = submit(registerCommand(), timeoutMs);
        }
        if (!r.isOk()) {
            throw new IllegalStateException("registering broker " + config.nodeId() + " failed: " + r.message());
        }
        long periodMs = config.heartbeatIntervalMs();
        if (!config.isSingleVoter()) {
            heartbeats = new HeartbeatTracker(config.sessionTimeoutMs(), HEARTBEAT_WARN_INTERVAL_MS, MonotonicClock.millis());
            // A single node is its own controller: there is no one to miss its heartbeats.
            timer.scheduleWithFixedDelay(this::heartbeat, periodMs, periodMs, TimeUnit.MILLISECONDS);
            startLeaseChecks();
        }
    }

    /**
     * On a voter, from now on: while it leads, fences brokers whose lease expired. A combined node starts them when
     * it registers (unless it is a single node); a dedicated controller at start.
     */
    public void startLeaseChecks() {
        if (server == null) {
            return;
        }
        long periodMs = config.heartbeatIntervalMs();
        timer.scheduleWithFixedDelay(this::checkLeases, periodMs, Math.max(1, periodMs / 2), TimeUnit.MILLISECONDS);
    }

    private MetadataCommand.RegisterBroker registerCommand() {
        Registration reg = registration;
        return new MetadataCommand.RegisterBroker(config.nodeId(), reg.host(), reg.port(), reg.rack(), incarnation,
                reg.endpoints());
    }

    /** Publishes every committed change from now on (old image, new image), on the apply thread, in commit order. */
    public void setPublisher(java.util.function.BiConsumer<MetadataImage, MetadataImage> publisher) {
        applied.setPublisher(publisher);
    }

    /**
     * Proposes {@code command} and waits until it is committed and applied here. Errors (including no answer in
     * time: {@link ControllerError#TIMED_OUT}) come back as values.
     */
    public CommandResult submit(MetadataCommand command, long timeoutMs) {
        return submit(command, timeoutMs, false);
    }

    /**
     * As {@link #submit(MetadataCommand, long)}; {@code onThisServer}: proposed to this node's own Raft server only,
     * which refuses it unless it leads the quorum, instead of through the client, which finds whoever leads. For
     * decisions only the leader may take (a lease expiring on its clock): without it, a lease check that started
     * while this node led and proposed just after it lost the lead had its fence committed by the new leader, which
     * had just granted every broker a fresh session (the fault matrix's SIGSTOP of a leader that also led the quorum
     * fenced all three live brokers so).
     */
    CommandResult submit(MetadataCommand command, long timeoutMs, boolean onThisServer) {
        long deadlineNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        byte[] encoded = MetadataCodec.encode(command);
        if (encoded.length > MAX_COMMAND_BYTES) {
            return CommandResult.fail(ControllerError.INVALID_REQUEST, "metadata change of " + encoded.length
                    + " bytes is larger than the controller accepts (" + MAX_COMMAND_BYTES + " bytes)");
        }
        try {
            RaftClientReply reply = send(Message.valueOf(ByteString.copyFrom(encoded)), false, deadlineNs, onThisServer)
                    .get(timeoutMs, TimeUnit.MILLISECONDS);
            if (!reply.isSuccess()) {
                return CommandResult.fail(ControllerError.TIMED_OUT, "the controller refused the change: " + reply.getException());
            }
            if (!applied.awaitApplied(reply.getLogIndex(), deadlineNs)) {
                return CommandResult.fail(ControllerError.TIMED_OUT, "committed but not yet applied on this broker");
            }
            return MetadataCodec.result(reply.getMessage().getContent().toByteArray());
        } catch (TimeoutException e) {
            return CommandResult.fail(ControllerError.TIMED_OUT, "no controller quorum answered within " + timeoutMs + " ms");
        } catch (ExecutionException e) {
            return CommandResult.fail(ControllerError.TIMED_OUT, "the controller quorum failed the change: " + e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return CommandResult.fail(ControllerError.TIMED_OUT, "interrupted while waiting for the controller");
        }
    }

    /**
     * Deadline (System.nanoTime) of the blocking client call running on this thread, for {@link #UNTIL_CALL_DEADLINE}.
     */
    private static final ThreadLocal<Long> CALL_DEADLINE_NS = new ThreadLocal<>();
    private static final RetryPolicy.Action RETRY_AFTER_100_MS = () -> TimeDuration.valueOf(100, TimeUnit.MILLISECONDS);
    /** The client retries (another voter, a new leader) every 100 ms until its call's deadline. */
    private static final RetryPolicy UNTIL_CALL_DEADLINE = event -> {
        Long deadlineNs = CALL_DEADLINE_NS.get();
        return deadlineNs != null && System.nanoTime() - deadlineNs < 0 ? RETRY_AFTER_100_MS : RetryPolicy.NO_RETRY_ACTION;
    };

    /**
     * Sends to the quorum leader and completes with its reply, or fails once {@code deadlineNs} has passed.
     * <p>
     * Through the client's blocking API on {@link #clientCalls}, never its async API: Ratis' ordered async client
     * deadlocks when a connection fails while another request is being sent (seen on its Netty RPC, used until the
     * gRPC one replaced it: the Netty thread fails the outstanding
     * replies holding the connection's lock and, in their callbacks, takes the sliding window's; a sender holds the
     * sliding window's and waits for the connection's). The fault suite hit it in a rolling restart: the broker's
     * heartbeats and ISR changes stopped for good, so it stayed fenced. Blocking calls take neither lock in a callback.
     */
    private CompletableFuture<RaftClientReply> send(Message message, boolean readOnly, long deadlineNs) {
        return send(message, readOnly, deadlineNs, false);
    }

    /** As above; {@code onThisServer}: to this node's own Raft server, never forwarded (see {@link #submit(MetadataCommand, long, boolean)}). */
    private CompletableFuture<RaftClientReply> send(Message message, boolean readOnly, long deadlineNs, boolean onThisServer) {
        if (client != null && !onThisServer) {
            return CompletableFuture.supplyAsync(() -> {
                CALL_DEADLINE_NS.set(deadlineNs);
                try {
                    return readOnly ? client.io().sendReadOnly(message) : client.io().send(message);
                } catch (IOException e) {
                    throw new CompletionException(e);
                } finally {
                    CALL_DEADLINE_NS.remove();
                }
            }, clientCalls);
        }
        org.apache.ratis.protocol.RaftClientRequest request = org.apache.ratis.protocol.RaftClientRequest.newBuilder()
                .setClientId(localClientId).setServerId(self).setGroupId(groupId).setCallId(localCallIds.incrementAndGet())
                .setMessage(message)
                .setType(readOnly ? org.apache.ratis.protocol.RaftClientRequest.readRequestType()
                        : org.apache.ratis.protocol.RaftClientRequest.writeRequestType())
                .build();
        try {
            return server.submitClientRequestAsync(request);
        } catch (IOException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    // ---- heartbeats and leases

    private void heartbeat() {
        if (closed) {
            return;
        }
        if (!heartbeatInFlight.compareAndSet(false, true)) {
            return;
        }
        byte[] hb = MetadataCodec.encode(new QuorumQuery.Heartbeat(config.nodeId(), incarnation));
        long deadlineNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(config.sessionTimeoutMs());
        send(Message.valueOf(ByteString.copyFrom(hb)), true, deadlineNs).whenComplete((reply, error) -> {
            heartbeatInFlight.set(false);
            if (error != null || reply == null || !reply.isSuccess()) {
                heartbeats.failed(error != null ? error.toString() : String.valueOf(reply), MonotonicClock.millis());
                return;
            }
            QuorumQuery.HeartbeatReply r = MetadataCodec.read(reply.getMessage().getContent().toByteArray(),
                    QuorumQuery.HeartbeatReply.class);
            if (r.live()) {
                heartbeats.accepted(MonotonicClock.millis());
            } else {
                heartbeats.failed("the controller answered that this broker is fenced", MonotonicClock.millis());
                maybeRegisterAgain();
            }
        });
    }

    /**
     * What is wrong with this broker's standing with the controller, for /health: fenced or not registered in its own
     * metadata image, or (since a broker cut off from the quorum cannot see its own fencing) no heartbeat accepted for
     * longer than a session. Empty when nothing is, and before {@link #register}.
     */
    public String sessionProblem() {
        if (registration == null || closed) {
            return "";
        }
        HeartbeatTracker h = heartbeats;
        long sinceAcceptedMs = h == null ? 0 : h.sinceAcceptedMs(MonotonicClock.millis());
        return HeartbeatTracker.problem(config.nodeId(), image().brokers().get(config.nodeId()), incarnation, sinceAcceptedMs,
                config.sessionTimeoutMs());
    }

    private void maybeRegisterAgain() {
        if (closed || !registering.compareAndSet(false, true)) {
            return;
        }
        CompletableFuture.runAsync(() -> {
            try {
                log.info("The controller fenced this broker; registering again");
                CommandResult r = submit(registerCommand(), config.requestTimeoutMs());
                if (!r.isOk()) {
                    log.warn("Registering again failed: {}", r.message());
                }
            } finally {
                registering.set(false);
            }
        }, clientCalls != null ? clientCalls : timer);
    }

    /** Answers a query on the quorum leader (Ratis sends read-only requests to the leader). */
    private CompletableFuture<byte[]> onQuery(byte[] request) {
        QuorumQuery query = MetadataCodec.read(request, QuorumQuery.class);
        if (query instanceof QuorumQuery.Heartbeat hb) {
            lastHeartbeatMs.put(hb.nodeId(), MonotonicClock.millis());
            BrokerRegistration b = stateMachine.image().brokers().get(hb.nodeId());
            boolean live = b != null && !b.fenced() && b.incarnation().equals(hb.incarnation());
            return CompletableFuture.completedFuture(MetadataCodec.encode(new QuorumQuery.HeartbeatReply(live)));
        } else if (query instanceof QuorumQuery.FetchMetadata fetch) {
            return onFetchMetadata(fetch);
        } else {
            return CompletableFuture.completedFuture(MetadataCodec.encode(describeLocally()));
        }
    }

    /** Answers an observer at once when there is something new, else at the next applied entry or its max wait. */
    private CompletableFuture<byte[]> onFetchMetadata(QuorumQuery.FetchMetadata fetch) {
        long nowMs = System.currentTimeMillis();
        long waitMs = Math.min(Math.max(0, fetch.maxWaitMs()), MetadataFollower.MAX_WAIT_MS);
        CompletableFuture<Void> next = stateMachine.nextApplied(waitMs);
        long appliedHere = stateMachine.appliedIndex();
        ObserverFetch previous = observers.get(fetch.nodeId());
        boolean caughtUp = fetch.appliedIndex() >= appliedHere;
        observers.put(fetch.nodeId(), new ObserverFetch(fetch.appliedIndex(), nowMs,
                caughtUp ? nowMs : previous != null ? previous.caughtUpMs() : -1));
        if (!caughtUp) {
            next.complete(null);
            return CompletableFuture.completedFuture(encodeDelta(fetch));
        }
        return next.thenApply(v -> encodeDelta(fetch));
    }

    /** Observers not heard from for this long drop out of DescribeQuorum (Kafka's observer session, 5 minutes). */
    static final long OBSERVER_SESSION_MS = 5 * 60_000;

    /**
     * The quorum as its leader sees it (asked of the leader when this process does not lead). Throws
     * IllegalStateException when no leader answers within {@code timeoutMs}.
     */
    public QuorumDescription describeQuorum(long timeoutMs) {
        if (server != null && isLeaderHere()) {
            return describeLocally();
        }
        long deadlineNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        try {
            RaftClientReply reply = send(Message.valueOf(ByteString.copyFrom(MetadataCodec.encode(new QuorumQuery.DescribeQuorum()))),
                    true, deadlineNs).get(timeoutMs, TimeUnit.MILLISECONDS);
            if (!reply.isSuccess()) {
                throw new IllegalStateException("the controller quorum did not describe itself: " + reply.getException());
            }
            return MetadataCodec.read(reply.getMessage().getContent().toByteArray(), QuorumDescription.class);
        } catch (TimeoutException | ExecutionException e) {
            throw new IllegalStateException("no controller quorum leader answered within " + timeoutMs + " ms", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while asking the controller quorum", e);
        }
    }

    private boolean isLeaderHere() {
        try {
            return server.getDivision(groupId).getInfo().isLeader();
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * On the leader: the voters' progress from Ratis (a follower's log end offset is its match index + 1, its last
     * fetch the leader's last RPC with it) and the observers' last fetches.
     */
    private QuorumDescription describeLocally() {
        long nowMs = System.currentTimeMillis();
        RaftServer.Division division;
        try {
            division = server.getDivision(groupId);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        org.apache.ratis.server.DivisionInfo info = division.getInfo();
        long committed = division.getRaftLog().getLastCommittedIndex();
        List<QuorumDescription.Replica> voters = new ArrayList<>();
        voters.add(new QuorumDescription.Replica(config.nodeId(), division.getRaftLog().getNextIndex(), nowMs, nowMs));
        List<org.apache.ratis.proto.RaftProtos.ServerRpcProto> followers = info.getRoleInfoProto().getLeaderInfo().getFollowerInfoList();
        long[] matchIndices = info.getFollowerMatchIndices();
        for (int i = 0; i < followers.size(); i++) {
            org.apache.ratis.proto.RaftProtos.ServerRpcProto f = followers.get(i);
            int id = Integer.parseInt(f.getId().getId().toStringUtf8());
            long lastFetchMs = nowMs - f.getLastRpcElapsedTimeMs();
            // Both lists come from the leader's log appenders in the same order; a length mismatch (a configuration
            // change under way) leaves the offset unknown.
            long match = matchIndices.length == followers.size() ? matchIndices[i] : -1;
            if (match >= committed) {
                voterCaughtUpMs.put(id, lastFetchMs);
            }
            voters.add(new QuorumDescription.Replica(id, match < 0 ? -1 : match + 1, lastFetchMs, voterCaughtUpMs.getOrDefault(id, -1L)));
        }
        voters.sort(java.util.Comparator.comparingInt(QuorumDescription.Replica::nodeId));
        List<QuorumDescription.Replica> observing = new ArrayList<>();
        observers.forEach((id, o) -> {
            if (nowMs - o.fetchMs() <= OBSERVER_SESSION_MS && !config.voters().containsKey(id)) {
                observing.add(new QuorumDescription.Replica(id, o.appliedIndex() + 1, o.fetchMs(), o.caughtUpMs()));
            }
        });
        observing.sort(java.util.Comparator.comparingInt(QuorumDescription.Replica::nodeId));
        return new QuorumDescription(config.nodeId(), info.getCurrentTerm(), committed + 1, voters, observing);
    }

    /** The controller quorum's voters (node id to Raft address). */
    public Map<Integer, String> voters() {
        return config.voters();
    }

    private byte[] encodeDelta(QuorumQuery.FetchMetadata fetch) {
        return MetadataCodec.encode(stateMachine.delta(fetch.appliedIndex(), config.nodeId(), currentTerm()));
    }

    private long currentTerm() {
        try {
            return server.getDivision(groupId).getInfo().getCurrentTerm();
        } catch (IOException e) {
            return -1;
        }
    }

    /**
     * True when lease checks did not run for longer than a broker session: this process was frozen (SIGSTOP, a long
     * GC or host pause), so it saw no heartbeats meanwhile, and it may still believe it leads the quorum before
     * Ratis notices a newer term. Expiring sessions then would fence live brokers (the fence would even commit, sent
     * on to the real leader); they get a fresh session instead, as under a new leader.
     */
    static boolean leaseChecksStalled(long lastCheckMs, long nowMs, long sessionTimeoutMs) {
        return lastCheckMs >= 0 && nowMs - lastCheckMs > sessionTimeoutMs;
    }

    /** On the quorum leader: fences live brokers whose lease expired. */
    private void checkLeases() {
        try {
            RaftServer.Division division = server.getDivision(groupId);
            boolean leader = division.getInfo().isLeader() && division.getInfo().isLeaderReady();
            long nowMs = MonotonicClock.millis();
            long lastCheck = lastLeaseCheckMs;
            lastLeaseCheckMs = nowMs;
            if (!leader) {
                wasLeader = false;
                return;
            }
            if (!wasLeader) {
                wasLeader = true;
                lastHeartbeatMs.clear();
                log.info("This broker's controller leads the quorum; granting every broker a fresh session");
            } else if (leaseChecksStalled(lastCheck, nowMs, config.sessionTimeoutMs())) {
                lastHeartbeatMs.clear();
                log.warn("Lease checks stalled for {} ms (was this process paused?); granting every broker a fresh session",
                        nowMs - lastCheck);
            }
            for (BrokerRegistration b : stateMachine.image().liveBrokers()) {
                long last = lastHeartbeatMs.computeIfAbsent(b.nodeId(), id -> nowMs);
                if (nowMs - last > config.sessionTimeoutMs() && fencing.add(b.nodeId())) {
                    String reason = "no heartbeat for " + (nowMs - last) + " ms";
                    log.warn("Fencing broker {}: {}", b.nodeId(), reason);
                    CompletableFuture.runAsync(() -> {
                        try {
                            CommandResult r = submit(new MetadataCommand.FenceBroker(b.nodeId(), b.incarnation(), reason),
                                    config.requestTimeoutMs(), true);
                            if (!r.isOk()) {
                                log.info("Broker {} not fenced: {}", b.nodeId(), r.message());
                            }
                        } finally {
                            fencing.remove(b.nodeId());
                        }
                    });
                }
            }
        } catch (IOException | RuntimeException e) {
            log.error("Checking broker leases failed; retrying", e);
        }
    }

    /** Reserves {@code count} producer ids for this broker; the first id of the block. */
    public long allocateProducerIds(int count) {
        CommandResult r = submit(new MetadataCommand.AllocateProducerIds(config.nodeId(), count), config.requestTimeoutMs());
        if (!r.isOk()) {
            throw new IllegalStateException("no producer id block from the controller: " + r.message());
        }
        return r.value();
    }

    @Override
    public MetadataWriter.Outcome electLeader(String topic, int partition, boolean unclean) {
        CommandResult r = submit(new MetadataCommand.ElectLeader(topic, partition, unclean), config.requestTimeoutMs());
        return r.isOk() ? MetadataWriter.Outcome.OK : new MetadataWriter.Outcome(r.error().name(), r.message());
    }

    @Override
    public MetadataWriter.Outcome reassign(String topic, int partition, List<Integer> target) {
        CommandResult r = submit(new MetadataCommand.ReassignPartition(topic, partition, target), config.requestTimeoutMs());
        return r.isOk() ? MetadataWriter.Outcome.OK : new MetadataWriter.Outcome(r.error().name(), r.message());
    }

    /**
     * On the quorum leader, every {@code intervalMs}: moves leadership back to each partition's preferred replica
     * where that replica is live and in sync (Kafka's auto.leader.rebalance.enable).
     */
    public void startPreferredLeaderRebalance(long intervalMs) {
        if (server == null) {
            return; // only a voter can lead the quorum
        }
        timer.scheduleWithFixedDelay(() -> {
            try {
                RaftServer.Division division = server.getDivision(groupId);
                if (!division.getInfo().isLeader()) {
                    return;
                }
                for (MetadataCommand.ElectLeader e : MetadataApplier.preferredElectionsDue(image())) {
                    CommandResult r = submit(e, config.requestTimeoutMs());
                    if (r.isOk()) {
                        log.info("Preferred leader rebalance: {}-{} led by its preferred replica again", e.topic(), e.partition());
                    }
                }
            } catch (IOException | RuntimeException ex) {
                log.error("Preferred leader rebalance failed; retrying", ex);
            }
        }, intervalMs, intervalMs, TimeUnit.MILLISECONDS);
    }

    // ---- MetadataWriter

    @Override
    public MetadataWriter.Outcome createAcls(List<io.sluice.brokerd.auth.AclBinding> acls) {
        CommandResult r = submit(new MetadataCommand.CreateAcls(acls), config.requestTimeoutMs());
        return r.isOk() ? MetadataWriter.Outcome.OK : new MetadataWriter.Outcome(r.error().name(), r.message());
    }

    @Override
    public MetadataWriter.Outcome deleteAcls(List<io.sluice.brokerd.auth.AclBinding> acls) {
        CommandResult r = submit(new MetadataCommand.DeleteAcls(acls), config.requestTimeoutMs());
        return r.isOk() ? MetadataWriter.Outcome.OK : new MetadataWriter.Outcome(r.error().name(), r.message());
    }

    @Override
    public TopicRegistry.Result createTopic(String name, UUID topicId, int partitions, short replicationFactor, Map<String, String> configs,
                                            List<List<Integer>> assignments) {
        return topicResult(submit(new MetadataCommand.CreateTopic(name, topicId, partitions, replicationFactor, configs, assignments),
                config.requestTimeoutMs()), name);
    }

    @Override
    public TopicRegistry.Result deleteTopic(String name) {
        TopicInfo before = image().topics().get(name);
        CommandResult r = submit(new MetadataCommand.DeleteTopic(name), config.requestTimeoutMs());
        return r.isOk() ? TopicRegistry.Result.ok(before) : fail(r);
    }

    @Override
    public TopicRegistry.Result createPartitions(String name, int count, List<List<Integer>> assignments) {
        return topicResult(submit(new MetadataCommand.CreatePartitions(name, count, assignments), config.requestTimeoutMs()), name);
    }

    @Override
    public TopicRegistry.Result setTopicConfigs(String name, Map<String, String> overrides) {
        return topicResult(submit(new MetadataCommand.SetTopicConfigs(name, overrides), config.requestTimeoutMs()), name);
    }

    private TopicRegistry.Result topicResult(CommandResult r, String name) {
        return r.isOk() ? TopicRegistry.Result.ok(image().topics().get(name)) : fail(r);
    }

    private static TopicRegistry.Result fail(CommandResult r) {
        TopicRegistry.Error e = switch (r.error()) {
            case INVALID_TOPIC -> TopicRegistry.Error.INVALID_TOPIC;
            case TOPIC_EXISTS -> TopicRegistry.Error.TOPIC_EXISTS;
            case UNKNOWN_TOPIC -> TopicRegistry.Error.UNKNOWN_TOPIC;
            case INVALID_PARTITIONS -> TopicRegistry.Error.INVALID_PARTITIONS;
            case INVALID_REPLICATION_FACTOR -> TopicRegistry.Error.INVALID_REPLICATION_FACTOR;
            case INVALID_CONFIG -> TopicRegistry.Error.INVALID_CONFIG;
            case INVALID_REPLICA_ASSIGNMENT -> TopicRegistry.Error.INVALID_REPLICA_ASSIGNMENT;
            case UNKNOWN_BROKER, FENCED_LEADER_EPOCH, INVALID_UPDATE_VERSION, INVALID_REQUEST, TIMED_OUT, ELECTION_NOT_NEEDED,
                 PREFERRED_LEADER_NOT_AVAILABLE, ELIGIBLE_LEADERS_NOT_AVAILABLE, NO_REASSIGNMENT_IN_PROGRESS,
                 RESOURCE_NOT_FOUND -> TopicRegistry.Error.TIMED_OUT;
        };
        return TopicRegistry.Result.fail(e, r.message());
    }

    /**
     * Controlled shutdown, first step: stops heartbeats and, in a multi-voter cluster, fences this broker so its
     * leaderships move to other ISR members before it stops serving.
     */
    public void shutdownGracefully() {
        if (closed) {
            return;
        }
        closed = true;
        timer.shutdownNow();
        if (!config.isSingleVoter() && registration != null) {
            CommandResult r = submit(new MetadataCommand.FenceBroker(config.nodeId(), incarnation, "controlled shutdown"),
                    Math.min(config.requestTimeoutMs(), 5_000));
            if (!r.isOk()) {
                log.warn("Controlled shutdown could not fence this broker first: {}", r.message());
            }
        }
    }

    /** Stops the Raft client and server (after {@link #shutdownGracefully} when the broker was serving). */
    @Override
    public void close() {
        closed = true;
        timer.shutdownNow();
        if (clientCalls != null) {
            clientCalls.shutdownNow();
        }
        if (client != null) {
            try {
                client.close();
            } catch (IOException e) {
                log.warn("Closing the controller client failed: {}", e.toString());
            }
        }
        if (follower != null) {
            follower.close();
        }
        if (server == null) {
            return;
        }
        try {
            server.close();
        } catch (IOException e) {
            log.warn("Closing the controller server failed: {}", e.toString());
        }
    }
}
