package io.sluice.brokerd.network;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

@Timeout(10)
class SerialExecutorTest {
    /** A pool that runs nothing until the test says so. */
    private final ArrayDeque<Runnable> pool = new ArrayDeque<>();
    private final SerialExecutor executor = new SerialExecutor(pool::addLast);
    private final List<String> ran = new ArrayList<>();

    /** Runs the pool's tasks as a ThreadPoolExecutor worker would: what a task throws ends that task only. */
    private void runPool() {
        while (!pool.isEmpty()) {
            try {
                pool.pollFirst().run();
            } catch (Throwable t) {
                ran.add("pool saw " + t.getClass().getSimpleName());
            }
        }
    }

    @Test
    void inlineTaskRunsOnTheCallerWhenIdle() {
        executor.executeInlineIfIdle(() -> ran.add("a"));

        assertThat(ran).containsExactly("a");
        assertThat(pool).isEmpty();
    }

    @Test
    void inlineTaskQueuesBehindPendingWork() {
        executor.execute(() -> ran.add("slow"));
        executor.executeInlineIfIdle(() -> ran.add("fast"));

        assertThat(ran).isEmpty();
        runPool();
        assertThat(ran).containsExactly("slow", "fast");
    }

    @Test
    void workSubmittedDuringAnInlineTaskRunsAfterItOnThePool() {
        executor.executeInlineIfIdle(() -> {
            executor.execute(() -> ran.add("second"));
            executor.executeInlineIfIdle(() -> ran.add("third"));
            ran.add("first");
        });

        assertThat(ran).containsExactly("first");
        runPool();
        assertThat(ran).containsExactly("first", "second", "third");
        executor.executeInlineIfIdle(() -> ran.add("idle again"));
        assertThat(ran).endsWith("idle again");
    }

    @Test
    void aThrowingInlineTaskLeavesTheExecutorUsable() {
        executor.executeInlineIfIdle(() -> {
            throw new IllegalStateException("boom");
        });
        executor.executeInlineIfIdle(() -> ran.add("next"));

        assertThat(ran).containsExactly("next");
    }

    @Test
    void anErrorThrownByAQueuedTaskDoesNotStallTheTasksBehindIt() {
        executor.execute(() -> {
            throw new StackOverflowError("deep");
        });
        executor.execute(() -> ran.add("behind"));
        runPool();
        executor.execute(() -> ran.add("later"));
        runPool();

        assertThat(ran).containsExactly("behind", "later");
    }
}
