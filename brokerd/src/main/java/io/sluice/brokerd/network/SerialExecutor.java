package io.sluice.brokerd.network;

import io.sluice.brokerd.common.Fatal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.concurrent.Executor;

/**
 * Runs tasks one at a time, in submission order, on a shared pool. Each connection gets one, so the requests of a
 * connection are processed in the order they arrived (a producer's pipelined batches are appended in sequence)
 * while different connections use the pool in parallel. {@link #executeInlineIfIdle} runs a short, non-blocking
 * task on the calling thread (the event loop) when nothing of the connection is queued or running, which saves the
 * two thread hand-offs (to the pool and back) that dominate the cost of a small request; order is kept either way.
 * <p>
 * Each task is a task boundary: whatever it throws (an Error included) is logged and the next task runs, so one
 * failing task never stalls the connection. The request a failing task belonged to is answered by the dispatcher's
 * guard around its tasks ({@link RequestContext}); this is the net under it. An {@link OutOfMemoryError} ends the
 * process ({@link Fatal}). Thread-safe.
 */
final class SerialExecutor implements Executor {
    private static final Logger log = LoggerFactory.getLogger(SerialExecutor.class);
    private final Executor pool;
    private final ArrayDeque<Runnable> tasks = new ArrayDeque<>();
    private boolean running;

    SerialExecutor(Executor pool) {
        this.pool = pool;
    }

    @Override
    public void execute(Runnable task) {
        synchronized (tasks) {
            tasks.addLast(task);
            if (running) {
                return;
            }
            running = true;
        }
        pool.execute(this::runAll);
    }

    /**
     * Runs {@code task} now, on this thread, if no task is queued or running; otherwise queues it behind them as
     * {@link #execute} does. Tasks submitted while it runs wait for it and then go to the pool. Only for tasks that
     * never block: the caller is an event loop.
     */
    void executeInlineIfIdle(Runnable task) {
        synchronized (tasks) {
            if (running) {
                tasks.addLast(task);
                return;
            }
            running = true;
        }
        try {
            runSafely(task);
        } finally {
            boolean more;
            synchronized (tasks) {
                more = !tasks.isEmpty();
                running = more;
            }
            if (more) {
                pool.execute(this::runAll);
            }
        }
    }

    private void runAll() {
        while (true) {
            Runnable next;
            synchronized (tasks) {
                next = tasks.pollFirst();
                if (next == null) {
                    running = false;
                    return;
                }
            }
            runSafely(next);
        }
    }

    private static void runSafely(Runnable task) {
        try {
            task.run();
        } catch (Throwable t) {
            Fatal.exitOnOutOfMemory(t);
            log.error("A request task failed; the connection's next tasks run", t);
        }
    }
}
