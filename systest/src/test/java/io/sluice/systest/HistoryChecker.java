package io.sluice.systest;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Judges a {@link History} against what the topic holds at the end, in the manner of Jepsen's queue checkers for
 * Kafka: it reads the history, never the workload's own assertions.
 * <ul>
 *   <li><b>lost</b>: acknowledged sends whose value is not in the final read;</li>
 *   <li><b>duplicated</b>: values the final read holds more than once (the producer is idempotent: none may be);</li>
 *   <li><b>unexpected</b>: values in the final read that no send ever carried;</li>
 *   <li><b>moved</b>: acknowledged values found at another partition or offset than acknowledged;</li>
 *   <li><b>reordered</b>: within a partition, values of one producer whose sequence numbers do not increase with the
 *       offset;</li>
 *   <li><b>inconsistent reads</b>: records the group consumer was handed during the run that the final read holds
 *       differently at that offset (or not at all);</li>
 *   <li><b>group offsets</b>: a commit acknowledged to the consumer must never be lost: the group resumes a partition
 *       at or after the last acknowledged commit before it, and the committed offsets at the end are at least the
 *       last acknowledged ones.</li>
 * </ul>
 * Sends that failed or timed out may or may not be in the topic ("recovered" when they are): that is not an error.
 */
final class HistoryChecker {
    /** A record of the final read. */
    record Read(int partition, long offset, String value) {
    }

    /** The verdict: counts and the first few examples of each anomaly. */
    record Result(long acked, long read, long recovered, List<String> lost, List<String> duplicated, List<String> unexpected,
                  List<String> moved, List<String> reordered, List<String> inconsistentReads, List<String> groupOffsets,
                  long commits, long consumed) {
        boolean ok() {
            return lost.isEmpty() && duplicated.isEmpty() && unexpected.isEmpty() && moved.isEmpty() && reordered.isEmpty()
                    && inconsistentReads.isEmpty() && groupOffsets.isEmpty();
        }

        String summary() {
            return acked + " acknowledged, " + read + " read back (" + recovered + " unacknowledged sends recovered), "
                    + lost.size() + " lost, " + duplicated.size() + " duplicated, " + unexpected.size() + " unexpected, "
                    + moved.size() + " at another offset, " + reordered.size() + " reordered, " + inconsistentReads.size()
                    + " inconsistent reads of " + consumed + ", " + groupOffsets.size() + " group offsets lost of " + commits
                    + " commits";
        }

        String examples() {
            StringBuilder sb = new StringBuilder();
            example(sb, "lost", lost);
            example(sb, "duplicated", duplicated);
            example(sb, "unexpected", unexpected);
            example(sb, "moved", moved);
            example(sb, "reordered", reordered);
            example(sb, "inconsistent reads", inconsistentReads);
            example(sb, "group offsets", groupOffsets);
            return sb.toString();
        }

        private static void example(StringBuilder sb, String what, List<String> found) {
            if (!found.isEmpty()) {
                sb.append(what).append(": ").append(found.subList(0, Math.min(10, found.size())))
                        .append(found.size() > 10 ? " and " + (found.size() - 10) + " more" : "").append('\n');
            }
        }
    }

    private HistoryChecker() {
    }

    /**
     * @param ops               the history
     * @param finalRead         every record of the topic, each partition from its start to its end offset
     * @param finalCommitted    the group's committed offsets at the end, by partition
     */
    static Result check(List<History.Op> ops, List<Read> finalRead, Map<Integer, Long> finalCommitted) {
        Map<String, List<Read>> readByValue = new HashMap<>();
        Map<Integer, Map<Long, String>> readAt = new HashMap<>();
        for (Read r : finalRead) {
            readByValue.computeIfAbsent(r.value(), v -> new ArrayList<>()).add(r);
            readAt.computeIfAbsent(r.partition(), p -> new HashMap<>()).put(r.offset(), r.value());
        }
        Set<String> sent = new HashSet<>();
        Set<String> ackedValues = new HashSet<>();
        List<String> lost = new ArrayList<>();
        List<String> moved = new ArrayList<>();
        long acked = 0;
        for (History.Op op : ops) {
            if (op instanceof History.Send s) {
                sent.add(s.value());
                if (s.outcome() == History.Outcome.OK) {
                    acked++;
                    ackedValues.add(s.value());
                    List<Read> found = readByValue.get(s.value());
                    if (found == null) {
                        lost.add(s.value() + " acknowledged at " + s.partition() + "-" + s.offset());
                    } else if (found.stream().noneMatch(r -> r.partition() == s.partition() && r.offset() == s.offset())) {
                        moved.add(s.value() + " acknowledged at " + s.partition() + "-" + s.offset() + ", read at " + found);
                    }
                }
            }
        }
        List<String> duplicated = new ArrayList<>();
        List<String> unexpected = new ArrayList<>();
        long recovered = 0;
        for (Map.Entry<String, List<Read>> e : readByValue.entrySet()) {
            if (e.getValue().size() > 1) {
                duplicated.add(e.getKey() + " at " + e.getValue());
            }
            if (!sent.contains(e.getKey())) {
                unexpected.add(e.getKey() + " at " + e.getValue());
            } else if (!ackedValues.contains(e.getKey())) {
                recovered++;
            }
        }
        List<String> reordered = reordered(finalRead);
        List<String> inconsistent = new ArrayList<>();
        long consumed = 0;
        for (History.Op op : ops) {
            if (op instanceof History.Consumed c) {
                consumed++;
                String there = readAt.getOrDefault(c.partition(), Map.of()).get(c.offset());
                if (!c.value().equals(there)) {
                    inconsistent.add(c.partition() + "-" + c.offset() + " was " + c.value() + " when consumed, " + there + " at the end");
                }
            }
        }
        List<String> groupOffsets = new ArrayList<>();
        long commits = groupOffsets(ops, finalCommitted, groupOffsets);
        return new Result(acked, finalRead.size(), recovered, lost, duplicated, unexpected, moved, reordered, inconsistent,
                groupOffsets, commits, consumed);
    }

    /** Per partition and producer tag, sequence numbers must increase with the offset. */
    private static List<String> reordered(List<Read> finalRead) {
        Map<Integer, List<Read>> byPartition = new TreeMap<>();
        for (Read r : finalRead) {
            byPartition.computeIfAbsent(r.partition(), p -> new ArrayList<>()).add(r);
        }
        List<String> out = new ArrayList<>();
        for (List<Read> records : byPartition.values()) {
            records.sort((a, b) -> Long.compare(a.offset(), b.offset()));
            Map<String, Read> lastByTag = new HashMap<>();
            for (Read r : records) {
                int dash = r.value().lastIndexOf('-');
                if (dash < 0) {
                    continue;
                }
                String tag = r.value().substring(0, dash);
                long seq = Long.parseLong(r.value().substring(dash + 1));
                Read last = lastByTag.get(tag);
                if (last != null && Long.parseLong(last.value().substring(dash + 1)) >= seq) {
                    out.add(r.partition() + ": " + last.value() + "@" + last.offset() + " before " + r.value() + "@" + r.offset());
                }
                lastByTag.put(tag, r);
            }
        }
        return out;
    }

    /**
     * Each resume of a partition must be at or after the last commit acknowledged before it; the final committed
     * offsets at or after the last acknowledged ones. Returns the number of acknowledged commits.
     */
    private static long groupOffsets(List<History.Op> ops, Map<Integer, Long> finalCommitted, List<String> out) {
        Map<Integer, Long> lastAcked = new HashMap<>();
        long commits = 0;
        for (History.Op op : ops) {
            if (op instanceof History.Commit c && c.outcome() == History.Outcome.OK) {
                commits++;
                c.offsets().forEach((p, o) -> lastAcked.merge(p, o, Math::max));
            } else if (op instanceof History.Resumed r) {
                Long committed = lastAcked.get(r.partition());
                if (committed != null && r.position() < committed) {
                    out.add("partition " + r.partition() + " resumed at " + r.position() + " after a commit of " + committed
                            + " was acknowledged");
                }
            }
        }
        lastAcked.forEach((p, o) -> {
            Long end = finalCommitted.get(p);
            if (end == null || end < o) {
                out.add("partition " + p + " ends committed at " + end + " after a commit of " + o + " was acknowledged");
            }
        });
        return commits;
    }
}
