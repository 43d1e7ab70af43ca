package io.sluice.brokerd.group;

/** Why the coordinator refused a request; the api layer answers with the Kafka error of the same name. */
public enum GroupError {
    NONE,
    INVALID_GROUP_ID,
    UNKNOWN_MEMBER_ID,
    MEMBER_ID_REQUIRED,
    ILLEGAL_GENERATION,
    REBALANCE_IN_PROGRESS,
    FENCED_INSTANCE_ID,
    INCONSISTENT_GROUP_PROTOCOL,
    INVALID_SESSION_TIMEOUT,
    COORDINATOR_NOT_AVAILABLE,
    /** This broker does not lead the group's __consumer_offsets partition; the client looks the coordinator up again. */
    NOT_COORDINATOR,
    /** This broker is loading the group's partition after becoming its leader. */
    COORDINATOR_LOAD_IN_PROGRESS,
    NON_EMPTY_GROUP,
    GROUP_ID_NOT_FOUND,
    UNKNOWN_TOPIC_OR_PARTITION,
    OFFSET_METADATA_TOO_LARGE,
    GROUP_SUBSCRIBED_TO_TOPIC,
    /** A write to __consumer_offsets failed in a way the client cannot fix by retrying (Kafka answers the same). */
    UNKNOWN_SERVER_ERROR
}
