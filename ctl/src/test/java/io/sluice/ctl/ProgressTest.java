package io.sluice.ctl;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

@Timeout(10)
class ProgressTest {
    private final StringWriter err = new StringWriter();
    private final AtomicLong nowNs = new AtomicLong(1_000);

    @Test
    void drawsTheFirstUpdateAtOnceThrottlesTheRestAndErasesAtTheEnd() {
        try (Progress p = new Progress(new PrintWriter(err), true, nowNs::get)) {
            p.update(() -> "sent 1");
            nowNs.addAndGet(Progress.REDRAW_NS - 1);
            p.update(() -> "sent 2");
            assertThat(err.toString()).isEqualTo("\rsent 1");
            nowNs.addAndGet(1);
            p.update(() -> "sent 100");
            p.show("step");
            assertThat(err.toString()).as("a shorter line blanks the rest of the longer one").isEqualTo("\rsent 1\rsent 100\rstep    ");
        }
        assertThat(err.toString()).endsWith("\rstep    \r" + " ".repeat(4) + "\r");
    }

    @Test
    void erasingForOtherOutputKeepsTheThrottle() {
        Progress p = new Progress(new PrintWriter(err), true, nowNs::get);
        p.update(() -> "read 1");
        p.erase();
        p.update(() -> "read 2");
        assertThat(err.toString()).as("no redraw within REDRAW_NS of the last").isEqualTo("\rread 1\r      \r");
        nowNs.addAndGet(Progress.REDRAW_NS);
        p.update(() -> "read 3");
        assertThat(err.toString()).endsWith("\rread 3");
    }

    @Test
    void disabledItPrintsNothing() {
        try (Progress p = new Progress(new PrintWriter(err), false, nowNs::get)) {
            p.update(() -> "sent 1");
            p.show("step");
        }
        assertThat(err.toString()).isEmpty();
    }

    @Test
    void autoFollowsWhetherStderrIsATerminal() {
        assertThat(Progress.of(new PrintWriter(err), Progress.When.auto, () -> true).enabled()).isTrue();
        assertThat(Progress.of(new PrintWriter(err), Progress.When.auto, () -> false).enabled()).isFalse();
        assertThat(Progress.of(new PrintWriter(err), Progress.When.always, () -> false).enabled()).isTrue();
        assertThat(Progress.of(new PrintWriter(err), Progress.When.never, () -> true).enabled()).isFalse();
    }

    @Test
    void underTheTestRunnerStderrIsAPipeNotATerminal() {
        assertThat(Progress.stderrIsTerminal()).isFalse();
    }
}
