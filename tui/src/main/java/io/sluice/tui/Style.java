package io.sluice.tui;

/** What a piece of screen text means; {@link Theme} turns it into colours, or into bold/reverse without colour. */
enum Style {
    NORMAL, GOOD, WARN, BAD, DIM, TITLE, BAR, SELECTED, TAB, TAB_ACTIVE
}
