package io.sluice.tui;

import io.sluice.ops.ClusterRates;
import io.sluice.ops.ClusterSnapshot;
import io.sluice.ops.LagEvaluator;
import io.sluice.ops.LagTrend;
import io.sluice.ops.LagWindow;
import io.sluice.tui.Table.Cell;
import io.sluice.tui.Table.Column;
import io.sluice.tui.Table.Row;
import io.sluice.tui.Table.Span;

import java.util.ArrayList;
import java.util.List;

/**
 * The Groups table and one group's partitions, with lag status ({@link LagEvaluator}, over the poller's window),
 * lag trend sparklines and catch-up estimates. Stateless.
 */
final class GroupViews {
    static final int SPARK_WIDTH = 10;

    private GroupViews() {
    }

    /** Lag status column: left-aligned text that sorts by severity, worst first. */
    static Column statusColumn() {
        return new Column("STATUS", 7, false, false, true);
    }

    /** A lag status: OK green, WARN and REWIND yellow, STALL, STOP and ERR red, UNKNOWN as a dim "-". */
    static Cell statusCell(LagEvaluator.Status status) {
        Style style = switch (status) {
            case OK -> Style.GOOD;
            case UNKNOWN -> Style.DIM;
            case WARN, REWIND -> Style.WARN;
            case STALL, STOP, ERR -> Style.BAD;
        };
        return Cell.num(status == LagEvaluator.Status.UNKNOWN ? "-" : status.name(), status.ordinal(), style);
    }

    static Table groups(ClusterSnapshot s, ClusterRates r, LagTrend trend, LagWindow lags, Theme theme) {
        List<Column> cols = List.of(Column.flex("GROUP", 12), Column.text("STATE", 9), statusColumn(), Column.number("MEMB", 4),
                Column.number("LAG", 9), Column.text("TREND", SPARK_WIDTH), Column.number("OUT/s", 8), Column.text("ETA", 14));
        List<Row> rows = new ArrayList<>();
        for (ClusterSnapshot.Group g : s.groups()) {
            LagTrend.Eta eta = trend.eta(g.group());
            rows.add(new Row(g.group(), List.of(
                    Cell.of(g.group()),
                    Cell.of(g.state(), g.state().equals("Stable") || g.state().equals("Empty") ? Style.NORMAL : Style.WARN),
                    statusCell(lags.status(g.group())),
                    Cell.num(String.valueOf(g.members()), g.members()),
                    Cell.num(Fmt.count(g.totalLag()), g.totalLag(), lagStyle(eta)),
                    Cell.of(sparkline(trend.samples(g.group()), SPARK_WIDTH, theme.sparkLevels()), lagStyle(eta)),
                    ClusterViews.rateCell(r, r.groupOut(g.group())),
                    etaCell(eta))));
        }
        List<Span> title = List.of(new Span("Groups", Style.TITLE), Span.of("  " + s.groups().size()
                + " groups, total lag " + Fmt.count(s.summary().totalLag())));
        return new Table(title, cols, rows, List.of(), "no consumer groups");
    }

    static Style lagStyle(LagTrend.Eta eta) {
        return switch (eta.direction()) {
            case FALLING_BEHIND -> Style.BAD;
            case STALLED -> Style.WARN;
            default -> Style.NORMAL;
        };
    }

    static Cell etaCell(LagTrend.Eta eta) {
        return switch (eta.direction()) {
            case UNKNOWN -> Cell.num("-", -1);
            case CAUGHT_UP -> Cell.num("caught up", 0, Style.GOOD);
            case DRAINING -> Cell.num(Fmt.duration(eta.secondsToCatchUp() * 1000), eta.secondsToCatchUp());
            case STALLED -> Cell.num("stalled", 1e12, Style.WARN);
            case FALLING_BEHIND -> Cell.num("falling behind", 1e13, Style.BAD);
        };
    }

    /** The last {@code width} samples scaled between 0 and the largest of them (a flat zero line stays lowest). */
    static String sparkline(List<LagTrend.Sample> samples, int width, String levels) {
        List<LagTrend.Sample> last = samples.subList(Math.max(0, samples.size() - width), samples.size());
        long max = last.stream().mapToLong(LagTrend.Sample::lag).max().orElse(0);
        StringBuilder sb = new StringBuilder();
        for (LagTrend.Sample x : last) {
            int level = max <= 0 ? 0 : (int) Math.round((double) Math.max(0, x.lag()) * (levels.length() - 1) / max);
            sb.append(levels.charAt(level));
        }
        return sb.toString();
    }

    static Table group(ClusterSnapshot s, ClusterRates r, LagTrend trend, LagWindow lags, Theme theme, String name) {
        List<Column> cols = List.of(Column.flex("TOPIC", 10), Column.number("P", 3), Column.number("COMMITTED", 10),
                Column.number("END", 10), Column.number("LAG", 9), Column.number("TIME-LAG", 8), statusColumn(), Column.text("MEMBER", 14));
        ClusterSnapshot.Group g = s.group(name);
        List<Row> rows = new ArrayList<>();
        List<Span> title = new ArrayList<>(List.of(new Span("Group " + name, Style.TITLE)));
        if (g == null) {
            title.add(new Span("  no longer exists", Style.BAD));
            return new Table(title, cols, rows, List.of(), "");
        }
        for (ClusterSnapshot.GroupPartition p : g.partitions()) {
            rows.add(new Row(p.topic() + "-" + p.partition(), List.of(
                    Cell.of(p.topic()),
                    Cell.num(String.valueOf(p.partition()), p.partition()),
                    Cell.num(Fmt.count(p.committed()), p.committed()),
                    Cell.num(Fmt.count(p.end()), p.end()),
                    Cell.num(Fmt.count(p.lag()), p.lag(), p.lag() > 0 ? Style.WARN : Style.NORMAL),
                    Cell.num(Fmt.duration(p.timeLagMs()), p.timeLagMs()),
                    statusCell(lags.status(name, p.topic(), p.partition())),
                    Cell.of(p.memberId().isEmpty() ? "-" : p.memberId()))));
        }
        LagTrend.Eta eta = trend.eta(name);
        Cell etaCell = etaCell(eta);
        title.add(Span.of("  " + g.state() + "  "));
        title.addAll(statusCell(lags.status(name)).spans());
        title.add(Span.of("  " + g.members() + " members  lag " + Fmt.count(g.totalLag()) + " "));
        title.add(new Span(sparkline(trend.samples(name), SPARK_WIDTH, theme.sparkLevels()), lagStyle(eta)));
        title.add(Span.of("  " + (r.known() ? Fmt.rate(r.groupOut(name)) : "-") + "/s  "));
        title.addAll(etaCell.spans());
        return new Table(title, cols, rows, List.of(), "no committed offsets");
    }
}
