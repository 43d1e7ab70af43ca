package io.sluice.brokerd.api;

import io.sluice.brokerd.coordinator.CoordinatorLog;
import io.sluice.brokerd.group.GroupConfig;
import io.sluice.brokerd.group.GroupCoordinator;
import io.sluice.brokerd.log.RecordBatchBuilder;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.ListGroupsResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Clock;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/** What the group APIs answer while a partition of __consumer_offsets loads. */
@Timeout(10)
class GroupHandlersLoadingTest {
    /** Two empty partitions; nothing is ever written. */
    static final CoordinatorLog EMPTY = new CoordinatorLog() {
        @Override
        public int partitionCount() {
            return 2;
        }

        @Override
        public CompletableFuture<Void> append(int partition, List<RecordBatchBuilder.Entry> records, long nowMs) {
            throw new UnsupportedOperationException("no writes in this test");
        }

        @Override
        public void forEachRecord(int partition, Replay replay) {
        }
    };

    @Test
    void listGroupsAnswersLoadInProgressWhileAPartitionLoads() {
        ArrayDeque<Runnable> loads = new ArrayDeque<>();
        GroupCoordinator coordinator = new GroupCoordinator(new GroupConfig(1000, 60_000, 0, 10_000, 100), EMPTY, loads::add);
        coordinator.claimNone();
        GroupHandlers handlers = new GroupHandlers(coordinator, null, id -> Optional.empty(), id -> Optional.empty(), Clock.systemUTC());
        coordinator.becomeCoordinator(1, 0);
        ListGroupsResponseData loading = (ListGroupsResponseData) handlers.listGroups(new ListGroupsRequestData());
        assertThat(Errors.forCode(loading.errorCode())).isEqualTo(Errors.COORDINATOR_LOAD_IN_PROGRESS);
        loads.poll().run();
        ListGroupsResponseData loaded = (ListGroupsResponseData) handlers.listGroups(new ListGroupsRequestData());
        assertThat(Errors.forCode(loaded.errorCode())).isEqualTo(Errors.NONE);
    }
}
