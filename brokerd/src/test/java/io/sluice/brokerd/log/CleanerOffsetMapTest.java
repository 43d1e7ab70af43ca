package io.sluice.brokerd.log;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(10)
class CleanerOffsetMapTest {
    static byte[] key(int i) {
        return ("key-" + i).getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void staysWithinItsBytesAndRefusesNewKeysWhenFull() {
        CleanerOffsetMap map = CleanerOffsetMap.sized(24 * 100, 1_000_000);
        assertThat(map.sizeBytes()).isLessThanOrEqualTo(24 * 100);
        assertThat(map.capacity()).isEqualTo(90);
        for (int i = 0; i < 90; i++) {
            assertThat(map.put(key(i), i)).isTrue();
        }
        assertThat(map.put(key(90), 90)).as("a new key once full").isFalse();
        assertThat(map.get(key(90))).isEqualTo(-1);
        assertThat(map.put(key(7), 1000)).as("a known key still moves on").isTrue();
        assertThat(map.get(key(7))).isEqualTo(1000);
        assertThat(map.get(key(8))).isEqualTo(8);
        assertThat(map.size()).isEqualTo(90);
        map.clear();
        assertThat(map.size()).isZero();
        assertThat(map.get(key(7))).isEqualTo(-1);
    }

    @Test
    void isOnlyAsLargeAsTheKeysNeed() {
        CleanerOffsetMap map = CleanerOffsetMap.sized(LogCleaner.DEFAULT_DEDUPE_BUFFER_BYTES, 1000);
        assertThat(map.capacity()).isGreaterThanOrEqualTo(1000);
        assertThat(map.sizeBytes()).isLessThan(24 * 1200);
        for (int i = 0; i < 1000; i++) {
            assertThat(map.put(key(i), i)).isTrue();
        }
        for (int i = 0; i < 1000; i++) {
            assertThat(map.get(key(i))).isEqualTo(i);
        }
    }

    @Test
    void aBufferTooSmallForOneKeyIsRefused() {
        assertThatThrownBy(() -> CleanerOffsetMap.sized(30, 10)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("holds no key");
        assertThatThrownBy(() -> new LogCleaner(40)).hasMessageContaining("log.cleaner.dedupe.buffer.size");
    }
}
