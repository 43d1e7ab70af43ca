package io.sluice.ops;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * {@code sluice doctor}: everything in a cluster that needs a human, each finding with a severity and the sluice
 * command that fixes it. This class only judges: {@link #findings} is a pure function of the {@link Facts} that
 * {@link DoctorFacts} gathers, so each check is unit-tested from hand-made facts.
 *
 * <p>The checks, and the severity of what they find:
 * <ul>
 *   <li>{@code partitions}: offline, under min ISR (CRITICAL: acks=all writes fail) and under-replicated (WARNING)
 *       partitions, one finding per cause ({@link ProblemCauses}); a broker down is said here, once.</li>
 *   <li>{@code brokers}: a broker that is fenced or down but not the cause of any partition problem (WARNING).</li>
 *   <li>{@code log-dirs}: a log dir offline (CRITICAL); free space below {@link #DISK_CRITICAL_FREE} of the disk
 *       (CRITICAL) or {@link #DISK_WARNING_FREE} (WARNING), from DescribeLogDirs' total and usable bytes.</li>
 *   <li>{@code quorum}: no controller quorum leader (CRITICAL), a voter more than {@link #VOTER_LAG_RECORDS} records
 *       behind the leader's log end and not caught up for {@link #VOTER_STALE_MS} (WARNING). A cluster that does not
 *       answer DescribeQuorum gets no finding: its quorum is reported as unknown.</li>
 *   <li>{@code configs}: a broker config whose value differs between live brokers (WARNING), leaving out the ones
 *       that differ by nature (ids, listeners, paths, racks, key stores).</li>
 *   <li>{@code groups}: consumer groups in STALL, STOP (WARNING) or ERR (CRITICAL: records were lost to the group)
 *       over the sampled window ({@link LagEvaluator}).</li>
 *   <li>{@code single-replica}: topics with one replica while the cluster has several brokers (WARNING).</li>
 *   <li>{@code preferred-leaders}: partitions not led by their preferred replica although it is in sync (INFO).</li>
 *   <li>{@code size-skew}: a partition at least {@link #SKEW_FACTOR} times its topic's median size and at least
 *       {@link #SKEW_MIN_BYTES} (INFO: uneven keys).</li>
 * </ul>
 * Findings are ordered by severity, then in the order above; user topics come before internal ones.
 */
public final class Doctor {
    static final double DISK_WARNING_FREE = 0.20;
    static final double DISK_CRITICAL_FREE = 0.10;
    static final long VOTER_LAG_RECORDS = 1000;
    static final long VOTER_STALE_MS = 30_000;
    static final double SKEW_FACTOR = 2.0;
    static final long SKEW_MIN_BYTES = 100L << 20;

    /** How urgent a finding is, least first. */
    public enum Severity { INFO, WARNING, CRITICAL }

    /**
     * One thing that needs a human. {@code check} names the check (see the class comment), {@code subject} what it is
     * about (a broker, topic, group, config); {@code command} is the sluice command that fixes it (or, where no command
     * can, the one that shows more), {@code fix} says what to do in words; {@code details} one line per item.
     */
    public record Finding(Severity severity, String check, String subject, String message, String fix, String command,
                          List<String> details) {
    }

    /** A log dir of one broker: {@code error} null when online; total and usable bytes -1 when not reported. */
    public record LogDir(int broker, String path, String error, long totalBytes, long usableBytes, Map<String, Long> topicBytes) {
    }

    /** A controller quorum voter: its log end offset and when it last caught up with the leader (-1 unknown). */
    public record Voter(int id, long logEndOffset, long lastCaughtUpTimestampMs) {
    }

    /**
     * The controller quorum as DescribeQuorum reports it; {@code known} false with the reason when the cluster does
     * not answer it (then the other fields mean nothing).
     */
    public record Quorum(boolean known, String reason, int leaderId, long leaderEpoch, long highWatermark, List<Voter> voters) {
        public static Quorum unknown(String reason) {
            return new Quorum(false, reason, -1, -1, -1, List.of());
        }
    }

    /**
     * Everything the checks read: the cluster snapshot, the brokers that are registered but fenced, log dirs, the
     * quorum, each live broker's configs, the consumer groups with their lag status over the sampled window, and
     * notes on what could not be read.
     */
    public record Facts(long nowMs, ClusterSnapshot snapshot, Set<Integer> fenced, List<LogDir> logDirs, Quorum quorum,
                        Map<Integer, List<Configs.Entry>> brokerConfigs, List<Groups.GroupDetail> groups, List<String> notes) {
    }

    /**
     * The report: {@code worst} is the highest severity found (null when nothing was); {@code quorum} as found;
     * {@code notes} say what could not be examined (a broker that did not answer).
     */
    public record Report(String clusterId, long takenAtMs, Severity worst, List<Finding> findings, Quorum quorum, List<String> notes) {
    }

    private Doctor() {
    }

    public static Report report(Facts f) {
        List<Finding> findings = findings(f);
        Severity worst = findings.stream().map(Finding::severity).max(Comparator.naturalOrder()).orElse(null);
        return new Report(f.snapshot().clusterId(), f.nowMs(), worst, findings, f.quorum(), f.notes());
    }

    public static List<Finding> findings(Facts f) {
        List<Finding> out = new ArrayList<>();
        Set<Integer> up = new java.util.HashSet<>(ProblemCauses.up(f.snapshot()));
        up.removeAll(f.fenced());
        List<ProblemCauses.Cause> causes = ProblemCauses.group(f.snapshot().topics(), up);
        partitions(f, causes, up, out);
        brokers(f, causes, out);
        logDirs(f, out);
        quorum(f, out);
        configs(f, out);
        groups(f, out);
        singleReplica(f, out);
        preferredLeaders(f, up, out);
        sizeSkew(f, out);
        List<Finding> sorted = new ArrayList<>(out);
        sorted.sort(Comparator.comparing(Finding::severity).reversed()); // stable: keeps the check order within a severity
        return List.copyOf(sorted);
    }

    private static void partitions(Facts f, List<ProblemCauses.Cause> causes, Set<Integer> up, List<Finding> out) {
        List<ProblemCauses.Detail> details = ProblemCauses.details(f.snapshot().topics(), up);
        for (ProblemCauses.Cause c : causes) {
            Severity severity = c.worst() == ProblemCauses.Problem.UNDER_REPLICATED ? Severity.WARNING : Severity.CRITICAL;
            List<String> lines = details.stream().filter(d -> d.cause().equals(c.cause())).map(Doctor::detailLine).toList();
            String ids = c.brokers().stream().map(String::valueOf).collect(Collectors.joining(","));
            String fix;
            String command;
            switch (c.kind()) {
                case BROKER_DOWN -> {
                    fix = "start broker " + ids + " again; if it is gone for good, move its replicas to the live brokers";
                    command = "sluice partition balance";
                }
                case REPLICA_BEHIND -> {
                    fix = "find why broker " + ids + " falls behind (disk, network, its log; replica.lag.time.max.ms)";
                    command = "sluice broker describe " + c.brokers().get(0);
                }
                case NO_LEADER -> {
                    fix = "elect a leader from the in-sync replicas";
                    command = "sluice partition elect-leader " + firstPartition(c);
                }
                default -> {
                    String topic = c.effects().get(0).topics().get(0).topic();
                    fix = "make min.insync.replicas at most the replication factor of " + topic;
                    command = "sluice topic alter-config " + topic + " --set min.insync.replicas=" + f.snapshot().topic(topic).replicationFactor();
                }
            }
            out.add(new Finding(severity, "partitions", c.cause(), c.summary(), fix, command, lines));
        }
    }

    private static String firstPartition(ProblemCauses.Cause c) {
        ProblemCauses.TopicPartitions tp = c.effects().get(0).topics().get(0);
        return tp.topic() + ":" + tp.partitions().get(0);
    }

    private static String detailLine(ProblemCauses.Detail d) {
        return d.topic() + "-" + d.partition() + "  " + d.problems().stream().map(ProblemCauses.Problem::label).collect(Collectors.joining(", "))
                + "  leader " + (d.leader() < 0 ? "none" : d.leader()) + "  replicas " + join(d.replicas()) + "  isr " + join(d.isr());
    }

    private static String join(List<Integer> ids) {
        return ids.isEmpty() ? "-" : ids.stream().map(String::valueOf).collect(Collectors.joining(","));
    }

    /** Down or fenced brokers that no partition cause names already. */
    private static void brokers(Facts f, List<ProblemCauses.Cause> causes, List<Finding> out) {
        Set<Integer> named = causes.stream().filter(c -> c.kind() == ProblemCauses.Kind.BROKER_DOWN)
                .flatMap(c -> c.brokers().stream()).collect(Collectors.toSet());
        Set<Integer> ids = new java.util.TreeSet<>(f.fenced());
        f.snapshot().brokers().forEach(b -> ids.add(b.id()));
        Set<Integer> up = ProblemCauses.up(f.snapshot());
        for (int id : ids) {
            if (named.contains(id)) {
                continue;
            }
            if (f.fenced().contains(id)) {
                out.add(new Finding(Severity.WARNING, "brokers", "broker " + id, "broker " + id + " is fenced: registered, but "
                        + "the controller gets no heartbeats from it, so it leads nothing", "start it again or find why it cannot reach the controller",
                        "sluice broker list", List.of()));
            } else if (!up.contains(id)) {
                out.add(new Finding(Severity.WARNING, "brokers", "broker " + id, "broker " + id + " is down: partitions name it as a "
                        + "replica but it is not registered", "start broker " + id + " again, or move its replicas away",
                        "sluice partition balance", List.of()));
            }
        }
    }

    private static void logDirs(Facts f, List<Finding> out) {
        for (LogDir d : f.logDirs()) {
            String where = "broker " + d.broker() + " " + d.path();
            if (d.error() != null) {
                out.add(new Finding(Severity.CRITICAL, "log-dirs", where, "log dir " + d.path() + " of broker " + d.broker() + " is offline: "
                        + d.error(), "replace or repair the disk; its partitions are served by other replicas meanwhile",
                        "sluice broker describe " + d.broker(), List.of()));
                continue;
            }
            if (d.totalBytes() <= 0 || d.usableBytes() < 0) {
                continue;
            }
            double free = (double) d.usableBytes() / d.totalBytes();
            if (free >= DISK_WARNING_FREE) {
                continue;
            }
            String largest = d.topicBytes().entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElse(null);
            long used = d.topicBytes().values().stream().mapToLong(Long::longValue).sum();
            String message = String.format(Locale.ROOT, "log dir %s of broker %d: %s free of %s (%.0f%%); its partitions hold %s",
                    d.path(), d.broker(), Units.bytes(d.usableBytes()), Units.bytes(d.totalBytes()), free * 100, Units.bytes(used));
            String fix = largest == null ? "free space on the disk or give it more"
                    : "lower the retention of its largest topic, " + largest + " (" + Units.bytes(d.topicBytes().get(largest))
                    + " there), or move partitions to brokers with room";
            String command = largest == null ? "sluice broker describe " + d.broker()
                    : "sluice topic alter-config " + largest + " --set retention.bytes=BYTES";
            out.add(new Finding(free < DISK_CRITICAL_FREE ? Severity.CRITICAL : Severity.WARNING, "log-dirs", where, message, fix, command,
                    List.of()));
        }
    }

    private static void quorum(Facts f, List<Finding> out) {
        Quorum q = f.quorum();
        if (!q.known()) {
            return;
        }
        if (q.leaderId() < 0) {
            out.add(new Finding(Severity.CRITICAL, "quorum", "controller quorum", "the controller quorum has no leader: no metadata "
                    + "changes (elections, ISR changes, topic changes) until a majority of voters runs", "start the voters that are down",
                    "sluice cluster info", List.of()));
            return;
        }
        long leaderEnd = q.voters().stream().filter(v -> v.id() == q.leaderId()).mapToLong(Voter::logEndOffset).findFirst().orElse(q.highWatermark());
        for (Voter v : q.voters()) {
            long behind = leaderEnd - v.logEndOffset();
            boolean stale = v.lastCaughtUpTimestampMs() < 0 || f.nowMs() - v.lastCaughtUpTimestampMs() > VOTER_STALE_MS;
            if (v.id() != q.leaderId() && behind > VOTER_LAG_RECORDS && stale) {
                out.add(new Finding(Severity.WARNING, "quorum", "controller " + v.id(), "controller voter " + v.id() + " is " + behind
                        + " records behind the quorum leader " + q.leaderId() + (v.lastCaughtUpTimestampMs() < 0 ? ""
                        : " and last caught up " + (f.nowMs() - v.lastCaughtUpTimestampMs()) / 1000 + " s ago")
                        + ": one more voter down loses the majority", "find why controller " + v.id() + " does not keep up (its log, disk, network)",
                        "sluice cluster info", List.of()));
            }
        }
    }

    /** Config names that differ between brokers by nature: identities, addresses, paths, racks, key stores. */
    private static final Pattern PER_BROKER = Pattern.compile(
            ".*\\.id|.*listeners?|.*listener\\..*|.*\\.dirs?|broker\\.rack|.*(keystore|truststore).*|.*\\.location|.*\\.file|.*host\\.name");

    private static void configs(Facts f, List<Finding> out) {
        if (f.brokerConfigs().size() < 2) {
            return;
        }
        Map<String, Map<Integer, String>> values = new TreeMap<>();
        Map<String, Boolean> readOnly = new TreeMap<>();
        f.brokerConfigs().forEach((broker, entries) -> entries.forEach(e -> {
            if (!e.sensitive() && !PER_BROKER.matcher(e.name()).matches()) {
                values.computeIfAbsent(e.name(), k -> new TreeMap<>()).put(broker, String.valueOf(e.value()));
                readOnly.merge(e.name(), e.readOnly(), Boolean::logicalOr);
            }
        }));
        values.forEach((name, byBroker) -> {
            if (byBroker.size() < f.brokerConfigs().size() || byBroker.values().stream().distinct().count() < 2) {
                return;
            }
            Map<String, List<Integer>> brokersByValue = new TreeMap<>();
            byBroker.forEach((b, v) -> brokersByValue.computeIfAbsent(v, k -> new ArrayList<>()).add(b));
            String common = brokersByValue.entrySet().stream().max(Comparator.comparingInt((Map.Entry<String, List<Integer>> e) -> e.getValue().size()))
                    .map(Map.Entry::getKey).orElseThrow();
            int odd = byBroker.entrySet().stream().filter(e -> !e.getValue().equals(common)).map(Map.Entry::getKey).findFirst().orElseThrow();
            String message = name + " differs between brokers: " + brokersByValue.entrySet().stream()
                    .map(e -> "broker " + join(e.getValue()) + " " + e.getKey()).collect(Collectors.joining("; "));
            boolean dynamic = !readOnly.get(name);
            out.add(new Finding(Severity.WARNING, "configs", name, message,
                    dynamic ? "set it alike on every broker" : "set " + name + ": " + common + " in broker " + odd + "'s config file and restart it",
                    dynamic ? "sluice config set broker:" + odd + " " + name + "=" + common : "sluice config get broker:" + odd + " " + name, List.of()));
        });
    }

    private static void groups(Facts f, List<Finding> out) {
        for (Groups.GroupDetail g : f.groups()) {
            List<Groups.PartitionLag> bad = g.partitions().stream().filter(p -> p.status() == LagEvaluator.Status.STALL
                    || p.status() == LagEvaluator.Status.STOP || p.status() == LagEvaluator.Status.ERR).toList();
            if (bad.isEmpty()) {
                continue;
            }
            LagEvaluator.Status worst = LagEvaluator.group(bad.stream().map(Groups.PartitionLag::status).toList());
            List<String> lines = bad.stream().map(p -> p.topic() + "-" + p.partition() + "  " + p.status() + "  committed " + p.committed()
                    + "  end " + p.end() + "  lag " + p.lag() + (p.memberId().isEmpty() ? "" : "  member " + p.memberId())).toList();
            String message = "group " + g.group() + " " + worst + ": " + summarize(bad) + " (lag " + g.totalLag() + ")";
            String fix;
            String command;
            switch (worst) {
                case ERR -> {
                    Groups.PartitionLag p = bad.stream().filter(x -> x.status() == LagEvaluator.Status.ERR).findFirst().orElseThrow();
                    fix = "records below the log start were deleted before the group read them; its consumers reset by auto.offset.reset. "
                            + "To resume at the oldest record now";
                    command = "sluice group seek " + g.group() + " --to start --topics " + p.topic() + " --execute";
                }
                case STOP -> {
                    fix = "start the group's consumers again; if nobody needs the group any more, delete it";
                    command = "sluice group delete " + g.group();
                }
                default -> {
                    fix = "a consumer holds these partitions but does not get past a record: look at its log, restart it";
                    command = "sluice group describe " + g.group();
                }
            }
            out.add(new Finding(worst == LagEvaluator.Status.ERR ? Severity.CRITICAL : Severity.WARNING, "groups", g.group(), message, fix,
                    command, lines));
        }
    }

    /** "orders-0,1 STALL, payments-3 STOP". */
    private static String summarize(List<Groups.PartitionLag> parts) {
        Map<String, List<Integer>> byTopicStatus = new TreeMap<>();
        parts.forEach(p -> byTopicStatus.computeIfAbsent(p.topic() + "\u0000" + p.status(), k -> new ArrayList<>()).add(p.partition()));
        return byTopicStatus.entrySet().stream().map(e -> {
            String[] k = e.getKey().split("\u0000");
            return k[0] + "-" + join(e.getValue()) + " " + k[1];
        }).collect(Collectors.joining(", "));
    }

    private static void singleReplica(Facts f, List<Finding> out) {
        List<ClusterSnapshot.Broker> brokers = f.snapshot().brokers();
        if (brokers.size() < 2) {
            return;
        }
        List<ClusterSnapshot.Topic> single = f.snapshot().topics().stream().filter(t -> t.replicationFactor() == 1 && !t.partitions().isEmpty())
                .sorted(Comparator.comparing(ClusterSnapshot.Topic::internal).thenComparing(ClusterSnapshot.Topic::name)).toList();
        if (single.isEmpty()) {
            return;
        }
        ClusterSnapshot.Topic first = single.get(0);
        ClusterSnapshot.Partition p = first.partitions().get(0);
        int current = p.replicas().isEmpty() ? -1 : p.replicas().get(0);
        int other = brokers.stream().filter(ClusterSnapshot.Broker::up).mapToInt(ClusterSnapshot.Broker::id).filter(id -> id != current)
                .findFirst().orElse(-1);
        String message = single.size() + (single.size() == 1 ? " topic has" : " topics have") + " a single replica in a " + brokers.size()
                + "-broker cluster, so losing one broker takes their partitions offline: "
                + single.stream().map(t -> t.name() + " (" + t.partitions().size() + (t.partitions().size() == 1 ? " partition)" : " partitions)"))
                .collect(Collectors.joining(", "));
        out.add(new Finding(Severity.WARNING, "single-replica", first.name(), message,
                "add a replica to each partition (partition move with the current replica plus another broker, one partition at a time)",
                "sluice partition move " + first.name() + ":" + p.partition() + " --replicas " + current + (other < 0 ? "" : "," + other),
                single.stream().map(t -> t.name() + "  " + t.partitions().size() + " partition(s)").toList()));
    }

    private static void preferredLeaders(Facts f, Set<Integer> up, List<Finding> out) {
        Map<String, List<Integer>> byTopic = new java.util.LinkedHashMap<>();
        Partitions.preferredElections(f.snapshot(), up)
                .forEach(e -> byTopic.computeIfAbsent(e.topic(), k -> new ArrayList<>()).add(e.partition()));
        if (byTopic.isEmpty()) {
            return;
        }
        int n = byTopic.values().stream().mapToInt(List::size).sum();
        String message = n + (n == 1 ? " partition is not led by its" : " partitions are not led by their") + " preferred replica although it is in sync: "
                + byTopic.entrySet().stream().map(e -> e.getValue().size() == 1 ? e.getKey() + "-" + e.getValue().get(0)
                        : e.getValue().size() + " of " + e.getKey()).collect(Collectors.joining(", "));
        out.add(new Finding(Severity.INFO, "preferred-leaders", byTopic.keySet().iterator().next(), message,
                "move leadership back to the preferred replicas (auto.leader.rebalance.enable does it in time)",
                "sluice partition elect-leader", byTopic.entrySet().stream().map(e -> e.getKey() + "  partitions " + join(e.getValue())).toList()));
    }

    private static void sizeSkew(Facts f, List<Finding> out) {
        for (ClusterSnapshot.Topic t : f.snapshot().topics().stream()
                .sorted(Comparator.comparing(ClusterSnapshot.Topic::internal).thenComparing(ClusterSnapshot.Topic::name)).toList()) {
            List<Long> sizes = t.partitions().stream().map(ClusterSnapshot.Partition::sizeBytes).filter(s -> s >= 0).sorted().toList();
            if (sizes.size() < 2) {
                continue;
            }
            long median = sizes.get(sizes.size() / 2);
            List<ClusterSnapshot.Partition> skewed = t.partitions().stream()
                    .filter(p -> p.sizeBytes() >= SKEW_MIN_BYTES && p.sizeBytes() >= SKEW_FACTOR * Math.max(1, median)).toList();
            if (skewed.isEmpty()) {
                continue;
            }
            ClusterSnapshot.Partition biggest = skewed.stream().max(Comparator.comparingLong(ClusterSnapshot.Partition::sizeBytes)).orElseThrow();
            String message = String.format(Locale.ROOT, "topic %s is skewed: %s holds %s, %.1fx the median partition (%s)%s", t.name(),
                    t.name() + "-" + biggest.partition(), Units.bytes(biggest.sizeBytes()), (double) biggest.sizeBytes() / Math.max(1, median),
                    Units.bytes(median), skewed.size() > 1 ? "; " + (skewed.size() - 1) + " more partition(s) too" : "");
            out.add(new Finding(Severity.INFO, "size-skew", t.name(), message,
                    "records are spread unevenly by key: a few hot keys, or a custom partitioner; spread the keys or add partitions",
                    "sluice topic describe " + t.name(), skewed.stream().map(p -> t.name() + "-" + p.partition() + "  " + Units.bytes(p.sizeBytes())).toList()));
        }
    }
}
