package io.sluice.tui;

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

/** The latest records of the tailed topic or partition, newest at the bottom. Stateless. */
final class TailView {
    private TailView() {
    }

    static Table tail(SnapshotPoller.TailResult result, String topic, int partition, boolean paused, ZoneId zone) {
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
        boolean current = result != null && result.request().topic().equals(topic) && result.request().partition() == partition;
        if (current && result.error() != null) {
            title.add(new Span("  " + result.error(), Style.BAD));
        }
        if (current) {
            title.add(Span.of("  read " + Fmt.clock(result.takenAtMs(), zone)));
            for (Records.Incoming r : result.records()) {
                rows.add(new Row(r.partition() + "/" + r.offset(), List.of(
                        Cell.num(String.valueOf(r.partition()), r.partition()),
                        Cell.num(String.valueOf(r.offset()), r.offset()),
                        Cell.num(Fmt.clock(r.timestampMs(), zone), r.timestampMs()),
                        Cell.of(Fmt.payload(r.key())),
                        Cell.of(Fmt.payload(r.value())),
                        Cell.of(headers(r.headers())))));
            }
        }
        return new Table(title, cols, rows, List.of(), current ? "no records" : "reading...");
    }

    private static String headers(List<Header> headers) {
        StringBuilder sb = new StringBuilder();
        for (Header h : headers) {
            sb.append(sb.length() == 0 ? "" : ",").append(h.key()).append('=').append(Fmt.payload(h.value()));
        }
        return sb.length() == 0 ? "-" : sb.toString();
    }
}
