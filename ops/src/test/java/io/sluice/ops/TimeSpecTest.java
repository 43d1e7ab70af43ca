package io.sluice.ops;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class TimeSpecTest {
    private static final long NOW = 1_714_564_800_000L; // 2024-05-01T12:00:00Z

    @Test
    void readsEveryForm() {
        assertThat(TimeSpec.parse("--from", "now", NOW)).isEqualTo(NOW);
        assertThat(TimeSpec.parse("--from", "@1700000000000", NOW)).isEqualTo(1_700_000_000_000L);
        assertThat(TimeSpec.parse("--from", "2024-05-01T12:00:00Z", NOW)).isEqualTo(NOW);
        assertThat(TimeSpec.parse("--from", "2024-05-01T14:00:00.250+02:00", NOW)).isEqualTo(NOW + 250);
        assertThat(TimeSpec.parse("--from", "2024-05-01 12:00:00z", NOW)).isEqualTo(NOW);
        assertThat(TimeSpec.parse("--from", "2024-05-01", NOW)).isEqualTo(NOW - 12 * 3_600_000L);
        assertThat(TimeSpec.parse("--from", "-1h", NOW)).isEqualTo(NOW - 3_600_000L);
        assertThat(TimeSpec.parse("--from", "-1h30m", NOW)).isEqualTo(NOW - 5_400_000L);
        assertThat(TimeSpec.parse("--from", "-2d", NOW)).isEqualTo(NOW - 2 * 86_400_000L);
        assertThat(TimeSpec.parse("--from", "-1w", NOW)).isEqualTo(NOW - 7 * 86_400_000L);
        assertThat(TimeSpec.parse("--from", "-500ms", NOW)).isEqualTo(NOW - 500);
    }

    @Test
    void tellsTimesFromOffsetsAndRecordCounts() {
        assertThat(TimeSpec.looksLikeTime("-10")).as("ten records back").isFalse();
        assertThat(TimeSpec.looksLikeTime("42")).isFalse();
        assertThat(TimeSpec.looksLikeTime("start")).isFalse();
        assertThat(TimeSpec.looksLikeTime("-10m")).isTrue();
        assertThat(TimeSpec.looksLikeTime("@1")).isTrue();
        assertThat(TimeSpec.looksLikeTime("2024-05-01T00:00:00Z")).isTrue();
        assertThat(TimeSpec.looksLikeTime("2024-05-01")).isTrue();
        assertThat(TimeSpec.looksLikeTime("now")).isTrue();
    }

    @Test
    void refusesWhatItCannotReadWithTheReason() {
        assertThatThrownBy(() -> TimeSpec.parse("--to", "2024-05-01T12:00:00", NOW)).isInstanceOf(OpsException.class)
                .hasMessage("--to 2024-05-01T12:00:00: add the UTC offset (Z or +02:00): a time without one is ambiguous");
        assertThatThrownBy(() -> TimeSpec.parse("--to", "2024-13-01T00:00:00Z", NOW)).hasMessageStartingWith("--to 2024-13-01T00:00:00Z: not an RFC 3339 time");
        assertThatThrownBy(() -> TimeSpec.parse("--to", "@soon", NOW)).hasMessageContaining("epoch milliseconds");
        assertThatThrownBy(() -> TimeSpec.parse("--to", "@-5", NOW)).hasMessageContaining("cannot be negative");
        assertThatThrownBy(() -> TimeSpec.parse("--to", "-99999999999999999999d", NOW)).hasMessageContaining("too large");
        assertThatThrownBy(() -> TimeSpec.parse("--to", "-200000w", NOW)).hasMessageContaining("100 years");
        assertThatThrownBy(() -> TimeSpec.parse("--to", "yesterday", NOW)).hasMessageContaining("expected a time");
    }
}
