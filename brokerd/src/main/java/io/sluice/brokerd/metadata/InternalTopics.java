package io.sluice.brokerd.metadata;

import java.util.Set;

/**
 * The topics the broker writes itself, as Kafka's {@code Topic.isInternal} knows them: clients may read them but
 * not produce to them (INVALID_TOPIC_EXCEPTION), and Metadata marks them internal. The one place this set lives.
 */
public final class InternalTopics {
    /** Committed offsets of consumer groups (the group coordinator's log). */
    public static final String CONSUMER_OFFSETS = "__consumer_offsets";
    /** Transaction coordinator state (reserved now, written once transactions exist). */
    public static final String TRANSACTION_STATE = "__transaction_state";

    private static final Set<String> NAMES = Set.of(CONSUMER_OFFSETS, TRANSACTION_STATE);

    private InternalTopics() {
    }

    public static boolean isInternal(String topic) {
        return NAMES.contains(topic);
    }
}
