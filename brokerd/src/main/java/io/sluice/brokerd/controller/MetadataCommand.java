package io.sluice.brokerd.controller;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A change to cluster metadata, as it is written to the controller's Raft log (JSON, one object per entry, the
 * {@code type} field naming the record). Every broker applies the committed entries in log order with
 * {@link MetadataApplier}, so each record must carry everything the change depends on: nothing random or
 * time-dependent is computed while applying.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
        @JsonSubTypes.Type(value = MetadataCommand.InitCluster.class, name = "InitCluster"),
        @JsonSubTypes.Type(value = MetadataCommand.RegisterBroker.class, name = "RegisterBroker"),
        @JsonSubTypes.Type(value = MetadataCommand.FenceBroker.class, name = "FenceBroker"),
        @JsonSubTypes.Type(value = MetadataCommand.CreateTopic.class, name = "CreateTopic"),
        @JsonSubTypes.Type(value = MetadataCommand.DeleteTopic.class, name = "DeleteTopic"),
        @JsonSubTypes.Type(value = MetadataCommand.CreatePartitions.class, name = "CreatePartitions"),
        @JsonSubTypes.Type(value = MetadataCommand.SetTopicConfigs.class, name = "SetTopicConfigs"),
        @JsonSubTypes.Type(value = MetadataCommand.AlterPartition.class, name = "AlterPartition"),
        @JsonSubTypes.Type(value = MetadataCommand.AllocateProducerIds.class, name = "AllocateProducerIds"),
        @JsonSubTypes.Type(value = MetadataCommand.ElectLeader.class, name = "ElectLeader"),
        @JsonSubTypes.Type(value = MetadataCommand.ReassignPartition.class, name = "ReassignPartition"),
        @JsonSubTypes.Type(value = MetadataCommand.CreateAcls.class, name = "CreateAcls"),
        @JsonSubTypes.Type(value = MetadataCommand.DeleteAcls.class, name = "DeleteAcls"),
        @JsonSubTypes.Type(value = MetadataCommand.AlterScramCredentials.class, name = "AlterScramCredentials"),
        @JsonSubTypes.Type(value = MetadataCommand.LogDirOffline.class, name = "LogDirOffline"),
        @JsonSubTypes.Type(value = MetadataCommand.ResignLeadership.class, name = "ResignLeadership"),
})
public sealed interface MetadataCommand {
    /** Proposes the cluster id; the first one committed wins and later ones are answered with it. */
    record InitCluster(String clusterId) implements MetadataCommand {
    }

    /**
     * A broker process announces itself (on start and after it was fenced); it becomes live. {@code host:port} is its
     * inter-broker listener; {@code endpoints} all its listeners (absent in entries written by older brokers).
     */
    record RegisterBroker(int nodeId, String host, int port, String rack, String incarnation,
                          List<io.sluice.brokerd.metadata.Endpoint> endpoints) implements MetadataCommand {
    }

    /** The broker's lease expired or it shut down: it leaves the ISRs and its leaderships move. */
    record FenceBroker(int nodeId, String incarnation, String reason) implements MetadataCommand {
    }

    /**
     * A new topic; {@code assignments} (null in entries written before it existed) holds the replicas of each
     * partition when the client chose them (CreateTopics' manual assignment), else the controller places them.
     */
    record CreateTopic(String name, UUID topicId, int partitions, short replicationFactor, Map<String, String> configs,
                       List<List<Integer>> assignments) implements MetadataCommand {
        public CreateTopic(String name, UUID topicId, int partitions, short replicationFactor, Map<String, String> configs) {
            this(name, topicId, partitions, replicationFactor, configs, null);
        }
    }

    record DeleteTopic(String name) implements MetadataCommand {
    }

    /** Raises the partition count; {@code assignments} as in {@link CreateTopic}, one list per new partition. */
    record CreatePartitions(String name, int count, List<List<Integer>> assignments) implements MetadataCommand {
        public CreatePartitions(String name, int count) {
            this(name, count, null);
        }
    }

    /** Replaces the topic's whole set of config overrides. */
    record SetTopicConfigs(String name, Map<String, String> overrides) implements MetadataCommand {
    }

    /** A partition leader changes the ISR; refused unless leader, leader epoch and partition epoch are current. */
    record AlterPartition(String topic, int partition, int leader, int leaderEpoch, int partitionEpoch, List<Integer> isr)
            implements MetadataCommand {
    }

    /**
     * Preferred election (the first replica leads again, if it is live and in sync) or, with {@code unclean}, a
     * leader for an offline partition from any live replica (may lose records the old ISR had).
     */
    record ElectLeader(String topic, int partition, boolean unclean) implements MetadataCommand {
    }

    /**
     * Moves a partition to the replica set {@code target} (first: preferred leader), or with {@code target} null
     * cancels a reassignment in progress. New replicas join as followers; once all are in the ISR the old ones
     * not in the target are removed (and a leader among them hands over to an in-sync target replica).
     */
    record ReassignPartition(String topic, int partition, List<Integer> target) implements MetadataCommand {
    }

    /**
     * SCRAM credential changes of one AlterUserScramCredentials request, applied all or none: {@code upsertions}
     * set (user, mechanism) credentials, {@code deletions} remove them. With {@code onlyIfNoUsers}, applied only when
     * the store holds no credential at all (the {@code sasl.bootstrap.users.file} users; the result's value is 1 when
     * applied, 0 when skipped).
     */
    record AlterScramCredentials(List<ScramUpsertion> upsertions, List<ScramDeletion> deletions, boolean onlyIfNoUsers)
            implements MetadataCommand {
    }

    /** A credential to set; {@code mechanism} is the SASL name (SCRAM-SHA-256, SCRAM-SHA-512). */
    record ScramUpsertion(String user, String mechanism, io.sluice.brokerd.metadata.ScramCredential credential) {
    }

    record ScramDeletion(String user, String mechanism) {
    }

    /**
     * The data directory of broker {@code nodeId} (the process {@code incarnation}) went offline after an I/O error:
     * its replicas are offline until it registers again. As for a fenced broker, it leaves every ISR it is in (unless
     * it is the last member: the partition then goes offline until it returns) and the partitions it led elect the
     * first live in-sync replica; it stays registered, heartbeating and a controller voter, but leads nothing, joins
     * no ISR and gets no new replica. Kafka's offline-directory handling, for a broker with one directory.
     */
    record LogDirOffline(int nodeId, String incarnation, String dir, String reason) implements MetadataCommand {
    }

    /**
     * The leader of a partition found a damaged batch in its copy: the first other live in-sync replica (in replica
     * order) leads from the next leader epoch and the old leader leaves the ISR (it cuts its copy and fetches it again
     * as a follower). Refused (ELIGIBLE_LEADERS_NOT_AVAILABLE) when no other in-sync replica is live: the old leader
     * keeps leading, serving everything before the damage.
     */
    record ResignLeadership(String topic, int partition, int leader, int leaderEpoch, String reason) implements MetadataCommand {
    }

    /** Hands a block of {@code count} producer ids to a broker; the result's value is the block's first id. */
    record AllocateProducerIds(int nodeId, int count) implements MetadataCommand {
    }

    /** Adds ACLs (validated by the broker that proposes them); an ACL already present stays once. */
    record CreateAcls(List<io.sluice.brokerd.auth.AclBinding> acls) implements MetadataCommand {
    }

    /**
     * Removes exactly these ACLs (the broker resolved its filters against its image); the result's value is how many
     * were present and are gone.
     */
    record DeleteAcls(List<io.sluice.brokerd.auth.AclBinding> acls) implements MetadataCommand {
    }
}
