package io.sluice.brokerd.metadata;

import io.sluice.brokerd.auth.AclBinding;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.UUID;

/**
 * The cluster metadata a broker acts on: what the controller quorum has committed and this broker has applied
 * (immutable; a change makes a new image). Brokers answer Metadata, place logs and choose leader or follower roles
 * from it and from nothing else.
 *
 * @param clusterId      the cluster's id, fixed by the first broker that initialised the quorum; empty before
 * @param brokers        registered brokers by node id, fenced ones included
 * @param topics         topics by name
 * @param nextProducerId the first producer id not yet handed out to a broker
 * @param scramCredentials SCRAM credentials by user name, then by mechanism name (SCRAM-SHA-256, SCRAM-SHA-512);
 *                       absent (null) in snapshots written before brokerd had SASL, read as none
 * @param acls           the ACLs, distinct, in {@link AclBinding#ORDER} (absent in images written before ACLs: empty)
 */
public record MetadataImage(String clusterId, SortedMap<Integer, BrokerRegistration> brokers,
                            SortedMap<String, TopicInfo> topics, long nextProducerId,
                            SortedMap<String, SortedMap<String, ScramCredential>> scramCredentials,
                            List<AclBinding> acls) {
    public static final MetadataImage EMPTY = new MetadataImage("", new TreeMap<>(), new TreeMap<>(), 0);

    public MetadataImage {
        brokers = Collections.unmodifiableSortedMap(new TreeMap<>(brokers));
        topics = Collections.unmodifiableSortedMap(new TreeMap<>(topics));
        acls = acls == null ? List.of() : List.copyOf(acls);
        scramCredentials = copyCredentials(scramCredentials == null ? Map.of() : scramCredentials);
    }

    /** An image without SCRAM credentials. */
    public MetadataImage(String clusterId, SortedMap<Integer, BrokerRegistration> brokers,
                         SortedMap<String, TopicInfo> topics, long nextProducerId) {
        this(clusterId, brokers, topics, nextProducerId, null, null);
    }

    /** An image without ACLs. */
    public MetadataImage(String clusterId, SortedMap<Integer, BrokerRegistration> brokers,
                         SortedMap<String, TopicInfo> topics, long nextProducerId,
                         SortedMap<String, SortedMap<String, ScramCredential>> scramCredentials) {
        this(clusterId, brokers, topics, nextProducerId, scramCredentials, null);
    }

    private static SortedMap<String, SortedMap<String, ScramCredential>> copyCredentials(
            Map<String, ? extends Map<String, ScramCredential>> in) {
        SortedMap<String, SortedMap<String, ScramCredential>> out = new TreeMap<>();
        in.forEach((user, creds) -> out.put(user, Collections.unmodifiableSortedMap(new TreeMap<>(creds))));
        return Collections.unmodifiableSortedMap(out);
    }

    /** {@code user}'s credential for {@code mechanism} (SASL name), if any. */
    public Optional<ScramCredential> scramCredential(String user, String mechanism) {
        SortedMap<String, ScramCredential> creds = scramCredentials.get(user);
        return Optional.ofNullable(creds == null ? null : creds.get(mechanism));
    }

    public MetadataImage withScramCredentials(Map<String, ? extends Map<String, ScramCredential>> c) {
        return new MetadataImage(clusterId, brokers, topics, nextProducerId, copyCredentials(c), acls);
    }

    public Optional<TopicInfo> topic(String name) {
        return Optional.ofNullable(topics.get(name));
    }

    /** Linear in the topic count; callers on hot paths resolve ids once per request. */
    public Optional<TopicInfo> topic(UUID topicId) {
        for (TopicInfo t : topics.values()) {
            if (t.topicId().equals(topicId)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }

    public Optional<BrokerRegistration> broker(int nodeId) {
        return Optional.ofNullable(brokers.get(nodeId));
    }

    /** Registered brokers that are not fenced, by node id. */
    public List<BrokerRegistration> liveBrokers() {
        List<BrokerRegistration> out = new ArrayList<>();
        for (BrokerRegistration b : brokers.values()) {
            if (!b.fenced()) {
                out.add(b);
            }
        }
        return out;
    }

    /** Live brokers whose data directory is online: those that may lead, join ISRs and get new replicas. */
    public List<BrokerRegistration> usableBrokers() {
        List<BrokerRegistration> out = new ArrayList<>();
        for (BrokerRegistration b : brokers.values()) {
            if (b.canHostReplicas()) {
                out.add(b);
            }
        }
        return out;
    }

    public MetadataImage withClusterId(String id) {
        return new MetadataImage(id, brokers, topics, nextProducerId, scramCredentials, acls);
    }

    public MetadataImage withBrokers(Map<Integer, BrokerRegistration> b) {
        return new MetadataImage(clusterId, new TreeMap<>(b), topics, nextProducerId, scramCredentials, acls);
    }

    public MetadataImage withTopics(Map<String, TopicInfo> t) {
        return new MetadataImage(clusterId, brokers, new TreeMap<>(t), nextProducerId, scramCredentials, acls);
    }

    public MetadataImage withNextProducerId(long next) {
        return new MetadataImage(clusterId, brokers, topics, next, scramCredentials, acls);
    }

    /** {@code a} must be distinct and in {@link AclBinding#ORDER}. */
    public MetadataImage withAcls(List<AclBinding> a) {
        return new MetadataImage(clusterId, brokers, topics, nextProducerId, scramCredentials, a);
    }
}
