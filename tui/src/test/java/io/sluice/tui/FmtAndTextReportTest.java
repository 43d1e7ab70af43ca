package io.sluice.tui;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Narrow-column formatting, sparklines and the --once text report. */
@Timeout(10)
class FmtAndTextReportTest {

    @Test
    void numbersSizesDurations() {
        assertThat(Fmt.count(1234567)).isEqualTo("1,234,567");
        assertThat(Fmt.count(-1)).isEqualTo("-");
        assertThat(Fmt.rate(12.34)).isEqualTo("12.3");
        assertThat(Fmt.rate(450)).isEqualTo("450");
        assertThat(Fmt.rate(45_000)).isEqualTo("45.0k");
        assertThat(Fmt.rate(12_500_000)).isEqualTo("12.5M");
        assertThat(Fmt.bytes(512)).isEqualTo("512 B");
        assertThat(Fmt.bytes(4_200_000)).isEqualTo("4.0 MiB");
        assertThat(Fmt.bytes(72_000)).isEqualTo("70 KiB");
        assertThat(Fmt.bytes(-1)).isEqualTo("-");
        assertThat(Fmt.duration(42_000)).isEqualTo("42s");
        assertThat(Fmt.duration(185_000)).isEqualTo("3m05s");
        assertThat(Fmt.duration(7_800_000)).isEqualTo("2h10m");
        assertThat(Fmt.duration(100_000_000)).isEqualTo("1d03h");
        assertThat(Fmt.fit("partitions", 6, "…")).isEqualTo("parti…");
        assertThat(Fmt.fit("ok", 6, "…")).isEqualTo("ok");
    }

    @Test
    void payloadPreviews() {
        assertThat(Fmt.payload(null)).isEqualTo("null");
        assertThat(Fmt.payload("a\tb".getBytes(StandardCharsets.UTF_8))).isEqualTo("a.b");
        assertThat(Fmt.payload(new byte[]{0, (byte) 0xff})).isEqualTo("0x00ff");
        byte[] big = "é".repeat(600).getBytes(StandardCharsets.UTF_8);
        assertThat(Fmt.payload(big)).isEqualTo("é".repeat(512) + "...");
        byte[] odd = ("x" + "é".repeat(600)).getBytes(StandardCharsets.UTF_8);
        assertThat(Fmt.payload(odd)).isEqualTo("x" + "é".repeat(511) + "...");
    }

    @Test
    void sparklineScalesToTheLargestSample() {
        List<io.sluice.ops.LagTrend.Sample> s = List.of(new io.sluice.ops.LagTrend.Sample(0, 0),
                new io.sluice.ops.LagTrend.Sample(1, 50), new io.sluice.ops.LagTrend.Sample(2, 100));
        assertThat(GroupViews.sparkline(s, 10, "12345678")).isEqualTo("158");
        assertThat(GroupViews.sparkline(s, 2, "12345678")).isEqualTo("58");
        assertThat(GroupViews.sparkline(List.of(new io.sluice.ops.LagTrend.Sample(0, 0)), 10, "12345678")).isEqualTo("1");
    }

    @Test
    void textReportHasEveryPage() {
        String text = TextReport.render(Fixtures.snapshot(Fixtures.T0, 13_000, 9_000), "127.0.0.1:9092", 100);
        assertThat(text).startsWith("sluice top  127.0.0.1:9092  cluster sluice-test-cluster  at 2023-11-14T22:13:20Z\n")
                .contains("Partitions  1 offline, 5 under-replicated, 1 under min ISR")
                .contains("broker 3 down: 1 partition offline: orders-2\n  5 partitions under-replicated: 2 of orders, 3 of __consumer_offsets")
                .contains("Brokers  2 up, 1 down").contains("(not registered)")
                .contains("Topics  2 topics, 5 partitions").contains("1 OFFLINE")
                .contains("leader skew").contains("Groups  2 groups").contains("Group billing").contains("Group audit")
                .containsPattern("orders-0 +L +F +!").as("internal topics hidden, as on the dashboard").doesNotContain("__consumer_offsets-0")
                .containsPattern("Group billing  Stable  -  2 members").as("one look: no lag status yet")
                .containsPattern("orders +1 +6,500 +6,500 +0 +0s OK ");
        assertThat(TextReport.render(Fixtures.snapshot(Fixtures.T0, 1, 1).withWarnings(List.of("group g: timed out (group not shown)")),
                "b:1", 100)).contains("Z\nwarning: group g: timed out (group not shown)\n\n");
        assertThat(text.lines()).allSatisfy(l -> assertThat(l.length()).isLessThanOrEqualTo(100));
        assertThat(text).doesNotContain("jk move");
    }
}
