package io.sluice.brokerd.replica;

import io.sluice.brokerd.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

@Timeout(10)
class DelayedFetchesTest {
    private final ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1);
    private final DelayedFetches delayed = new DelayedFetches(timer);
    private static final TopicPartition TP = new TopicPartition("t", 0);

    @AfterEach
    void stop() {
        timer.shutdownNow();
    }

    /** A waiter that becomes satisfiable once {@code ready} is set; counts completions. */
    static final class Waiter implements DelayedFetches.Waiter {
        final AtomicBoolean ready = new AtomicBoolean();
        final AtomicInteger answered = new AtomicInteger();
        final AtomicInteger forced = new AtomicInteger();
        final CountDownLatch done = new CountDownLatch(1);

        @Override
        public boolean tryComplete() {
            if (ready.get()) {
                answered.incrementAndGet();
                done.countDown();
                return true;
            }
            return false;
        }

        @Override
        public void forceComplete() {
            forced.incrementAndGet();
            done.countDown();
        }
    }

    @Test
    void anAppendWakesTheParkedFetchOnceAndItLeavesThePurgatory() {
        Waiter w = new Waiter();
        delayed.park(w, List.of(TP), 60_000);
        delayed.onAppend(TP);
        assertThat(w.answered.get()).as("not enough data yet").isZero();
        assertThat(delayed.parkedCount()).isEqualTo(1);
        w.ready.set(true);
        delayed.onAppend(new TopicPartition("other", 0));
        assertThat(w.answered.get()).as("appends elsewhere do not wake it").isZero();
        delayed.onAppend(TP);
        delayed.onAppend(TP);
        assertThat(w.answered.get()).isEqualTo(1);
        assertThat(w.forced.get()).isZero();
        assertThat(delayed.parkedCount()).isZero();
    }

    @Test
    void theWaitExpiresWithAForcedAnswer() throws Exception {
        Waiter w = new Waiter();
        delayed.park(w, List.of(TP), 50);
        assertThat(w.done.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(w.forced.get()).isEqualTo(1);
        w.ready.set(true);
        delayed.onAppend(TP);
        assertThat(w.answered.get()).as("an expired fetch is not answered twice").isZero();
    }

    @Test
    void dataThatArrivedBeforeParkingCompletesImmediately() {
        Waiter w = new Waiter();
        w.ready.set(true);
        delayed.park(w, List.of(TP), 60_000);
        assertThat(w.answered.get()).isEqualTo(1);
        assertThat(delayed.parkedCount()).isZero();
    }

    @Test
    void answeredFetchesLeaveOneTimerArmedNotOneEach() {
        for (int i = 0; i < 100; i++) {
            Waiter w = new Waiter();
            delayed.park(w, List.of(TP), 60_000);
            w.ready.set(true);
            delayed.onAppend(TP);
            assertThat(w.answered.get()).isEqualTo(1);
        }
        assertThat(timer.getQueue()).hasSize(1);
        assertThat(delayed.parkedCount()).isZero();
    }

    @Test
    void aFetchParkedBehindAnsweredOnesStillExpires() throws Exception {
        Waiter first = new Waiter();
        delayed.park(first, List.of(TP), 20);
        first.ready.set(true);
        delayed.onAppend(TP);
        Waiter second = new Waiter();
        delayed.park(second, List.of(TP), 40);
        assertThat(second.done.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(second.forced.get()).isEqualTo(1);
        assertThat(first.forced.get()).as("answered before its deadline").isZero();
    }

    @Test
    void aShorterWaitParkedLaterExpiresFirst() throws Exception {
        Waiter longWait = new Waiter();
        delayed.park(longWait, List.of(TP), 60_000);
        Waiter shortWait = new Waiter();
        delayed.park(shortWait, List.of(new TopicPartition("t", 1)), 30);
        assertThat(shortWait.done.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(shortWait.forced.get()).isEqualTo(1);
        assertThat(longWait.forced.get()).isZero();
        assertThat(delayed.parkedCount()).isEqualTo(1);
    }

    /** A waiter whose checks fail with {@code failure} once armed; records the abort it gets. */
    static final class FailingWaiter implements DelayedFetches.Waiter {
        final Throwable failure;
        final AtomicBoolean armed = new AtomicBoolean();
        final List<Throwable> aborted = new java.util.concurrent.CopyOnWriteArrayList<>();
        final CountDownLatch abortedLatch = new CountDownLatch(1);

        FailingWaiter(Throwable failure) {
            this.failure = failure;
        }

        @Override
        public boolean tryComplete() {
            if (armed.get()) {
                throw sneaky(failure);
            }
            return false;
        }

        @Override
        public void forceComplete() {
            throw sneaky(failure);
        }

        @Override
        public void abort(Throwable cause) {
            aborted.add(cause);
            abortedLatch.countDown();
        }

        @SuppressWarnings("unchecked")
        private static <T extends Throwable> RuntimeException sneaky(Throwable t) throws T {
            throw (T) t;
        }
    }

    @Test
    void aWaiterThatThrowsWhenAnAppendWakesItIsAbortedAndTheAppendAndTheOtherWaitersGoOn() {
        Waiter before = new Waiter();
        delayed.park(before, List.of(TP), 60_000);
        FailingWaiter failing = new FailingWaiter(new StackOverflowError("waiter bug"));
        delayed.park(failing, List.of(TP), 60_000);
        Waiter after = new Waiter();
        delayed.park(after, List.of(TP), 60_000);
        before.ready.set(true);
        after.ready.set(true);
        failing.armed.set(true);

        delayed.onAppend(TP); // must not throw: the caller is the append that woke the waiters

        assertThat(before.answered.get()).isEqualTo(1);
        assertThat(after.answered.get()).isEqualTo(1);
        assertThat(failing.aborted).hasSize(1).first().isInstanceOf(StackOverflowError.class);
        assertThat(delayed.parkedCount()).as("the failed waiter left the purgatory too").isZero();
        delayed.onAppend(TP);
        assertThat(failing.aborted).as("aborted once").hasSize(1);
    }

    @Test
    void aWaiterThatThrowsWhenItsWaitExpiresIsAbortedAndTheOthersDueStillExpire() throws Exception {
        FailingWaiter failing = new FailingWaiter(new IllegalStateException("expiry bug"));
        delayed.park(failing, List.of(TP), 20);
        Waiter other = new Waiter();
        delayed.park(other, List.of(new TopicPartition("t", 1)), 20);
        assertThat(failing.abortedLatch.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(other.done.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(other.forced.get()).isEqualTo(1);
        assertThat(failing.aborted).hasSize(1);
    }

    @Test
    void aCancelledWaiterLeavesAtOnceAndIsNeverAnswered() throws Exception {
        Waiter w = new Waiter();
        DelayedFetches.Handle handle = delayed.park(w, List.of(TP), 50);
        assertThat(delayed.parkedCount()).isEqualTo(1);

        assertThat(handle.cancel()).isTrue();
        assertThat(delayed.parkedCount()).isZero();
        assertThat(delayed.cancelledCount()).isEqualTo(1);
        w.ready.set(true);
        delayed.onAppend(TP);
        Waiter later = new Waiter();
        delayed.park(later, List.of(TP), 60);
        assertThat(later.done.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(w.answered.get() + w.forced.get()).as("neither woken nor expired").isZero();
        assertThat(handle.cancel()).as("cancelled once").isFalse();

        Waiter answered = new Waiter();
        answered.ready.set(true);
        assertThat(delayed.park(answered, List.of(TP), 60_000).cancel()).as("an answered request cannot be cancelled").isFalse();
        assertThat(delayed.cancelledCount()).isEqualTo(1);
    }
}
