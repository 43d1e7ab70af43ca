package io.sluice.brokerd.log;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.channels.ClosedChannelException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static io.sluice.brokerd.log.LogTestSegments.append;
import static io.sluice.brokerd.log.LogTestSegments.values;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(10)
class LogSegmentsTest {
    @TempDir
    Path dir;

    /** Three segments: [0,2) [2,4) and the active [4,5). */
    private LogSegments threeSegments() throws Exception {
        LogSegments segments = new LogSegments(dir, "t-0", LogFileChannels.DEFAULT);
        segments.createActive(0, 4096, 1_000);
        append(segments, 0, 1_000, "a", "b");
        segments.createActive(2, 4096, 1_000);
        append(segments, 0, 1_000, "c", "d");
        segments.createActive(4, 4096, 1_000);
        append(segments, 0, 1_000, "e");
        return segments;
    }

    private List<String> files() throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void segmentsAreFoundByTheOffsetsTheyHold() throws Exception {
        LogSegments segments = threeSegments();
        assertThat(segments.count()).isEqualTo(3);
        assertThat(segments.active().baseOffset).isEqualTo(4);
        assertThat(segments.floor(3).baseOffset).isEqualTo(2);
        assertThat(segments.floor(4).baseOffset).isEqualTo(4);
        assertThat(segments.next(segments.first()).baseOffset).isEqualTo(2);
        assertThat(segments.next(segments.active())).isNull();
        assertThat(segments.from(3)).extracting(s -> s.baseOffset).containsExactly(2L, 4L);
        assertThat(segments.inactive()).extracting(s -> s.baseOffset).containsExactly(0L, 2L);
        assertThat(segments.sizeBytes()).isEqualTo(segments.all().stream().mapToLong(Segment::committedSizeBytes).sum());
        segments.closeAll();
    }

    @Test
    void aRetiredSegmentLeavesTheListAtOnceButItsFilesOnlyWhenDue() throws Exception {
        LogSegments segments = threeSegments();
        Segment middle = segments.get(2);
        FileSlice held = new FileSlice(middle.channel(), 0, middle.committedSizeBytes());

        segments.retire(middle, 5_000);

        assertThat(segments.get(2)).isNull();
        assertThat(segments.floor(3).baseOffset).as("offsets 2-3 fall to the segment below").isZero();
        assertThat(files()).contains("00000000000000000002.log.deleted").doesNotContain("00000000000000000002.log");
        assertThat(values(held, 0)).containsExactly("c", "d");
        segments.deleteDue(4_999);
        assertThat(values(held, 0)).containsExactly("c", "d");
        assertThat(segments.retiredCount()).isOne();

        segments.deleteDue(5_000);

        assertThat(segments.retiredCount()).isZero();
        assertThat(files()).noneMatch(n -> n.startsWith("00000000000000000002"));
        assertThatThrownBy(held::readFully).isInstanceOf(ClosedChannelException.class);
        segments.closeAll();
    }

    @Test
    void theActiveSegmentIsReplacedByAnEmptyOneWithoutTheListEverBeingEmpty() throws Exception {
        LogSegments segments = threeSegments();
        for (Segment s : segments.inactive()) {
            segments.retire(s, 9_000);
        }
        Segment old = segments.active();
        FileSlice held = new FileSlice(old.channel(), 0, old.committedSizeBytes());

        Segment fresh = segments.replaceActiveWithEmpty(old, 4, 4096, 2_000, 9_000);

        assertThat(segments.count()).isOne();
        assertThat(segments.active()).isSameAs(fresh);
        assertThat(fresh.isEmpty()).isTrue();
        assertThat(values(held, 0)).as("the old files under the same name, renamed").containsExactly("e");
        assertThat(files()).contains("00000000000000000004.log", "00000000000000000004.log.deleted");
        segments.replaceActiveWithEmpty(fresh, 100, 4096, 2_000, 9_000);
        assertThat(segments.active().baseOffset).isEqualTo(100);
        assertThat(segments.count()).isOne();
        segments.closeAll();
    }

    @Test
    void aReplacedSegmentGivesWayToItsRewriteUnderTheSameBaseOffset() throws Exception {
        LogSegments segments = threeSegments();
        Segment old = segments.get(0);
        FileSlice held = new FileSlice(old.channel(), 0, old.committedSizeBytes());
        old.markDeleted();
        Segment rewritten = segments.createActive(0, 4096, 2_000);
        // createActive put it at 0; replace() records the swap and queues the old one.
        segments.replace(old, rewritten, 9_000);

        assertThat(segments.get(0)).isSameAs(rewritten);
        assertThat(values(held, 0)).containsExactly("a", "b");
        assertThat(segments.retiredCount()).isOne();
        segments.closeAll();
        assertThat(segments.retiredCount()).as("a deleted log forgets its retired files").isZero();
    }
}
