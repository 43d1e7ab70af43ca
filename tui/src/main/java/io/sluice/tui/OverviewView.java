package io.sluice.tui;

import com.googlecode.lanterna.graphics.TextGraphics;
import io.sluice.ops.ClusterRates;
import io.sluice.ops.ClusterSnapshot;
import io.sluice.ops.LagTrend;
import io.sluice.ops.ProblemCauses;
import io.sluice.ops.SnapshotPoller;
import io.sluice.tui.Table.Span;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The overview page: cluster counts with problems coloured, produce and consume rates, the busiest topics and the
 * most-lagging groups side by side, then what needs attention: one line per cause and effect (see {@link ProblemCauses});
 * Enter opens the partitions behind them. Stateless.
 */
final class OverviewView {
    private OverviewView() {
    }

    static void draw(TextGraphics g, Theme theme, SnapshotPoller.Observation o, int top, int left, int width, int height) {
        ClusterSnapshot s = o.snapshot();
        ClusterSnapshot.Summary sum = s.summary();
        ClusterRates r = o.rates();
        int half = (width - 1) / 2;
        int row = top;
        line(g, theme, row, left, half, List.of(label("Cluster"), Span.of(s.clusterId() == null ? "-" : s.clusterId())));
        line(g, theme, row++, left + half + 1, width - half - 1, List.of(label("Controller"),
                Span.of(s.controllerId() < 0 ? "none" : "broker " + s.controllerId())));
        line(g, theme, row, left, half, List.of(label("Brokers"), new Span(sum.brokersUp() + " up", Style.GOOD), Span.of(", "),
                new Span(sum.brokersDown() + " down", sum.brokersDown() > 0 ? Style.BAD : Style.NORMAL)));
        line(g, theme, row++, left + half + 1, width - half - 1, List.of(label("Topics"),
                Span.of(sum.topics() + " (" + Fmt.count(sum.partitions()) + " partitions)")));
        line(g, theme, row++, left, width, List.of(label("Partitions"),
                new Span(sum.offlinePartitions() + " offline", sum.offlinePartitions() > 0 ? Style.BAD : Style.GOOD), Span.of(", "),
                new Span(sum.underReplicatedPartitions() + " under-replicated", sum.underReplicatedPartitions() > 0 ? Style.WARN : Style.GOOD),
                Span.of(", "),
                new Span(sum.underMinIsrPartitions() + " under min ISR", sum.underMinIsrPartitions() > 0 ? Style.WARN : Style.GOOD)));
        line(g, theme, row, left, half, List.of(label("Produce"), Span.of(r.known() ? Fmt.rate(r.inPerSec()) + " rec/s" : "-")));
        line(g, theme, row++, left + half + 1, width - half - 1, List.of(label("Consume"),
                Span.of(r.known() ? Fmt.rate(r.outPerSec()) + " rec/s" : "-")));
        line(g, theme, row++, left, width, List.of(label("Lag"), Span.of(Fmt.count(sum.totalLag()) + " records in "
                + s.groups().size() + " groups")));
        if (s.quorum() != null) {
            line(g, theme, row++, left, width, quorumLine(s.quorum()));
        }
        row++;
        List<ProblemCauses.Cause> causes = ProblemCauses.group(s.topics(), ProblemCauses.up(s));
        List<List<Span>> causeLines = new ArrayList<>();
        causes.forEach(c -> causeLines.addAll(causeLines(c)));
        int remaining = top + height - row;
        int wanted = Math.max(1, Math.max((int) s.topics().stream().filter(t -> !t.internal()).count(), s.groups().size()));
        int listRows = Math.min(wanted, causes.isEmpty() ? remaining - 2 : Math.max(1, Math.min(remaining - causeLines.size() - 4, 8)));
        if (listRows < 1) {
            return;
        }
        ScreenState.Position unused = new ScreenState.Position();
        TableRenderer.draw(g, theme, busiest(s, r), unused, row, left, half, listRows + 2, false);
        TableRenderer.draw(g, theme, lagging(s, o.trend()), unused, row, left + half + 1, width - half - 1, listRows + 2, false);
        row += listRows + 3;
        if (!causes.isEmpty() && row < top + height) {
            int partitions = causes.stream().mapToInt(ProblemCauses.Cause::partitions).sum();
            line(g, theme, row++, left, width, List.of(new Span("Needs attention", Style.TITLE), Span.of("  " + partitions
                    + (partitions == 1 ? " partition, " : " partitions, ") + causes.size() + (causes.size() == 1 ? " cause" : " causes")),
                    new Span("  Enter: each partition", Style.DIM)));
            for (int i = 0; i < causeLines.size() && row < top + height; i++) {
                line(g, theme, row++, left, width, causeLines.get(i));
            }
        }
    }

    /**
     * A cause over as many lines as it has effects: "broker 3 down: 1 partition offline: orders-2", then
     * "  5 partitions under-replicated: 2 of orders, 3 of __consumer_offsets"; problems coloured.
     */
    static List<List<Span>> causeLines(ProblemCauses.Cause c) {
        List<List<Span>> out = new ArrayList<>();
        Style causeStyle = c.kind() == ProblemCauses.Kind.BROKER_DOWN || c.kind() == ProblemCauses.Kind.NO_LEADER ? Style.BAD : Style.WARN;
        for (int i = 0; i < c.effects().size(); i++) {
            ProblemCauses.Effect e = c.effects().get(i);
            List<Span> spans = new ArrayList<>();
            spans.add(i == 0 ? new Span(c.cause(), causeStyle) : Span.of(" "));
            spans.add(Span.of(i == 0 ? ": " : " "));
            spans.add(Span.of(e.partitions() + (e.partitions() == 1 ? " partition " : " partitions ")));
            spans.add(new Span(e.problem().label(), e.problem() == ProblemCauses.Problem.OFFLINE ? Style.BAD : Style.WARN));
            spans.add(Span.of(": " + e.topicsText()));
            out.add(spans);
        }
        return out;
    }

    private static Table busiest(ClusterSnapshot s, ClusterRates r) {
        List<ClusterSnapshot.Topic> topics = new ArrayList<>(s.topics().stream().filter(t -> !t.internal()).toList());
        topics.sort(Comparator.comparingDouble((ClusterSnapshot.Topic t) -> -(r.topicIn(t.name()) + r.topicOut(t.name())))
                .thenComparing(t -> -t.sizeBytes()));
        List<Table.Row> rows = new ArrayList<>();
        topics.forEach(t -> rows.add(new Table.Row(t.name(), List.of(Table.Cell.of(t.name()),
                ClusterViews.rateCell(r, r.topicIn(t.name())), ClusterViews.rateCell(r, r.topicOut(t.name()))))));
        return new Table(List.of(new Span("Busiest topics", Style.TITLE)), List.of(Table.Column.flex("TOPIC", 8),
                Table.Column.number("IN/s", 7), Table.Column.number("OUT/s", 7)), rows, List.of(), "no topics");
    }

    private static Table lagging(ClusterSnapshot s, LagTrend trend) {
        List<ClusterSnapshot.Group> groups = new ArrayList<>(s.groups());
        groups.sort(Comparator.comparingLong((ClusterSnapshot.Group g) -> -g.totalLag()).thenComparing(ClusterSnapshot.Group::group));
        List<Table.Row> rows = new ArrayList<>();
        for (ClusterSnapshot.Group g : groups) {
            LagTrend.Eta eta = trend.eta(g.group());
            rows.add(new Table.Row(g.group(), List.of(Table.Cell.of(g.group()),
                    Table.Cell.num(Fmt.count(g.totalLag()), g.totalLag(), GroupViews.lagStyle(eta)), GroupViews.etaCell(eta))));
        }
        return new Table(List.of(new Span("Most lagging groups", Style.TITLE)), List.of(Table.Column.flex("GROUP", 8),
                Table.Column.number("LAG", 9), Table.Column.text("ETA", 14)), rows, List.of(), "no groups");
    }

    /**
     * "Quorum  leader 2 epoch 11  voters 1:0 2:0 3:12  observers 4:0 5:0 6:0": each member as id:lag (the leader's
     * log end offset minus its own), a lag above 0 in warning colour, an unknown one ("?") as bad.
     */
    static List<Span> quorumLine(io.sluice.ops.Quorum q) {
        List<Span> spans = new ArrayList<>();
        spans.add(label("Quorum"));
        spans.add(new Span("leader " + (q.leaderId() < 0 ? "none" : String.valueOf(q.leaderId())), q.leaderId() < 0 ? Style.BAD : Style.GOOD));
        spans.add(Span.of(" epoch " + q.leaderEpoch() + "  voters"));
        q.voters().forEach(m -> spans.add(memberLag(m)));
        if (!q.observers().isEmpty()) {
            spans.add(Span.of("  observers"));
            q.observers().forEach(m -> spans.add(memberLag(m)));
        }
        return spans;
    }

    private static Span memberLag(io.sluice.ops.Quorum.Member m) {
        return new Span(" " + m.id() + ":" + (m.lag() < 0 ? "?" : Fmt.count(m.lag())),
                m.lag() < 0 ? Style.BAD : m.lag() > 0 ? Style.WARN : Style.NORMAL);
    }

    private static Span label(String text) {
        return new Span(String.format(java.util.Locale.ROOT, "%-12s", text), Style.TITLE);
    }

    private static void line(TextGraphics g, Theme theme, int row, int left, int width, List<Span> spans) {
        TableRenderer.drawSpans(g, theme, spans, row, left, width, false);
    }
}
