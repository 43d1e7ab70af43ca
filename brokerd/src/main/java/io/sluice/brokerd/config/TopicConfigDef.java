package io.sluice.brokerd.config;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The catalogue of topic-level configs brokerd understands: Kafka's names, types, defaults and meaning.
 * DescribeConfigs, the alter APIs, {@code LogConfig} and the man page all read this one table.
 * A topic's effective value is its override if set, else the broker-wide default ({@code log.*} key in
 * brokerd.yaml where Kafka has one), else {@link Entry#defaultValue()}.
 */
public final class TopicConfigDef {

    /** The value type, as DescribeConfigs reports it. */
    public enum Type { BOOLEAN, STRING, INT, SHORT, LONG, DOUBLE, LIST, CLASS, PASSWORD }

    /**
     * One topic config.
     *
     * @param key          Kafka's topic config name
     * @param type         value type
     * @param defaultValue default when neither the topic nor the broker sets it
     * @param brokerKey    broker config that supplies the default (may be null)
     * @param doc          one-line meaning, with its unit
     * @param valid        accepts a value given as a string
     */
    public record Entry(String key, Type type, String defaultValue, String brokerKey, String doc,
                        Predicate<String> valid) {
    }

    public static final String CLEANUP_POLICY = "cleanup.policy";
    public static final String COMPRESSION_TYPE = "compression.type";
    public static final String DELETE_RETENTION_MS = "delete.retention.ms";
    public static final String FILE_DELETE_DELAY_MS = "file.delete.delay.ms";
    public static final String FLUSH_MESSAGES = "flush.messages";
    public static final String FLUSH_MS = "flush.ms";
    public static final String FOLLOWER_REPLICATION_THROTTLED_REPLICAS = "follower.replication.throttled.replicas";
    public static final String INDEX_INTERVAL_BYTES = "index.interval.bytes";
    public static final String LEADER_REPLICATION_THROTTLED_REPLICAS = "leader.replication.throttled.replicas";
    public static final String MAX_COMPACTION_LAG_MS = "max.compaction.lag.ms";
    public static final String MAX_MESSAGE_BYTES = "max.message.bytes";
    public static final String MESSAGE_TIMESTAMP_TYPE = "message.timestamp.type";
    public static final String MESSAGE_TIMESTAMP_BEFORE_MAX_MS = "message.timestamp.before.max.ms";
    public static final String MESSAGE_TIMESTAMP_AFTER_MAX_MS = "message.timestamp.after.max.ms";
    public static final String MESSAGE_DECOMPRESSED_MAX_BYTES = "message.decompressed.max.bytes";
    public static final String MIN_CLEANABLE_DIRTY_RATIO = "min.cleanable.dirty.ratio";
    public static final String MIN_COMPACTION_LAG_MS = "min.compaction.lag.ms";
    public static final String MIN_INSYNC_REPLICAS = "min.insync.replicas";
    public static final String RETENTION_BYTES = "retention.bytes";
    public static final String RETENTION_MS = "retention.ms";
    public static final String SEGMENT_BYTES = "segment.bytes";
    public static final String SEGMENT_INDEX_BYTES = "segment.index.bytes";
    public static final String SEGMENT_MS = "segment.ms";
    public static final String UNCLEAN_LEADER_ELECTION_ENABLE = "unclean.leader.election.enable";

    private static final Set<String> COMPRESSION_TYPES = Set.of("uncompressed", "producer", "gzip", "snappy", "lz4", "zstd");

    private static final Map<String, Entry> ENTRIES = new LinkedHashMap<>();

    static {
        add(CLEANUP_POLICY, Type.LIST, "delete", "log.cleanup.policy",
                "delete (retention removes old segments), compact (keep the last record per key), or both",
                v -> Set.of("delete", "compact", "compact,delete", "delete,compact").contains(v.replace(" ", "")));
        add(COMPRESSION_TYPE, Type.STRING, "producer", "compression.type",
                "codec of stored batches; brokerd stores batches as produced, so only 'producer' and the producer's own codec apply",
                v -> COMPRESSION_TYPES.contains(v.toLowerCase(Locale.ROOT)));
        add(DELETE_RETENTION_MS, Type.LONG, "86400000", "log.cleaner.delete.retention.ms",
                "how long tombstones survive compaction, ms", TopicConfigDef::nonNegativeLong);
        add(FILE_DELETE_DELAY_MS, Type.LONG, "60000", "log.segment.delete.delay.ms",
                "delay before the files of a segment taken out of the log (retention, DeleteRecords, compaction, a follower's "
                        + "truncation, a deleted topic) are deleted from disk; fetches in flight finish reading them meanwhile, ms", TopicConfigDef::nonNegativeLong);
        add(FLUSH_MESSAGES, Type.LONG, "9223372036854775807", "log.flush.interval.messages",
                "fsync the log after this many appended records", TopicConfigDef::positiveLong);
        add(FLUSH_MS, Type.LONG, "9223372036854775807", "log.flush.interval.ms",
                "fsync the log when its oldest unflushed record is this old, ms", TopicConfigDef::nonNegativeLong);
        add(FOLLOWER_REPLICATION_THROTTLED_REPLICAS, Type.LIST, "", null,
                "replicas whose fetching is throttled to the broker's follower.replication.throttled.rate while out of the ISR: "
                        + "partition:broker pairs (0:2,1:3) or * for all", TopicConfigDef::throttledReplicas);
        add(INDEX_INTERVAL_BYTES, Type.INT, "4096", "log.index.interval.bytes",
                "bytes of log between two offset-index entries", TopicConfigDef::nonNegativeInt);
        add(LEADER_REPLICATION_THROTTLED_REPLICAS, Type.LIST, "", null,
                "replicas whose leader throttles what it sends to out-of-ISR followers to its leader.replication.throttled.rate: "
                        + "partition:broker pairs (0:1,1:2) or * for all", TopicConfigDef::throttledReplicas);
        add(MAX_COMPACTION_LAG_MS, Type.LONG, "9223372036854775807", "log.cleaner.max.compaction.lag.ms",
                "longest a record may stay uncompacted, ms", TopicConfigDef::positiveLong);
        add(MAX_MESSAGE_BYTES, Type.INT, "1048588", "message.max.bytes",
                "largest record batch the topic accepts, bytes", TopicConfigDef::nonNegativeInt);
        add(MESSAGE_TIMESTAMP_TYPE, Type.STRING, "CreateTime", "log.message.timestamp.type",
                "CreateTime (the producer's timestamp) or LogAppendTime (the broker's clock at append)",
                v -> v.equals("CreateTime") || v.equals("LogAppendTime"));
        add(MESSAGE_TIMESTAMP_BEFORE_MAX_MS, Type.LONG, "9223372036854775807", "log.message.timestamp.before.max.ms",
                "with CreateTime, a record stamped more than this before the broker's clock is refused (INVALID_TIMESTAMP), ms",
                TopicConfigDef::nonNegativeLong);
        add(MESSAGE_TIMESTAMP_AFTER_MAX_MS, Type.LONG, "3600000", "log.message.timestamp.after.max.ms",
                "with CreateTime, a record stamped more than this after the broker's clock is refused (INVALID_TIMESTAMP), ms",
                TopicConfigDef::nonNegativeLong);
        add(MESSAGE_DECOMPRESSED_MAX_BYTES, Type.LONG, "134217728", "log.message.decompressed.max.bytes",
                "largest size a compressed record batch may inflate to; beyond it the batch is refused (MESSAGE_TOO_LARGE) "
                        + "as soon as decompression crosses it, bytes", TopicConfigDef::positiveLong);
        add(MIN_CLEANABLE_DIRTY_RATIO, Type.DOUBLE, "0.5", "log.cleaner.min.cleanable.ratio",
                "share of the log that must be uncompacted before the cleaner runs", TopicConfigDef::ratio);
        add(MIN_COMPACTION_LAG_MS, Type.LONG, "0", "log.cleaner.min.compaction.lag.ms",
                "shortest time a record stays uncompacted, ms", TopicConfigDef::nonNegativeLong);
        add(MIN_INSYNC_REPLICAS, Type.INT, "1", "min.insync.replicas",
                "replicas that must have an acks=all record before it is acknowledged", TopicConfigDef::positiveInt);
        add(RETENTION_BYTES, Type.LONG, "-1", "log.retention.bytes",
                "largest size of a partition before old segments are removed, bytes; -1 for no limit",
                v -> parseLong(v).map(l -> l >= -1).orElse(false));
        add(RETENTION_MS, Type.LONG, "604800000", "log.retention.ms",
                "how long records are kept before their segment is removed, ms; -1 for ever",
                v -> parseLong(v).map(l -> l >= -1).orElse(false));
        add(SEGMENT_BYTES, Type.INT, "1073741824", "log.segment.bytes",
                "size at which the active segment rolls, bytes", v -> parseLong(v).map(l -> l >= 14 && l <= Integer.MAX_VALUE).orElse(false));
        add(SEGMENT_INDEX_BYTES, Type.INT, "10485760", "log.index.size.max.bytes",
                "largest size of a segment's offset or time index, bytes", v -> parseLong(v).map(l -> l >= 8 && l <= Integer.MAX_VALUE).orElse(false));
        add(SEGMENT_MS, Type.LONG, "604800000", "log.roll.ms",
                "age at which the active segment rolls, ms", TopicConfigDef::positiveLong);
        add(UNCLEAN_LEADER_ELECTION_ENABLE, Type.BOOLEAN, "false", "unclean.leader.election.enable",
                "allow a replica outside the ISR to become leader (may lose acknowledged records)",
                v -> v.equals("true") || v.equals("false"));
    }

    private TopicConfigDef() {
    }

    private static void add(String key, Type type, String defaultValue, String brokerKey, String doc, Predicate<String> valid) {
        ENTRIES.put(key, new Entry(key, type, defaultValue, brokerKey, doc, valid));
    }

    /** Every topic config, in a stable order. */
    public static Map<String, Entry> entries() {
        return java.util.Collections.unmodifiableMap(ENTRIES);
    }

    public static Optional<Entry> entry(String key) {
        return Optional.ofNullable(ENTRIES.get(key));
    }

    /** Null when valid, else a message naming the key and why the value is refused. */
    public static String validate(String key, String value) {
        Entry e = ENTRIES.get(key);
        if (e == null) {
            return "Unknown topic config name: " + key;
        }
        if (value == null || !e.valid().test(value.trim())) {
            return "Invalid value " + value + " for configuration " + key + ": " + e.doc();
        }
        return null;
    }

    private static Optional<Long> parseLong(String v) {
        try {
            return Optional.of(Long.parseLong(v.trim()));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static boolean nonNegativeLong(String v) {
        return parseLong(v).map(l -> l >= 0).orElse(false);
    }

    private static boolean positiveLong(String v) {
        return parseLong(v).map(l -> l >= 1).orElse(false);
    }

    private static boolean nonNegativeInt(String v) {
        return parseLong(v).map(l -> l >= 0 && l <= Integer.MAX_VALUE).orElse(false);
    }

    private static boolean positiveInt(String v) {
        return parseLong(v).map(l -> l >= 1 && l <= Integer.MAX_VALUE).orElse(false);
    }

    /** Empty, "*", or partition:broker pairs separated by commas (Kafka's ThrottledReplicaListValidator). */
    private static boolean throttledReplicas(String v) {
        String s = v.trim();
        return s.isEmpty() || s.equals("*") || s.replace(" ", "").matches("\\d{1,9}:\\d{1,9}(,\\d{1,9}:\\d{1,9})*");
    }

    private static boolean ratio(String v) {
        try {
            double d = Double.parseDouble(v.trim());
            return d >= 0 && d <= 1;
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
