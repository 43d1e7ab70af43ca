package io.sluice.bench;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ResultTableTest {
    @Test
    void rendersBothSystemsTheRatioAndReasonsForMissingFigures() {
        ResultTable t = new ResultTable("Kafka", "Kafka 4.2.1", "Sluice", "Sluice abc123");
        t.define("rps", "records/s", ResultTable.Better.HIGHER);
        t.define("rss", "idle RSS, MB", ResultTable.Better.LOWER);
        t.define("e", "3 brokers: records/s", ResultTable.Better.HIGHER);
        t.put("Kafka", "rps", 400_000);
        t.put("Sluice", "rps", 600_000);
        t.put("Kafka", "rss", 380);
        t.put("Sluice", "rss", 95.5);
        t.put("Kafka", "e", 117_000);
        t.notAvailable("Sluice", "e", "n/a (no cluster yet)");

        assertThat(t.render()).isEqualTo("""
                | figure | better | Kafka 4.2.1 | Sluice abc123 | Sluice/Kafka |
                | --- | --- | ---: | ---: | ---: |
                | records/s | higher | 400,000 | 600,000 | 1.50x |
                | idle RSS, MB | lower | 380.0 | 95.5 | 0.25x |
                | 3 brokers: records/s | higher | 117,000 | n/a (no cluster yet) |  |
                """);
    }

    @Test
    void severalRoundsShowTheMedian() {
        ResultTable t = new ResultTable("Kafka", "K", "Sluice", "S");
        t.define("rps", "records/s", ResultTable.Better.HIGHER);
        for (double v : new double[]{300, 100, 200}) {
            t.put("Kafka", "rps", v);
        }
        t.put("Sluice", "rps", 10);
        t.put("Sluice", "rps", 20);
        assertThat(t.value("Kafka", "rps")).isEqualTo(200.0);
        assertThat(t.value("Sluice", "rps")).isEqualTo(15.0);
        assertThat(t.value("Sluice", "other")).isNull();
        assertThat(t.render()).contains("| records/s | higher | 200.0 (100.0-300.0) | 15.0 (10.0-20.0) | 0.08x |");
    }

    @Test
    void smallValuesKeepThreeDecimals() {
        assertThat(ResultTable.format(0.52)).isEqualTo("0.520");
        assertThat(ResultTable.format(12.345)).isEqualTo("12.3");
        assertThat(ResultTable.format(1234567)).isEqualTo("1,234,567");
    }
}
