package io.sluice.systest.fuzz;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The topics of a fuzz run. The oracle topics have configs no generated request changes, so the judge knows what
 * their batches must get: {@value #PLAIN} (CreateTime, records older than a day refused), {@value #COMPACTED}
 * (records without a key refused), and {@value #LOG_APPEND_TIME} (any timestamp, but configs may change). The pool
 * topics are created, altered and deleted by generated requests. The control topic is never named by a generated
 * request: the checker's Java clients own it.
 */
final class FuzzTopics {
    static final String PLAIN = "fz-0";
    static final String COMPACTED = "fz-1";
    static final String LOG_APPEND_TIME = "fz-2";
    static final List<String> ORACLES = List.of(PLAIN, PLAIN, COMPACTED, LOG_APPEND_TIME);
    static final List<String> POOL = List.of("fz-new-0", "fz-new-1", "fz-new-2", "fz-new-3", "fz-new-4", "fz-new-5");
    static final String MISSING = "fz-missing";
    static final String CONTROL = "sluice-fuzz-control";
    static final long PLAIN_BEFORE_MAX_MS = 86_400_000L;

    private FuzzTopics() {
    }

    /** How many partitions the generator assumes {@code topic} has (pool topics: what they are most often created with). */
    static int partitions(String topic) {
        return switch (topic) {
            case PLAIN -> 3;
            case COMPACTED -> 2;
            case "__consumer_offsets" -> FuzzBroker.OFFSETS_PARTITIONS;
            default -> POOL.contains(topic) ? 2 : 1;
        };
    }

    /** True for the topics a generated request may name. */
    static boolean fuzzable(String topic) {
        return !topic.equals(CONTROL);
    }

    /** Whether {@code topic}'s records are timestamped by the client and checked against the broker clock. */
    static boolean checksCreateTime(String topic) {
        return topic.equals(PLAIN) || topic.equals(COMPACTED);
    }

    static void create(Admin admin) throws Exception {
        admin.createTopics(List.of(
                new NewTopic(PLAIN, 3, (short) 1).configs(Map.of("message.timestamp.before.max.ms", Long.toString(PLAIN_BEFORE_MAX_MS),
                        "segment.bytes", "1048576")),
                new NewTopic(COMPACTED, 2, (short) 1).configs(Map.of("cleanup.policy", "compact", "segment.bytes", "1048576")),
                new NewTopic(LOG_APPEND_TIME, 1, (short) 1).configs(Map.of("message.timestamp.type", "LogAppendTime", "segment.bytes", "1048576")),
                new NewTopic(CONTROL, 1, (short) 1))).all().get(60, TimeUnit.SECONDS);
    }
}
