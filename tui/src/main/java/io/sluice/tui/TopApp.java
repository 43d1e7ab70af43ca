package io.sluice.tui;

import com.googlecode.lanterna.TerminalSize;
import com.googlecode.lanterna.input.KeyStroke;
import com.googlecode.lanterna.input.KeyType;
import com.googlecode.lanterna.screen.Screen;
import com.googlecode.lanterna.screen.TerminalScreen;
import com.googlecode.lanterna.terminal.DefaultTerminalFactory;
import com.googlecode.lanterna.terminal.Terminal;
import com.googlecode.lanterna.terminal.ansi.UnixLikeTerminal;
import io.sluice.ops.ClusterConnection;
import io.sluice.ops.OpsException;
import io.sluice.ops.RecordProbe;
import io.sluice.ops.SnapshotPoller;

import java.io.IOException;
import java.nio.charset.Charset;
import java.time.ZoneId;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code sluice top}: the live dashboard. Four threads: the poller (cluster calls, see {@link SnapshotPoller}), a key
 * reader (blocking terminal reads), the actions worker ({@link ClusterActions}: seek, elect) and this screen thread,
 * which owns the {@link ScreenState} and the screen and waits on one queue for keys, new poll states, actions'
 * outcomes and resizes, redrawing at least once a second so the data age stays true. Nothing on the screen thread
 * talks to the cluster.
 *
 * <p>The terminal goes back to its normal mode on q, on Ctrl-C (trapped as a key), on EOF, on a failure and, through a
 * shutdown hook, on SIGTERM/SIGINT from outside.
 */
public final class TopApp {
    private static final long REDRAW_MS = 1000;

    /** Where the cluster is and how to poll it. */
    public record Options(String bootstrap, Map<String, String> clientProperties, java.time.Duration timeout, long intervalMs,
                          Map<String, String> env) {
    }

    private TopApp() {
    }

    /** Runs the dashboard until the operator quits; returns the exit code. Needs a terminal on stdin/stdout. */
    public static int run(Options o) {
        if (System.console() == null) {
            throw new OpsException(OpsException.Kind.USAGE, "sluice top needs a terminal; for scripts use sluice top --once -o json");
        }
        BlockingQueue<Object> events = new LinkedBlockingQueue<>();
        try (ClusterConnection connection = new ClusterConnection(o.bootstrap(), o.clientProperties(), o.timeout());
             RecordProbe probe = new RecordProbe(o.bootstrap(), o.clientProperties())) {
            SnapshotPoller poller = new SnapshotPoller(connection, probe, o.intervalMs(), System::currentTimeMillis, events::offer);
            try (ClusterActions actions = new ClusterActions(connection, events::offer)) {
                Terminal terminal = new DefaultTerminalFactory(System.out, System.in, Charset.defaultCharset())
                        .setForceTextTerminal(true)
                        .setUnixTerminalCtrlCBehaviour(UnixLikeTerminal.CtrlCBehaviour.TRAP)
                        .createTerminal();
                return loop(o, new TerminalScreen(terminal), terminal, poller, actions, events);
            } finally {
                poller.close();
            }
        } catch (IOException e) {
            throw new OpsException(OpsException.Kind.ERROR, "terminal: " + e.getMessage(), e);
        }
    }

    private static int loop(Options o, Screen screen, Terminal terminal, SnapshotPoller poller, Controller.Actions actions,
                            BlockingQueue<Object> events) throws IOException {
        AtomicBoolean restored = new AtomicBoolean();
        Thread restoreOnExit = new Thread(() -> restore(screen, restored), "sluice-top-restore");
        Runtime.getRuntime().addShutdownHook(restoreOnExit);
        try {
            screen.startScreen();
            screen.setCursorPosition(null);
            terminal.addResizeListener((t, size) -> events.offer(size));
            Thread keys = new Thread(() -> readKeys(screen, events), "sluice-top-keys");
            keys.setDaemon(true);
            keys.start();
            poller.start();
            return run(o, screen, poller, actions, events);
        } finally {
            restore(screen, restored);
            Runtime.getRuntime().removeShutdownHook(restoreOnExit);
        }
    }

    private static int run(Options o, Screen screen, SnapshotPoller poller, Controller.Actions actions, BlockingQueue<Object> events)
            throws IOException {
        Dashboard dashboard = new Dashboard(o.bootstrap(), Theme.fromEnvironment(o.env()), ZoneId.systemDefault());
        ScreenState ui = new ScreenState();
        Controller controller = new Controller(ui, dashboard, new Controller.PollerControls() {
            @Override
            public void paused(boolean paused) {
                poller.paused(paused);
            }

            @Override
            public void stepInterval(int direction) {
                poller.stepInterval(direction);
            }

            @Override
            public void tail(SnapshotPoller.TailRequest request) {
                poller.tail(request);
            }
        }, actions);
        Screen.RefreshType refresh = Screen.RefreshType.COMPLETE;
        while (true) {
            TerminalSize size = screen.getTerminalSize();
            SnapshotPoller.State st = poller.state();
            dashboard.render(screen.newTextGraphics(), size, st, ui, System.currentTimeMillis());
            screen.refresh(refresh);
            refresh = Screen.RefreshType.DELTA;
            if (st.fatal() != null) {
                throw new OpsException(OpsException.Kind.ERROR, st.fatal());
            }
            Object event;
            try {
                event = events.poll(REDRAW_MS, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return 1;
            }
            if (event instanceof KeyStroke k) {
                controller.onKey(k, poller.state(), size.getRows() - Dashboard.BODY_TOP - 3);
            } else if (event instanceof Runnable outcome) {
                outcome.run(); // an action's outcome, handed over by ClusterActions
            } else if (event instanceof IOException e) {
                throw e;
            }
            if (screen.doResizeIfNecessary() != null) {
                refresh = Screen.RefreshType.COMPLETE;
            }
            if (ui.quit) {
                return 0;
            }
        }
    }

    /** Reads keys until EOF; an I/O failure is handed to the screen thread, which ends the dashboard with it. */
    private static void readKeys(Screen screen, BlockingQueue<Object> events) {
        try {
            while (true) {
                KeyStroke k = screen.readInput();
                events.offer(k);
                if (k.getKeyType() == KeyType.EOF) {
                    return;
                }
            }
        } catch (IOException e) {
            events.offer(e);
        }
    }

    private static void restore(Screen screen, AtomicBoolean restored) {
        if (restored.compareAndSet(false, true)) {
            try {
                screen.stopScreen();
            } catch (IOException e) {
                throw new OpsException(OpsException.Kind.ERROR, "restoring the terminal: " + e.getMessage(), e);
            }
        }
    }
}
