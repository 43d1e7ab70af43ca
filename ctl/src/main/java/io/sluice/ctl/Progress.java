package io.sluice.ctl;

import org.jline.terminal.spi.SystemStream;
import org.jline.terminal.spi.TerminalProvider;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * A one-line progress report for long operations (producing a big file, seeking many partitions), drawn on stderr in
 * place with a carriage return ({@link #update} for fast-moving counters, {@link #show} for the steps of an operation)
 * and erased when the operation ends, so the command's real output is all that stays.
 * Shown only where a person watches: with {@code --progress auto} (the default) when stderr is a terminal, always with
 * {@code --progress always}, never with {@code never}. The first update is drawn at once, later ones at most every
 * {@link #REDRAW_NS}. Time comes from {@code nanoClock}. Not thread-safe: call it from the command's thread.
 */
final class Progress implements AutoCloseable {
    /** When to show progress (the --progress option). */
    enum When { auto, always, never }

    static final long REDRAW_NS = 200_000_000L;

    private final PrintWriter err;
    private final boolean enabled;
    private final LongSupplier nanoClock;
    private long lastDrawNs;
    private boolean drawnOnce;
    private int drawnWidth = -1;

    Progress(PrintWriter err, boolean enabled, LongSupplier nanoClock) {
        this.err = err;
        this.enabled = enabled;
        this.nanoClock = nanoClock;
    }

    static Progress of(PrintWriter err, When when, BooleanSupplier stderrIsTerminal) {
        boolean enabled = switch (when) {
            case always -> true;
            case never -> false;
            case auto -> stderrIsTerminal.getAsBoolean();
        };
        return new Progress(err, enabled, System::nanoTime);
    }

    boolean enabled() {
        return enabled;
    }

    /** Redraws the line with {@code text} unless the last draw was less than {@link #REDRAW_NS} ago. */
    void update(Supplier<String> text) {
        if (!enabled) {
            return;
        }
        long now = nanoClock.getAsLong();
        if (drawnOnce && now - lastDrawNs < REDRAW_NS) {
            return;
        }
        draw(text.get(), now);
    }

    /** Draws {@code line} now, unthrottled: for the few steps of an operation, each of which may take a while. */
    void show(String line) {
        if (enabled) {
            draw(line, nanoClock.getAsLong());
        }
    }

    private void draw(String line, long now) {
        err.print("\r" + line + " ".repeat(Math.max(0, drawnWidth - line.length())));
        err.flush();
        drawnWidth = line.length();
        lastDrawNs = now;
        drawnOnce = true;
    }

    /**
     * Erases the line, if one was drawn; a later {@link #update} draws it again, throttled as before (so output that
     * goes to the same terminal between updates, such as consumed records, can erase it first without flicker).
     */
    void erase() {
        if (drawnWidth >= 0) {
            err.print("\r" + " ".repeat(drawnWidth) + "\r");
            err.flush();
            drawnWidth = -1;
        }
    }

    /** Erases the line, if one was drawn. */
    @Override
    public void close() {
        erase();
    }

    /**
     * Whether file descriptor 2 is a terminal, asked through jline's native provider (isatty), else its exec provider.
     * When neither can tell (an unusual platform), the answer is no: progress stays off rather than garbling a log.
     */
    static boolean stderrIsTerminal() {
        for (String provider : new String[]{"jni", "exec"}) {
            try {
                return TerminalProvider.load(provider).isSystemStream(SystemStream.Error);
            } catch (IOException | LinkageError | RuntimeException e) {
                // This provider is not usable here; the next one may be.
                continue;
            }
        }
        return false;
    }
}
