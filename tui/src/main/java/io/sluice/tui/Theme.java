package io.sluice.tui;

import com.googlecode.lanterna.SGR;
import com.googlecode.lanterna.TextColor;
import com.googlecode.lanterna.graphics.TextGraphics;

import java.nio.charset.Charset;
import java.util.Map;

/**
 * Colours and glyphs. With colour: red for offline/down/out-of-sync, yellow for under-replicated and growing lag,
 * green for healthy. Monochrome ({@code NO_COLOR} set, see no-color.org) keeps the meaning with bold, underline and
 * reverse video only. Glyphs fall back to ASCII when the terminal's charset cannot show block characters.
 */
final class Theme {
    private static final String BLOCKS = "▁▂▃▄▅▆▇█";
    private static final String ASCII_BLOCKS = "_.-=+*#@";

    private final boolean color;
    private final boolean unicode;

    Theme(boolean color, boolean unicode) {
        this.color = color;
        this.unicode = unicode;
    }

    /** Colour unless NO_COLOR is set to anything non-empty; Unicode when the default charset can encode it. */
    static Theme fromEnvironment(Map<String, String> env) {
        String noColor = env.get("NO_COLOR");
        return new Theme(noColor == null || noColor.isEmpty(), Charset.defaultCharset().newEncoder().canEncode(BLOCKS));
    }

    boolean color() {
        return color;
    }

    /** Eight levels, lowest first, for sparklines. */
    String sparkLevels() {
        return unicode ? BLOCKS : ASCII_BLOCKS;
    }

    String ellipsis() {
        return unicode ? "…" : "~";
    }

    void apply(TextGraphics g, Style s) {
        g.clearModifiers();
        g.setForegroundColor(TextColor.ANSI.DEFAULT);
        g.setBackgroundColor(TextColor.ANSI.DEFAULT);
        if (color) {
            switch (s) {
                case NORMAL -> { }
                case GOOD -> g.setForegroundColor(TextColor.ANSI.GREEN);
                case WARN -> g.setForegroundColor(TextColor.ANSI.YELLOW);
                case BAD -> {
                    g.setForegroundColor(TextColor.ANSI.RED);
                    g.enableModifiers(SGR.BOLD);
                }
                case DIM -> g.setForegroundColor(TextColor.ANSI.BLACK_BRIGHT);
                case TITLE -> g.enableModifiers(SGR.BOLD);
                case BAR, TAB -> {
                    g.setForegroundColor(TextColor.ANSI.WHITE);
                    g.setBackgroundColor(TextColor.ANSI.BLUE);
                }
                case TAB_ACTIVE -> {
                    g.setForegroundColor(TextColor.ANSI.BLACK);
                    g.setBackgroundColor(TextColor.ANSI.CYAN);
                    g.enableModifiers(SGR.BOLD);
                }
                case SELECTED -> {
                    g.setForegroundColor(TextColor.ANSI.BLACK);
                    g.setBackgroundColor(TextColor.ANSI.CYAN);
                }
            }
        } else {
            switch (s) {
                case NORMAL, DIM, TAB -> { }
                case GOOD -> { }
                case WARN -> g.enableModifiers(SGR.UNDERLINE);
                case BAD, TITLE -> g.enableModifiers(SGR.BOLD);
                case BAR, SELECTED -> g.enableModifiers(SGR.REVERSE);
                case TAB_ACTIVE -> g.enableModifiers(SGR.REVERSE, SGR.BOLD);
            }
        }
    }
}
