package io.sluice.tui;

import com.googlecode.lanterna.input.KeyStroke;
import com.googlecode.lanterna.input.KeyType;
import io.sluice.ops.OffsetSeek;
import io.sluice.ops.OpsException;
import io.sluice.ops.Partitions;
import io.sluice.ops.ProblemCauses;
import io.sluice.ops.RecordFilter;
import io.sluice.ops.SnapshotPoller;
import io.sluice.tui.ScreenState.Page;
import io.sluice.tui.Table.Span;
import org.apache.kafka.common.TopicPartition;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Turns keys into screen-state changes, poller commands and actions on the cluster. Screen thread only; the poller is
 * reached through {@link PollerControls} and the cluster through {@link Actions}, whose calls return at once (an
 * action's outcome comes back later, on the screen thread, to the callback it was given). Every action that changes
 * the cluster shows what it will do and waits for y (see {@link Dialog}).
 */
final class Controller {
    static final int TAIL_RECORDS = 50;

    /** What the screen may ask of the poller. */
    interface PollerControls {
        void paused(boolean paused);

        void stepInterval(int direction);

        void tail(SnapshotPoller.TailRequest request);
    }

    /** The result of an action: its value, or the one-line error that stopped it. */
    record Outcome<T>(T value, String error) {
    }

    /** What the screen may ask of the cluster; each runs off the screen thread and answers {@code done} on it. */
    interface Actions {
        void planSeek(String group, String to, Consumer<Outcome<OffsetSeek.Plan>> done);

        void executeSeek(OffsetSeek.Plan plan, Consumer<Outcome<OffsetSeek.Plan>> done);

        void electPreferred(List<TopicPartition> partitions, Consumer<Outcome<List<Partitions.ElectionResult>>> done);
    }

    private final ScreenState ui;
    private final Dashboard dashboard;
    private final PollerControls poller;
    private final Actions actions;

    Controller(ScreenState ui, Dashboard dashboard, PollerControls poller, Actions actions) {
        this.ui = ui;
        this.dashboard = dashboard;
        this.poller = poller;
        this.actions = actions;
    }

    /** Applies one key against the state on show ({@code st}); page height in rows for paging. */
    void onKey(KeyStroke k, SnapshotPoller.State st, int pageRows) {
        if (ui.filterInput != null && ui.page == Page.TAIL) {
            editTailFilter(k);
            return;
        }
        if (ui.filterInput != null) {
            editFilter(k);
            return;
        }
        if (ui.dialog != null) {
            dialogKey(k);
            return;
        }
        if (ui.findInput != null) {
            editFind(k, st);
            return;
        }
        Action a = KeyMap.action(k);
        if (ui.help) {
            ui.help = false;
            if (a != Action.QUIT) {
                return;
            }
        }
        if (a == null) {
            return;
        }
        switch (a) {
            case HELP -> ui.help = true;
            case QUIT -> ui.quit = true;
            case NEXT_VIEW -> show(Page.ofTab(ui.page.tab % Page.TABS + 1));
            case PREV_VIEW -> show(Page.ofTab((ui.page.tab + Page.TABS - 2) % Page.TABS + 1));
            case VIEW -> show(Page.ofTab(k.getCharacter() - '0'));
            case UP -> move(-1);
            case DOWN -> move(1);
            case PAGE_UP -> move(-Math.max(1, pageRows));
            case PAGE_DOWN -> move(Math.max(1, pageRows));
            case HOME -> move(Integer.MIN_VALUE / 2);
            case END -> move(Integer.MAX_VALUE / 2);
            case ENTER -> drillIn(st);
            case BACK -> back();
            case FILTER -> {
                if (ui.page == Page.TAIL) {
                    ui.filterInput = new StringBuilder(ui.tailFilter.text());
                    ui.tailFilterError = null;
                } else if (ui.page != Page.OVERVIEW) {
                    ui.filterInput = new StringBuilder(ui.position().filter);
                }
            }
            case FIND -> {
                if (ui.page == Page.TAIL) {
                    ui.findInput = new StringBuilder(ui.find);
                }
            }
            case FIND_NEXT -> find(st, 1, false);
            case FIND_PREVIOUS -> find(st, -1, false);
            case SORT -> sort(st);
            case TAIL -> tail(st);
            case INTERNAL -> ui.showInternal = !ui.showInternal;
            case SEEK -> seek(st);
            case ELECT -> elect(st);
            case PAUSE -> poller.paused(!st.paused());
            case SLOWER -> poller.stepInterval(1);
            case FASTER -> poller.stepInterval(-1);
        }
        if (ui.page != Page.TAIL) {
            return;
        }
        if (a == Action.VIEW || a == Action.TAIL || a == Action.NEXT_VIEW || a == Action.PREV_VIEW) {
            ui.position().follow = true;
        }
        if (ui.tailTopic == null) {
            chooseTailFromTopics(st);
        }
        requestTail();
    }

    private void requestTail() {
        if (ui.tailTopic != null) {
            poller.tail(new SnapshotPoller.TailRequest(ui.tailTopic, ui.tailPartition, TAIL_RECORDS, ui.tailFilter));
        }
    }

    private void show(Page p) {
        ui.page = p;
        if (p != Page.TAIL) {
            poller.tail(null);
        }
    }

    private void move(int delta) {
        ScreenState.Position pos = ui.position();
        pos.follow = ui.page == Page.TAIL && delta == Integer.MAX_VALUE / 2;
        long next = (long) pos.selected + delta;
        pos.selected = (int) Math.max(0, Math.min(Integer.MAX_VALUE / 2, next));
        pos.selectedKey = null;
    }

    private String selectedKey(SnapshotPoller.State st) {
        Table t = dashboard.table(st, ui);
        if (t == null) {
            return null;
        }
        List<Table.Row> rows = t.visibleRows(ui.position().filter, ui.position().sortColumn);
        if (rows.isEmpty()) {
            return null;
        }
        return rows.get(TableRenderer.resolveSelection(rows, ui.position())).key();
    }

    private void drillIn(SnapshotPoller.State st) {
        if (ui.page == Page.OVERVIEW) {
            if (st.observation() != null) {
                ui.page = Page.PROBLEMS;
            }
            return;
        }
        String key = selectedKey(st);
        if (key == null) {
            return;
        }
        if (ui.page == Page.TOPICS) {
            if (!key.equals(ui.topic)) {
                ui.position(Page.PARTITIONS).selected = 0;
                ui.position(Page.PARTITIONS).selectedKey = null;
            }
            ui.topic = key;
            ui.page = Page.PARTITIONS;
        } else if (ui.page == Page.GROUPS) {
            if (!key.equals(ui.group)) {
                ui.position(Page.GROUP).selected = 0;
                ui.position(Page.GROUP).selectedKey = null;
            }
            ui.group = key;
            ui.page = Page.GROUP;
        }
    }

    private void back() {
        ScreenState.Position pos = ui.position();
        if (!pos.filter.isEmpty()) {
            pos.filter = "";
            return;
        }
        switch (ui.page) {
            case PARTITIONS -> ui.page = Page.TOPICS;
            case GROUP -> ui.page = Page.GROUPS;
            case TAIL -> {
                poller.tail(null);
                ui.page = Page.TOPICS;
            }
            default -> ui.page = Page.OVERVIEW;
        }
    }

    private void sort(SnapshotPoller.State st) {
        Table t = dashboard.table(st, ui);
        if (t == null) {
            return;
        }
        selectedKey(st); // pin the selected row by its key, so it stays selected in the new order
        ScreenState.Position pos = ui.position();
        pos.sortColumn = pos.sortColumn + 1 >= t.columns().size() ? -1 : pos.sortColumn + 1;
    }

    private void tail(SnapshotPoller.State st) {
        String key = selectedKey(st);
        if (key == null) {
            return;
        }
        switch (ui.page) {
            case TOPICS -> {
                ui.tailTopic = key;
                ui.tailPartition = -1;
            }
            case PARTITIONS -> {
                ui.tailTopic = ui.topic;
                ui.tailPartition = Integer.parseInt(key);
            }
            case PLACEMENT, GROUP, PROBLEMS -> {
                // rows keyed topic-partition; a topic name may hold '-' itself, the partition never does
                int dash = key.lastIndexOf('-');
                ui.tailTopic = key.substring(0, dash);
                ui.tailPartition = Integer.parseInt(key.substring(dash + 1));
            }
            default -> {
                return;
            }
        }
        ui.page = Page.TAIL;
    }

    /** o on Groups (the selected group) or on a group's page: ask where to, then plan, confirm and execute. */
    private void seek(SnapshotPoller.State st) {
        String group = ui.page == Page.GROUPS ? selectedKey(st) : ui.page == Page.GROUP ? ui.group : null;
        if (group == null) {
            return;
        }
        String title = "Seek group " + group;
        ui.dialog = new Dialog.Input(title, "move its committed offsets, on every topic it has them for, to:",
                "start, end, OFFSET, -N (re-read N), +N (skip N) or @EPOCH_MS", "", null, to -> planSeek(title, group, to));
    }

    private void planSeek(String title, String group, String to) {
        try {
            OffsetSeek.parseTarget(to);
        } catch (OpsException e) {
            Dialog.Input in = (Dialog.Input) ui.dialog;
            ui.dialog = in.failed(e.getMessage());
            return;
        }
        ui.dialog = new Dialog.Busy(title, "planning: reading the committed and end offsets");
        actions.planSeek(group, to, o -> {
            if (o.error() != null) {
                ui.dialog = failure(title, o.error());
                return;
            }
            OffsetSeek.Plan plan = o.value();
            ui.dialog = new Dialog.Confirm(title, List.of(Span.of("move " + plan.moves().size() + " partition(s) of " + group + " to " + to + ":")),
                    moves(plan), () -> executeSeek(title, plan));
        });
    }

    private void executeSeek(String title, OffsetSeek.Plan plan) {
        ui.dialog = new Dialog.Busy(title, "moving the offsets");
        actions.executeSeek(plan, o -> ui.dialog = o.error() != null ? failure(title, o.error())
                : new Dialog.Message(title, List.of(new Span("offsets of group " + plan.group() + " moved", Style.GOOD)), moves(o.value())));
    }

    private static List<String> moves(OffsetSeek.Plan plan) {
        List<String> out = new ArrayList<>();
        for (OffsetSeek.Move m : plan.moves()) {
            out.add(m.topic() + "-" + m.partition() + "  " + (m.current() < 0 ? "-" : Fmt.count(m.current())) + " -> " + Fmt.count(m.target())
                    + (m.delta() > 0 ? "  skip " + Fmt.count(m.delta()) : m.delta() < 0 ? "  re-read " + Fmt.count(-m.delta()) : ""));
        }
        return out;
    }

    /** e: the partitions a preferred election would hand back to their preferred replica, confirmed, then elected. */
    private void elect(SnapshotPoller.State st) {
        if (st.observation() == null) {
            return;
        }
        String title = "Elect preferred leaders";
        List<Partitions.PreferredElection> plan = Partitions.preferredElections(st.observation().snapshot(),
                ProblemCauses.up(st.observation().snapshot()));
        if (plan.isEmpty()) {
            ui.dialog = new Dialog.Message(title, List.of(Span.of("nothing to do: every partition is led by its preferred replica, "
                    + "or that replica is out of sync or down")), List.of());
            return;
        }
        List<String> lines = plan.stream().map(e -> e.topic() + "-" + e.partition() + "  leader " + e.leader() + " -> " + e.preferred()).toList();
        List<TopicPartition> tps = plan.stream().map(e -> new TopicPartition(e.topic(), e.partition())).toList();
        ui.dialog = new Dialog.Confirm(title, List.of(Span.of("hand " + plan.size() + " partition(s) back to their preferred replica:")),
                lines, () -> {
                    ui.dialog = new Dialog.Busy(title, "electing");
                    actions.electPreferred(tps, o -> ui.dialog = o.error() != null ? failure(title, o.error()) : elected(title, o.value()));
                });
    }

    private static Dialog elected(String title, List<Partitions.ElectionResult> results) {
        long elected = results.stream().filter(r -> r.error() == null).count();
        long notNeeded = results.stream().filter(r -> "not needed".equals(r.error())).count();
        List<String> failed = results.stream().filter(r -> r.error() != null && !r.error().equals("not needed"))
                .map(r -> r.topic() + "-" + r.partition() + ": " + r.error()).toList();
        List<Span> summary = new ArrayList<>(List.of(new Span(elected + " elected", elected > 0 ? Style.GOOD : Style.NORMAL),
                Span.of(", " + notNeeded + " not needed, "), new Span(failed.size() + " failed", failed.isEmpty() ? Style.NORMAL : Style.BAD)));
        return new Dialog.Message(title, summary, failed);
    }

    private static Dialog failure(String title, String error) {
        return new Dialog.Message(title, List.of(new Span(error, Style.BAD)), List.of());
    }

    /** Keys while a dialog is open: typing, y to confirm, any key to close a message; Ctrl-C always quits. */
    private void dialogKey(KeyStroke k) {
        boolean ctrlC = k.getKeyType() == KeyType.Character && k.isCtrlDown() && (k.getCharacter() == 'c' || k.getCharacter() == 'C');
        if (ctrlC || k.getKeyType() == KeyType.EOF) {
            ui.quit = true;
            return;
        }
        Dialog d = ui.dialog;
        if (d instanceof Dialog.Input in) {
            switch (k.getKeyType()) {
                case Enter -> in.onEnter().accept(in.text().strip());
                case Escape -> ui.dialog = null;
                case Backspace -> ui.dialog = in.erased();
                case Character -> ui.dialog = k.isCtrlDown() ? in : in.typed(String.valueOf(k.getCharacter()));
                default -> { }
            }
        } else if (d instanceof Dialog.Confirm c) {
            boolean yes = k.getKeyType() == KeyType.Character && !k.isCtrlDown() && (k.getCharacter() == 'y' || k.getCharacter() == 'Y');
            ui.dialog = null;
            if (yes) {
                c.onYes().run();
            }
        } else if (d instanceof Dialog.Message) {
            ui.dialog = null;
        }
    }

    /** Tail defaults to the topic selected in the Topics view (the first non-internal one if none was chosen). */
    private void chooseTailFromTopics(SnapshotPoller.State st) {
        if (st.observation() == null) {
            return;
        }
        ScreenState.Position topics = ui.position(Page.TOPICS);
        if (topics.selectedKey != null) {
            ui.tailTopic = topics.selectedKey;
            return;
        }
        st.observation().snapshot().topics().stream().filter(t -> !t.internal()).findFirst().ifPresent(t -> ui.tailTopic = t.name());
    }

    /**
     * Typing the Tail's record filter: it applies on Enter when it parses (else the problem shows and typing goes on);
     * Esc removes it. The poller reads with the new filter at once.
     */
    private void editTailFilter(KeyStroke k) {
        switch (k.getKeyType()) {
            case Enter -> {
                try {
                    ui.tailFilter = RecordFilter.parse(ui.filterInput.toString());
                    ui.filterInput = null;
                    ui.tailFilterError = null;
                    ui.position().follow = true;
                    requestTail();
                } catch (OpsException e) {
                    ui.tailFilterError = e.getMessage();
                }
            }
            case Escape -> {
                ui.filterInput = null;
                ui.tailFilterError = null;
                ui.tailFilter = RecordFilter.ALL;
                requestTail();
            }
            default -> {
                if (typeInto(ui.filterInput, k)) {
                    ui.tailFilterError = null;
                }
            }
        }
    }

    /** Typing text to find in the Tail: Enter jumps to the next record holding it, Esc forgets it. */
    private void editFind(KeyStroke k, SnapshotPoller.State st) {
        switch (k.getKeyType()) {
            case Enter -> {
                ui.find = ui.findInput.toString();
                ui.findInput = null;
                find(st, 1, true);
            }
            case Escape -> {
                ui.find = "";
                ui.findInput = null;
            }
            default -> typeInto(ui.findInput, k);
        }
    }

    /** Backspace, a character, or Ctrl-C/EOF (quit) into {@code input}; true when the text changed. */
    private boolean typeInto(StringBuilder input, KeyStroke k) {
        switch (k.getKeyType()) {
            case Backspace -> {
                if (input.length() > 0) {
                    input.setLength(input.length() - 1);
                    return true;
                }
                return false;
            }
            case Character -> {
                if (k.isCtrlDown() && (k.getCharacter() == 'c' || k.getCharacter() == 'C')) {
                    ui.quit = true;
                    return false;
                }
                if (!k.isCtrlDown()) {
                    input.append(k.getCharacter());
                    return true;
                }
                return false;
            }
            case EOF -> {
                ui.quit = true;
                return false;
            }
            default -> {
                return false;
            }
        }
    }

    /**
     * Selects the next ({@code direction} 1) or previous (-1) Tail record whose key, value or headers contain the text
     * to find (any case), wrapping around; {@code fromSelection} counts the selected record itself.
     */
    private void find(SnapshotPoller.State st, int direction, boolean fromSelection) {
        if (ui.page != Page.TAIL || ui.find.isEmpty()) {
            return;
        }
        Table t = dashboard.table(st, ui);
        if (t == null) {
            return;
        }
        ScreenState.Position pos = ui.position();
        List<Table.Row> rows = t.visibleRows(pos.filter, pos.sortColumn);
        if (rows.isEmpty()) {
            return;
        }
        int at = TableRenderer.resolveSelection(rows, pos);
        for (int step = fromSelection ? 0 : 1; step <= rows.size(); step++) {
            int i = Math.floorMod(at + direction * step, rows.size());
            if (TailView.holds(rows.get(i), ui.find)) {
                pos.selected = i;
                pos.selectedKey = rows.get(i).key();
                pos.follow = false;
                return;
            }
        }
    }

    private void editFilter(KeyStroke k) {
        ScreenState.Position pos = ui.position();
        switch (k.getKeyType()) {
            case Enter -> {
                pos.filter = ui.filterInput.toString();
                ui.filterInput = null;
            }
            case Escape -> {
                pos.filter = "";
                ui.filterInput = null;
            }
            default -> typeInto(ui.filterInput, k);
        }
        if (ui.filterInput != null) {
            pos.filter = ui.filterInput.toString();
        }
        pos.selected = 0;
        pos.selectedKey = null;
    }
}
