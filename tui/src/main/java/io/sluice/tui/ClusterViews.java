package io.sluice.tui;

import io.sluice.ops.ClusterRates;
import io.sluice.ops.ClusterSnapshot;
import io.sluice.ops.ProblemCauses;
import io.sluice.tui.Table.Cell;
import io.sluice.tui.Table.Column;
import io.sluice.tui.Table.Row;
import io.sluice.tui.Table.Span;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The Brokers, Topics, Partitions, Placement and Problems tables, built from one observation. Stateless. */
final class ClusterViews {
    private ClusterViews() {
    }

    static Table brokers(ClusterSnapshot s) {
        List<Column> cols = List.of(Column.number("ID", 4), Column.flex("ADDRESS", 12), Column.text("RACK", 6),
                Column.text("STATE", 5), Column.number("LEADERS", 7), Column.number("REPLICAS", 8), Column.number("OOS", 4),
                Column.number("PARTS", 5), Column.number("SIZE", 9));
        List<Row> rows = new ArrayList<>();
        for (ClusterSnapshot.Broker b : s.brokers()) {
            String id = b.id() + (b.id() == s.controllerId() ? "*" : "");
            rows.add(new Row(String.valueOf(b.id()), List.of(
                    Cell.num(id, b.id()),
                    Cell.of(b.up() ? b.host() + ":" + b.port() : "(not registered)", b.up() ? Style.NORMAL : Style.DIM),
                    Cell.of(b.rack() == null ? "-" : b.rack()),
                    b.up() ? Cell.of("up", Style.GOOD) : Cell.of("down", Style.BAD),
                    Cell.num(Fmt.count(b.leaders()), b.leaders()),
                    Cell.num(Fmt.count(b.replicas()), b.replicas()),
                    Cell.num(Fmt.count(b.outOfSyncReplicas()), b.outOfSyncReplicas(), b.outOfSyncReplicas() > 0 ? Style.BAD : Style.NORMAL),
                    Cell.num(Fmt.count(b.logDirPartitions()), b.logDirPartitions()),
                    Cell.num(Fmt.bytes(b.logSizeBytes()), b.logSizeBytes()))));
        }
        List<Span> title = List.of(new Span("Brokers", Style.TITLE), Span.of("  " + s.summary().brokersUp() + " up, "),
                new Span(s.summary().brokersDown() + " down", s.summary().brokersDown() > 0 ? Style.BAD : Style.NORMAL),
                Span.of("   * controller"));
        return new Table(title, cols, rows, List.of(), "no brokers");
    }

    static Table topics(ClusterSnapshot s, ClusterRates r, boolean showInternal) {
        List<Column> cols = List.of(Column.flex("TOPIC", 12), Column.number("PARTS", 5), Column.number("RF", 2),
                Column.number("IN/s", 8), Column.number("OUT/s", 8), Column.number("SIZE", 9), Column.text("STATUS", 11));
        List<Row> rows = new ArrayList<>();
        int partitions = 0;
        for (ClusterSnapshot.Topic t : shown(s, showInternal)) {
            partitions += t.partitions().size();
            rows.add(new Row(t.name(), List.of(
                    Cell.of(t.name(), t.internal() ? Style.DIM : Style.NORMAL),
                    Cell.num(Fmt.count(t.partitions().size()), t.partitions().size()),
                    Cell.num(String.valueOf(t.replicationFactor()), t.replicationFactor()),
                    rateCell(r, r.topicIn(t.name())), rateCell(r, r.topicOut(t.name())),
                    Cell.num(Fmt.bytes(t.sizeBytes()), t.sizeBytes()),
                    status(t))));
        }
        List<Span> title = new ArrayList<>(List.of(new Span("Topics", Style.TITLE), Span.of("  " + rows.size() + " topics, "
                + partitions + " partitions")));
        title.addAll(internalNote(s, showInternal));
        return new Table(title, cols, rows, List.of(), "no topics");
    }

    /** The topics a page shows: all, or without the internal ones. */
    static List<ClusterSnapshot.Topic> shown(ClusterSnapshot s, boolean showInternal) {
        return s.topics().stream().filter(t -> showInternal || !t.internal()).toList();
    }

    /** "  1 internal hidden (i)" when internal topics are hidden, "  internal shown (i)" when shown; nothing without any. */
    static List<Span> internalNote(ClusterSnapshot s, boolean showInternal) {
        long internal = s.topics().stream().filter(ClusterSnapshot.Topic::internal).count();
        if (internal == 0) {
            return List.of();
        }
        return List.of(new Span(showInternal ? "  internal shown (i)" : "  " + internal + " internal hidden (i)", Style.DIM));
    }

    private static Cell status(ClusterSnapshot.Topic t) {
        if (t.offlinePartitions() > 0) {
            return Cell.num(t.offlinePartitions() + " OFFLINE", 3_000_000 + t.offlinePartitions(), Style.BAD);
        }
        if (t.underReplicatedPartitions() > 0) {
            return Cell.num(t.underReplicatedPartitions() + " URP", 2_000_000 + t.underReplicatedPartitions(), Style.WARN);
        }
        if (t.underMinIsrPartitions() > 0) {
            return Cell.num(t.underMinIsrPartitions() + " <MIN-ISR", 1_000_000 + t.underMinIsrPartitions(), Style.WARN);
        }
        return Cell.num("ok", 0, Style.GOOD);
    }

    static Cell rateCell(ClusterRates r, double perSec) {
        return r.known() ? Cell.num(Fmt.rate(perSec), perSec) : Cell.num("-", -1);
    }

    static Table partitions(ClusterSnapshot s, ClusterRates r, String topic) {
        List<Column> cols = List.of(Column.number("P", 4), Column.text("LEADER", 6), Column.text("REPLICAS", 10),
                Column.flex("ISR", 10), Column.number("START", 10), Column.number("END", 10), Column.number("SIZE", 9),
                Column.number("IN/s", 8));
        ClusterSnapshot.Topic t = s.topic(topic);
        List<Row> rows = new ArrayList<>();
        if (t != null) {
            for (ClusterSnapshot.Partition p : t.partitions()) {
                Style mark = p.offline() ? Style.BAD : p.needsAttention() ? Style.WARN : Style.NORMAL;
                rows.add(new Row(String.valueOf(p.partition()), List.of(
                        Cell.num(String.valueOf(p.partition()), p.partition(), mark),
                        p.offline() ? Cell.num("none", -1, Style.BAD) : Cell.num(String.valueOf(p.leader()), p.leader()),
                        Cell.of(join(p.replicas())),
                        isrCell(p),
                        Cell.num(Fmt.count(p.logStartOffset()), p.logStartOffset()),
                        Cell.num(Fmt.count(p.logEndOffset()), p.logEndOffset()),
                        Cell.num(Fmt.bytes(p.sizeBytes()), p.sizeBytes()),
                        rateCell(r, r.partitionIn(topic, p.partition())))));
            }
        }
        List<Span> title = new ArrayList<>(List.of(new Span("Topic " + topic, Style.TITLE)));
        if (t == null) {
            title.add(new Span("  no longer exists", Style.BAD));
        } else {
            title.add(Span.of(String.format(Locale.ROOT, "  RF %d  min ISR %d  ", t.replicationFactor(), t.minInsyncReplicas())));
            title.add(new Span(t.underReplicatedPartitions() + " URP", t.underReplicatedPartitions() > 0 ? Style.WARN : Style.NORMAL));
            title.add(Span.of("  "));
            title.add(new Span(t.offlinePartitions() + " offline", t.offlinePartitions() > 0 ? Style.BAD : Style.NORMAL));
            title.add(Span.of("  !N = replica out of ISR"));
        }
        return new Table(title, cols, rows, List.of(), "no partitions");
    }

    /** Every replica in replica order: in-sync ones plain, the missing ones as !N in the alarm style. */
    private static Cell isrCell(ClusterSnapshot.Partition p) {
        List<Span> spans = new ArrayList<>();
        for (int replica : p.replicas()) {
            if (!spans.isEmpty()) {
                spans.add(Span.of(","));
            }
            spans.add(p.isr().contains(replica) ? Span.of(String.valueOf(replica)) : new Span("!" + replica, Style.BAD));
        }
        for (int extra : p.isr()) {
            if (!p.replicas().contains(extra)) {
                spans.add(Span.of((spans.isEmpty() ? "" : ",") + extra));
            }
        }
        return new Cell(spans, (double) p.isr().size() - p.replicas().size());
    }

    static String join(List<Integer> ids) {
        StringBuilder sb = new StringBuilder();
        ids.forEach(i -> sb.append(sb.length() == 0 ? "" : ",").append(i));
        return sb.toString();
    }

    /**
     * Partitions down, brokers across: L leader, F in-sync follower, ! replica out of the ISR (a down broker's replicas
     * are out of the ISR too). Footer: leaders and replicas per broker, and each broker's leader skew against an even
     * share of the leaders among live brokers.
     */
    static Table placement(ClusterSnapshot s, boolean showInternal) {
        List<ClusterSnapshot.Broker> brokers = s.brokers();
        List<Column> cols = new ArrayList<>();
        cols.add(Column.flex("PARTITION", 14));
        for (ClusterSnapshot.Broker b : brokers) {
            cols.add(new Column("B" + b.id(), 5, false, false, false));
        }
        List<Row> rows = new ArrayList<>();
        int[] leadersOf = new int[brokers.size()];
        int[] replicasOf = new int[brokers.size()];
        int totalLeaders = 0;
        for (ClusterSnapshot.Topic t : shown(s, showInternal)) {
            for (ClusterSnapshot.Partition p : t.partitions()) {
                List<Cell> cells = new ArrayList<>();
                Style mark = p.offline() ? Style.BAD : p.underReplicated() ? Style.WARN : Style.NORMAL;
                cells.add(Cell.of(t.name() + "-" + p.partition(), mark));
                for (int i = 0; i < brokers.size(); i++) {
                    int id = brokers.get(i).id();
                    cells.add(placementCell(p, id));
                    leadersOf[i] += p.leader() == id ? 1 : 0;
                    replicasOf[i] += p.replicas().contains(id) ? 1 : 0;
                }
                totalLeaders += p.offline() ? 0 : 1;
                rows.add(new Row(t.name() + "-" + p.partition(), cells));
            }
        }
        List<Cell> leaders = new ArrayList<>(List.of(Cell.of("leaders", Style.TITLE)));
        List<Cell> replicas = new ArrayList<>(List.of(Cell.of("replicas", Style.TITLE)));
        List<Cell> skew = new ArrayList<>(List.of(Cell.of("leader skew", Style.TITLE)));
        double even = s.summary().brokersUp() == 0 ? 0 : (double) totalLeaders / s.summary().brokersUp();
        for (int i = 0; i < brokers.size(); i++) {
            leaders.add(Cell.of(String.valueOf(leadersOf[i])));
            replicas.add(Cell.of(String.valueOf(replicasOf[i])));
            if (!brokers.get(i).up()) {
                skew.add(Cell.of("down", Style.BAD));
            } else if (even == 0) {
                skew.add(Cell.of("-"));
            } else {
                long pct = Math.round((leadersOf[i] - even) * 100 / even);
                skew.add(Cell.of((pct > 0 ? "+" : "") + pct + "%", Math.abs(pct) > 20 ? Style.WARN : Style.NORMAL));
            }
        }
        List<Span> title = new ArrayList<>(List.of(new Span("Placement", Style.TITLE), Span.of("  L leader  F follower  "),
                new Span("!", Style.BAD), Span.of(" out of sync")));
        title.addAll(internalNote(s, showInternal));
        return new Table(title, cols, rows, List.of(new Row("", leaders), new Row("", replicas), new Row("", skew)), "no partitions");
    }

    /**
     * Every partition that needs attention, worst first, user topics before internal ones, with its cause (see
     * {@link ProblemCauses}); the Overview's "Needs attention" in full.
     */
    static Table problems(ClusterSnapshot s, boolean showInternal) {
        List<Column> cols = List.of(Column.flex("PARTITION", 14), Column.text("PROBLEM", 16), Column.text("LEADER", 6),
                Column.text("REPLICAS", 8), Column.text("ISR", 8), Column.text("CAUSE", 14));
        List<Row> rows = new ArrayList<>();
        List<ProblemCauses.Detail> details = ProblemCauses.details(shown(s, showInternal), ProblemCauses.up(s));
        for (ProblemCauses.Detail d : details) {
            ProblemCauses.Problem worst = d.problems().get(0);
            Style style = worst == ProblemCauses.Problem.OFFLINE ? Style.BAD : Style.WARN;
            StringBuilder problems = new StringBuilder();
            d.problems().forEach(x -> problems.append(problems.length() == 0 ? "" : ", ").append(x.label()));
            ClusterSnapshot.Partition p = s.topic(d.topic()).partition(d.partition());
            rows.add(new Row(d.topic() + "-" + d.partition(), List.of(
                    Cell.of(d.topic() + "-" + d.partition(), d.internal() ? Style.DIM : Style.NORMAL),
                    new Cell(List.of(new Span(problems.toString(), style)), (double) worst.ordinal()),
                    d.leader() < 0 ? Cell.num("none", -1, Style.BAD) : Cell.num(String.valueOf(d.leader()), d.leader()),
                    Cell.of(join(d.replicas())),
                    isrCell(p),
                    Cell.of(d.cause()))));
        }
        List<Span> title = new ArrayList<>(List.of(new Span("Problems", Style.TITLE), Span.of("  " + rows.size()
                + (rows.size() == 1 ? " partition" : " partitions") + "  !N = replica out of ISR")));
        title.addAll(internalNote(s, showInternal));
        return new Table(title, cols, rows, List.of(), "nothing needs attention");
    }

    private static Cell placementCell(ClusterSnapshot.Partition p, int broker) {
        if (!p.replicas().contains(broker)) {
            return Cell.of(" ", Style.DIM);
        }
        if (broker == p.leader()) {
            return Cell.of("L", Style.GOOD);
        }
        return p.isr().contains(broker) ? Cell.of("F") : Cell.of("!", Style.BAD);
    }
}
