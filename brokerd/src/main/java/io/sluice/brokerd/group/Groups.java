package io.sluice.brokerd.group;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToIntFunction;

/**
 * The groups a coordinator holds, by id: their members ({@link GroupMembership}) and committed offsets
 * ({@link OffsetManager}) share one {@link Group} each. A group is kept while it has members, offsets or writes in
 * flight. Not thread-safe: guarded by the coordinator's lock.
 */
final class Groups {
    private final Map<String, Group> byId = new HashMap<>();
    private final ToIntFunction<String> partitionOf;

    /** @param partitionOf the {@code __consumer_offsets} partition of a group id */
    Groups(ToIntFunction<String> partitionOf) {
        this.partitionOf = partitionOf;
    }

    /** The group, or null. */
    Group get(String groupId) {
        return byId.get(groupId);
    }

    /** The group, created empty ({@code nowMs} its empty-since time) when absent. */
    Group getOrCreate(String groupId, long nowMs) {
        return byId.computeIfAbsent(groupId, id -> new Group(id, nowMs));
    }

    /** Forgets {@code g} once it holds nothing any more (no members, offsets nor writes in flight). */
    void removeIfRemovable(Group g) {
        if (g.isRemovable()) {
            byId.remove(g.groupId, g);
        }
    }

    void remove(String groupId) {
        byId.remove(groupId);
    }

    /** A snapshot of every group (the caller may remove groups while it walks it). */
    List<Group> all() {
        return new ArrayList<>(byId.values());
    }

    /** Removes and returns the groups of {@code partition} of the offsets topic. */
    List<Group> removePartition(int partition) {
        List<Group> removed = new ArrayList<>();
        byId.values().removeIf(g -> {
            if (partitionOf.applyAsInt(g.groupId) != partition) {
                return false;
            }
            removed.add(g);
            return true;
        });
        return removed;
    }

    void clear() {
        byId.clear();
    }
}
