package io.sluice.brokerd.log;

import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.Executor;

/** An executor that only queues: the test runs the tasks when (and on whichever thread) it chooses. Thread-safe. */
final class ManualExecutor implements Executor {
    private final Queue<Runnable> tasks = new ArrayDeque<>();

    @Override
    public synchronized void execute(Runnable task) {
        tasks.add(task);
    }

    synchronized int pending() {
        return tasks.size();
    }

    /** Runs the queued tasks (and those they queue) on the calling thread; returns how many ran. */
    int runAll() {
        int ran = 0;
        Runnable next;
        while ((next = poll()) != null) {
            next.run();
            ran++;
        }
        return ran;
    }

    /** Runs the oldest queued task on the calling thread; false when none was queued. */
    boolean runNext() {
        Runnable next = poll();
        if (next == null) {
            return false;
        }
        next.run();
        return true;
    }

    private synchronized Runnable poll() {
        return tasks.poll();
    }
}
