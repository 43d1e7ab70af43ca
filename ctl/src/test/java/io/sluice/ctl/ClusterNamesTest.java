package io.sluice.ctl;

import io.sluice.ops.OpsException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

@Timeout(10)
class ClusterNamesTest {
    /** Counts fetches; fails while {@code down}. */
    static final class FakeSource implements ClusterNames.Source {
        final List<String> topics = new ArrayList<>(List.of("a"));
        int fetches;
        boolean down;

        @Override
        public List<String> topics() {
            fetches++;
            if (down) {
                throw new OpsException(OpsException.Kind.ERROR, "listing topics: no answer from 127.0.0.1:1 within 2 s");
            }
            return topics;
        }

        @Override
        public List<String> groups() {
            fetches++;
            return List.of("g");
        }
    }

    private final AtomicLong nowNs = new AtomicLong();
    private final FakeSource source = new FakeSource();
    private final ClusterNames names = new ClusterNames(source, nowNs::get, 1_000);

    @Test
    void namesAreReusedUntilTheTtlPasses() {
        assertThat(names.topics()).containsExactly("a");
        source.topics.add("b");
        nowNs.set(999);
        assertThat(names.topics()).containsExactly("a");
        assertThat(source.fetches).isEqualTo(1);
        nowNs.set(1_000);
        assertThat(names.topics()).containsExactly("a", "b");
        assertThat(source.fetches).isEqualTo(2);
        assertThat(names.groups()).containsExactly("g");
        assertThat(source.fetches).isEqualTo(3);
    }

    @Test
    void invalidateForcesAFreshFetch() {
        names.topics();
        source.topics.add("b");
        names.invalidate();
        assertThat(names.topics()).containsExactly("a", "b");
    }

    @Test
    void aFailedFetchGivesNoNamesIsRememberedAndIsNotRetriedOnEveryTab() {
        source.down = true;
        assertThat(names.topics()).isEmpty();
        assertThat(names.lastFailure()).contains("no answer from 127.0.0.1:1");
        assertThat(names.topics()).isEmpty();
        assertThat(source.fetches).isEqualTo(1);
        source.down = false;
        nowNs.set(1_000);
        assertThat(names.topics()).containsExactly("a");
        assertThat(names.lastFailure()).isNull();
    }
}
