package io.sluice.brokerd.common;

import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class BoundedRegexTest {
    @Test
    void ordinaryPatternsMatchAsJavaRegexDoes() {
        Pattern p = Pattern.compile("orders-.*-tx[0-9]+");
        assertThat(BoundedRegex.matches(p, "orders-eu-tx42", BoundedRegex.DEFAULT_BUDGET)).isTrue();
        assertThat(BoundedRegex.matches(p, "orders-eu-tx", BoundedRegex.DEFAULT_BUDGET)).isFalse();
        assertThat(BoundedRegex.matches(p, "x".repeat(30_000), BoundedRegex.DEFAULT_BUDGET)).isFalse();
    }

    @Test
    void aCatastrophicallyBacktrackingPatternGivesUpInsteadOfHoldingTheThread() {
        // Unbounded, Java 17 needs about 14 s for this on one core (measured), and the cost grows steeply with the
        // input: a transactional id may be 32,767 characters long.
        Pattern evil = Pattern.compile("(.*a){12}");
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> BoundedRegex.matches(evil, "a".repeat(30) + "b".repeat(30), BoundedRegex.DEFAULT_BUDGET))
                .isInstanceOf(BoundedRegex.TooCostly.class).hasMessageContaining("(.*a){12}");
        assertThat(System.nanoTime() - t0).as("gave up early").isLessThan(TimeUnit.SECONDS.toNanos(5));
    }
}
