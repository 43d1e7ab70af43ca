package io.sluice.brokerd.group;

/**
 * States of a classic-protocol group, as Kafka names them.
 * <pre>
 *            join                      all members joined / rebalance timeout
 *   Empty ---------> PreparingRebalance -----------------------------------> CompletingRebalance
 *     ^  <-----------   |    ^                                                   |      |
 *     |  all left/expired |  | join / leave / member expiry                      |      | leader's SyncGroup
 *     |                   |  +------------------------ Stable <------------------+------+
 *     +-- DeleteGroups --> Dead (removed)
 * </pre>
 */
public enum GroupState {
    EMPTY("Empty"),
    PREPARING_REBALANCE("PreparingRebalance"),
    COMPLETING_REBALANCE("CompletingRebalance"),
    STABLE("Stable"),
    DEAD("Dead");

    private final String kafkaName;

    GroupState(String kafkaName) {
        this.kafkaName = kafkaName;
    }

    /** The name ListGroups and DescribeGroups report. */
    public String kafkaName() {
        return kafkaName;
    }
}
