package io.sluice.ops;

import org.apache.kafka.clients.admin.QuorumInfo;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.UnsupportedVersionException;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutionException;

/**
 * The controller quorum as DescribeQuorum reports it (Kafka's {@code kafka-metadata-quorum.sh describe --status} and
 * {@code --replication}): the leader, its epoch and high watermark, and each voter and observer with its log end
 * offset, its lag behind the leader's log end offset, and when it last fetched and was last caught up. Stateless.
 *
 * @param leaderId      node id of the quorum leader (-1 when unknown)
 * @param leaderEpoch   the leader's epoch
 * @param highWatermark the quorum's high watermark (committed offset)
 * @param members       the leader first, then the other voters, then the observers, each by node id
 */
public record Quorum(int leaderId, long leaderEpoch, long highWatermark, List<Member> members) {
    /**
     * One replica of the metadata log.
     *
     * @param id                    node id
     * @param role                  {@code leader}, {@code voter} or {@code observer}
     * @param logEndOffset          its log end offset (-1 when unknown)
     * @param lag                   the leader's log end offset minus this one's (-1 when unknown)
     * @param lastFetchTimestamp    when it last fetched from the leader, epoch ms (-1 when unknown)
     * @param lastCaughtUpTimestamp when it was last caught up with the leader, epoch ms (-1 when unknown)
     */
    public record Member(int id, String role, long logEndOffset, long lag, long lastFetchTimestamp, long lastCaughtUpTimestamp) {
    }

    /** The voters only. */
    public List<Member> voters() {
        return members.stream().filter(m -> !m.role().equals("observer")).toList();
    }

    /** The observers only (brokers that do not vote). */
    public List<Member> observers() {
        return members.stream().filter(m -> m.role().equals("observer")).toList();
    }

    /**
     * The quorum of the cluster {@code c} talks to, or null when it does not answer DescribeQuorum (a cluster whose
     * brokers do not implement it, or a principal without DESCRIBE on the cluster): the rest of a view goes on
     * without it.
     */
    public static Quorum describe(ClusterConnection c) {
        QuorumInfo q;
        try {
            q = c.admin().describeMetadataQuorum().quorumInfo().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OpsException(OpsException.Kind.ERROR, "describing the controller quorum: interrupted", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnsupportedVersionException || e.getCause() instanceof ClusterAuthorizationException) {
                return null;
            }
            throw Futures.translate(e.getCause(), c, "describing the controller quorum");
        }
        return of(q);
    }

    /** The operator's model of {@code q}. */
    static Quorum of(QuorumInfo q) {
        long leaderEnd = q.voters().stream().filter(v -> v.replicaId() == q.leaderId()).mapToLong(QuorumInfo.ReplicaState::logEndOffset)
                .findFirst().orElse(-1);
        List<Member> members = new ArrayList<>();
        List<QuorumInfo.ReplicaState> voters = new ArrayList<>(q.voters());
        voters.sort(Comparator.comparingInt((QuorumInfo.ReplicaState r) -> r.replicaId() == q.leaderId() ? 0 : 1)
                .thenComparingInt(QuorumInfo.ReplicaState::replicaId));
        voters.forEach(v -> members.add(member(v, v.replicaId() == q.leaderId() ? "leader" : "voter", leaderEnd)));
        List<QuorumInfo.ReplicaState> observers = new ArrayList<>(q.observers());
        observers.sort(Comparator.comparingInt(QuorumInfo.ReplicaState::replicaId));
        observers.forEach(o -> members.add(member(o, "observer", leaderEnd)));
        return new Quorum(q.leaderId(), q.leaderEpoch(), q.highWatermark(), List.copyOf(members));
    }

    private static Member member(QuorumInfo.ReplicaState r, String role, long leaderEnd) {
        long lag = leaderEnd < 0 || r.logEndOffset() < 0 ? -1 : Math.max(0, leaderEnd - r.logEndOffset());
        return new Member(r.replicaId(), role, r.logEndOffset(), lag, r.lastFetchTimestamp().orElse(-1),
                r.lastCaughtUpTimestamp().orElse(-1));
    }
}
