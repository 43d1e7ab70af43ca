package io.sluice.brokerd.replica;

import io.sluice.brokerd.common.TopicPartition;
import io.sluice.brokerd.log.LogConfig;
import io.sluice.brokerd.log.LogManager;
import io.sluice.brokerd.metadata.MetadataWriter;
import io.sluice.brokerd.metadata.TopicRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

/**
 * What an append tells the purgatories: the produce handler calls {@link ReplicaManager#onAppended} right after its
 * records are in the log, so nothing a parked request does when woken may turn that append into an error.
 */
@Timeout(10)
class AppendListenersTest {
    private static final TopicPartition TP = new TopicPartition("t", 0);
    @TempDir
    Path dir;
    private final ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1);
    private LogManager logs;

    @AfterEach
    void close() {
        timer.shutdownNow();
        if (logs != null) {
            logs.close();
        }
    }

    private ReplicaManager replicas() {
        MetadataWriter unused = (MetadataWriter) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[]{MetadataWriter.class},
                (proxy, method, args) -> {
                    throw new UnsupportedOperationException(method.getName());
                });
        logs = LogManager.open(dir, t -> LogConfig.defaults(), Clock.systemUTC());
        return new ReplicaManager(logs, new TopicRegistry(unused, Map.of()), 1,
                new ReplicaManager.ReplicationConfig(30_000, 500, 1 << 20, "PLAINTEXT"));
    }

    @Test
    void aParkedFetchThatThrowsWhenAnAppendWakesItDoesNotFailTheAppendNorTheOtherWaiters() {
        ReplicaManager replicas = replicas();
        DelayedFetches fetches = new DelayedFetches(timer);
        DelayedFetches produces = new DelayedFetches(timer);
        replicas.addAppendListener(fetches::onAppend);
        replicas.addAppendListener(produces::onAppend);
        AtomicBoolean armed = new AtomicBoolean();
        fetches.park(new DelayedFetches.Waiter() {
            @Override
            public boolean tryComplete() {
                if (armed.get()) {
                    throw new StackOverflowError("fetch callback bug");
                }
                return false;
            }

            @Override
            public void forceComplete() {
            }
        }, List.of(TP), 60_000);
        DelayedFetchesTest.Waiter waitingProduce = new DelayedFetchesTest.Waiter();
        produces.park(waitingProduce, List.of(TP), 60_000);
        armed.set(true);
        waitingProduce.ready.set(true);

        assertThatCode(() -> replicas.onAppended(TP)).as("the append that woke them").doesNotThrowAnyException();
        assertThat(waitingProduce.answered.get()).as("the next purgatory is still told").isEqualTo(1);
    }

    @Test
    void aListenerThatThrowsDoesNotKeepTheOthersFromBeingTold() {
        ReplicaManager replicas = replicas();
        AtomicBoolean told = new AtomicBoolean();
        replicas.addAppendListener(tp -> {
            throw new IllegalStateException("listener bug");
        });
        replicas.addAppendListener(tp -> told.set(true));

        assertThatCode(() -> replicas.onAppended(TP)).doesNotThrowAnyException();
        assertThat(told).isTrue();
    }
}
