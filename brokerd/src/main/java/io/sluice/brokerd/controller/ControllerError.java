package io.sluice.brokerd.controller;

/** Why the controller refused a command; the api layer maps each to the Kafka error of the same meaning. */
public enum ControllerError {
    INVALID_TOPIC, TOPIC_EXISTS, UNKNOWN_TOPIC, INVALID_PARTITIONS, INVALID_REPLICATION_FACTOR, INVALID_CONFIG,
    /** A broker not registered, or registered by another process. */
    UNKNOWN_BROKER,
    /** AlterPartition from a leader that is not the current one or names an old epoch. */
    FENCED_LEADER_EPOCH,
    /** AlterPartition naming an old partition epoch. */
    INVALID_UPDATE_VERSION,
    /** AlterPartition with an ISR that is not a set of live replicas including the leader. */
    INVALID_REQUEST,
    /** The partition already has the leader the election would pick. */
    ELECTION_NOT_NEEDED,
    /** The preferred replica is fenced or out of the ISR. */
    PREFERRED_LEADER_NOT_AVAILABLE,
    /** No live replica can lead. */
    ELIGIBLE_LEADERS_NOT_AVAILABLE,
    /** Cancelling a reassignment of a partition that has none. */
    NO_REASSIGNMENT_IN_PROGRESS,
    /** A reassignment target that is empty, repeats a broker or names an unknown one. */
    INVALID_REPLICA_ASSIGNMENT,
    /** Deleting a SCRAM credential that does not exist. */
    RESOURCE_NOT_FOUND,
    /** Not committed in time (the quorum may be unavailable); the change may still take effect. */
    TIMED_OUT
}
