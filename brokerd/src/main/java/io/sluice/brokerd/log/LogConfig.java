package io.sluice.brokerd.log;

import io.sluice.brokerd.config.TopicConfigDef;

import java.util.Map;

/**
 * The effective, parsed topic configs one partition log obeys. Built from the resolved key/value map
 * (topic override, else broker default, else {@code TopicConfigDef} default).
 *
 * @param segmentBytes        roll the active segment when it would grow past this, bytes
 * @param segmentMs           roll the active segment when its first batch is this old, ms
 * @param retentionMs         delete segments whose newest record is older than this, ms; -1 keeps for ever
 * @param retentionBytes      delete oldest segments while the log is larger than this, bytes; -1 no limit
 * @param maxMessageBytes     largest batch accepted (RECORD_TOO_LARGE beyond), bytes
 * @param indexIntervalBytes  bytes between offset/time index entries
 * @param segmentIndexBytes   preallocated size of each index file, bytes
 * @param flushMessages       fsync after this many records (Long.MAX_VALUE: leave it to the OS)
 * @param flushMs             fsync when unflushed data is this old, ms (Long.MAX_VALUE: leave it to the OS)
 * @param fileDeleteDelayMs   a removed segment's files stay readable this long before deletion, ms
 * @param logAppendTime       true when message.timestamp.type=LogAppendTime
 * @param timestampBeforeMaxMs with CreateTime, records stamped more than this before the broker's clock are refused, ms
 * @param timestampAfterMaxMs with CreateTime, records stamped more than this after the broker's clock are refused, ms
 * @param maxDecompressedBytes a compressed batch that inflates past this is refused, bytes
 * @param compact             cleanup.policy contains compact
 * @param delete              cleanup.policy contains delete
 * @param deleteRetentionMs   tombstones older than this are dropped by compaction, ms
 * @param minCompactionLagMs  records younger than this are not compacted, ms
 * @param minInsyncReplicas   acks=all needs at least this many in-sync replicas
 * @param minCleanableDirtyRatio share of the cleanable log that must be dirty before a compaction pass
 */
public record LogConfig(int segmentBytes, long segmentMs, long retentionMs, long retentionBytes,
                        int maxMessageBytes, int indexIntervalBytes, int segmentIndexBytes,
                        long flushMessages, long flushMs, long fileDeleteDelayMs,
                        boolean logAppendTime, long timestampBeforeMaxMs, long timestampAfterMaxMs,
                        long maxDecompressedBytes, boolean compact, boolean delete, long deleteRetentionMs,
                        long minCompactionLagMs, double minCleanableDirtyRatio, int minInsyncReplicas) {

    /** Parses a fully resolved topic config map (every key of {@code TopicConfigDef} present). */
    public static LogConfig from(Map<String, String> resolved) {
        String policy = get(resolved, TopicConfigDef.CLEANUP_POLICY).replace(" ", "");
        return new LogConfig(
                (int) num(resolved, TopicConfigDef.SEGMENT_BYTES),
                num(resolved, TopicConfigDef.SEGMENT_MS),
                num(resolved, TopicConfigDef.RETENTION_MS),
                num(resolved, TopicConfigDef.RETENTION_BYTES),
                (int) num(resolved, TopicConfigDef.MAX_MESSAGE_BYTES),
                (int) num(resolved, TopicConfigDef.INDEX_INTERVAL_BYTES),
                (int) num(resolved, TopicConfigDef.SEGMENT_INDEX_BYTES),
                num(resolved, TopicConfigDef.FLUSH_MESSAGES),
                num(resolved, TopicConfigDef.FLUSH_MS),
                num(resolved, TopicConfigDef.FILE_DELETE_DELAY_MS),
                get(resolved, TopicConfigDef.MESSAGE_TIMESTAMP_TYPE).equals("LogAppendTime"),
                num(resolved, TopicConfigDef.MESSAGE_TIMESTAMP_BEFORE_MAX_MS),
                num(resolved, TopicConfigDef.MESSAGE_TIMESTAMP_AFTER_MAX_MS),
                num(resolved, TopicConfigDef.MESSAGE_DECOMPRESSED_MAX_BYTES),
                policy.contains("compact"),
                policy.contains("delete"),
                num(resolved, TopicConfigDef.DELETE_RETENTION_MS),
                num(resolved, TopicConfigDef.MIN_COMPACTION_LAG_MS),
                Double.parseDouble(get(resolved, TopicConfigDef.MIN_CLEANABLE_DIRTY_RATIO)),
                (int) num(resolved, TopicConfigDef.MIN_INSYNC_REPLICAS));
    }

    private static String get(Map<String, String> resolved, String key) {
        String v = resolved.get(key);
        if (v == null) {
            v = TopicConfigDef.entry(key).orElseThrow().defaultValue();
        }
        return v.trim();
    }

    private static long num(Map<String, String> resolved, String key) {
        return Long.parseLong(get(resolved, key));
    }

    /** Kafka's defaults, for tests and the single-node default. */
    public static LogConfig defaults() {
        return from(Map.of());
    }
}
