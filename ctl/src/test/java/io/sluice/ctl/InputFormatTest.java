package io.sluice.ctl;

import io.sluice.ops.OpsException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(10)
class InputFormatTest {
    @Test
    void readsEveryDirective() {
        InputFormat f = InputFormat.parse("%p %T %k=%v|%h");
        InputFormat.Parsed p = f.read("2 1700000000000 user-1=clicked = twice|source=web,try=2", "line 1");
        assertThat(p.partition()).isEqualTo(2);
        assertThat(p.timestampMs()).isEqualTo(1_700_000_000_000L);
        assertThat(p.key()).isEqualTo("user-1");
        assertThat(p.value()).isEqualTo("clicked = twice");
        assertThat(p.headers()).containsExactly("source=web", "try=2");
    }

    @Test
    void theLastDirectiveTakesTheRestAndEscapesWork() {
        InputFormat.Parsed p = InputFormat.parse("%k\\t%v").read("k1\tv1\twith tab", "line 1");
        assertThat(p.key()).isEqualTo("k1");
        assertThat(p.value()).isEqualTo("v1\twith tab");
        assertThat(InputFormat.parse("100%% %v").read("100% all", "line 1").value()).isEqualTo("all");
        assertThat(InputFormat.parse("%v").read("just a value", "line 1")).isEqualTo(new InputFormat.Parsed(null, "just a value", null, null, List.of()));
    }

    @Test
    void badTemplatesAndLinesAreUsageErrorsNamingThem() {
        assertThatThrownBy(() -> InputFormat.parse("%k %o %v")).isInstanceOf(OpsException.class).hasMessageContaining("%o");
        assertThatThrownBy(() -> InputFormat.parse("%k")).isInstanceOf(OpsException.class).hasMessageContaining("%v");
        assertThatThrownBy(() -> InputFormat.parse("%v %v")).isInstanceOf(OpsException.class).hasMessageContaining("twice");
        assertThatThrownBy(() -> InputFormat.parse("%p %v").read("x y", "stdin line 3"))
                .isInstanceOf(OpsException.class).hasMessageContaining("stdin line 3");
    }
}
