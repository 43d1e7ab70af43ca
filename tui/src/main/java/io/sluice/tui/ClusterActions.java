package io.sluice.tui;

import io.sluice.ops.ClusterConnection;
import io.sluice.ops.OffsetSeek;
import io.sluice.ops.OpsException;
import io.sluice.ops.Partitions;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;

import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The dashboard's actions on the cluster (seek a group, elect preferred leaders), run one at a time on their own
 * thread so the screen never waits for the cluster. Each outcome is handed to {@code toScreen} as a task for the
 * screen thread, which runs it (see {@link TopApp}). A failure becomes the outcome's one-line error: an
 * {@link OpsException} or client exception as its message, anything else as its class and message.
 */
final class ClusterActions implements Controller.Actions, AutoCloseable {
    private final ClusterConnection connection;
    private final Consumer<Runnable> toScreen;
    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "sluice-top-actions");
        t.setDaemon(true);
        return t;
    });

    ClusterActions(ClusterConnection connection, Consumer<Runnable> toScreen) {
        this.connection = connection;
        this.toScreen = toScreen;
    }

    @Override
    public void planSeek(String group, String to, Consumer<Controller.Outcome<OffsetSeek.Plan>> done) {
        run(() -> OffsetSeek.plan(connection, group, List.of(), to), done);
    }

    @Override
    public void executeSeek(OffsetSeek.Plan plan, Consumer<Controller.Outcome<OffsetSeek.Plan>> done) {
        run(() -> OffsetSeek.execute(connection, plan), done);
    }

    @Override
    public void electPreferred(List<TopicPartition> partitions, Consumer<Controller.Outcome<List<Partitions.ElectionResult>>> done) {
        run(() -> Partitions.electLeaders(connection, false, partitions), done);
    }

    private <T> void run(Callable<T> task, Consumer<Controller.Outcome<T>> done) {
        worker.execute(() -> {
            Controller.Outcome<T> outcome;
            try {
                outcome = new Controller.Outcome<>(task.call(), null);
            } catch (OpsException | KafkaException e) {
                outcome = new Controller.Outcome<>(null, e.getMessage());
            } catch (Exception e) {
                // a task boundary: whatever went wrong is shown to the operator, who asked for this action
                outcome = new Controller.Outcome<>(null, e.toString());
            }
            Controller.Outcome<T> result = outcome;
            toScreen.accept(() -> done.accept(result));
        });
    }

    /** Stops the worker; an action in flight is interrupted. */
    @Override
    public void close() {
        worker.shutdownNow();
        try {
            worker.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
