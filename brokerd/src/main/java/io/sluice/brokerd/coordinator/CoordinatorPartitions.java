package io.sluice.brokerd.coordinator;

import java.util.HashMap;
import java.util.Map;

/**
 * Which partitions of its internal topic ({@code __consumer_offsets}, {@code __transaction_state}) a coordinator
 * serves, and whether their state is loaded yet:
 * <pre>
 *                  beginLoad                    finishLoad (same load)
 *   not owned ------------------> Loading(id) -------------------------> Active
 *       ^                             |                                   |
 *       +---------- resign -----------+-------------- resign -------------+
 * </pre>
 * A key (group, transactional id) of a partition not owned gets NOT_COORDINATOR (the client looks its coordinator up
 * again), one of a Loading partition COORDINATOR_LOAD_IN_PROGRESS (it retries here), one of an Active partition is
 * served. Each load
 * gets an id, so a load that finishes after its partition was resigned (or loaded again) is recognised as stale.
 * A new coordinator owns every partition, Active and empty (a single node, tests), until {@link #claimNone}.
 * <p>
 * Not thread-safe: guarded by the coordinator's lock.
 */
public final class CoordinatorPartitions {
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

    /** How a partition stands here: served, not owned (NOT_COORDINATOR), or loading (COORDINATOR_LOAD_IN_PROGRESS). */
    public enum Ownership {
        SERVED, NOT_OWNED, LOADING
    }

    private final int partitionCount;
    private final Map<Integer, State> owned = new HashMap<>();
    private long lastLoadId;

    public CoordinatorPartitions(int partitionCount) {
        this.partitionCount = partitionCount;
        for (int p = 0; p < partitionCount; p++) {
            owned.put(p, ACTIVE);
        }
    }

    /** Whether {@code partition} is served here. */
    public Ownership ownership(int partition) {
        State s = owned.get(partition);
        if (s == null) {
            return Ownership.NOT_OWNED;
        }
        return s instanceof Loading ? Ownership.LOADING : Ownership.SERVED;
    }

    /** Serves no partition until told to ({@link #beginLoad}). */
    public void claimNone() {
        owned.clear();
    }

    /** Starts loading {@code partition}; returns the load's id, or -1 when it is owned (loading or loaded) already. */
    public long beginLoad(int partition) {
        if (owned.containsKey(partition)) {
            return -1;
        }
        long id = ++lastLoadId;
        owned.put(partition, new Loading(id));
        return id;
    }

    /** Starts loading every partition again (owned or not); returns partition -> load id. */
    public Map<Integer, Long> beginLoadAll() {
        Map<Integer, Long> loads = new HashMap<>();
        for (int p = 0; p < partitionCount; p++) {
            long id = ++lastLoadId;
            owned.put(p, new Loading(id));
            loads.put(p, id);
        }
        return loads;
    }

    /** Load {@code loadId} of {@code partition} is done: Active, and true, unless it went stale meanwhile. */
    public boolean finishLoad(int partition, long loadId) {
        if (!(owned.get(partition) instanceof Loading l) || l.loadId() != loadId) {
            return false;
        }
        owned.put(partition, ACTIVE);
        return true;
    }

    /** Stops serving {@code partition}; true when it was owned (loading or loaded). */
    public boolean resign(int partition) {
        return owned.remove(partition) != null;
    }

    /** Partitions whose groups are being loaded. */
    public int loadingCount() {
        return (int) owned.values().stream().filter(s -> s instanceof Loading).count();
    }
}
