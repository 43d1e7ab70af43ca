package io.sluice.tui;

/** What a key does; {@link KeyMap} binds keys to these, the help overlay lists them. */
enum Action {
    HELP("?", "this help (any key closes it)"),
    NEXT_VIEW("Tab, 1-6", "next view (Shift-Tab: previous), or view 1-6"),
    UP("Up, k", "move up"),
    DOWN("Down, j", "move down"),
    PAGE_UP("PgUp", "page up (Home: first row)"),
    PAGE_DOWN("PgDn", "page down (End: last row)"),
    ENTER("Enter", "drill in: topic, group -> partitions; Overview -> problems"),
    BACK("Esc", "back; closes help, clears the filter"),
    FILTER("/", "filter rows by name (Enter keeps, Esc clears); Tail: by record"),
    FIND("f", "Tail: find text in keys, values, headers (n / N: next / previous)"),
    FIND_NEXT("", ""),
    FIND_PREVIOUS("", ""),
    SORT("s", "sort by the next column (then back to natural order)"),
    TAIL("t", "tail the selected topic or partition"),
    INTERNAL("i", "show / hide internal topics (__consumer_offsets, ...)"),
    SEEK("o", "seek the selected group: type where, check the plan, y applies"),
    ELECT("e", "elect preferred leaders: check the list, y applies"),
    PAUSE("p, Space", "pause / resume refreshing"),
    SLOWER("+", "refresh less often (up to 30 s)"),
    FASTER("-", "refresh more often (down to 0.5 s)"),
    QUIT("q, Ctrl-C", "quit"),
    // bound, but listed under the entries above
    PREV_VIEW("", ""),
    VIEW("", ""),
    HOME("", ""),
    END("", "");

    final String keys;
    final String help;

    Action(String keys, String help) {
        this.keys = keys;
        this.help = help;
    }
}
