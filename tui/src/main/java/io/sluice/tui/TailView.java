package io.sluice.tui;

import io.sluice.ops.RecordFilter;
import io.sluice.ops.Records;
import io.sluice.ops.SnapshotPoller;
import io.sluice.tui.Table.Cell;
import io.sluice.tui.Table.Column;
import io.sluice.tui.Table.Row;
import io.sluice.tui.Table.Span;
import org.apache.kafka.common.header.Header;

import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The latest records of the tailed topic or partition, newest at the bottom; with a record filter, the latest of
 * those it accepts among the records read, and cells holding the text to find are marked. Stateless.
 */
final class TailView {
    private static final int KEY = 3;
    private static final int HEADERS = 5;

    private TailView() {
    }

    static Table tail(SnapshotPoller.TailResult result, String topic, int partition, boolean paused, ZoneId zone) {
        return tail(result, topic, partition, paused, zone, RecordFilter.ALL, "");
    }

    static Table tail(SnapshotPoller.TailResult result, String topic, int partition, boolean paused, ZoneId zone,
                      RecordFilter filter, String find) {
        List<Column> cols = List.of(Column.number("P", 3), Column.number("OFFSET", 9), Column.text("TIME", 8),
                Column.text("KEY", 12), Column.flex("VALUE", 16), Column.text("HEADERS", 14));
        List<Span> title = new ArrayList<>();
        if (topic == null) {
            title.add(new Span("Tail", Style.TITLE));
            return new Table(title, cols, List.of(), List.of(), "no topic chosen: select one in Topics (3) and press t");
        }
        title.add(new Span("Tail " + topic + (partition < 0 ? " (all partitions)" : " partition " + partition), Style.TITLE));
        if (paused) {
            title.add(new Span("  PAUSED (p resumes)", Style.WARN));
        }
        List<Row> rows = new ArrayList<>();
        boolean current = result != null && result.request().topic().equals(topic) && result.request().partition() == partition
                && result.request().filter().equals(filter);
        if (!filter.matchesAll()) {
            if (current) {
                title.add(Span.of("  " + result.records().size() + " of " + result.scanned() + " match"));
            }
            title.add(new Span("  filter " + filter.text(), Style.WARN));
        }
        if (current && result.error() != null) {
            title.add(new Span("  " + result.error(), Style.BAD));
        }
        if (current) {
            title.add(Span.of("  read " + Fmt.clock(result.takenAtMs(), zone)));
            for (Records.Incoming r : result.records()) {
                List<Cell> cells = new ArrayList<>(List.of(
                        Cell.num(String.valueOf(r.partition()), r.partition()),
                        Cell.num(String.valueOf(r.offset()), r.offset()),
                        Cell.num(Fmt.clock(r.timestampMs(), zone), r.timestampMs()),
                        Cell.of(Fmt.payload(r.key())),
                        Cell.of(Fmt.payload(r.value())),
                        Cell.of(headers(r.headers()))));
                for (int i = KEY; i <= HEADERS; i++) {
                    if (contains(cells.get(i).text(), find)) {
                        cells.set(i, Cell.of(cells.get(i).text(), Style.WARN));
                    }
                }
                rows.add(new Row(r.partition() + "/" + r.offset(), cells));
            }
        }
        String empty = !current ? "reading..." : filter.matchesAll() ? "no records"
                : "no record among the last " + result.scanned() + " read matches the filter (Esc on / clears it)";
        return new Table(title, cols, rows, List.of(), empty);
    }

    /** Whether the key, value or headers cell of a Tail row holds {@code text} (any case). */
    static boolean holds(Row row, String text) {
        for (int i = KEY; i <= HEADERS && i < row.cells().size(); i++) {
            if (contains(row.cells().get(i).text(), text)) {
                return true;
            }
        }
        return false;
    }

    private static boolean contains(String cell, String text) {
        return !text.isEmpty() && cell.toLowerCase(Locale.ROOT).contains(text.toLowerCase(Locale.ROOT));
    }

    private static String headers(List<Header> headers) {
        StringBuilder sb = new StringBuilder();
        for (Header h : headers) {
            sb.append(sb.length() == 0 ? "" : ",").append(h.key()).append('=').append(Fmt.payload(h.value()));
        }
        return sb.length() == 0 ? "-" : sb.toString();
    }
}
