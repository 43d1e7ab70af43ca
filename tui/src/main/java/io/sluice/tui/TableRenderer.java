package io.sluice.tui;

import com.googlecode.lanterna.SGR;
import com.googlecode.lanterna.TextColor;
import com.googlecode.lanterna.graphics.TextGraphics;

import java.util.List;

/** Draws a {@link Table} into a rectangle: title, header, the rows that fit around the selection, footer rows. Stateless. */
final class TableRenderer {
    private TableRenderer() {
    }

    /**
     * The row to select: the one whose key was selected, when that key is unique (a refresh may have re-sorted the
     * rows), else the same index; clamped to the rows. Records the choice in {@code pos}.
     */
    static int resolveSelection(List<Table.Row> rows, ScreenState.Position pos) {
        if (pos.selectedKey != null && keyIsUnique(rows, pos.selectedKey)) {
            for (int i = 0; i < rows.size(); i++) {
                if (rows.get(i).key().equals(pos.selectedKey)) {
                    pos.selected = i;
                }
            }
        }
        pos.selected = Math.max(0, Math.min(pos.selected, rows.size() - 1));
        pos.selectedKey = rows.isEmpty() ? null : rows.get(pos.selected).key();
        return pos.selected;
    }

    private static boolean keyIsUnique(List<Table.Row> rows, String key) {
        return rows.stream().filter(r -> r.key().equals(key)).count() == 1;
    }

    /** With {@code selectable} false no row is highlighted and the rows start at the first (read-only lists). */
    static void draw(TextGraphics g, Theme theme, Table table, ScreenState.Position pos, int top, int left, int width, int height,
                     boolean selectable) {
        if (height < 3) {
            return;
        }
        List<Table.Row> rows = table.visibleRows(pos.filter, pos.sortColumn);
        int selected = selectable ? resolveSelection(rows, pos) : -1;
        int[] widths = table.widths(width);
        int dataRows = Math.max(1, height - 2 - table.footer().size());
        int first = Math.max(0, selected - dataRows + 1);
        String where = rows.isEmpty() || !selectable ? "" : String.format(" %d-%d/%d", first + 1, Math.min(rows.size(), first + dataRows), rows.size());
        if (!pos.filter.isEmpty()) {
            where = " filter \"" + pos.filter + "\"" + where;
        }
        int titleWidth = Math.max(0, width - where.length());
        drawSpans(g, theme, table.title(), top, left, titleWidth, false);
        theme.apply(g, Style.DIM);
        g.putString(left + titleWidth, top, Fmt.fit(where, width - titleWidth, theme.ellipsis()));
        drawHeader(g, theme, table, widths, pos.sortColumn, top + 1, left, width);
        if (rows.isEmpty()) {
            theme.apply(g, Style.DIM);
            g.putString(left, top + 2, Fmt.fit(table.empty(), width, theme.ellipsis()));
        }
        for (int i = 0; i < dataRows && first + i < rows.size(); i++) {
            drawRow(g, theme, rows.get(first + i), table.columns(), widths, top + 2 + i, left, width, first + i == selected);
        }
        int footerTop = top + height - table.footer().size();
        for (int i = 0; i < table.footer().size(); i++) {
            drawRow(g, theme, table.footer().get(i), table.columns(), widths, footerTop + i, left, width, false);
        }
    }

    private static void drawHeader(TextGraphics g, Theme theme, Table table, int[] widths, int sortColumn, int row, int left, int width) {
        theme.apply(g, Style.TITLE);
        int x = left;
        for (int c = 0; c < widths.length && x < left + width; c++) {
            Table.Column col = table.columns().get(c);
            String h = col.header() + (c == sortColumn ? "*" : "");
            String text = Fmt.fit(h, Math.min(widths[c], left + width - x), theme.ellipsis());
            g.putString(col.right() ? x + Math.max(0, Math.min(widths[c], left + width - x) - text.length()) : x, row, text);
            x += widths[c] + 1;
        }
    }

    private static void drawRow(TextGraphics g, Theme theme, Table.Row r, List<Table.Column> cols, int[] widths, int row,
                                int left, int width, boolean selected) {
        if (selected) {
            theme.apply(g, Style.SELECTED);
            g.putString(left, row, " ".repeat(width));
        }
        int x = left;
        for (int c = 0; c < widths.length && c < r.cells().size() && x < left + width; c++) {
            int w = Math.min(widths[c], left + width - x);
            Table.Cell cell = r.cells().get(c);
            int len = Math.min(cell.text().length(), w);
            int start = cols.get(c).right() ? x + w - len : x;
            drawSpans(g, theme, cell.spans(), row, start, w - (start - x), selected);
            x += widths[c] + 1;
        }
    }

    /** Spans left to right, cut at {@code width}; on a selected row the selection background stays under them. */
    static void drawSpans(TextGraphics g, Theme theme, List<Table.Span> spans, int row, int left, int width, boolean selected) {
        int x = left;
        int remaining = width;
        String all = spans.stream().map(Table.Span::text).reduce("", String::concat);
        boolean cut = all.length() > width;
        for (Table.Span s : spans) {
            if (remaining <= 0) {
                break;
            }
            String text = s.text().length() <= remaining ? s.text() : s.text().substring(0, remaining);
            if (cut && text.length() == remaining) {
                text = Fmt.fit(s.text(), remaining, theme.ellipsis());
            }
            theme.apply(g, s.style());
            if (selected) {
                if (theme.color()) {
                    g.setBackgroundColor(TextColor.ANSI.CYAN);
                    if (s.style() == Style.NORMAL || s.style() == Style.DIM) {
                        g.setForegroundColor(TextColor.ANSI.BLACK);
                    }
                } else {
                    g.enableModifiers(SGR.REVERSE);
                }
            }
            g.putString(x, row, text);
            x += text.length();
            remaining -= text.length();
        }
    }
}
