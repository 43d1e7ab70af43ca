package io.sluice.brokerd.producer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

@Timeout(10)
class ProducerStateManagerTest {
    private final ProducerStateManager state = new ProducerStateManager(60_000);

    private void append(long pid, int epoch, int first, int last, long firstOffset) {
        state.onAppended(pid, (short) epoch, first, last, firstOffset, firstOffset + (last - first), 1000);
    }

    @Test
    void inOrderSequencesAreAcceptedAndGapsRefused() {
        assertThat(state.check(1, (short) 0, 0, 4)).isInstanceOf(SequenceCheck.Accept.class);
        append(1, 0, 0, 4, 0);
        assertThat(state.check(1, (short) 0, 5, 9)).isInstanceOf(SequenceCheck.Accept.class);
        SequenceCheck gap = state.check(1, (short) 0, 7, 9);
        assertThat(gap).isInstanceOf(SequenceCheck.Reject.class);
        assertThat(((SequenceCheck.Reject) gap).reason()).isEqualTo(SequenceCheck.Reason.OUT_OF_ORDER_SEQUENCE_NUMBER);
        assertThat(((SequenceCheck.Reject) gap).message()).contains("7").contains("5");
    }

    @Test
    void eachOfTheLastFiveBatchesIsRecognisedAsADuplicateButNotTheSixthOldest() {
        for (int b = 0; b < 6; b++) {
            append(1, 0, b * 10, b * 10 + 9, 100L * b);
        }
        for (int b = 1; b < 6; b++) {
            assertThat(state.check(1, (short) 0, b * 10, b * 10 + 9))
                    .isEqualTo(new SequenceCheck.Duplicate(100L * b, 100L * b + 9));
        }
        assertThat(state.check(1, (short) 0, 0, 9)).isInstanceOf(SequenceCheck.Reject.class);
    }

    @Test
    void epochsFenceOldProducersAndANewEpochStartsAtZero() {
        append(1, 3, 0, 0, 0);
        assertThat(((SequenceCheck.Reject) state.check(1, (short) 2, 1, 1)).reason())
                .isEqualTo(SequenceCheck.Reason.INVALID_PRODUCER_EPOCH);
        assertThat(((SequenceCheck.Reject) state.check(1, (short) 4, 1, 1)).reason())
                .isEqualTo(SequenceCheck.Reason.OUT_OF_ORDER_SEQUENCE_NUMBER);
        assertThat(state.check(1, (short) 4, 0, 0)).isInstanceOf(SequenceCheck.Accept.class);
    }

    @Test
    void sequencesWrapAroundAfterIntegerMax() {
        append(1, 0, Integer.MAX_VALUE - 1, Integer.MAX_VALUE, 0);
        assertThat(state.check(1, (short) 0, 0, 3)).isInstanceOf(SequenceCheck.Accept.class);
        assertThat(state.check(1, (short) 0, 1, 3)).isInstanceOf(SequenceCheck.Reject.class);
    }

    @Test
    void expiryForgetsSilentProducers() {
        append(1, 0, 0, 0, 5);
        state.removeExpired(1000 + 60_000);
        assertThat(state.producerCount()).isEqualTo(1);
        state.removeExpired(1000 + 60_001);
        assertThat(state.producerCount()).isZero();
    }

    @Test
    void theLastOffsetOfEachLiveProducerIsWhatCompactionMustKeep() {
        append(1, 0, 0, 4, 0);
        append(2, 0, 0, 0, 5);
        append(1, 0, 5, 6, 6);
        assertThat(state.lastOffsets()).isEqualTo(java.util.Map.of(1L, 7L, 2L, 5L));
        state.removeExpired(1000 + 60_001);
        assertThat(state.lastOffsets()).as("expired producers need nothing kept").isEmpty();
    }

    @Test
    void producerIdsAreUniqueAcrossManagersAndThreads() throws Exception {
        // Stands in for the controller, which commits each block before handing it out.
        java.util.concurrent.atomic.AtomicLong nextBlock = new java.util.concurrent.atomic.AtomicLong();
        ProducerIdManager.BlockSource controller = count -> nextBlock.getAndAdd(count);
        Set<Long> ids = ConcurrentHashMap.newKeySet();
        ProducerIdManager first = new ProducerIdManager(controller);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        for (int i = 0; i < 2000; i++) {
            pool.execute(() -> ids.add(first.nextProducerId()));
        }
        pool.shutdown();
        assertThat(pool.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
        assertThat(ids).hasSize(2000);
        // Another broker (or this one after a restart) never hands out an id already given.
        ProducerIdManager reopened = new ProducerIdManager(controller);
        Set<Long> more = new HashSet<>();
        for (int i = 0; i < 100; i++) {
            more.add(reopened.nextProducerId());
        }
        assertThat(more).doesNotContainAnyElementsOf(ids);
    }
}
