package io.sluice.ops;

import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The pure parts of safe changes: rollback contents and the files --from-file reads. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class PlansTest {
    @Test
    void aReassignmentRollbackIsKafkasJsonOfThePreviousReplicas() {
        List<Reassignments.Move> moves = List.of(new Reassignments.Move("orders", 3, List.of(1, 2), List.of(3, 2), List.of(3), List.of(1), 100));
        String undo = Reassignments.toJson(moves, true);
        assertThat(undo).contains("\"version\" : 1").contains("\"topic\" : \"orders\"").contains("\"log_dirs\"");
        assertThat(Reassignments.fromJson(undo, "f")).isEqualTo(Map.of(new TopicPartition("orders", 3), List.of(1, 2)));
        assertThat(Reassignments.fromJson(Reassignments.toJson(moves, false), "f")).isEqualTo(Map.of(new TopicPartition("orders", 3), List.of(3, 2)));
        // kafka-reassign-partitions.sh writes it compact, with log_dirs
        assertThat(Reassignments.fromJson("{\"version\":1,\"partitions\":[{\"topic\":\"t\",\"partition\":0,\"replicas\":[2,3],"
                + "\"log_dirs\":[\"any\",\"any\"]}]}", "f")).isEqualTo(Map.of(new TopicPartition("t", 0), List.of(2, 3)));
    }

    @Test
    void badReassignmentFilesNameTheProblem() {
        assertThatThrownBy(() -> Reassignments.fromJson("nope", "plan.json")).hasMessageStartingWith("plan.json: not JSON");
        assertThatThrownBy(() -> Reassignments.fromJson("{}", "plan.json")).hasMessageContaining("Kafka's reassignment JSON");
        assertThatThrownBy(() -> Reassignments.fromJson("{\"partitions\":[]}", "plan.json")).hasMessageContaining("no partitions");
        assertThatThrownBy(() -> Reassignments.fromJson("{\"partitions\":[{\"topic\":\"t\",\"partition\":0,\"replicas\":[]}]}", "plan.json"))
                .hasMessageContaining("plan.json partitions[0]: needs");
        assertThatThrownBy(() -> Reassignments.fromJson("{\"partitions\":[{\"topic\":\"t\",\"partition\":0,\"replicas\":[\"x\"]}]}", "p"))
                .hasMessageContaining("replicas must be broker ids");
    }

    @Test
    void aConfigUndoRestoresOverridesAndRemovesWhatWasDefault() {
        Configs.Plan plan = new Configs.Plan("topic:orders", List.of(
                new Configs.Change("retention.ms", "100", "DYNAMIC_TOPIC_CONFIG", "200"),
                new Configs.Change("cleanup.policy", "delete", "DEFAULT_CONFIG", "compact"),
                new Configs.Change("segment.ms", "5", "DYNAMIC_TOPIC_CONFIG", null),
                new Configs.Change("secret", null, "DYNAMIC_TOPIC_CONFIG", "x")));
        Configs.Undo undo = Configs.undo(plan);
        assertThat(undo.set()).isEqualTo(Map.of("retention.ms", "100", "segment.ms", "5"));
        assertThat(undo.delete()).containsExactly("cleanup.policy");
        assertThat(undo.unrestorable()).containsExactly("secret");
        Configs.Undo back = Configs.fromJson(Configs.toJson(undo), "f");
        assertThat(back.resource()).isEqualTo("topic:orders");
        assertThat(back.set()).isEqualTo(undo.set());
        assertThat(back.delete()).isEqualTo(undo.delete());
        assertThatThrownBy(() -> Configs.fromJson("{\"resource\": \"cluster:x\", \"set\": {}, \"delete\": []}", "f"))
                .hasMessageContaining("expected topic:NAME or broker:ID");
        assertThatThrownBy(() -> Configs.fromJson("[]", "f")).hasMessageContaining("the rollback file of sluice config set/delete");
    }

    @Test
    void anOffsetsRollbackIsTheCsvSeekReads() {
        OffsetSeek.Plan plan = new OffsetSeek.Plan("g", "start", false, List.of(new OffsetSeek.Move("t", 0, 42, 0, -42),
                new OffsetSeek.Move("t", 1, -1, 0, 0)));
        assertThat(OffsetSeek.undoCsv(plan, "sluice group seek g --to start")).isEqualTo("""
                # offsets of group g before: sluice group seek g --to start
                # undo: sluice group seek g --from-file THIS_FILE --execute
                t,0,42
                # t,1 had no committed offset
                """);
    }

    @Test
    void ratesReadAsOperatorsWriteThem() {
        assertThat(ByteRate.parse("--throttle", "50MB/s")).isEqualTo(50_000_000L);
        assertThat(ByteRate.parse("--throttle", "20MiB/s")).isEqualTo(20L * 1024 * 1024);
        assertThat(ByteRate.parse("--throttle", "512kB")).isEqualTo(512_000L);
        assertThat(ByteRate.parse("--throttle", "1.5GiB/s")).isEqualTo((long) (1.5 * 1024 * 1024 * 1024));
        assertThat(ByteRate.parse("--throttle", "1048576")).isEqualTo(1_048_576L);
        assertThatThrownBy(() -> ByteRate.parse("--throttle", "fast")).hasMessageStartingWith("--throttle fast: expected a rate");
        assertThatThrownBy(() -> ByteRate.parse("--throttle", "0")).hasMessageContaining("at least 1 byte");
    }
}
