package io.sluice.tui;

import com.googlecode.lanterna.TerminalSize;
import com.googlecode.lanterna.graphics.TextGraphics;
import io.sluice.tui.Table.Span;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * A box over the page while the dashboard acts: the operator types a value, reads a plan and confirms it, waits for the
 * cluster, or reads the outcome. Immutable states; {@link Controller} moves between them, {@link #draw} shows them.
 *
 * <pre>
 *   Input --Enter--> Busy --plan--> Confirm --y--> Busy --done--> Message --any key--> (closed)
 *     \--Esc--> (closed)            \--other key--> (closed)  \--failed--> Message
 * </pre>
 */
sealed interface Dialog {
    /** The most lines of a plan or outcome shown; the rest are counted. */
    int MAX_LINES = 12;

    String title();

    /**
     * The operator types a value after {@code label}; {@code hint} says what it may be, {@code error} (or null) why the
     * last one was refused; Enter hands the text to {@code onEnter} (on the screen thread).
     */
    record Input(String title, String label, String hint, String text, String error, Consumer<String> onEnter) implements Dialog {
        Input typed(String more) {
            return new Input(title, label, hint, text + more, null, onEnter);
        }

        Input erased() {
            return text.isEmpty() ? this : new Input(title, label, hint, text.substring(0, text.length() - 1), null, onEnter);
        }

        Input failed(String why) {
            return new Input(title, label, hint, text, why, onEnter);
        }
    }

    /** What an action would do, applied only on y. {@code onYes} runs on the screen thread. */
    record Confirm(String title, List<Span> summary, List<String> lines, Runnable onYes) implements Dialog {
    }

    /** Waiting for the cluster; keys other than quit are ignored. */
    record Busy(String title, String doing) implements Dialog {
    }

    /** An outcome; any key closes it. */
    record Message(String title, List<Span> summary, List<String> lines) implements Dialog {
    }

    /** The box's lines as spans, the last one the keys it takes. */
    static List<List<Span>> content(Dialog d) {
        List<List<Span>> out = new ArrayList<>();
        if (d instanceof Input in) {
            out.add(List.of(Span.of(in.label() + " "), new Span(in.text() + "_", Style.TITLE)));
            out.add(List.of(new Span(in.hint(), Style.DIM)));
            out.add(in.error() == null ? List.of() : List.of(new Span(in.error(), Style.BAD)));
            out.add(List.of(new Span("Enter: plan it (nothing changes yet)   Esc: cancel", Style.DIM)));
        } else if (d instanceof Confirm c) {
            out.add(c.summary());
            lines(c.lines(), out);
            out.add(List.of());
            out.add(List.of(new Span("y", Style.WARN), Span.of(": do it   any other key: cancel")));
        } else if (d instanceof Busy b) {
            out.add(List.of(new Span(b.doing() + " ...", Style.DIM)));
        } else if (d instanceof Message m) {
            out.add(m.summary());
            lines(m.lines(), out);
            out.add(List.of());
            out.add(List.of(new Span("any key closes this", Style.DIM)));
        }
        return out;
    }

    private static void lines(List<String> lines, List<List<Span>> out) {
        for (int i = 0; i < lines.size() && i < MAX_LINES; i++) {
            out.add(List.of(Span.of("  " + lines.get(i))));
        }
        if (lines.size() > MAX_LINES) {
            out.add(List.of(new Span("  ... and " + (lines.size() - MAX_LINES) + " more", Style.DIM)));
        }
    }

    /** A box centred over the page, as wide as its content (at most the screen). */
    static void draw(TextGraphics g, Theme theme, TerminalSize size, Dialog d) {
        List<List<Span>> lines = content(d);
        int inner = Math.max(d.title().length(), lines.stream().mapToInt(l -> l.stream().mapToInt(s -> s.text().length()).sum()).max().orElse(0));
        int w = Math.min(size.getColumns(), inner + 4);
        int h = Math.min(size.getRows(), lines.size() + 3);
        int left = (size.getColumns() - w) / 2;
        int top = Math.max(0, (size.getRows() - h) / 2);
        theme.apply(g, Style.BAR);
        for (int r = 0; r < h; r++) {
            g.putString(left, top + r, " ".repeat(w));
        }
        theme.apply(g, Style.TAB_ACTIVE);
        g.putString(left + 2, top + 1, Fmt.fit(d.title(), w - 4, theme.ellipsis()));
        for (int i = 0; i < lines.size() && i < h - 3; i++) {
            TableRenderer.drawSpans(g, theme, lines.get(i), top + 2 + i, left + 2, w - 4, false);
        }
    }
}
