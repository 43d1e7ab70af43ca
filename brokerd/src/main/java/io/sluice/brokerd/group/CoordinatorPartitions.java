package io.sluice.brokerd.group;

import java.util.HashMap;
import java.util.Map;

/**
 * Which partitions of {@code __consumer_offsets} a coordinator serves, and whether their groups are loaded yet:
 * <pre>
 *                  beginLoad                    finishLoad (same load)
 *   not owned ------------------> Loading(id) -------------------------> Active
 *       ^                             |                                   |
 *       +---------- resign -----------+-------------- resign -------------+
 * </pre>
 * A group of a partition not owned gets NOT_COORDINATOR (the client looks its coordinator up again), one of a
 * Loading partition COORDINATOR_LOAD_IN_PROGRESS (it retries here), one of an Active partition is served. Each load
 * gets an id, so a load that finishes after its partition was resigned (or loaded again) is recognised as stale.
 * A new coordinator owns every partition, Active and empty (a single node, tests), until {@link #claimNone}.
 * <p>
 * Not thread-safe: guarded by the coordinator's lock.
 */
final class CoordinatorPartitions {
    /** The state of an owned partition. */
    sealed interface State permits Loading, Active {
    }

    /** Its groups are being read from the log by load {@code loadId}. */
    record Loading(long loadId) implements State {
    }

    /** Its groups are loaded and served. */
    record Active() implements State {
    }

    private static final Active ACTIVE = new Active();

    private final int partitionCount;
    private final Map<Integer, State> owned = new HashMap<>();
    private long lastLoadId;

    CoordinatorPartitions(int partitionCount) {
        this.partitionCount = partitionCount;
        for (int p = 0; p < partitionCount; p++) {
            owned.put(p, ACTIVE);
        }
    }

    /** NONE when {@code partition}'s groups are served, else the error their requests get. */
    GroupError errorFor(int partition) {
        State s = owned.get(partition);
        if (s == null) {
            return GroupError.NOT_COORDINATOR;
        }
        return s instanceof Loading ? GroupError.COORDINATOR_LOAD_IN_PROGRESS : GroupError.NONE;
    }

    /** Serves no partition until told to ({@link #beginLoad}). */
    void claimNone() {
        owned.clear();
    }

    /** Starts loading {@code partition}; returns the load's id, or -1 when it is owned (loading or loaded) already. */
    long beginLoad(int partition) {
        if (owned.containsKey(partition)) {
            return -1;
        }
        long id = ++lastLoadId;
        owned.put(partition, new Loading(id));
        return id;
    }

    /** Starts loading every partition again (owned or not); returns partition -> load id. */
    Map<Integer, Long> beginLoadAll() {
        Map<Integer, Long> loads = new HashMap<>();
        for (int p = 0; p < partitionCount; p++) {
            long id = ++lastLoadId;
            owned.put(p, new Loading(id));
            loads.put(p, id);
        }
        return loads;
    }

    /** Load {@code loadId} of {@code partition} is done: Active, and true, unless it went stale meanwhile. */
    boolean finishLoad(int partition, long loadId) {
        if (!(owned.get(partition) instanceof Loading l) || l.loadId() != loadId) {
            return false;
        }
        owned.put(partition, ACTIVE);
        return true;
    }

    /** Stops serving {@code partition}; true when it was owned (loading or loaded). */
    boolean resign(int partition) {
        return owned.remove(partition) != null;
    }

    /** Partitions whose groups are being loaded. */
    int loadingCount() {
        return (int) owned.values().stream().filter(s -> s instanceof Loading).count();
    }
}
