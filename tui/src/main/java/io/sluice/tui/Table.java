package io.sluice.tui;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * A view's content as a table: a title line, columns, rows (each with a key that drill-down, selection and the
 * filter use) and footer rows that never sort or filter (totals). Immutable.
 */
record Table(List<Span> title, List<Column> columns, List<Row> rows, List<Row> footer, String empty) {

    /** A piece of text in one style. */
    record Span(String text, Style style) {
        static Span of(String text) {
            return new Span(text, Style.NORMAL);
        }
    }

    /**
     * A column: fixed {@code width}, or {@code flex} to take what the fixed ones leave (at least {@code width}).
     * {@code descending}: sorting puts the largest first (numbers); otherwise A-Z.
     */
    record Column(String header, int width, boolean right, boolean flex, boolean descending) {
        static Column text(String header, int width) {
            return new Column(header, width, false, false, false);
        }

        static Column flex(String header, int minWidth) {
            return new Column(header, minWidth, false, true, false);
        }

        static Column number(String header, int width) {
            return new Column(header, width, true, false, true);
        }
    }

    /** A cell: its spans and the value it sorts by. */
    record Cell(List<Span> spans, Comparable<?> sortValue) {
        static Cell of(String text) {
            return new Cell(List.of(Span.of(text)), text.toLowerCase(Locale.ROOT));
        }

        static Cell of(String text, Style style) {
            return new Cell(List.of(new Span(text, style)), text.toLowerCase(Locale.ROOT));
        }

        static Cell num(String text, double value) {
            return new Cell(List.of(Span.of(text)), value);
        }

        static Cell num(String text, double value, Style style) {
            return new Cell(List.of(new Span(text, style)), value);
        }

        String text() {
            StringBuilder sb = new StringBuilder();
            spans.forEach(s -> sb.append(s.text()));
            return sb.toString();
        }
    }

    record Row(String key, List<Cell> cells) {
    }

    /** Rows whose key contains {@code filter} (any case), sorted by column {@code sortColumn} (-1: as built). */
    List<Row> visibleRows(String filter, int sortColumn) {
        List<Row> out = new ArrayList<>();
        String f = filter == null ? "" : filter.toLowerCase(Locale.ROOT);
        for (Row r : rows) {
            if (f.isEmpty() || r.key().toLowerCase(Locale.ROOT).contains(f)) {
                out.add(r);
            }
        }
        if (sortColumn >= 0 && sortColumn < columns.size()) {
            Comparator<Row> by = Comparator.comparing(r -> r.cells().get(sortColumn).sortValue(), Table::compareValues);
            out.sort(columns.get(sortColumn).descending() ? by.reversed() : by);
        }
        return out;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static int compareValues(Comparable a, Comparable b) {
        if (a.getClass() != b.getClass()) {
            return a.toString().compareTo(b.toString());
        }
        return a.compareTo(b);
    }

    /** Column widths for {@code totalWidth}: fixed ones as given, flex ones share the rest (one space between columns). */
    int[] widths(int totalWidth) {
        int[] w = new int[columns.size()];
        int fixed = Math.max(0, columns.size() - 1);
        int flexCount = 0;
        for (int i = 0; i < w.length; i++) {
            Column c = columns.get(i);
            w[i] = Math.max(c.width(), c.header().length());
            if (c.flex()) {
                flexCount++;
            } else {
                fixed += w[i];
            }
        }
        if (flexCount > 0) {
            int share = Math.max(0, totalWidth - fixed) / flexCount;
            for (int i = 0; i < w.length; i++) {
                if (columns.get(i).flex()) {
                    w[i] = Math.max(columns.get(i).width(), share);
                }
            }
        }
        return w;
    }
}
