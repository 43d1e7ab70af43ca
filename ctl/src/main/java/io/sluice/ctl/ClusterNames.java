package io.sluice.ctl;

import java.util.List;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Topic and group names for shell completion, fetched from the cluster at most once per {@code ttlNs} per kind. A
 * failed fetch (cluster down, bad profile) counts as an empty list for the same time, so a Tab on an unreachable
 * cluster costs one short timeout, not one per keystroke; its message stays available as {@link #lastFailure()}.
 * Time comes from {@code nanoClock} so tests drive expiry. Not thread-safe (the shell's reader thread owns it).
 */
final class ClusterNames {
    /** Where the names come from; each call may throw on an unreachable cluster. */
    interface Source {
        List<String> topics();

        List<String> groups();
    }

    private final Source source;
    private final LongSupplier nanoClock;
    private final long ttlNs;
    private final Entry topics = new Entry();
    private final Entry groups = new Entry();
    private String lastFailure;

    ClusterNames(Source source, LongSupplier nanoClock, long ttlNs) {
        this.source = source;
        this.nanoClock = nanoClock;
        this.ttlNs = ttlNs;
    }

    List<String> topics() {
        return topics.get(source::topics);
    }

    List<String> groups() {
        return groups.get(source::groups);
    }

    /** The message of the most recent failed fetch, or null when the last fetch of each kind worked. */
    String lastFailure() {
        return lastFailure;
    }

    /** Forget cached names (after a command that may have created or deleted topics or groups). */
    void invalidate() {
        topics.names = null;
        groups.names = null;
    }

    private final class Entry {
        List<String> names;
        long fetchedAtNs;

        List<String> get(Supplier<List<String>> fetch) {
            long now = nanoClock.getAsLong();
            if (names != null && now - fetchedAtNs < ttlNs) {
                return names;
            }
            try {
                names = List.copyOf(fetch.get());
                lastFailure = null;
            } catch (RuntimeException e) {
                // Completion must not break the shell: no names this time, the reason kept for lastFailure().
                names = List.of();
                lastFailure = e.getMessage();
            }
            fetchedAtNs = now;
            return names;
        }
    }
}
