package io.sluice.tui;

import io.sluice.ops.RecordFilter;

import java.util.EnumMap;
import java.util.Map;

/**
 * Where the operator is: the page, what was drilled into, per page the selected row, sort column and filter, whether
 * internal topics show, and the dialog of an action in progress. Mutable; owned by the screen thread only.
 */
final class ScreenState {
    /** Pages; drill-down pages share the tab of their parent. */
    enum Page {
        OVERVIEW(1, "Overview"), BROKERS(2, "Brokers"), TOPICS(3, "Topics"), PLACEMENT(4, "Placement"),
        GROUPS(5, "Groups"), TAIL(6, "Tail"), PARTITIONS(3, "Partitions"), GROUP(5, "Group"), PROBLEMS(1, "Problems");

        final int tab;
        final String title;

        Page(int tab, String title) {
            this.tab = tab;
            this.title = title;
        }

        /** The top-level page behind tab {@code n} (1-6), or null. */
        static Page ofTab(int n) {
            for (Page p : values()) {
                if (p.tab == n && p.ordinal() < PARTITIONS.ordinal()) {
                    return p;
                }
            }
            return null;
        }

        static final int TABS = 6;
    }

    /** Per-page position: the selected row (index and key, so a re-sorted refresh keeps it) and the sort column. */
    static final class Position {
        int selected;
        String selectedKey;
        int sortColumn = -1;
        String filter = "";
        /** Keep the last row selected as rows arrive (the tail's newest record) until the operator moves up. */
        boolean follow;
    }

    Page page = Page.OVERVIEW;
    String topic;
    String group;
    String tailTopic;
    int tailPartition = -1;
    boolean help;
    boolean quit;
    /** Internal topics (__consumer_offsets, ...) on Topics, Placement and Problems; hidden until i. */
    boolean showInternal;
    /** The box over the page while the dashboard acts (seek, elect), or null. */
    Dialog dialog;
    /** Non-null while the operator types a filter after '/' (on Tail: a record filter, applied on Enter). */
    StringBuilder filterInput;
    /** The Tail's record filter (sluice consume --filter's language) and the problem with the one being typed. */
    RecordFilter tailFilter = RecordFilter.ALL;
    String tailFilterError;
    /** Non-null while the operator types text to find in the Tail after 'f'; {@code find} is the text found last. */
    StringBuilder findInput;
    String find = "";
    private final Map<Page, Position> positions = new EnumMap<>(Page.class);

    Position position() {
        return positions.computeIfAbsent(page, p -> new Position());
    }

    Position position(Page p) {
        return positions.computeIfAbsent(p, x -> new Position());
    }
}
