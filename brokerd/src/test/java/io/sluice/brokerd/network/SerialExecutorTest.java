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

    private void runPool() {
        while (!pool.isEmpty()) {
            pool.pollFirst().run();
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
        try {
            executor.executeInlineIfIdle(() -> {
                throw new IllegalStateException("boom");
            });
        } catch (IllegalStateException expected) {
            ran.add("thrown");
        }
        executor.executeInlineIfIdle(() -> ran.add("next"));

        assertThat(ran).containsExactly("thrown", "next");
    }
}
