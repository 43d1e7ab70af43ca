package io.sluice.tui;

import com.googlecode.lanterna.TerminalSize;
import com.googlecode.lanterna.TextCharacter;
import com.googlecode.lanterna.screen.TerminalScreen;
import com.googlecode.lanterna.terminal.virtual.DefaultVirtualTerminal;
import io.sluice.ops.SnapshotPoller;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/** The dashboard on Lanterna's virtual terminal: render, then read text and colours back from the terminal. */
final class VirtualScreen {
    final DefaultVirtualTerminal terminal;
    final TerminalScreen screen;
    final Dashboard dashboard;
    final ScreenState ui = new ScreenState();

    VirtualScreen(int columns, int rows, Theme theme) {
        try {
            terminal = new DefaultVirtualTerminal(new TerminalSize(columns, rows));
            screen = new TerminalScreen(terminal);
            screen.startScreen();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        dashboard = new Dashboard("127.0.0.1:9092", theme, ZoneOffset.UTC);
    }

    VirtualScreen render(SnapshotPoller.State st, long nowMs) {
        screen.doResizeIfNecessary();
        dashboard.render(screen.newTextGraphics(), screen.getTerminalSize(), st, ui, nowMs);
        try {
            screen.refresh(com.googlecode.lanterna.screen.Screen.RefreshType.COMPLETE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    List<String> lines() {
        List<String> out = new ArrayList<>();
        TerminalSize size = terminal.getTerminalSize();
        for (int r = 0; r < size.getRows(); r++) {
            StringBuilder sb = new StringBuilder();
            for (int c = 0; c < size.getColumns(); c++) {
                sb.append(terminal.getCharacter(c, r).getCharacterString());
            }
            out.add(sb.toString());
        }
        return out;
    }

    String text() {
        return String.join("\n", lines());
    }

    /** The row holding {@code needle}; fails when none does. */
    int rowOf(String needle) {
        List<String> lines = lines();
        for (int r = 0; r < lines.size(); r++) {
            if (lines.get(r).contains(needle)) {
                return r;
            }
        }
        throw new AssertionError("no row contains '" + needle + "' in:\n" + text());
    }

    /** The character at the start of {@code needle} in the first row that holds it. */
    TextCharacter at(String needle) {
        int r = rowOf(needle);
        return terminal.getCharacter(lines().get(r).indexOf(needle), r);
    }

    TextCharacter at(int column, int row) {
        return terminal.getCharacter(column, row);
    }

    /** Saves the screen under target/screens/ as a test artifact (and for the README). */
    void save(String name) {
        try {
            Path dir = Path.of("target", "screens");
            Files.createDirectories(dir);
            List<String> trimmed = lines().stream().map(String::stripTrailing).toList();
            Files.write(dir.resolve(name + ".txt"), trimmed);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
