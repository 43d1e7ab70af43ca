package io.sluice.systest.fuzz;

import org.apache.kafka.common.Uuid;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Plausible values for one generated request: the names, ids, partitions, offsets and timeouts a real client would
 * send to this broker, with an occasional value a buggy client would send instead (a missing topic, a partition past
 * the end, an internal topic). Everything comes from {@link #rnd}, so a seed and an iteration give the same choices
 * (with the topic ids of the broker at hand).
 * <p>
 * Names: the fuzz topics ({@link FuzzTopics}); consumer groups of the join/sync/heartbeat family are new per
 * iteration ({@code fzj-<iteration>}), so that no join waits for members of an earlier request; offset-family
 * groups come from a small pool ({@code fzo-0..7}) so that commits, fetches and deletes meet each other.
 */
final class Plausible {
    final Random rnd;
    final TargetView view;
    final long iteration;
    final long nowMs;
    /** What a generated Produce put in each partition (filled by the Produce template). */
    final List<BaseRequest.ProducedPartition> produced = new ArrayList<>();

    Plausible(Random rnd, TargetView view, long iteration, long nowMs) {
        this.rnd = rnd;
        this.view = view;
        this.iteration = iteration;
        this.nowMs = nowMs;
    }

    boolean chance(int percent) {
        return rnd.nextInt(100) < percent;
    }

    int between(int lowInclusive, int highInclusive) {
        return lowInclusive + rnd.nextInt(highInclusive - lowInclusive + 1);
    }

    <T> T oneOf(List<T> values) {
        return values.get(rnd.nextInt(values.size()));
    }

    @SafeVarargs
    final <T> T oneOf(T... values) {
        return values[rnd.nextInt(values.length)];
    }

    /**
     * A topic to name in a request: mostly an oracle or pool topic, sometimes a missing or invalid one. The choice
     * does not depend on which topics exist now (only their ids come from the broker), so that a seed and an
     * iteration give the same request on a fresh broker.
     */
    String topic() {
        int roll = rnd.nextInt(100);
        if (roll < 55) {
            return oneOf(FuzzTopics.ORACLES);
        }
        if (roll < 82) {
            return oneOf(FuzzTopics.POOL);
        }
        if (roll < 90) {
            return FuzzTopics.MISSING;
        }
        return oneOf("", "..", "fz/0", "__consumer_offsets", "x".repeat(250), "fz-0\u00e9");
    }

    /**
     * A topic of the create/delete pool (bounded, so that auto-creation and CreateTopics cannot pile up topics).
     * Never {@code __consumer_offsets}: deleting, growing or reconfiguring it is allowed, as in Kafka, and would
     * take the control group's state with it.
     */
    String poolTopic() {
        return chance(90) ? oneOf(FuzzTopics.POOL) : oneOf(FuzzTopics.MISSING, "", "..", "fz-new-0.");
    }

    /** A topic whose configs a generated request may change: never the oracle topics, whose configs stay known. */
    String alterableTopic() {
        return chance(85) ? oneOf(FuzzTopics.POOL) : oneOf(FuzzTopics.MISSING, FuzzTopics.LOG_APPEND_TIME);
    }

    /** The id of {@code topic}, or now and then a zero or unknown id (an unknown id too when the topic does not exist). */
    Uuid topicId(String topic) {
        boolean other = chance(5);
        boolean zero = chance(50);
        Uuid random = new Uuid(rnd.nextLong(), rnd.nextLong());
        TargetView.Topic t = view.topics().get(topic);
        if (t == null || other) {
            return zero ? Uuid.ZERO_UUID : random;
        }
        return t.id();
    }

    /** A partition of {@code topic}: mostly one that exists, sometimes one past the end or negative. */
    int partition(String topic) {
        int count = FuzzTopics.partitions(topic);
        int roll = rnd.nextInt(100);
        return roll < 90 ? rnd.nextInt(count) : roll < 97 ? count : -1;
    }

    /** Distinct partitions of {@code topic}, 1 to 2 of them. */
    List<Integer> partitions(String topic) {
        List<Integer> out = new ArrayList<>();
        int n = chance(75) ? 1 : 2;
        for (int i = 0; i < n; i++) {
            int p = partition(topic);
            if (!out.contains(p)) {
                out.add(p);
            }
        }
        return out;
    }

    long offset() {
        return oneOf(0L, 0L, 1L, (long) rnd.nextInt(50), (long) rnd.nextInt(500), -1L);
    }

    int leaderEpoch() {
        return oneOf(-1, -1, 0, 0, 1, rnd.nextInt(5));
    }

    int timeoutMs() {
        return between(1000, 5000);
    }

    /** A group of the offsets family. */
    String offsetsGroup() {
        return "fzo-" + rnd.nextInt(8);
    }

    /** A new group for this iteration's join (see the class comment). */
    String joinGroup() {
        return "fzj-" + iteration;
    }

    /** A group an earlier iteration may have joined. */
    String recentJoinGroup() {
        return "fzj-" + Math.max(0, iteration - rnd.nextInt(20));
    }

    String memberId() {
        return chance(30) ? "" : "consumer-fz-" + Integer.toHexString(rnd.nextInt());
    }

    String instanceId() {
        return chance(80) ? null : "inst-" + iteration;
    }

    byte[] someBytes(int maxLength) {
        byte[] b = new byte[rnd.nextInt(maxLength + 1)];
        rnd.nextBytes(b);
        return b;
    }
}
