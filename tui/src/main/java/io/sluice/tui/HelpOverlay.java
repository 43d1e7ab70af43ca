package io.sluice.tui;

import com.googlecode.lanterna.TerminalSize;
import com.googlecode.lanterna.graphics.TextGraphics;

import java.util.ArrayList;
import java.util.List;

/** The '?' overlay: every key and what it does, in a box centred over the page. Stateless. */
final class HelpOverlay {
    private HelpOverlay() {
    }

    static List<String> lines() {
        List<String> out = new ArrayList<>();
        out.add("Keys (any key closes this)");
        out.add("");
        for (Action a : Action.values()) {
            if (!a.keys.isEmpty()) {
                out.add(String.format(java.util.Locale.ROOT, "%-10s %s", a.keys, a.help));
            }
        }
        // No blank line before it: every line must fit the 22 rows an 80x24 screen leaves inside the box.
        out.add("Views: 1 Overview 2 Brokers 3 Topics 4 Placement 5 Groups 6 Tail");
        return out;
    }

    static void draw(TextGraphics g, Theme theme, TerminalSize size) {
        List<String> lines = lines();
        int inner = lines.stream().mapToInt(String::length).max().orElse(0);
        int w = Math.min(size.getColumns(), inner + 4);
        int h = Math.min(size.getRows(), lines.size() + 2);
        int left = (size.getColumns() - w) / 2;
        int top = Math.max(0, (size.getRows() - h) / 2);
        theme.apply(g, Style.BAR);
        for (int r = 0; r < h; r++) {
            g.putString(left, top + r, " ".repeat(w));
        }
        for (int i = 0; i < lines.size() && i < h - 2; i++) {
            theme.apply(g, i == 0 ? Style.TAB_ACTIVE : Style.BAR);
            g.putString(left + 2, top + 1 + i, Fmt.fit(lines.get(i), w - 4, theme.ellipsis()));
        }
    }
}
