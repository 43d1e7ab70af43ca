package io.sluice.brokerd.group;

/**
 * Group coordinator settings (Kafka's names in brokerd.yaml).
 *
 * @param minSessionTimeoutMs     group.min.session.timeout.ms: shortest session a member may ask for
 * @param maxSessionTimeoutMs     group.max.session.timeout.ms: longest session a member may ask for
 * @param initialRebalanceDelayMs group.initial.rebalance.delay.ms: how long the first rebalance of an empty group
 *                                waits for more members
 * @param offsetsRetentionMs      offsets.retention.minutes in ms: offsets of a group empty this long are removed
 * @param offsetMetadataMaxBytes  offset.metadata.max.bytes: longest commit metadata string
 */
public record GroupConfig(int minSessionTimeoutMs, int maxSessionTimeoutMs, int initialRebalanceDelayMs,
                          long offsetsRetentionMs, int offsetMetadataMaxBytes) {
}
