package io.sluice.tui;

import com.googlecode.lanterna.TerminalSize;
import com.googlecode.lanterna.graphics.TextGraphics;
import io.sluice.ops.ClusterSnapshot;
import io.sluice.ops.SnapshotPoller;
import io.sluice.tui.ScreenState.Page;
import io.sluice.tui.Table.Span;

import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Draws the whole screen from a poller state and the screen state: title bar, tabs, status line (staleness, the
 * connection error), the page body and the key line, and the dialog of an action and the help overlay on top. Pure
 * drawing: it reads the immutable poll state and touches the screen state only to clamp selections. Screen thread only.
 *
 * <pre>
 *   row 0      title bar: cluster, bootstrap, refresh time and interval
 *   row 1      tabs 1-6
 *   row 2      status: connection error and data age, or paused
 *   rows 3..   page body
 *   last row   keys, or the filter being typed
 * </pre>
 */
final class Dashboard {
    static final int BODY_TOP = 3;

    private final String bootstrap;
    private final Theme theme;
    private final ZoneId zone;

    Dashboard(String bootstrap, Theme theme, ZoneId zone) {
        this.bootstrap = bootstrap;
        this.theme = theme;
        this.zone = zone;
    }

    Theme theme() {
        return theme;
    }

    void render(TextGraphics g, TerminalSize size, SnapshotPoller.State st, ScreenState ui, long nowMs) {
        theme.apply(g, Style.NORMAL);
        g.fill(' ');
        int w = size.getColumns();
        int h = size.getRows();
        titleBar(g, st, w, nowMs);
        tabs(g, ui, w);
        status(g, st, w, nowMs);
        int bodyHeight = h - BODY_TOP - 1;
        if (st.observation() == null) {
            theme.apply(g, Style.DIM);
            if (st.error() != null) {
                theme.apply(g, Style.BAD);
            }
            String text = st.error() == null ? "waiting for the first snapshot from " + bootstrap + " ..." : "cannot read the cluster: " + st.error();
            // The whole error, wrapped: it says what to fix (a refused password, an untrusted certificate).
            for (int row = 0; row < 6 && !text.isEmpty() && w > 0; row++) {
                int cut = Math.min(w, text.length());
                g.putString(0, BODY_TOP + 1 + row, row == 5 ? Fmt.fit(text, w, theme.ellipsis()) : text.substring(0, cut));
                text = text.substring(cut);
            }
        } else if (ui.page == Page.OVERVIEW) {
            OverviewView.draw(g, theme, st.observation(), BODY_TOP, 0, w, bodyHeight);
        } else {
            if (ui.position().follow) {
                ui.position().selected = Integer.MAX_VALUE / 2;
                ui.position().selectedKey = null;
            }
            TableRenderer.draw(g, theme, table(st, ui), ui.position(), BODY_TOP, 0, w, bodyHeight, true);
        }
        keyLine(g, ui, w, h - 1);
        if (ui.dialog != null) {
            Dialog.draw(g, theme, size, ui.dialog);
        }
        if (ui.help) {
            HelpOverlay.draw(g, theme, size);
        }
    }

    /** The table of the current page; null on the overview or before the first snapshot. */
    Table table(SnapshotPoller.State st, ScreenState ui) {
        SnapshotPoller.Observation o = st.observation();
        if (o == null) {
            return null;
        }
        return switch (ui.page) {
            case OVERVIEW -> null;
            case BROKERS -> withDenied(ClusterViews.brokers(o.snapshot()), o.snapshot().denied("brokers"));
            case TOPICS -> withDenied(ClusterViews.topics(o.snapshot(), o.rates(), ui.showInternal), o.snapshot().denied("topics"));
            case PARTITIONS -> ClusterViews.partitions(o.snapshot(), o.rates(), ui.topic);
            case PLACEMENT -> ClusterViews.placement(o.snapshot(), ui.showInternal);
            case PROBLEMS -> ClusterViews.problems(o.snapshot(), ui.showInternal);
            case GROUPS -> withDenied(GroupViews.groups(o.snapshot(), o.rates(), o.trend(), o.lags(), theme), o.snapshot().denied("groups"));
            case GROUP -> GroupViews.group(o.snapshot(), o.rates(), o.trend(), o.lags(), theme, ui.group);
            case TAIL -> TailView.tail(st.tail(), ui.tailTopic, ui.tailPartition, st.paused(), zone, ui.tailFilter, ui.find);
        };
    }

    /**
     * {@code t} with what the ACLs hide from it said in its title (first denial, and how many more), and as its
     * empty text when it has no rows: "not allowed" is a state of the view, not an empty table.
     */
    static Table withDenied(Table t, List<ClusterSnapshot.Denied> denied) {
        if (denied.isEmpty()) {
            return t;
        }
        List<Span> title = new ArrayList<>(t.title());
        title.add(new Span("  " + denied.get(0).brief() + " (ACLs)" + (denied.size() > 1 ? " (+" + (denied.size() - 1) + " more)" : ""), Style.BAD));
        return new Table(title, t.columns(), t.rows(), t.footer(), t.rows().isEmpty() ? denied.get(0).message() : t.empty());
    }

    private void titleBar(TextGraphics g, SnapshotPoller.State st, int w, long nowMs) {
        theme.apply(g, Style.BAR);
        g.putString(0, 0, " ".repeat(w));
        String cluster = st.observation() == null ? "" : "  cluster " + st.observation().snapshot().clusterId();
        String left = " sluice top  " + bootstrap + cluster;
        String right = (st.observation() == null ? "" : Fmt.clock(st.lastSuccessMs(), zone) + "  ")
                + "every " + interval(st.intervalMs()) + " ";
        g.putString(0, 0, Fmt.fit(left, Math.max(0, w - right.length() - 1), theme.ellipsis()));
        if (right.length() < w) {
            g.putString(w - right.length(), 0, right);
        }
    }

    static String interval(long ms) {
        return ms % 1000 == 0 ? ms / 1000 + "s" : String.format(Locale.ROOT, "%.1fs", ms / 1000.0);
    }

    private void tabs(TextGraphics g, ScreenState ui, int w) {
        theme.apply(g, Style.TAB);
        g.putString(0, 1, " ".repeat(w));
        int x = 0;
        for (int n = 1; n <= Page.TABS && x < w; n++) {
            Page p = Page.ofTab(n);
            String label = " " + n + " " + (ui.page.tab == n && ui.page != p ? ui.page.title : p.title) + " ";
            theme.apply(g, ui.page.tab == n ? Style.TAB_ACTIVE : Style.TAB);
            g.putString(x, 1, Fmt.fit(label, w - x, theme.ellipsis()));
            x += label.length() + 1;
        }
        String help = " ? help ";
        if (x + help.length() <= w) {
            theme.apply(g, Style.TAB);
            g.putString(w - help.length(), 1, help);
        }
    }

    private void status(TextGraphics g, SnapshotPoller.State st, int w, long nowMs) {
        List<Span> spans = new ArrayList<>();
        long age = st.ageMs(nowMs);
        if (st.fatal() != null) {
            spans.add(new Span("! " + st.fatal() + " (polling stopped; restart sluice top)", Style.BAD));
        } else if (st.error() != null) {
            spans.add(new Span("! " + (age < 0 ? "no data yet" : "data " + Fmt.duration(age) + " old"), Style.BAD));
            spans.add(Span.of(", retrying: " + st.error()));
        } else if (st.paused()) {
            spans.add(new Span("PAUSED", Style.WARN));
            spans.add(Span.of(age < 0 ? "  (p resumes)" : "  data from " + Fmt.clock(st.lastSuccessMs(), zone)
                    + ", " + Fmt.duration(age) + " old (p resumes)"));
        } else if (age >= 0 && !st.observation().snapshot().warnings().isEmpty()) {
            List<String> warnings = st.observation().snapshot().warnings();
            spans.add(new Span("! " + (warnings.size() == 1 ? "" : warnings.size() + " parts missing, first: ") + warnings.get(0), Style.WARN));
        } else if (age >= 0) {
            boolean stale = age > 3 * st.intervalMs() + 1000;
            spans.add(new Span("updated " + Fmt.duration(age) + " ago", stale ? Style.WARN : Style.DIM));
        } else {
            spans.add(new Span("connecting to " + bootstrap + " ...", Style.DIM));
        }
        TableRenderer.drawSpans(g, theme, spans, 2, 0, w, false);
    }

    private void keyLine(TextGraphics g, ScreenState ui, int w, int row) {
        if (ui.filterInput != null && ui.page == Page.TAIL && ui.tailFilterError != null) {
            theme.apply(g, Style.BAD);
            g.putString(0, row, " ".repeat(w));
            g.putString(0, row, Fmt.fit("/" + ui.filterInput + "_  " + ui.tailFilterError, w, theme.ellipsis()));
            return;
        }
        if (ui.filterInput != null || ui.findInput != null) {
            theme.apply(g, Style.BAR);
            g.putString(0, row, " ".repeat(w));
            String line = ui.findInput != null ? "find: " + ui.findInput + "_   Enter: next match  Esc: clear"
                    : "/" + ui.filterInput + "_   " + (ui.page == Page.TAIL ? "record filter, e.g. value.id == 7  Enter: apply  Esc: clear"
                    : "Enter: keep  Esc: clear");
            g.putString(0, row, Fmt.fit(line, w, theme.ellipsis()));
            return;
        }
        String keys = switch (ui.page) {
            case OVERVIEW -> "Enter problems  e elect  ";
            case TOPICS -> "Enter open  t tail  i internal  ";
            case PARTITIONS -> "Esc back  t tail  ";
            case PLACEMENT -> "t tail  e elect  i internal  ";
            case PROBLEMS -> "Esc back  t tail  i internal  ";
            case GROUPS -> "Enter open  o seek  ";
            case GROUP -> "Esc back  t tail  o seek  ";
            case TAIL -> "Esc back  f find  n next  ";
            default -> "";
        } + "jk move  / filter  s sort  ? help  q quit";
        theme.apply(g, Style.DIM);
        g.putString(0, row, Fmt.fit(keys, w, theme.ellipsis()));
    }
}
